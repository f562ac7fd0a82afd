/**
 * The MQTT session of a ThingsBoard gateway: a {@link ThingsBoardClient} (the
 * gateway is a device too: its own telemetry, attributes, RPC and
 * `getSessionLimits` use `v1/devices/me/*`) whose connection also carries the
 * gateway API (`v1/gateway/*`).
 *
 * It hands the gateway layer (`gateway.ts`) a {@link GatewayPort} to the
 * connection's protected parts and calls its {@link GatewayHooks} at the
 * points of the connection's life, so one connection, one send queue and one
 * reconnect loop serve both APIs.
 *
 * @module
 */
import type { SessionLimits } from "./client_core.ts";
import { ThingsBoardClient } from "./client.ts";
import type { ResolvedOptions, ThingsBoardClientOptions } from "./options.ts";
import type { OutgoingMessage } from "./send_queue.ts";
import * as T from "./topics.ts";

/** What the gateway layer may use of the connection. */
export interface GatewayPort {
  readonly options: ResolvedOptions;
  /** Queues a message; resolves on PUBACK */
  send(message: OutgoingMessage): Promise<void>;
  /** Largest MQTT remaining length the server accepts now */
  maxPacket(): number;
  /** Absolute send deadline for a timeout (default: `sendTimeoutMs`; 0 = none) */
  deadline(timeoutMs?: number): number | undefined;
  /** Runs `run` when the client is started, else rejects with `not_connected` */
  ifStarted<R>(run: () => Promise<R>): Promise<R>;
  /** True while a connection is up */
  linkUp(): boolean;
  warn(error: Error): void;
}

/** What the connection tells the gateway layer. */
export interface GatewayHooks {
  /** Connected, subscribed, session limits applied; data still held back */
  afterConnect(): void;
  /** `getSessionLimits` answered (after every connect) */
  limitsApplied(limits: SessionLimits): void;
  /** A message on `v1/gateway/*`; throw to report it as a warning */
  handleMessage(topic: string, text: string): void;
  connectionLost(): void;
  stopped(error: Error): void;
  /** The server closed for a rate limit (`certain`) or probably did */
  penalize(certain: boolean): void;
}

/** Downlink topics of the gateway API, subscribed on every connect. */
const GATEWAY_FILTERS = [
  T.GATEWAY_ATTRIBUTES_TOPIC,
  T.GATEWAY_ATTRIBUTE_RESPONSE_TOPIC,
  T.GATEWAY_RPC_TOPIC,
];

/** See the module doc. */
export class GatewaySession extends ThingsBoardClient {
  #hooks: GatewayHooks;

  constructor(options: ThingsBoardClientOptions, attach: (port: GatewayPort) => GatewayHooks) {
    super(options);
    this.#hooks = attach({
      options: this.o,
      send: (message) => this.queue.send(message),
      maxPacket: () => this.maxPacket(),
      deadline: (timeoutMs) => this.deadline(timeoutMs),
      ifStarted: (run) => this.ifStarted(run),
      linkUp: () => this.linkUp,
      warn: (error) => this.warn(error),
    });
  }

  protected override activeFilters(): string[] {
    return [...super.activeFilters(), ...GATEWAY_FILTERS];
  }

  protected override async afterConnect(): Promise<void> {
    await super.afterConnect();
    if (this.linkUp) this.#hooks.afterConnect();
  }

  protected override applyLimits(limits: SessionLimits): void {
    super.applyLimits(limits);
    this.#hooks.limitsApplied(limits);
  }

  protected override handleMessage(topic: string, text: string): void {
    if (topic.startsWith(T.GATEWAY_PREFIX)) this.#hooks.handleMessage(topic, text);
    else super.handleMessage(topic, text);
  }

  protected override connectionLost(): void {
    super.connectionLost();
    this.#hooks.connectionLost();
  }

  protected override stopped(error: Error): void {
    super.stopped(error);
    this.#hooks.stopped(error);
  }

  protected override penalize(certain: boolean): void {
    super.penalize(certain);
    this.#hooks.penalize(certain);
  }
}
