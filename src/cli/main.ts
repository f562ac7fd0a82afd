/**
 * The `tfedge` command line (the only module besides `src/sim/main.ts` that reads argv).
 *
 * With tinkerforge_mqtt's flags, tfedge is a drop-in replacement for the
 * `tinkerforge_mqtt` bridge (see `src/bridge/main.ts`).
 *
 * @module
 */
import { runBridge } from "../bridge/main.ts";
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

/** Runs the command line; resolves with the process exit code. */
export function main(args: string[]): Promise<number> {
  return runBridge(args);
}
