/**
 * The bridge's outgoing MQTT messages: a bounded FIFO in front of MQTT.js with
 * a window of publishes in flight.
 *
 * Why: MQTT.js keeps every publish it is handed (an unbounded offline queue,
 * one `drain` listener per publish that hit the socket's high-water mark) and
 * gets slower the larger that backlog is (peers-and-anchors §2.3: 1.5-2k msg/s
 * with 100k queued publishes against 80k msg/s with 100 in flight). So the
 * bridge hands MQTT.js at most {@link PublishQueueOptions.window} messages at
 * a time and keeps the rest here, up to {@link PublishQueueOptions.capacity};
 * when full, the OLDEST message is dropped (the newest state is worth most).
 *
 * While the broker is disconnected there is no sink and QoS 0 messages are
 * dropped, as paho does for the reference ("QoS-0 messages published while
 * disconnected are lost"). Every drop is counted, and drops are reported with
 * one WARNING per interval rather than one line per message.
 *
 * @module
 */

import type { BridgeLogger } from "./log.ts";

/**
 * Hands one message to the MQTT client. `done` must be called once the client
 * has taken it (for QoS 0: MQTT.js's publish callback).
 */
export type PublishSink = (topic: string, payload: string, done: () => void) => void;

/** Options of a {@link PublishQueue}. */
export interface PublishQueueOptions {
  /** Messages kept while the window is full. @default 10_000 */
  readonly capacity?: number;
  /** Publishes handed to the client and not yet done. @default 100 */
  readonly window?: number;
  /** At most one drop WARNING per this many ms. @default 10_000 */
  readonly warnIntervalMs?: number;
  readonly logger?: BridgeLogger;
}

/** Counters of a {@link PublishQueue}, e.g. for a status topic. */
export interface PublishCounters {
  /** Messages the client has taken */
  readonly published: number;
  /** All dropped messages: {@link droppedQueueFull} + {@link droppedDisconnected} */
  readonly dropped: number;
  /** Oldest messages dropped because the queue was full */
  readonly droppedQueueFull: number;
  /** Messages dropped because the broker was not connected */
  readonly droppedDisconnected: number;
  /** Messages waiting in the queue now */
  readonly queued: number;
  /** Messages handed to the client and not yet done */
  readonly inFlight: number;
}

/** See the module doc. */
export class PublishQueue {
  readonly capacity: number;
  readonly window: number;
  readonly #warnIntervalMs: number;
  readonly #logger: BridgeLogger | undefined;
  // A ring buffer in two parallel arrays: no object per message.
  readonly #topics: (string | undefined)[];
  readonly #payloads: (string | undefined)[];
  #head = 0;
  #length = 0;
  #sink: PublishSink | undefined;
  /** Bumped when the sink changes, so `done` calls of an old client are ignored */
  #generation = 0;
  #inFlight = 0;
  #pumping = false;
  #published = 0;
  #droppedQueueFull = 0;
  #droppedDisconnected = 0;
  /** Drops not yet reported, by reason */
  #unreportedFull = 0;
  #unreportedDisconnected = 0;
  #reportTimer: ReturnType<typeof setTimeout> | undefined;
  #idleWaiters: (() => void)[] = [];

