/**
 * The `tfedge` command line (the only module besides `src/sim/main.ts` that reads argv).
 *
 * Until the bridge and ThingsBoard parts land, the agent connects to brickd,
 * enumerates, and prints every device and connection event: a TFP smoke client.
 *
 * @module
 */
import { parseArgs } from "../deps/cli.ts";
import { VERSION } from "../version.ts";
import { TfpConnection } from "../tfp/connection.ts";
import { deviceByIdentifier } from "../tfp/registry.ts";
import type { EnumerateEvent } from "../tfp/identity.ts";

const HELP = `tfedge ${VERSION}: Tinkerforge edge agent

Usage: tfedge [options]

Options:
  --ipcon-host HOST          Brick Daemon host (default: localhost)
  --ipcon-port PORT          Brick Daemon port (default: 4223)
  --ipcon-auth-secret-file F Read the brickd authentication secret from file F
  --ipcon-timeout MS         Request timeout in milliseconds (default: 2500)
  -h, --help                 Show this help
  -v, --version              Show the version
`;

/** Describes one enumerate event as a log line. */
export function describeEnumerate(event: EnumerateEvent): string {
  const spec = deviceByIdentifier(event.deviceIdentifier);
  const name = spec?.displayName ?? `Unknown Device [${event.deviceIdentifier}]`;
  if (event.enumerationType === "disconnected") return `device ${event.uid} disconnected`;
  return `device ${event.uid} ${event.enumerationType}: ${name} at ${event.position} of ${event.connectedUid}` +
    ` (hw ${event.hardwareVersion.join(".")}, fw ${event.firmwareVersion.join(".")})`;
}

/** Runs the command line; resolves with the process exit code. */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        "ipcon-host": { type: "string", default: "localhost" },
        "ipcon-port": { type: "string", default: "4223" },
        "ipcon-auth-secret-file": { type: "string" },
        "ipcon-timeout": { type: "string", default: "2500" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
      strict: true,
    });
  } catch (error) {
    console.error(`tfedge: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const values = parsed.values;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.version) {
    console.log(`tfedge ${VERSION}`);
    return 0;
  }
  const port = Number(values["ipcon-port"]);
  const timeoutMs = Number(values["ipcon-timeout"]);
  const errors: string[] = [];
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    errors.push(`--ipcon-port: "${values["ipcon-port"]}" is not a port number (1..65535)`);
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
    errors.push(`--ipcon-timeout: "${values["ipcon-timeout"]}" is not a non-negative integer`);
  }
  let secret: string | undefined;
  const secretFile = values["ipcon-auth-secret-file"];
  if (secretFile !== undefined) {
    try {
      secret = (await Deno.readTextFile(secretFile)).trim();
    } catch (error) {
      errors.push(
        `--ipcon-auth-secret-file: cannot read "${secretFile}": ${(error as Error).message}`,
      );
    }
  }
  if (errors.length > 0) {
    console.error(errors.map((e) => `tfedge: ${e}`).join("\n"));
    return 2;
  }
  return await runSmokeClient({ host: values["ipcon-host"]!, port, timeoutMs, secret });
}

async function runSmokeClient(
  options: { host: string; port: number; timeoutMs: number; secret?: string },
): Promise<number> {
  const connection = new TfpConnection(options);
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  let reportedFailure = false;
  connection.on("connectFailed", (error) => {
    // Log the first failure only: brickd may simply not be up yet.
    if (!reportedFailure) log(`could not connect to brickd: ${error.message}; will retry`);
    reportedFailure = true;
  });
  connection.on("connected", (reason) => {
    reportedFailure = false;
    log(`connected to brickd ${options.host}:${options.port} (${reason})`);
    connection.enumerate().catch((error) => log(`enumerate failed: ${error.message}`));
  });
  connection.on("disconnected", (reason) => log(`disconnected from brickd (${reason})`));
  connection.on("enumerate", (event) => log(describeEnumerate(event)));

  const stopped = Promise.withResolvers<void>();
  const stop = () => stopped.resolve();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  log(`tfedge ${VERSION} starting`);
  connection.connect({ retry: true }).catch(() => {/* reported via events; close() ends it */});
  await stopped.promise;
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
  await connection.close();
  log("stopped");
  return 0;
}
