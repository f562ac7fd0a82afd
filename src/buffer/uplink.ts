/**
 * Drains a {@link RingBuffer} into an async sender with a bounded in-flight window.
 *
 * Items leave the buffer only after the send that carried them succeeded, so a crash or a
 * failed send never loses them. Completions are acknowledged strictly in buffer order. After a
 * failure the uplink stops issuing, lets the in-flight sends settle, waits a backoff and then
 * resends everything from the head again ("go-back-N"): the receiver sees the retried batches in
 * their original order, at the price of duplicates for batches that had succeeded behind the
 * failed one (delivery is at-least-once, which time-stamped telemetry tolerates).
 *
 * @module
 */

import { Backoff } from "../util/backoff.ts";
import { TypedEmitter } from "../util/typed_emitter.ts";
import type { BufferedMessage, RingBuffer } from "./ring_buffer.ts";

export interface UplinkOptions<T> {
  buffer: RingBuffer<T>;
  /** Delivers one batch; resolves when the server has it (e.g. on PUBACK). */
  send: (batch: T[]) => Promise<void>;
  /** Maximum items per batch; default 20. */
  batchSize?: number;
  /** Maximum batches in flight; default 10. */
  window?: number;
  /** Delay before a retry; default 500 ms doubling up to 30 s. */
  backoff?: Backoff;
}

export type UplinkEvents = {
  /** A batch was acknowledged; `items` is how many left the buffer because of it. */
  batchSent: [items: number];
  sendFailed: [error: unknown, retryInMs: number];
  /** Every buffered item has been delivered. */
  drained: [];
};

interface Flight {
  endSeq: number;
  state: "pending" | "done" | "failed";
}

/** Moves buffered items to the server, in order, at most `window` batches at a time. */
export class Uplink<T = BufferedMessage> extends TypedEmitter<UplinkEvents> {
  readonly batchSize: number;
  readonly window: number;
  #buffer: RingBuffer<T>;
  #send: (batch: T[]) => Promise<void>;
  #backoff: Backoff;

  #running = false;
  #generation = 0;
  #nextSeq = 0;
  #flights: Flight[] = [];
  #pending = 0;
  #failed = false;
  #firstError: unknown;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pumpQueued = false;
  #unsubscribe: (() => void) | undefined;
  #settledWaiter: (() => void) | undefined;

  #batchesSent = 0;
  #itemsSent = 0;
  #failures = 0;
  #maxInFlight = 0;

  constructor(options: UplinkOptions<T>) {
    super();
    const { batchSize = 20, window = 10 } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`Invalid batchSize: expected a positive integer, got "${batchSize}"`);
    }
    if (!Number.isSafeInteger(window) || window < 1) {
      throw new RangeError(`Invalid window: expected a positive integer, got "${window}"`);
    }
    if (typeof options.send !== "function") throw new TypeError("Invalid send: not a function");
    this.batchSize = batchSize;
    this.window = window;
    this.#buffer = options.buffer;
    this.#send = options.send;
    this.#backoff = options.backoff ?? new Backoff(500, 30_000);
  }

  /** Batches acknowledged since creation. */
  get batchesSent(): number {
    return this.#batchesSent;
  }
  /** Items removed from the buffer after a successful send. */
  get itemsSent(): number {
    return this.#itemsSent;
  }
  /** Failed sends. */
  get failures(): number {
    return this.#failures;
  }
  /** Sends started and not yet settled. */
  get inFlight(): number {
    return this.#pending;
  }
  /** Highest number of simultaneous sends seen (never above `window`). */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }
  get running(): boolean {
    return this.#running;
  }

  /** Starts draining; new pushes to the buffer are picked up automatically. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#generation++;
    this.#flights = [];
    this.#pending = 0;
    this.#failed = false;
    this.#nextSeq = this.#buffer.headSeq;
    // Deferred to a microtask so a synchronous burst of pushes forms full batches.
    this.#unsubscribe = this.#buffer.on("pushed", () => this.#schedulePump());
    this.#pump();
  }

  /**
   * Stops issuing sends and cancels a pending retry, then waits up to `timeoutMs` for in-flight
   * sends to settle (their successes are still acknowledged). Sends that hang past that are
   * abandoned: their items stay buffered and go out again after the next start.
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#retryTimer !== undefined) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    if (this.#pending > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#settledWaiter = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      this.#settledWaiter = undefined;
    }
    this.#generation++; // late completions of abandoned sends are ignored
    this.#flights = [];
    this.#pending = 0;
  }

  /**
   * The way to the server is back (e.g. the client reconnected): a pending retry wait is cut
   * short and everything not acknowledged goes out again now, from the head. Without this a
   * backlog would wait out a delay grown during the outage (up to the backoff's maximum). While
   * failed sends are still settling, the coming retry gets the shortest delay instead.
   */
  retryNow(): void {
    if (!this.#running) return;
    this.#backoff.reset();
    if (this.#retryTimer === undefined) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#failed = false;
    this.#pump();
  }

  #schedulePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (!this.#running || this.#failed || this.#retryTimer !== undefined) return;
    const buffer = this.#buffer;
    // Overflow may have dropped items we had not sent yet.
    if (this.#nextSeq < buffer.headSeq) this.#nextSeq = buffer.headSeq;
    while (this.#pending < this.window) {
      const skip = this.#nextSeq - buffer.headSeq;
      const available = buffer.buffered - skip;
      if (available <= 0) return;
      const batch = buffer.peek(Math.min(this.batchSize, available), skip);
      this.#nextSeq += batch.length;
      const flight: Flight = { endSeq: this.#nextSeq, state: "pending" };
      this.#flights.push(flight);
      this.#pending++;
      if (this.#pending > this.#maxInFlight) this.#maxInFlight = this.#pending;
      const generation = this.#generation;
      let sending: Promise<void>;
      try {
        sending = Promise.resolve(this.#send(batch));
      } catch (error) {
        sending = Promise.reject(error);
      }
      sending.then(
        () => this.#settle(generation, flight, undefined, false),
        (error) => this.#settle(generation, flight, error, true),
      );
    }
  }

  #settle(generation: number, flight: Flight, error: unknown, failed: boolean): void {
    if (generation !== this.#generation) return;
    this.#pending--;
    if (failed) {
      flight.state = "failed";
      this.#failures++;
      if (!this.#failed) {
        this.#failed = true;
        this.#firstError = error;
      }
    } else {
      flight.state = "done";
      this.#batchesSent++;
    }
    // Acknowledge in buffer order: a success behind a pending or failed batch must wait.
    while (this.#flights.length > 0 && this.#flights[0].state === "done") {
      const done = this.#flights.shift()!;
      const removed = this.#buffer.acknowledgeBefore(done.endSeq);
      this.#itemsSent += removed;
      this.emit("batchSent", removed);
    }
    if (this.#pending === 0) this.#settledWaiter?.();
    if (this.#failed) {
      if (this.#pending === 0) this.#scheduleRetry();
      return;
    }
    if (this.#flights.length === 0) this.#backoff.reset();
    this.#pump();
    if (this.#pending === 0 && this.#buffer.buffered === 0) this.emit("drained");
  }

  #scheduleRetry(): void {
    // Go back to the head: everything not acknowledged is sent again, in order.
    this.#flights = [];
    this.#nextSeq = this.#buffer.headSeq;
    const error = this.#firstError;
    this.#firstError = undefined;
    if (!this.#running) {
      this.#failed = false;
      return;
    }
    const delay = this.#backoff.next();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#failed = false;
      this.#pump();
    }, delay);
    this.emit("sendFailed", error, delay);
  }
}
