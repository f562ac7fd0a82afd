/**
 * Outgoing QoS 1 messages: a bounded queue of ours, a bounded in-flight
 * window, client-side rate limiting, and a deliberate policy for what happens
 * to a message when the connection drops.
 *
 * - Sends made while disconnected wait here (bounded by `maxQueued` per
 *   class; beyond it a send rejects at once with `queue_full`). Nothing is
 *   handed to MQTT.js while offline.
 * - At most `window` messages are in flight (published, no PUBACK yet).
 * - Control messages (requests, RPC replies, claims) go before data
 *   (telemetry, attributes), so a telemetry backlog does not delay an RPC reply.
 * - A message in flight when the connection drops is either sent again after
 *   the reconnect, ahead of newer ones and in original order (`onLost:
 *   "requeue"`: telemetry, attributes, attribute requests: at least once), or
 *   rejected with `connection_lost` (`"fail"`: client-side RPC, whose effect
 *   must not happen twice). `connectionBound` messages (RPC replies) are also
 *   dropped from the queue: after a reconnect the request id may mean another
 *   request.
 * - A deadline covers queue time plus acknowledgement; when it passes the send
 *   rejects with `timeout` (the message may still have arrived).
 *
 * @module
 */
import { LinkClosedError, type MqttLink, PubackError } from "./connection.ts";
import { isRateLimitCode, ThingsBoardError } from "./errors.ts";
import type { RateCost, RateLimiter } from "./rate_limiter.ts";

/** One message to send. */
export interface OutgoingMessage {
  topic: string;
  payload: string;
  /** UTF-8 length of `payload` */
  bytes: number;
  cost: RateCost;
  /** Limiter counting `cost` (default: the queue's; gateway sub-device traffic has its own) */
  limiter?: RateLimiter;
  /** Requests, replies and claims: sent before data */
  control: boolean;
  onLost: "requeue" | "fail";
  /** Dropped (rejected) when the connection it was queued for is lost */
  connectionBound?: boolean;
  /** Absolute deadline on the `performance.now()` clock; undefined = none */
  deadline?: number;
  /** For error texts, e.g. "telemetry" or "RPC reply 5" */
  what: string;
}

interface Entry extends OutgoingMessage {
  seq: number;
  done: boolean;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A FIFO with O(1) shift. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  peek(): T | undefined {
    return this.#items[this.#head];
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined as T;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  /** Removes every item for which `drop` is true (rare path: timeouts, disconnects). */
  removeWhere(drop: (item: T) => boolean): void {
    const kept = this.#items.slice(this.#head).filter((item) => !drop(item));
    this.#items = kept;
    this.#head = 0;
  }
  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i];
  }
}

/** Options of {@link SendQueue}. */
export interface SendQueueOptions {
  /** Messages that may wait per class (control, data) */
  maxQueued: number;
  limiter: RateLimiter;
  /** Called when the server rejected a publish with a rate-limit reason (PUBACK 0x97) */
  onRateLimited?: () => void;
}

/** See the module doc. */
export class SendQueue {
  #maxQueued: number;
  #limiter: RateLimiter;
  #onRateLimited: () => void;
  #control = new Fifo<Entry>();
  #data = new Fifo<Entry>();
  /** Lost in flight, to be sent first; kept sorted by `seq` */
  #retry: Entry[] = [];
  #inFlight = new Set<Entry>();
  #seq = 0;
  #link: MqttLink | undefined;
  #window = 1;
  #holdData = false;
  /** Largest MQTT remaining length the server accepts */
  #maxPacket = Infinity;
  #pumpTimer: ReturnType<typeof setTimeout> | undefined;
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  #deadlineAt = Infinity;
  #capacityWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #closedError: Error | undefined;
  #lostData = 0;

  constructor(options: SendQueueOptions) {
    this.#maxQueued = options.maxQueued;
    this.#limiter = options.limiter;
    this.#onRateLimited = options.onRateLimited ?? (() => {});
  }

  /** Published, not yet acknowledged. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Waiting to be published (both classes, retries included). */
  get queued(): number {
    return this.#control.length + this.#data.length + this.#retry.length;
  }

