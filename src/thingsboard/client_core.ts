/**
 * The connection half of the ThingsBoard client: the loop that keeps the
 * device connected, subscriptions per connection, limits, and the send queue.
 *
 * - `connect()` starts a loop: a CONNACK refusal of the credentials stops it
 *   with a typed error (no retry storm); every other failure is retried with
 *   jittered exponential backoff. The delay restarts from the first value only
 *   after a connection stayed up for `stableAfterMs`, so a server that accepts
 *   and drops at once (duplicate credentials, rate limits) is not hammered.
 * - After every (re)connect the subclass's MQTT subscriptions are renewed and
 *   its `afterConnect` runs (the client asks `getSessionLimits`); data waits
 *   until then, control messages do not.
 *
 * @module
 */
import { Backoff } from "../util/backoff.ts";
import { TypedEmitter } from "../util/typed_emitter.ts";
import { type LinkCloseInfo, MqttLink } from "./connection.ts";
import { disconnectReasonText, isRateLimitCode, ThingsBoardError } from "./errors.ts";
import {
  linkOptions,
  type ResolvedOptions,
  resolveOptions,
  type ThingsBoardClientOptions,
} from "./options.ts";
import { MESSAGE_COST, RateLimiter, type RateLimitStrings } from "./rate_limiter.ts";
import { SendQueue } from "./send_queue.ts";

/** Where the client is. */
export type ClientState = "idle" | "connecting" | "connected" | "reconnecting" | "stopped";

/** What `getSessionLimits` reports. */
export interface SessionLimits {
  maxPayloadSize?: number;
  maxInflightMessages?: number;
  rateLimits?: RateLimitStrings;
  gatewayRateLimits?: RateLimitStrings;
}

/** Events of a ThingsBoard client. */
export type ThingsBoardClientEvents = {
  /** Connected, subscribed, limits applied */
  connect: [info: { reconnect: boolean }];
  /** A connection ended; `willReconnect` false after `disconnect()` or a fatal error */
  disconnect: [info: { error?: Error; willReconnect: boolean }];
  /** The next attempt starts in `delayMs` */
  reconnecting: [info: { attempt: number; delayMs: number; error: Error }];
  /** The client stopped for good (e.g. credentials refused); pending work failed with it */
  error: [error: Error];
  /** Something went wrong that does not stop the client (a callback threw, a bad message) */
  warning: [error: Error];
};

type Waiter = { resolve: () => void; reject: (e: Error) => void };

/** See the module doc. */
export abstract class ClientCore extends TypedEmitter<ThingsBoardClientEvents> {
  protected readonly o: ResolvedOptions;
  protected readonly limiter: RateLimiter;
  #queue: SendQueue;
  #state: ClientState = "idle";
  #link: MqttLink | undefined;
  #subscribed = new Set<string>();
  #running = false;
  #loop: Promise<void> | undefined;
  #abort = new AbortController();
  #backoff: Backoff;
  #wake: (() => void) | undefined;
  #readyWaiters = new Set<Waiter>();
  #connectedOnce = false;
  #lastError: Error | undefined;
  #maxPayloadSize: number;
  #serverInflight = Infinity;
  #sessionLimits: SessionLimits | undefined;
  #decoder = new TextDecoder();

  constructor(options: ThingsBoardClientOptions) {
    super((error, event) => {
      // A failing "warning" listener must not re-enter the warning path.
      if (event === "warning") console.error('Listener for "warning" failed:', error);
      else this.warn(new Error(`Listener for "${event}" failed`, { cause: error }));
    });
    this.o = resolveOptions(options);
    this.limiter = new RateLimiter({
      safetyFraction: this.o.rateLimitSafetyFraction,
      marginMs: this.o.rateLimitMarginMs,
    });
    if (this.o.rateLimits) this.limiter.configure(this.o.rateLimits);
    this.#maxPayloadSize = this.o.maxPayloadSize;
    this.#backoff = new Backoff(this.o.reconnectDelayMs[0], this.o.reconnectDelayMs[1]);
    this.#queue = this.#newQueue();
  }

  /** MQTT filters to subscribe after every connect. */
  protected abstract activeFilters(): string[];
  /** Runs after subscribing on every connect, before data flows (may fail: logged). */
  protected abstract afterConnect(): Promise<void>;
  /** A message arrived (payload decoded as UTF-8); throw to report it as a warning. */
  protected abstract handleMessage(topic: string, text: string): void;
  /** The connection dropped (the queue already stopped). */
  protected abstract connectionLost(): void;
  /** The client stopped; fail everything pending with `error`. */
  protected abstract stopped(error: Error): void;

