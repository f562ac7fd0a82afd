/**
 * Starting a bridge inside the current process (tests, benchmarks, the demo,
 * an agent that embeds it): tinkerforge_mqtt's defaults plus what the caller
 * sets, loopback hosts unless told otherwise.
 *
 * @module
 */

import { type BridgeDependencies, BridgeExit, type BridgeTuning, MqttBridge } from "./bridge.ts";
import { EXIT_INVALID_PREFIX } from "./exit_codes.ts";
import { type BridgeOptions, parseBridgeArgs } from "./options.ts";
import { normalizePrefix, validatePrefix } from "./topics.ts";

/** Options of {@link startBridge}: the ports are required, the rest defaults as the CLI does. */
export type StartBridgeOptions =
  & Partial<BridgeOptions>
  & BridgeTuning
  & { readonly brokerPort: number; readonly ipconPort: number };

/** tinkerforge_mqtt's defaults (what an empty command line gives). */
export function defaultBridgeOptions(): BridgeOptions {
  const parsed = parseBridgeArgs([]);
  if (!("options" in parsed)) throw new Error("The default bridge options do not parse");
  return parsed.options;
}

/**
 * Builds a bridge, runs its start sequence and returns it once the
 * post_connect entries ran. Hosts default to `127.0.0.1`. The prefix is
 * normalised and checked as on the command line (a bad one throws
 * {@link BridgeExit} with code 33). On failure nothing is left running.
 */
export async function startBridge(
  options: StartBridgeOptions,
  dependencies: BridgeDependencies = {},
): Promise<MqttBridge> {
  const prefix = normalizePrefix(options.globalTopicPrefix ?? "tinkerforge/");
  const invalid = validatePrefix(prefix);
  if (invalid !== undefined) throw new BridgeExit(EXIT_INVALID_PREFIX, invalid, invalid + "\n");
  const bridge = new MqttBridge({
    ...defaultBridgeOptions(),
    brokerHost: "127.0.0.1",
    ipconHost: "127.0.0.1",
    ...options,
    globalTopicPrefix: prefix,
  }, dependencies);
  try {
    await bridge.start();
  } catch (error) {
    await bridge.stop();
    throw error;
  }
  return bridge;
}