  constructor(options: PublishQueueOptions = {}) {
    this.capacity = options.capacity ?? 10_000;
    this.window = options.window ?? 100;
    this.#warnIntervalMs = options.warnIntervalMs ?? 10_000;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) {
      throw new RangeError(
        `Publish queue capacity must be a positive integer, got ${this.capacity}`,
      );
    }
    if (!Number.isInteger(this.window) || this.window < 1) {
      throw new RangeError(`Publish window must be a positive integer, got ${this.window}`);
    }
    this.#logger = options.logger;
    this.#topics = new Array(this.capacity);
    this.#payloads = new Array(this.capacity);
  }

  get counters(): PublishCounters {
    return {
      published: this.#published,
      dropped: this.#droppedQueueFull + this.#droppedDisconnected,
      droppedQueueFull: this.#droppedQueueFull,
      droppedDisconnected: this.#droppedDisconnected,
      queued: this.#length,
      inFlight: this.#inFlight,
    };
  }

  /** Whether a sink (a connected client) is attached. */
  get connected(): boolean {
    return this.#sink !== undefined;
  }

  /**
   * Attaches the client of a new broker connection, or detaches it (undefined)
   * when the connection is lost: then everything still queued is dropped, and
   * publishes handed to the old client no longer count as in flight.
   */
  setSink(sink: PublishSink | undefined): void {
    this.#generation++;
    this.#sink = sink;
    this.#inFlight = 0;
    if (sink === undefined) {
      this.#dropDisconnected(this.#length);
      this.#clear();
      this.#wakeIdleWaiters();
    } else {
      this.#pump();
    }
  }

  /** Queues one message (QoS 0, not retained). */
  publish(topic: string, payload: string): void {
    if (this.#sink === undefined) {
      this.#dropDisconnected(1);
      return;
    }
    if (this.#length === 0 && this.#inFlight < this.window && !this.#pumping) {
      this.#send(topic, payload); // the common case: nothing waits, no copy into the ring
      return;
    }
    if (this.#length === this.capacity) {
      // Drop the oldest: overwrite it in place and move the head on.
      this.#topics[this.#head] = topic;
      this.#payloads[this.#head] = payload;
      this.#head = (this.#head + 1) % this.capacity;
      this.#droppedQueueFull++;
      this.#unreportedFull++;
      this.#scheduleReport();
    } else {
      const tail = (this.#head + this.#length) % this.capacity;
      this.#topics[tail] = topic;
      this.#payloads[tail] = payload;
      this.#length++;
    }
    this.#pump();
  }

  /**
   * Resolves when nothing is queued or in flight (or no client is attached),
   * or after `timeoutMs`. Used on shutdown so the `disconnected` callback goes
   * out before `shutdown`.
   */
  async drain(timeoutMs: number): Promise<void> {
    if (this.#idle()) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wake = () => {};
    const idle = new Promise<void>((resolve) => {
      wake = resolve;
      this.#idleWaiters.push(resolve);
    });
    try {
      await Promise.race([idle, new Promise<void>((r) => timer = setTimeout(r, timeoutMs))]);
    } finally {
      clearTimeout(timer);
      this.#idleWaiters = this.#idleWaiters.filter((waiter) => waiter !== wake);
    }
  }

  /** Detaches the client, reports unreported drops and stops the report timer. */
  close(): void {
    this.setSink(undefined);
    clearTimeout(this.#reportTimer);
    this.#reportTimer = undefined;
    this.#report();
  }

  #idle(): boolean {
    return this.#sink === undefined || (this.#length === 0 && this.#inFlight === 0);
  }

  #wakeIdleWaiters(): void {
    for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  #send(topic: string, payload: string): void {
    const generation = this.#generation;
    this.#inFlight++;
    let called = false;
    this.#sink!(topic, payload, () => {
      if (called || generation !== this.#generation) return;
      called = true;
      this.#inFlight--;
      this.#published++;
      // MQTT.js usually calls back synchronously, inside #send; the loop in #pump
      // then simply goes on, otherwise this restarts it.
      if (!this.#pumping) this.#pump();
      if (this.#idle()) this.#wakeIdleWaiters();
    });
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#length > 0 && this.#sink !== undefined && this.#inFlight < this.window) {
        const head = this.#head;
        const topic = this.#topics[head]!;
        const payload = this.#payloads[head]!;
        this.#topics[head] = undefined;
        this.#payloads[head] = undefined;
        this.#head = (head + 1) % this.capacity;
        this.#length--;
        this.#send(topic, payload);
      }
    } finally {
      this.#pumping = false;
    }
    if (this.#idle()) this.#wakeIdleWaiters();
  }

  #clear(): void {
    this.#topics.fill(undefined);
    this.#payloads.fill(undefined);
    this.#head = 0;
    this.#length = 0;
  }

  #dropDisconnected(count: number): void {
    if (count === 0) return;
    this.#droppedDisconnected += count;
    this.#unreportedDisconnected += count;
    this.#scheduleReport();
  }

  /** The first drop after a quiet interval is reported at once, later ones once per interval. */
  #scheduleReport(): void {
    if (this.#reportTimer !== undefined) return;
    this.#report();
    this.#reportTimer = setTimeout(() => {
      this.#reportTimer = undefined;
      if (this.#unreportedFull + this.#unreportedDisconnected > 0) this.#scheduleReport();
    }, this.#warnIntervalMs);
  }

  #report(): void {
    const parts: string[] = [];
    if (this.#unreportedFull > 0) {
      parts.push(
        `${this.#unreportedFull} because the publish queue was full (${this.capacity} messages)`,
      );
    }
    if (this.#unreportedDisconnected > 0) {
      parts.push(`${this.#unreportedDisconnected} because the MQTT broker was not connected`);
    }
    this.#unreportedFull = 0;
    this.#unreportedDisconnected = 0;
    if (parts.length === 0) return;
    this.#logger?.warning(
      `Dropped MQTT messages: ${parts.join(", ")} (${
        this.#droppedQueueFull +
        this.#droppedDisconnected
      } dropped since start)`,
    );
  }
}
