/**
 * `tfedge [tinkerforge_mqtt flags]`: the drop-in bridge as a process. Parses
 * the command line like the reference (help, version, usage errors 2,
 * cmdline file 32, prefix 33), runs the bridge until SIGINT/SIGTERM (exit 0)
 * or a fatal error (init file 31, authentication 26, ...).
 *
 * @module
 */

import { BridgeExit, MqttBridge } from "./bridge.ts";
import { EXIT_OTHER_ERROR } from "./exit_codes.ts";
import { BridgeLogger } from "./log.ts";
import { parseBridgeArgs, REFERENCE_VERSION } from "./options.ts";
import { SdNotifier, startWatchdog } from "../agent/sd_notify.ts";

/** Where {@link runBridge} writes; tests replace it. */
export interface RunBridgeIo {
  /** Default: Deno.stdout */
  readonly stdout?: (text: string) => void;
  /** Default: Deno.stderr */
  readonly stderr?: (text: string) => void;
  /** Default: a stderr logger, DEBUG with `--debug` */
  readonly logger?: BridgeLogger;
  /** Resolves when the bridge should stop; default: SIGINT or SIGTERM */
  readonly stopSignal?: Promise<void>;
}

const encoder = new TextEncoder();

/** Writes all of `text` to a file such as `Deno.stdout`. */
export function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
}

/** Python's `shutil.get_terminal_size().columns`: $COLUMNS, the terminal, else 80. */
export function terminalColumns(): number {
  try {
    const fromEnv = Number(Deno.env.get("COLUMNS"));
    if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  } catch {
    // no --allow-env: fall through
  }
  try {
    if (Deno.stdout.isTerminal()) return Deno.consoleSize().columns;
  } catch {
    // not a terminal after all
  }
  return 80;
}

/** SIGINT or SIGTERM, whichever comes first; `remove` unregisters both. */
function signals(): { promise: Promise<void>; remove: () => void } {
  const { promise, resolve } = Promise.withResolvers<void>();
  const onSignal = () => resolve();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  return {
    promise,
    remove: () => {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
    },
  };
}

/** Runs the bridge with `argv`; resolves with the process exit code. */
export async function runBridge(argv: readonly string[], io: RunBridgeIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((text: string) => writeAll(Deno.stdout, text));
  const stderr = io.stderr ?? ((text: string) => writeAll(Deno.stderr, text));
  const parsed = parseBridgeArgs(argv, { columns: terminalColumns() });
  if (!("options" in parsed)) {
    if (parsed.stdout !== undefined) stdout(parsed.stdout);
    if (parsed.stderr !== undefined) stderr(parsed.stderr);
    return parsed.exitCode;
  }
  const options = parsed.options;
  const logger = io.logger ?? new BridgeLogger({ debug: options.debug });
  logger.info(`Starting Tinkerforge MQTT bindings ${REFERENCE_VERSION}`);

  const stopSignal = io.stopSignal === undefined ? signals() : undefined;
  const stopRequested = io.stopSignal ?? stopSignal!.promise;
  const bridge = new MqttBridge(options, { logger });
  // systemd (Type=notify): READY as soon as the process runs its loops, not once the broker
  // and brickd are reachable, else a broker that is down at boot makes the start time out
  // and loop. The watchdog pings prove the event loop is alive. No-ops outside systemd.
  const notifier = new SdNotifier({ warn: (message) => logger.warning(message) });
  let watchdog: { stop(): void } | undefined;
  try {
    const started = bridge.start();
    await notifier.ready("bridge starting");
    watchdog = startWatchdog(notifier, { warn: (message) => logger.warning(message) });
    const first = await Promise.race([
      started.then(() => "started" as const),
      stopRequested.then(() => "stop" as const),
    ]);
    if (first === "started") await stopRequested;
    await bridge.stop();
    await started; // settles once stop() has ended a start sequence still under way
    return 0;
  } catch (error) {
    await bridge.stop();
    if (error instanceof BridgeExit) {
      if (error.stdout !== undefined) stdout(error.stdout);
      return error.exitCode;
    }
    logger.critical(error instanceof Error ? error.message : String(error));
    return EXIT_OTHER_ERROR;
  } finally {
    watchdog?.stop();
    await notifier.stopping();
    notifier.close();
    stopSignal?.remove();
  }
}
