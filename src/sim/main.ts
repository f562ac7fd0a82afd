/**
 * Command line entry of the simulated brickd:
 *
 * ```sh
 * deno task sim [--port 4223] [--host 127.0.0.1] [--config FILE] [--secret-file FILE] [--seed N]
 * ```
 *
 * Without `--config` it simulates the demo set (HAT Brick + 8 Bricklets).
 * The secret is read from a file so it never shows up in a process list and is
 * never printed.
 *
 * @module
 */

import { parseArgs } from "../deps/cli.ts";
import { validateSecret } from "../tfp/auth.ts";
import { SimulatedBrickd } from "./brickd.ts";
import { ConfigError, type DeviceConfig, parseConfig } from "./config.ts";
import { DEFAULT_DEVICES } from "./default_devices.ts";

const USAGE = `Usage: deno task sim [options]
  --port N            TCP port (default 4223, 0 = any free port)
  --host ADDRESS      listen address (default 127.0.0.1)
  --config FILE       JSON device configuration (default: the demo HAT with 8 Bricklets)
  --secret-file FILE  enable authentication with the secret in FILE
  --seed N            seed for reproducible readings
  --help              show this help`;

/** Parsed command line. */
export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly config?: string;
  readonly secretFile?: string;
  readonly seed?: number;
  readonly help: boolean;
}

function integerOption(name: string, text: string | undefined, min: number, max: number) {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new RangeError(`--${name} must be an integer in ${min}..${max}, got "${text}"`);
  }
  return value;
}

/** Parses the arguments; throws TypeError/RangeError with a readable message. */
export function parseCliArgs(args: readonly string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        port: { type: "string" },
        host: { type: "string" },
        config: { type: "string" },
        "secret-file": { type: "string" },
        seed: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new TypeError(`${(error as Error).message}\n${USAGE}`);
  }
  const values = parsed.values;
  return {
    port: integerOption("port", values.port, 0, 65535) ?? 4223,
    host: values.host ?? "127.0.0.1",
    config: values.config,
    secretFile: values["secret-file"],
    seed: integerOption("seed", values.seed, 0, 2 ** 32 - 1),
    help: values.help === true,
  };
}

async function loadConfig(options: CliOptions) {
  if (options.config === undefined) {
    return {
      devices: DEFAULT_DEVICES as readonly DeviceConfig[],
      secret: undefined,
      seed: undefined,
    };
  }
  let text: string;
  try {
    text = await Deno.readTextFile(options.config);
  } catch (error) {
    throw new Error(`Cannot read config file "${options.config}": ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(
      `Config file "${options.config}" is not valid JSON: ${(error as Error).message}`,
    );
  }
  return parseConfig(json);
}

async function loadSecret(file: string): Promise<string> {
  let secret: string;
  try {
    secret = (await Deno.readTextFile(file)).replace(/\r?\n$/, "");
  } catch (error) {
    throw new Error(`Cannot read secret file "${file}": ${(error as Error).message}`);
  }
  if (secret === "") throw new RangeError(`Secret file "${file}" is empty`);
  validateSecret(secret); // its messages never include the secret
  return secret;
}

/** Runs the simulator until SIGINT/SIGTERM; returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let brickd: SimulatedBrickd;
  try {
    const options = parseCliArgs(args);
    if (options.help) {
      console.log(USAGE);
      return 0;
    }
    const config = await loadConfig(options);
    const secret = options.secretFile === undefined
      ? config.secret
      : await loadSecret(options.secretFile);
    brickd = new SimulatedBrickd({
      hostname: options.host,
      port: options.port,
      devices: config.devices,
      secret,
      seed: options.seed ?? config.seed,
    });
    await brickd.start();
  } catch (error) {
    console.error(
      error instanceof ConfigError ? error.message : `Error: ${(error as Error).message}`,
    );
    return 1;
  }
  const auth = brickd.authenticationEnabled ? "authentication required" : "no authentication";
  console.log(`Simulated brickd listening on ${brickd.hostname}:${brickd.port} (${auth})`);
  for (const device of brickd.devices) {
    const id = device.identity;
    console.log(
      `  ${id.uidText.padEnd(8)} ${device.spec.displayName} [${device.spec.identifier}]` +
        ` position ${id.position}, connected to ${id.connectedUid}`,
    );
  }
  const stopped = Promise.withResolvers<void>();
  const onSignal = () => stopped.resolve();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  await stopped.promise;
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
  await brickd.stop();
  console.log("Simulated brickd stopped");
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
