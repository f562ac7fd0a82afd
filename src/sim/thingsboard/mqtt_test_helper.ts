/**
 * Test helpers: MQTT.js clients against the ThingsBoard test server, with deadlines.
 *
 * @module
 */

import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { startThingsBoardServer, type ThingsBoardServer } from "./server.ts";
import type { ThingsBoardServerOptions } from "./types.ts";

/** Runs `fn` against a fresh server that is stopped afterwards, whatever happens. */
export async function withServer(
  options: ThingsBoardServerOptions,
  fn: (server: ThingsBoardServer) => Promise<void>,
): Promise<void> {
  const server = await startThingsBoardServer(options);
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

/** Connects an MQTT.js client that never reconnects on its own. */
export async function connect(
  server: ThingsBoardServer,
  options: IClientOptions = {},
): Promise<MqttClient> {
  return await mqtt.connectAsync(server.url, {
    reconnectPeriod: 0,
    connectTimeout: 3000,
    ...options,
  });
}

/** Ends a client; `force` skips the DISCONNECT handshake (for a client the server closed). */
export async function end(client: MqttClient, force = false): Promise<void> {
  await client.endAsync(force);
}

/** A received message. */
export interface Received {
  topic: string;
  text: string;
  json: unknown;
  qos: number;
}

/** Resolves with the next message whose topic matches; rejects after `timeoutMs`. */
export function nextMessage(
  client: MqttClient,
  topic: string | RegExp,
  timeoutMs = 3000,
): Promise<Received> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off("message", onMessage);
      reject(new Error(`No message on "${topic}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (t: string, payload: Uint8Array, packet: { qos: number }) => {
      if (typeof topic === "string" ? t !== topic : !topic.test(t)) return;
      clearTimeout(timer);
      client.off("message", onMessage);
      const text = new TextDecoder().decode(payload);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({ topic: t, text, json, qos: packet.qos });
    };
    client.on("message", onMessage);
  });
}

/** Collects every message on matching topics until `stop()` is called. */
export function collect(client: MqttClient, topic: RegExp): { list: Received[]; stop(): void } {
  const list: Received[] = [];
  const onMessage = (t: string, payload: Uint8Array, packet: { qos: number }) => {
    if (!topic.test(t)) return;
    const text = new TextDecoder().decode(payload);
    list.push({ topic: t, text, json: JSON.parse(text), qos: packet.qos });
  };
  client.on("message", onMessage);
  return { list, stop: () => client.off("message", onMessage) };
}

/** Resolves when the client's connection closes; rejects after `timeoutMs`. */
export function closed(client: MqttClient, timeoutMs = 3000): Promise<void> {
  if (!client.connected && client.disconnecting) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Not closed within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Resolves with the reason code of the server's MQTT 5 DISCONNECT. */
export function serverDisconnect(
  client: MqttClient,
  timeoutMs = 3000,
): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`No DISCONNECT within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.once("disconnect", (packet: { reasonCode?: number }) => {
      clearTimeout(timer);
      resolve(packet.reasonCode);
    });
  });
}

/** Publishes with QoS 1 and resolves with the PUBACK's v5 reason code (0 when absent). */
export function publishAcked(
  client: MqttClient,
  topic: string,
  payload: string | Uint8Array,
): Promise<number> {
  return new Promise((resolve, reject) => {
    client.publish(topic, payload as string, { qos: 1 }, (error, packet) => {
      // MQTT.js rejects PUBACK reason codes >= 0x80 as errors carrying the code.
      const code = (error as { code?: number } | undefined)?.code;
      if (error && code === undefined) return reject(error);
      resolve(code ?? (packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0);
    });
  });
}

/** SUBACK codes for a SUBSCRIBE, refused ones included (MQTT.js rejects when any is >= 0x80). */
export async function subscribeCodes(
  client: MqttClient,
  filters: Record<string, { qos: 0 | 1 | 2 }>,
): Promise<number[]> {
  try {
    const granted = await client.subscribeAsync(filters);
    return granted.map((g) => g.qos);
  } catch (error) {
    const packet = (error as { packet?: { granted?: number[] } }).packet;
    if (!packet?.granted) throw error;
    return packet.granted;
  }
}
