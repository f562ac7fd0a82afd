/**
 * The bridge's connection to the MQTT broker, as the reference's paho client
 * makes it (spec §11): MQTT 3.1.1, empty client id (the broker assigns one),
 * clean session, keepalive 60 s, last will `<prefix>callback/bindings/last_will`
 * = `null` (QoS 0, not retained), credentials only with a username, TLS with a
 * CA file when `--broker-certificate` is given.
 *
 * Reconnecting is ours, not MQTT.js's (`reconnectPeriod: 0`): MQTT.js retries
 * at a fixed period and gives up on a refused CONNACK, while the reference
 * backs off exponentially from 1 s to 120 s and keeps trying. Each attempt is
 * a fresh MQTT.js client, so no state of a dead connection (offline queue,
 * half-done subscriptions) leaks into the next one.
 *
 * A refused CONNACK (bad credentials, not authorised) is logged at ERROR with
 * the broker's reason, where the reference hides it at debug level.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { Backoff } from "../util/backoff.ts";
import { TypedEmitter } from "../util/typed_emitter.ts";
import type { BridgeLogger } from "./log.ts";

/** How to reach and log in to the broker. */
export interface BrokerLinkOptions {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  /** CA certificate file (PEM); enables TLS */
  readonly certificate?: string;
  /** Skip only the hostname check of the broker's certificate */
  readonly tlsInsecure?: boolean;
  /** The normalised global topic prefix (for the last will topic) */
  readonly prefix: string;
  readonly logger: BridgeLogger;
  /** First and longest delay between attempts. @default [1000, 120000] as paho */
  readonly retryDelayMs?: readonly [first: number, max: number];
  /** Reads the CA file; default `Deno.readFileSync` */
  readonly readFile?: (path: string) => Uint8Array;
}

/** Events of a {@link BrokerLink}. */
export type BrokerLinkEvents = {
  /** A CONNACK accepted the connection; `client` is the live client */
  connected: [client: MqttClient];
  /** The live connection was lost (not emitted for failed attempts or on stop) */
  disconnected: [];
  message: [topic: string, payload: Uint8Array];
};

const QOS0_NOT_RETAINED = { qos: 0, retain: false } as const;

/** See the module doc. */
export class BrokerLink extends TypedEmitter<BrokerLinkEvents> {
  readonly #options: BrokerLinkOptions;
  readonly #backoff: Backoff;
  #client: MqttClient | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #connected = false;
  #tls: { ca: Uint8Array } | undefined;

  constructor(options: BrokerLinkOptions) {
    super((error, event) =>
      options.logger.error(`Handler of broker event ${event} failed: ${error}`)
    );
    this.#options = options;
    const [first, max] = options.retryDelayMs ?? [1000, 120_000];
    this.#backoff = new Backoff(first, max);
  }

  /** Whether a connection is up (CONNACK accepted and not lost since). */
  get connected(): boolean {
    return this.#connected;
  }

  /** The live client, if connected. */
  get client(): MqttClient | undefined {
    return this.#connected ? this.#client : undefined;
  }

  /**
   * Starts connecting and keeps reconnecting until {@link stop}. Throws only
   * when the setup itself fails (the CA file cannot be read): the reference
   * exits with 30 then.
   */
  start(): void {
    const { certificate } = this.#options;
    if (certificate !== undefined) {
      this.#tls = { ca: (this.#options.readFile ?? Deno.readFileSync)(certificate) };
    }
    this.#attempt();
  }

  /**
   * Ends the connection. `clean`: with a DISCONNECT, so the broker discards
   * the last will; otherwise the socket is just closed and the broker
   * publishes the will, as after a crash (the reference's fatal exits).
   */
  async stop(clean: boolean): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const client = this.#client;
    this.#client = undefined;
    this.#connected = false;
    if (client === undefined) return;
    await new Promise<void>((resolve) => client.end(!clean, () => resolve()));
    client.removeAllListeners();
  }

  /** Publishes directly, bypassing the bridge's queue (lifecycle messages); false if offline. */
  publishNow(topic: string, payload: string): boolean {
    const client = this.client;
    if (client === undefined) return false;
    client.publish(topic, payload, QOS0_NOT_RETAINED);
    return true;
  }

  #clientOptions(): IClientOptions {
    const o = this.#options;
    const options: IClientOptions = {
      host: o.host,
      port: o.port,
      protocol: this.#tls === undefined ? "mqtt" : "mqtts",
      protocolVersion: 4,
      clientId: "",
      clean: true,
      keepalive: 60,
      reconnectPeriod: 0,
      // Our own queue keeps (and bounds) what waits for the broker.
      queueQoSZero: false,
      will: {
        topic: `${o.prefix}callback/bindings/last_will`,
        payload: "null",
        qos: 0,
        retain: false,
      },
    };
    if (o.username !== undefined) {
      options.username = o.username;
      if (o.password !== undefined) options.password = o.password;
    }
    if (this.#tls !== undefined) {
      options.ca = Buffer.from(this.#tls.ca);
      options.rejectUnauthorized = true;
      // Like paho's tls_insecure_set(True): the chain is still verified, only the name is not.
      if (o.tlsInsecure) {
        (options as { checkServerIdentity?: () => undefined }).checkServerIdentity = () =>
          undefined;
      }
    }
    return options;
  }

  #attempt(): void {
    if (this.#stopped) return;
    const client = mqtt.connect(this.#clientOptions());
    this.#client = client;
    let refused: string | undefined;
    let socketError: string | undefined;
    client.on("connect", () => {
      if (this.#client !== client) return;
      this.#connected = true;
      this.#backoff.reset();
      this.emit("connected", client);
    });
    client.on("message", (topic, payload) => {
      if (this.#client === client) this.emit("message", topic, payload);
    });
    let tlsError: string | undefined;
    client.on("error", (error: Error & { code?: unknown }) => {
      if (typeof error.code === "number") refused = `${error.message} (return code ${error.code})`;
      else if (isTlsError(error)) tlsError = error.message;
      else socketError = error.message;
    });
    client.on("close", () => {
      if (this.#client !== client || this.#stopped) return;
      const { logger } = this.#options;
      if (this.#connected) {
        this.#connected = false;
        logger.warning(`Connection to MQTT broker lost${socketError ? `: ${socketError}` : ""}`);
        this.emit("disconnected");
      } else if (refused !== undefined) {
        logger.error(`MQTT broker refused the connection: ${refused}. Will retry.`);
      } else if (tlsError !== undefined) {
        // A certificate problem is a configuration error, not a broker that is not up yet.
        logger.error(`TLS connection to MQTT broker failed: ${tlsError}. Will retry.`);
      } else {
        logger.info("Could not connect to MQTT Broker. Will retry.");
        if (socketError !== undefined) logger.debug(`MQTT broker connection error: ${socketError}`);
      }
      this.#client = undefined;
      client.end(true);
      client.removeAllListeners();
      // Late errors of the dead client must not become unhandled "error" events.
      client.on("error", () => {});
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        this.#attempt();
      }, this.#backoff.next());
    });
  }
}

/** Certificate and handshake failures (Node's codes and OpenSSL's verify errors). */
function isTlsError(error: Error & { code?: unknown }): boolean {
  const code = typeof error.code === "string" ? error.code : "";
  return /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/.test(
    code,
  ) ||
    /certificate|TLS not authorized|tls|ssl/i.test(error.message);
}
