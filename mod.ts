/**
 * tfedge: a Tinkerforge edge agent for Deno.
 *
 * Public API: the TFP connection to a Brick Daemon, the generated device codecs
 * and their registry, the generic payload codec, typed device calls with
 * streaming, the tinkerforge_mqtt-compatible call engine and MQTT bridge, and
 * the simulated Brick Daemon used by tests and the demo.
 *
 * Run as the main module it is the agent's command line.
 *
 * @module
 */
export * from "./src/tfp/spec.ts";
export * from "./src/tfp/errors.ts";
export * from "./src/tfp/header.ts";
export * from "./src/tfp/base58.ts";
export * from "./src/tfp/payload.ts";
export * from "./src/tfp/identity.ts";
export * from "./src/tfp/registry.ts";
export * from "./src/tfp/device_calls.ts";
export { StreamCallbackAssembler } from "./src/tfp/stream_callbacks.ts";
export {
  type ConnectionState,
  type ConnectReason,
  type DisconnectReason,
  type RequestOptions,
  TfpConnection,
  type TfpConnectionEvents,
  type TfpConnectionOptions,
} from "./src/tfp/connection.ts";
export * from "./src/sim/mod.ts";
export * from "./src/calls/mod.ts";
export * from "./src/bridge/mod.ts";
export * from "./src/thingsboard/mod.ts";
export { startThingsBoardServer, ThingsBoardServer } from "./src/sim/thingsboard/mod.ts";
export { VERSION } from "./src/version.ts";

if (import.meta.main) {
  const { main } = await import("./src/cli/main.ts");
  Deno.exit(await main(Deno.args));
}
