/**
 * One MQTT connection to ThingsBoard (one MQTT.js client per attempt).
 *
 * A fresh MQTT.js client per connection means nothing MQTT.js stored for the
 * previous one is replayed (MQTT.js replays stored QoS 1 messages one per
 * round trip and keeps QoS 0 queued without bound while offline). MQTT.js's
 * own reconnect is off (`reconnectPeriod: 0`): the client's loop decides
 * whether to retry, so a CONNACK refusal stops instead of retrying every
 * second. Nothing is published unless the link is up; `publish` on a closed
 * link rejects at once.
 *
 * @module
 */
import mqtt from "mqtt";
import type { IClientOptions, MqttClient } from "mqtt";
import {
  classifyConnack,
  connackCodeText,
  connackError,
  type CredentialDescription,
  ThingsBoardConnackError,
} from "./errors.ts";

/** TLS material as MQTT.js / node:tls take it (PEM text). */
export interface LinkTls {
  ca?: string;
  cert?: string;
  key?: string;
  passphrase?: string;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** Everything one connection attempt needs. */
export interface LinkOptions {
  host: string;
  port: number;
  clientId: string;
  username?: string;
  password?: string;
  protocolVersion: 4 | 5;
  keepaliveSec: number;
  connectTimeoutMs: number;
  tls?: LinkTls;
  /** Names the credential in CONNACK errors without revealing it */
  credentials: CredentialDescription;
}

/** Why a link closed. */
export interface LinkCloseInfo {
  /** We called {@link MqttLink.close} */
  byUs: boolean;
  /** MQTT 5 DISCONNECT reason code the server sent before closing */
  disconnectReason?: number;
  /** Socket or protocol error seen before the close */
  error?: Error;
}

/** A PUBACK with an MQTT 5 reason code >= 0x80. */
export class PubackError extends Error {
  constructor(readonly reasonCode: number) {
    super(`ThingsBoard rejected the message: PUBACK reason 0x${reasonCode.toString(16)}`);
    this.name = "PubackError";
  }
}

/** The link closed before the operation completed. */
export class LinkClosedError extends Error {
  constructor() {
    super("Connection to ThingsBoard closed");
    this.name = "LinkClosedError";
  }
}

type Settle = { resolve: () => void; reject: (error: Error) => void };

const CLOSE_DEADLINE_MS = 2_000;

/** An open connection; see the module doc. */
export class MqttLink {
  readonly #client: MqttClient;
  readonly protocolVersion: 4 | 5;
  #open = true;
  #pending = new Set<Settle>();
  #closeInfo: LinkCloseInfo = { byUs: false };
  #closed: Promise<LinkCloseInfo>;
  /** Server's Receive Maximum (MQTT 5 CONNACK), if any */
  readonly receiveMaximum: number | undefined;
  /** Server's Maximum Packet Size (MQTT 5 CONNACK), if any */
  readonly maximumPacketSize: number | undefined;
  onMessage: (topic: string, payload: Uint8Array) => void = () => {};

  private constructor(client: MqttClient, version: 4 | 5, props: Record<string, unknown>) {
    this.#client = client;
    this.protocolVersion = version;
    this.receiveMaximum = typeof props.receiveMaximum === "number"
      ? props.receiveMaximum
      : undefined;
    this.maximumPacketSize = typeof props.maximumPacketSize === "number"
      ? props.maximumPacketSize
      : undefined;
    this.#closed = new Promise((resolve) => {
      client.on("disconnect", (packet) => {
        if (packet.reasonCode !== undefined) this.#closeInfo.disconnectReason = packet.reasonCode;
      });
      client.on("error", (error) => {
        this.#closeInfo.error ??= error;
      });
      client.on("message", (topic, payload) => {
        if (this.#open) this.onMessage(topic, payload);
      });
      client.once("close", () => {
        this.#open = false;
        for (const p of this.#pending) p.reject(new LinkClosedError());
        this.#pending.clear();
        // Release MQTT.js's timers and stores; its callbacks are already settled above.
        client.end(true, () => resolve(this.#closeInfo));
      });
    });
  }

  /**
   * Opens a link; rejects with a {@link ThingsBoardConnackError} on refusal,
   * else an Error. Aborting `signal` ends the attempt at once.
   */
  static open(options: LinkOptions, signal?: AbortSignal): Promise<MqttLink> {
    const tls = options.tls;
    const clientOptions: IClientOptions = {
      host: options.host,
      port: options.port,
      protocol: tls ? "mqtts" : "mqtt",
      clientId: options.clientId,
      username: options.username,
      password: options.password,
      protocolVersion: options.protocolVersion,
      keepalive: options.keepaliveSec,
      connectTimeout: options.connectTimeoutMs,
      clean: true,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      ...(tls
        ? {
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          passphrase: tls.passphrase,
          rejectUnauthorized: tls.rejectUnauthorized,
          servername: tls.servername,
        }
        : {}),
    };
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new LinkClosedError());
      const client = mqtt.connect(clientOptions);
      const onAbort = () => client.end(true);
      signal?.addEventListener("abort", onAbort, { once: true });
      let connackCode: number | undefined;
      let firstError: Error | undefined;
      const onPacket = (packet: { cmd: string; returnCode?: number; reasonCode?: number }) => {
        if (packet.cmd === "connack") connackCode = packet.reasonCode ?? packet.returnCode;
      };
      const onError = (error: Error) => {
        firstError ??= error;
      };
      const cleanup = () => {
        signal?.removeEventListener("abort", onAbort);
        client.off("packetreceive", onPacket);
        client.off("error", onError);
        client.off("connect", onConnect);
        client.off("close", onClose);
      };
      const onConnect = (connack: { properties?: Record<string, unknown> }) => {
        cleanup();
        resolve(new MqttLink(client, options.protocolVersion, connack.properties ?? {}));
      };
      const onClose = () => {
        cleanup();
        client.end(true, () => {
          if (signal?.aborted) {
            reject(new LinkClosedError());
          } else if (connackCode !== undefined && connackCode !== 0) {
            // Busy / unavailable / connection rate: a plain Error, so the caller retries.
            reject(
              classifyConnack(connackCode) === "retry"
                ? new Error(
                  `ThingsBoard refused the connection: CONNACK ${connackCodeText(connackCode)}`,
                )
                : connackError(connackCode, options.credentials),
            );
          } else {
            reject(describeFailure(firstError, options));
          }
        });
      };
      client.on("packetreceive", onPacket);
      client.on("error", onError);
      client.on("connect", onConnect);
      client.on("close", onClose);
    });
  }