  get state(): ClientState {
    return this.#state;
  }

  /** True while connected (subscribed, limits applied). */
  get connected(): boolean {
    return this.#state === "connected";
  }

  /** Publishes waiting for their PUBACK. */
  get inFlight(): number {
    return this.#queue.inFlight;
  }

  /** Messages waiting to be published. */
  get queued(): number {
    return this.#queue.queued;
  }

  /** The limits last reported by the server. */
  get sessionLimits(): SessionLimits | undefined {
    return this.#sessionLimits;
  }

  /**
   * Starts the connection loop and resolves once connected. On timeout it
   * rejects with `timeout` and keeps trying in the background (sends keep
   * queueing); call `disconnect()` to stop. Rejects at once with the
   * `ThingsBoardConnackError` when the credentials are refused.
   */
  connect(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (this.#state === "connected") return Promise.resolve();
    if (!this.#running) this.#start();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#readyWaiters.delete(waiter);
        const last = this.#lastError ? `; last error: ${this.#lastError.message}` : "";
        reject(
          new ThingsBoardError(
            "timeout",
            `Not connected to ThingsBoard at ${this.o.host}:${this.o.port} within ${timeoutMs} ms (still trying${last})`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error) => (clearTimeout(timer), reject(error)),
      };
      this.#readyWaiters.add(waiter);
    });
  }

  /** Stops the loop, closes the connection, fails everything pending with `closed`. */
  async disconnect(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#abort.abort();
    this.#wake?.();
    await this.#link?.close();
    await this.#loop;
    this.#shutdown(new ThingsBoardError("closed", "ThingsBoard client disconnected"));
  }

  /** Resolves when a data send would go out at once (connected, limits known, window not full). */
  waitForCapacity(): Promise<void> {
    return this.#queue.waitForCapacity();
  }

  /** The send queue (replaced when the client is started again after stopping). */
  protected get queue(): SendQueue {
    return this.#queue;
  }

  /** True while a connection is up (also before subscriptions and limits are done). */
  protected get linkUp(): boolean {
    return this.#link !== undefined;
  }

