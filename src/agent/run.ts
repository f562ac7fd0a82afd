/**
 * The agent as a process: logger, signals, systemd notification, exit codes.
 *
 * READY goes to systemd as soon as the parts run, not once brickd, the broker and ThingsBoard
 * answer: at boot they often come later, and a unit waiting for them would time out and loop.
 * Exit codes are the bridge's (init file 31, authentication 26, ...), 0 after SIGINT/SIGTERM,
 * 1 for anything unexpected.
 *
 * @module
 */

import type { AgentConfig } from "../config/schema.ts";
import { BridgeExit } from "../bridge/bridge.ts";
import { EXIT_OTHER_ERROR } from "../bridge/exit_codes.ts";
import { BridgeLogger } from "../bridge/log.ts";
import { REFERENCE_VERSION } from "../bridge/options.ts";
import { VERSION } from "../version.ts";
import { Agent, type AgentDependencies } from "./agent.ts";
import { SdNotifier, startWatchdog } from "./sd_notify.ts";

/** Where {@link runAgent} writes and what ends it; tests replace these. */
export interface RunAgentIo {
  /** Default: Deno.stdout */
  readonly stdout?: (text: string) => void;
  /** Default: a stderr logger, DEBUG with `--debug` */
  readonly logger?: BridgeLogger;
  /** Resolves when the agent should stop; default: SIGINT or SIGTERM */
  readonly stopSignal?: Promise<void>;
  /** Configuration warnings to log once the logger exists */
  readonly warnings?: readonly string[];
  /** Passed to the agent (tests tune retry delays) */
  readonly dependencies?: AgentDependencies;
}

const encoder = new TextEncoder();

function writeStdout(text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
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

/** Runs the agent until stopped; resolves with the process exit code. */
export async function runAgent(config: AgentConfig, io: RunAgentIo = {}): Promise<number> {
  const stdout = io.stdout ?? writeStdout;
  const logger = io.logger ?? new BridgeLogger({ debug: config.bridge.options.debug });
  if (config.bridge.enabled) logger.info(`Starting Tinkerforge MQTT bindings ${REFERENCE_VERSION}`);
  const agentLog = logger.child("agent");
  agentLog.info(`tfedge ${VERSION} starting (ThingsBoard ${describeCloud(config)})`);
  for (const warning of io.warnings ?? []) agentLog.warning(warning);

  const stopSignal = io.stopSignal === undefined ? signals() : undefined;
  const stopRequested = io.stopSignal ?? stopSignal!.promise;
  const agent = new Agent(config, { logger, ...io.dependencies });
  const notifier = new SdNotifier({ warn: (message) => logger.warning(message) });
  let watchdog: { stop(): void } | undefined;
  try {
    await agent.start();
    await notifier.ready("agent running");
    watchdog = startWatchdog(notifier, { warn: (message) => logger.warning(message) });
    await Promise.race([stopRequested, agent.fatal]);
    await agent.stop();
    return 0;
  } catch (error) {
    await agent.stop({ quiet: error instanceof BridgeExit });
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

function describeCloud(config: AgentConfig): string {
  const tb = config.thingsboard;
  if (!tb.enabled) return "off";
  return `${tb.host}:${tb.port}, ${tb.gateway ? "gateway" : "device"} mode`;
}
