/**
 * Helpers for end-to-end tests of the ThingsBoard client against the
 * ThingsBoard test server (real MQTT over loopback, no mocks).
 *
 * @module
 */
import {
  startThingsBoardServer,
  type ThingsBoardServer,
  type ThingsBoardServerOptions,
} from "../../src/sim/thingsboard/mod.ts";
import { ThingsBoardClient } from "../../src/thingsboard/client.ts";
import type { ThingsBoardClientOptions } from "../../src/thingsboard/options.ts";

export const TOKEN = "A1b2C3token";
export const DEVICE = "edge-01";

/** A server with one access-token device. */
export async function startServer(
  options: ThingsBoardServerOptions = {},
): Promise<ThingsBoardServer> {
  const server = await startThingsBoardServer({ port: 0, ...options });
  server.addDevice(DEVICE, { accessToken: TOKEN });
  return server;
}

/** A client for `server` with short reconnect delays (not connected yet). */
export function clientFor(
  server: ThingsBoardServer,
  options: Partial<ThingsBoardClientOptions> = {},
): ThingsBoardClient {
  const credentials = options.accessToken !== undefined || options.username !== undefined ||
      options.clientId !== undefined
    ? {}
    : { accessToken: TOKEN };
  return new ThingsBoardClient({
    host: "127.0.0.1",
    port: server.port,
    reconnectDelayMs: [20, 100],
    ...credentials,
    ...options,
  });
}

/** Runs `body` with a server and a connected client; always cleans both up. */
export async function withClient(
  body: (client: ThingsBoardClient, server: ThingsBoardServer) => Promise<void>,
  clientOptions: Partial<ThingsBoardClientOptions> = {},
  serverOptions: ThingsBoardServerOptions = {},
): Promise<void> {
  const server = await startServer(serverOptions);
  const client = clientFor(server, clientOptions);
  try {
    await client.connect({ timeoutMs: 5000 });
    await body(client, server);
  } finally {
    await client.disconnect();
    await server.stop();
  }
}

/** A promise with its resolve function, to hold a handler until the test lets it go. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves once `client` is connected again after a drop (event-based, with a deadline). */
export function nextConnect(client: ThingsBoardClient, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`No reconnect within ${ms} ms`));
    }, ms);
    const off = client.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