  /** Largest MQTT remaining length the server accepts now. */
  protected maxPacket(): number {
    return Math.min(this.#maxPayloadSize, this.#link?.maximumPacketSize ?? Infinity);
  }

  /** Absolute send deadline for a timeout (0 = none). */
  protected deadline(timeoutMs = this.o.sendTimeoutMs): number | undefined {
    return timeoutMs > 0 ? performance.now() + timeoutMs : undefined;
  }

  /** Runs `run` when the client is started; bad arguments become rejections too. */
  protected ifStarted<R>(run: () => Promise<R>): Promise<R> {
    if (this.#state === "idle" || this.#state === "stopped") {
      return Promise.reject(
        new ThingsBoardError(
          "not_connected",
          "ThingsBoard client is not started: call connect() first",
        ),
      );
    }
    try {
      return run();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Subscribes `filter` now if connected and not yet subscribed (renewed on reconnects anyway). */
  protected ensureSubscribed(filter: string): void {
    const link = this.#link;
    if (!link || this.#subscribed.has(filter)) return;
    this.#subscribe(link, [filter]).catch((error) => {
      if (link.isOpen) this.warn(error);
    });
  }

  /** Applies session limits: payload size, in-flight window, rate limits (option overrides). */
  protected applyLimits(limits: SessionLimits): void {
    this.#sessionLimits = limits;
    if (limits.maxPayloadSize !== undefined && limits.maxPayloadSize > 0) {
      this.#maxPayloadSize = Math.min(limits.maxPayloadSize, this.o.maxPayloadSize);
    }
    if (limits.maxInflightMessages !== undefined && limits.maxInflightMessages > 0) {
      this.#serverInflight = limits.maxInflightMessages;
    }
    this.limiter.configure(this.o.rateLimits ?? limits.rateLimits ?? {});
    this.#queue.configure(this.#window(), this.maxPacket());
  }

  /** The server closed for a rate limit (`certain`) or probably did; subclasses add limiters. */
  protected penalize(certain: boolean): void {
    this.limiter.penalize(certain);
  }

  /** Reports a problem that does not stop the client. */
  protected warn(error: Error): void {
    if (this.listenerCount("warning") > 0) this.emit("warning", error);
  }

  #newQueue(): SendQueue {
    return new SendQueue({
      maxQueued: this.o.maxQueued,
      limiter: this.limiter,
      onRateLimited: () => this.limiter.penalize(true),
    });
  }

  #start(): void {
    if (this.#state === "stopped") {
      this.#queue = this.#newQueue();
      this.#abort = new AbortController();
    }
    this.#running = true;
    this.#state = this.#connectedOnce ? "reconnecting" : "connecting";
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (this.#running) {
      let link: MqttLink;
      try {
        const options = await linkOptions(this.o).catch((error) => {
          throw new ThingsBoardError("refused", error.message, { cause: error });
        });
        link = await MqttLink.open(options, this.#abort.signal);
      } catch (error) {
        if (!this.#running) break;
        if (error instanceof ThingsBoardError) {
          this.#fail(error);
          break;
        }
        this.#lastError = error as Error;
        await this.#pause(++attempt, error as Error);
        continue;
      }
      if (!this.#running) {
        await link.close();
        break;
      }
      const upAt = performance.now();
      await this.#linkUp(link);
      const error = this.#linkDown(await link.closed);
      if (!this.#running) break;
      if (performance.now() - upAt >= this.o.stableAfterMs) {
        this.#backoff.reset();
        attempt = 0;
      }
      await this.#pause(++attempt, error);
    }
  }

  async #linkUp(link: MqttLink): Promise<void> {
    this.#link = link;
    this.#lastError = undefined;
    link.onMessage = (topic, payload) => this.#onMessage(topic, payload);
    this.limiter.consume(MESSAGE_COST); // the server counts the session open
    this.#queue.holdData(true);
    this.#queue.attach(link, this.#window(), this.maxPacket());
    try {
      const filters = this.activeFilters();
      if (filters.length > 0) await this.#subscribe(link, filters);
      await this.afterConnect();
    } catch (error) {
      if (link.isOpen) this.warn(error as Error);
    } finally {
      this.#queue.holdData(false);
    }
    if (!link.isOpen || !this.#running) return;
    this.#state = "connected";
    const reconnect = this.#connectedOnce;
    this.#connectedOnce = true;
    for (const waiter of this.#readyWaiters) waiter.resolve();
    this.#readyWaiters.clear();
    this.emit("connect", { reconnect });
  }

  #linkDown(info: LinkCloseInfo): Error {
    this.#link = undefined;
    this.#subscribed.clear();
    this.#queue.detach();
    this.connectionLost();
    const lostData = this.#queue.takeLostData();
    const reason = info.disconnectReason;
    if (reason !== undefined && isRateLimitCode(reason)) this.penalize(true);
    else if (!info.byUs && lostData > 0) this.penalize(false);
    const error = reason !== undefined && reason !== 0
      ? new Error(`ThingsBoard closed the connection: ${disconnectReasonText(reason)}`)
      : info.error ?? new Error("Connection to ThingsBoard closed");
    this.#lastError = error;
    this.#state = this.#running ? "reconnecting" : "stopped";
    this.emit("disconnect", { error: info.byUs ? undefined : error, willReconnect: this.#running });
    return error;
  }

  async #pause(attempt: number, error: Error): Promise<void> {
    const delayMs = this.#backoff.next();
    this.emit("reconnecting", { attempt, delayMs, error });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, delayMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #fail(error: Error): void {
    this.#running = false;
    this.#shutdown(error);
    this.emit("error", error);
  }

  #shutdown(error: Error): void {
    this.#state = "stopped";
    this.#queue.close(error);
    this.stopped(error);
    for (const waiter of this.#readyWaiters) waiter.reject(error);
    this.#readyWaiters.clear();
  }

  async #subscribe(link: MqttLink, filters: string[]): Promise<void> {
    for (const filter of filters) {
      this.#subscribed.add(filter);
      this.limiter.consume(MESSAGE_COST);
    }
    const granted = await link.subscribe(filters);
    filters.forEach((filter, i) => {
      if ((granted[i] ?? 0x80) >= 0x80) {
        this.#subscribed.delete(filter);
        this.warn(new Error(`ThingsBoard refused the subscription to "${filter}"`));
      }
    });
  }

  #window(): number {
    return Math.min(
      this.o.maxInFlight,
      this.#serverInflight,
      this.#link?.receiveMaximum ?? Infinity,
    );
  }

  #onMessage(topic: string, payload: Uint8Array): void {
    try {
      this.handleMessage(topic, this.#decoder.decode(payload));
    } catch (error) {
      this.warn(new Error(`Ignoring a message on "${topic}": ${(error as Error).message}`));
    }
  }
}
