/**
 * The `tfedge` command line (the only module besides `src/sim/main.ts` that reads argv).
 *
 * With tinkerforge_mqtt's flags alone, tfedge is a drop-in replacement for the
 * `tinkerforge_mqtt` bridge; the agent's options come from flags, `TFEDGE_*` variables and a
 * JSON file (see `src/config/`). `--demo` runs the demo (`src/sim/demo.ts`) instead.
 *
 * @module
 */
import { runAgent } from "../agent/run.ts";
import { terminalColumns, writeAll } from "../bridge/main.ts";
import { formatCheckConfig } from "../config/check_config.ts";
import { resolveAgentConfig } from "../config/load.ts";
import { deviceByIdentifier } from "../tfp/registry.ts";
import type { EnumerateEvent } from "../tfp/identity.ts";

/** Describes one enumerate event as a log line. */
export function describeEnumerate(event: EnumerateEvent): string {
  const spec = deviceByIdentifier(event.deviceIdentifier);
  const name = spec?.displayName ?? `Unknown Device [${event.deviceIdentifier}]`;
  if (event.enumerationType === "disconnected") return `device ${event.uid} disconnected`;
  return `device ${event.uid} ${event.enumerationType}: ${name} at ${event.position} of ${event.connectedUid}` +
    ` (hw ${event.hardwareVersion.join(".")}, fw ${event.firmwareVersion.join(".")})`;
}

/** The environment, or none without `--allow-env`. */
function environment(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}

/** Runs the command line; resolves with the process exit code. */
export function main(args: string[]): Promise<number> {
  const resolved = resolveAgentConfig({
    argv: args,
    env: environment(),
    columns: terminalColumns(),
  });
  if (!("config" in resolved)) {
    if (resolved.stdout !== undefined) writeAll(Deno.stdout, resolved.stdout);
    if (resolved.stderr !== undefined) writeAll(Deno.stderr, resolved.stderr);
    return Promise.resolve(resolved.exitCode);
  }
  if (resolved.demo !== undefined) {
    // Loaded only for the demo: it brings the simulators and the embedded broker along.
    const seconds = resolved.demo.seconds;
    return import("../sim/demo.ts").then(({ runDemo }) => runDemo({ seconds }));
  }
  if (resolved.checkOnly) {
    writeAll(Deno.stdout, formatCheckConfig(resolved));
    return Promise.resolve(0);
  }
  return runAgent(resolved.config, { warnings: resolved.warnings });
}
