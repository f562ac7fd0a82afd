/**
 * Test helpers: a ThingsBoard test server with a gateway device, and a
 * gateway client for it (real MQTT over loopback).
 *
 * @module
 */
import {
  type AddDeviceOptions,
  type PublishEvent,
  startThingsBoardServer,
  type ThingsBoardServer,
  type ThingsBoardServerOptions,
} from "../sim/thingsboard/mod.ts";
import { ThingsBoardGatewayClient, type ThingsBoardGatewayClientOptions } from "./gateway.ts";

export const GATEWAY = "edge-gw";
export const GATEWAY_TOKEN = "gw-token-1";

/** A server with one gateway device. */
export async function startGatewayServer(
  serverOptions: ThingsBoardServerOptions = {},
  deviceOptions: AddDeviceOptions = {},
): Promise<ThingsBoardServer> {
  const server = await startThingsBoardServer({ port: 0, ...serverOptions });
  server.addDevice(GATEWAY, { accessToken: GATEWAY_TOKEN }, { gateway: true, ...deviceOptions });
  return server;
}

/** A gateway client for `server` with short reconnect delays (not connected yet). */
export function gatewayFor(
  server: ThingsBoardServer,
  options: Partial<ThingsBoardGatewayClientOptions> = {},
): ThingsBoardGatewayClient {
  return new ThingsBoardGatewayClient({
    host: "127.0.0.1",
    port: server.port,
    accessToken: GATEWAY_TOKEN,
    reconnectDelayMs: [20, 100],
    ...options,
  });
}

/** Runs `body` with a server and a connected gateway client; always cleans both up. */
export async function withGateway(
  body: (gateway: ThingsBoardGatewayClient, server: ThingsBoardServer) => Promise<void>,
  options: {
    client?: Partial<ThingsBoardGatewayClientOptions>;
    server?: ThingsBoardServerOptions;
    device?: AddDeviceOptions;
  } = {},
): Promise<void> {
  const server = await startGatewayServer(options.server, options.device);
  const gateway = gatewayFor(server, options.client);
  try {
    await gateway.connect({ timeoutMs: 5000 });
    await body(gateway, server);
  } finally {
    await gateway.disconnect();
    await server.stop();
  }
}

/**
 * Resolves with the payloads of the accepted gateway publishes on `topic`
 * once `done` says they are complete; rejects after `ms`.
 */
export function collectPublishes(
  server: ThingsBoardServer,
  topic: string,
  done: (payloads: unknown[]) => boolean,
  ms = 5000,
): Promise<unknown[]> {
  const payloads: unknown[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(`Publishes on "${topic}" incomplete after ${ms} ms: ${JSON.stringify(payloads)}`),
      );
    }, ms);
    const off = server.on("publish", (event: PublishEvent) => {
      if (event.topic !== topic || event.outcome !== "accepted") return;
      payloads.push(JSON.parse(new TextDecoder().decode(event.payload)));
      if (!done(payloads)) return;
      off();
      clearTimeout(timer);
      resolve(payloads);
    });
  });
}