  /** Queues a message; resolves on PUBACK. */
  send(message: OutgoingMessage): Promise<void> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    const fifo = message.control ? this.#control : this.#data;
    if (fifo.length >= this.#maxQueued) {
      return Promise.reject(
        new ThingsBoardError(
          "queue_full",
          `Cannot send ${message.what}: ${fifo.length} messages already wait for the connection`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = { ...message, seq: ++this.#seq, done: false, resolve, reject };
      fifo.push(entry);
      if (entry.deadline !== undefined) this.#armDeadline(entry.deadline);
      this.#pump();
    });
  }

  /** Starts sending on a new connection with this in-flight window and packet limit. */
  attach(link: MqttLink, window: number, maxPacket: number): void {
    this.#link = link;
    this.configure(window, maxPacket);
  }

  /** Updates the window or packet limit (e.g. after `getSessionLimits`). */
  configure(window: number, maxPacket: number): void {
    this.#window = Math.max(1, window);
    this.#maxPacket = maxPacket;
    this.#pump();
  }

  /** Data messages that were in flight when a connection dropped, since the last call. */
  takeLostData(): number {
    const lost = this.#lostData;
    this.#lostData = 0;
    return lost;
  }

  /** Holds data messages back (while the session limits are not known yet). */
  holdData(hold: boolean): void {
    this.#holdData = hold;
    this.#pump();
  }

  /** The connection is gone: stop sending, drop connection-bound messages. */
  detach(): void {
    this.#link = undefined;
    clearTimeout(this.#pumpTimer);
    this.#pumpTimer = undefined;
    const lost = new ThingsBoardError("connection_lost", "Connection to ThingsBoard lost");
    const drop = (entry: Entry) => {
      if (!entry.connectionBound) return false;
      this.#settle(entry, lost);
      return true;
    };
    this.#control.removeWhere(drop);
    this.#data.removeWhere(drop);
    this.#retry = this.#retry.filter((entry) => !drop(entry));
  }

  /** Rejects everything with `error` and refuses new sends; the queue is finished. */
  close(error: Error): void {
    this.#closedError = error;
    this.detach();
    for (const entry of [...this.#retry, ...this.#inFlight, ...this.#control, ...this.#data]) {
      this.#settle(entry, error);
    }
    this.#retry = [];
    this.#inFlight.clear();
    this.#control = new Fifo();
    this.#data = new Fifo();
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    for (const waiter of this.#capacityWaiters.splice(0)) waiter.reject(error);
  }

  /** True when a data message would be published right away. */
  get hasCapacity(): boolean {
    return this.#link !== undefined && !this.#holdData && this.#retry.length === 0 &&
      this.#data.length === 0 && this.#inFlight.size < this.#window;
  }

  /** Resolves once {@link hasCapacity} is true (connected, limits known, window not full). */
  waitForCapacity(): Promise<void> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    if (this.hasCapacity) return Promise.resolve();
    return new Promise((resolve, reject) => this.#capacityWaiters.push({ resolve, reject }));
  }

  #pump(): void {
    const link = this.#link;
    if (!link || !link.isOpen) return;
    clearTimeout(this.#pumpTimer);
    this.#pumpTimer = undefined;
    let wait = Infinity;
    while (this.#inFlight.size < this.#window) {
      const [entry, delay] = this.#next();
      if (!entry) {
        wait = delay;
        break;
      }
      this.#publish(link, entry);
    }
    if (wait < Infinity) {
      this.#pumpTimer = setTimeout(() => {
        this.#pumpTimer = undefined;
        this.#pump();
      }, wait);
    }
    if (this.hasCapacity && this.#capacityWaiters.length > 0) {
      for (const waiter of this.#capacityWaiters.splice(0)) waiter.resolve();
    }
  }

  /** The next sendable entry, removed from its queue; else the shortest rate-limit delay. */
  #next(): [Entry | undefined, number] {
    let wait = Infinity;
    const sources: (() => Entry | undefined)[] = [];
    const retryControl = this.#retry.find((e) => e.control);
    const retryData = this.#retry.find((e) => !e.control);
    // Control first; data only while not held. Retries before newer messages of their class.
    sources.push(() => retryControl ?? this.#control.peek());
    if (!this.#holdData) sources.push(() => retryData ?? this.#data.peek());
    for (const source of sources) {
      const entry = source();
      if (!entry) continue;
      const delay = (entry.limiter ?? this.#limiter).delayFor(entry.cost);
      if (delay > 0) {
        wait = Math.min(wait, delay);
        continue;
      }
      if (entry === retryControl || entry === retryData) {
        this.#retry.splice(this.#retry.indexOf(entry), 1);
      } else {
        (entry.control ? this.#control : this.#data).shift();
      }
      return [entry, 0];
    }
    return [undefined, wait];
  }

  #publish(link: MqttLink, entry: Entry): void {
    if (entry.bytes + packetOverhead(entry.topic) > this.#maxPacket) {
      // Only when the server reported a smaller limit after this message was split.
      this.#settle(
        entry,
        new RangeError(
          `Cannot send ${entry.what}: ${entry.bytes} bytes exceed the server's limit of ${this.#maxPacket}`,
        ),
      );
      return;
    }
    (entry.limiter ?? this.#limiter).consume(entry.cost);
    this.#inFlight.add(entry);
    link.publish(entry.topic, entry.payload, 1).then(
      () => {
        this.#inFlight.delete(entry);
        this.#settle(entry);
        this.#pump();
      },
      (error: Error) => {
        if (!this.#inFlight.delete(entry) || entry.done) return;
        if (error instanceof LinkClosedError) {
          this.#lost(entry);
        } else if (error instanceof PubackError && isRateLimitCode(error.reasonCode)) {
          // Not accepted: send again once the limiter allows.
          if (entry.limiter) entry.limiter.penalize(true);
          else this.#onRateLimited();
          this.#insertRetry(entry);
          this.#pump();
        } else {
          const reason = error instanceof PubackError
            ? new ThingsBoardError("rejected", `Cannot send ${entry.what}: ${error.message}`)
            : error;
          this.#settle(entry, reason);
          this.#pump();
        }
      },
    );
  }

  #lost(entry: Entry): void {
    if (!entry.control) this.#lostData++;
    if (entry.onLost === "requeue" && !entry.connectionBound) {
      this.#insertRetry(entry);
    } else {
      this.#settle(
        entry,
        new ThingsBoardError(
          "connection_lost",
          `Connection to ThingsBoard lost before ${entry.what} was acknowledged`,
        ),
      );
    }
  }

  #insertRetry(entry: Entry): void {
    let i = this.#retry.length;
    while (i > 0 && this.#retry[i - 1].seq > entry.seq) i--;
    this.#retry.splice(i, 0, entry);
  }

  #settle(entry: Entry, error?: Error): void {
    if (entry.done) return;
    entry.done = true;
    if (error) entry.reject(error);
    else entry.resolve();
  }

  #armDeadline(at: number): void {
    if (at >= this.#deadlineAt) return;
    clearTimeout(this.#deadlineTimer);
    this.#deadlineAt = at;
    this.#deadlineTimer = setTimeout(
      () => this.#expire(),
      Math.max(0, at - performance.now()),
    );
  }

  #expire(): void {
    this.#deadlineTimer = undefined;
    this.#deadlineAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    const expired = (entry: Entry) => {
      if (entry.deadline === undefined) return false;
      if (entry.deadline > now) {
        next = Math.min(next, entry.deadline);
        return false;
      }
      this.#settle(
        entry,
        new ThingsBoardError(
          "timeout",
          this.#inFlight.has(entry)
            ? `No acknowledgement for ${entry.what} in time (it may still have arrived)`
            : `Cannot send ${entry.what}: not connected in time`,
        ),
      );
      return true;
    };
    this.#control.removeWhere(expired);
    this.#data.removeWhere(expired);
    this.#retry = this.#retry.filter((entry) => !expired(entry));
    for (const entry of [...this.#inFlight]) {
      if (expired(entry)) this.#inFlight.delete(entry);
    }
    if (next < Infinity) this.#armDeadline(next);
    this.#pump();
  }
}

/**
 * Bytes of a QoS 1 PUBLISH's remaining length besides the payload: topic
 * length prefix and text, packet id, and (MQTT 5) an empty property block.
 * Topics here are ASCII.
 */
export function packetOverhead(topic: string): number {
  return 2 + topic.length + 2 + 1;
}
