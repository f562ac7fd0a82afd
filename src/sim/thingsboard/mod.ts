/**
 * ThingsBoard MQTT transport emulation for tests and the demo (MQTT 3.1.1 and 5, plain TCP).
 *
 * ```ts
 * const server = await startThingsBoardServer({ provisioning: { key: "k", secret: "s" } });
 * server.addDevice("edge-01", { accessToken: "A1b2C3token" });
 * // ... connect a client to server.url ...
 * await server.waitFor("publish", (e) => e.device === "edge-01" && e.outcome === "accepted");
 * server.telemetry("edge-01"); // [{ ts, values }]
 * await server.stop();
 * ```
 *
 * Not emulated: TLS/X.509 login, OTA chunk serving, v2 short topics, protobuf payloads,
 * RPC delivery retries.
 *
 * @module
 */

export { startThingsBoardServer, ThingsBoardServer } from "./server.ts";
export { type RpcFailureStatus, ThingsBoardRpcError } from "./server_rpc.ts";
export type * from "./types.ts";