  /** True until the connection closes. */
  get isOpen(): boolean {
    return this.#open;
  }

  /** Operations waiting for an acknowledgement. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Resolves when the link has closed, with why. */
  get closed(): Promise<LinkCloseInfo> {
    return this.#closed;
  }

  /** Publishes; QoS 1 resolves on PUBACK, QoS 0 once written. */
  publish(topic: string, payload: string, qos: 0 | 1): Promise<void> {
    return this.#track((settle) => {
      this.#client.publish(topic, payload, { qos }, (error) => {
        if (!error) return settle.resolve();
        const code = (error as { code?: unknown }).code;
        settle.reject(typeof code === "number" && code >= 0x80 ? new PubackError(code) : error);
      });
    });
  }

  /** Subscribes at QoS 1; resolves with the granted codes (0x80 and up = refused). */
  subscribe(filters: readonly string[]): Promise<number[]> {
    let granted: number[] = [];
    return this.#track((settle) => {
      this.#client.subscribe([...filters], { qos: 1 }, (error, grants, packet) => {
        // A refused filter is an error in MQTT.js; the SUBACK codes are in the packet.
        const codes = (packet as { granted?: number[] } | undefined)?.granted;
        if (codes) granted = codes.map((c) => (typeof c === "number" ? c : 0x80));
        else if (error) return settle.reject(error);
        else granted = (grants ?? []).map((g) => g.qos);
        settle.resolve();
      });
    }).then(() => granted);
  }

  /** Unsubscribes; resolves on UNSUBACK. */
  unsubscribe(filters: readonly string[]): Promise<void> {
    return this.#track((settle) => {
      this.#client.unsubscribe(
        [...filters],
        (error) => error ? settle.reject(error) : settle.resolve(),
      );
    });
  }

  /**
   * Closes the link. A DISCONNECT is sent when nothing is in flight (MQTT.js
   * would otherwise wait for acknowledgements that may never come).
   */
  async close(): Promise<LinkCloseInfo> {
    if (this.#open) {
      this.#closeInfo.byUs = true;
      const force = this.#pending.size > 0;
      this.#client.end(force);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_DEADLINE_MS);
      });
      await Promise.race([this.#closed, deadline]);
      clearTimeout(timer);
      if (this.#open) this.#client.stream?.destroy();
    }
    return await this.#closed;
  }

  #track(start: (settle: Settle) => void): Promise<void> {
    if (!this.#open) return Promise.reject(new LinkClosedError());
    return new Promise<void>((resolve, reject) => {
      const settle: Settle = {
        resolve: () => {
          if (this.#pending.delete(settle)) resolve();
        },
        reject: (error) => {
          if (this.#pending.delete(settle)) reject(error);
        },
      };
      this.#pending.add(settle);
      start(settle);
    });
  }
}

function describeFailure(error: Error | undefined, options: LinkOptions): Error {
  const where = `${options.host}:${options.port}`;
  if (!error) return new Error(`Connection to ThingsBoard at ${where} closed before CONNACK`);
  if (error instanceof ThingsBoardConnackError) return error;
  return new Error(`Cannot connect to ThingsBoard at ${where}: ${error.message}`, {
    cause: error,
  });
}
