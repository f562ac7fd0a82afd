/**
 * A bounded FIFO ring buffer for outgoing messages.
 *
 * The agent samples faster than the uplink can always deliver (network down, server slow), so
 * telemetry waits here. Both the message count and the payload bytes are bounded: a few huge
 * payloads must not exhaust memory any more than many small ones. Watermark events let the agent
 * slow its sampling before the buffer starts dropping.
 *
 * Storage is a circular array that grows by doubling up to the capacity, so push and shift are
 * O(1) and an idle agent with a large capacity does not pay for it up front.
 *
 * @module
 */

import { TypedEmitter } from "../util/typed_emitter.ts";

/** A message waiting for the uplink. */
export interface BufferedMessage {
  topic?: string;
  payload: Uint8Array | string;
  /** Milliseconds since the epoch when the message was buffered. */
  enqueuedAt: number;
}

/** What happens when a new item does not fit. */
export type OverflowPolicy = "drop-oldest" | "drop-newest";

/** Why an item was dropped. */
export type DropReason = "overflow" | "too-large" | "cleared";

export interface RingBufferOptions<T> {
  /** Maximum number of buffered items. */
  capacity: number;
  /** Maximum total size (as measured by `sizeOf`) of buffered items; unbounded when omitted. */
  maxBytes?: number;
  /** Default `"drop-oldest"`: fresh telemetry is worth more than stale. */
  overflow?: OverflowPolicy;
  /** Size of one item in bytes; defaults to {@link messageSize}. */
  sizeOf?: (item: T) => number;
  /** Fill fraction at which `aboveHighWatermark` fires; default 0.8. */
  highWatermark?: number;
  /** Fill fraction at which `belowLowWatermark` fires after a high crossing; default 0.5. */
  lowWatermark?: number;
}

/** Events of a {@link RingBuffer}; `fill` is the fill fraction in [0, 1]. */
export type RingBufferEvents<T> = {
  aboveHighWatermark: [fill: number];
  belowLowWatermark: [fill: number];
  dropped: [item: T, reason: DropReason];
  /** An item was accepted (lets a consumer such as the uplink wake up). */
  pushed: [];
  /** `count` items left the head as sent (shift or acknowledgeBefore). */
  sent: [count: number];
};

/** UTF-8 length of a string without allocating an encoded copy. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Default size of a {@link BufferedMessage}: payload plus topic bytes. */
export function messageSize(message: BufferedMessage): number {
  const payload = message.payload;
  const payloadBytes = typeof payload === "string" ? utf8Length(payload) : payload.byteLength;
  return payloadBytes + (message.topic === undefined ? 0 : utf8Length(message.topic));
}

const INITIAL_SLOTS = 16;

function checkFraction(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) {
    throw new RangeError(`Invalid ${name}: expected a fraction in [0, 1], got "${value}"`);
  }
  return value;
}

/** Bounded FIFO with drop counters and watermark events. */
export class RingBuffer<T = BufferedMessage> extends TypedEmitter<RingBufferEvents<T>> {
  readonly capacity: number;
  readonly maxBytes: number;
  readonly overflow: OverflowPolicy;
  readonly highWatermark: number;
  readonly lowWatermark: number;

  #sizeOf: (item: T) => number;
  #items: (T | undefined)[];
  #sizes: number[];
  #head = 0;
  #count = 0;
  #bytes = 0;
  #tailSeq = 0;
  #above = false;
  #enqueued = 0;
  #sent = 0;
  #dropped = 0;

  constructor(options: RingBufferOptions<T>) {
    super();
    const { capacity, maxBytes = Infinity, overflow = "drop-oldest" } = options;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`Invalid capacity: expected a positive integer, got "${capacity}"`);
    }
    if (!(maxBytes > 0)) {
      throw new RangeError(`Invalid maxBytes: expected a positive number, got "${maxBytes}"`);
    }
    if (overflow !== "drop-oldest" && overflow !== "drop-newest") {
      throw new TypeError(`Invalid overflow policy "${overflow}"`);
    }
    this.highWatermark = checkFraction("highWatermark", options.highWatermark ?? 0.8);
    this.lowWatermark = checkFraction("lowWatermark", options.lowWatermark ?? 0.5);
    if (this.lowWatermark > this.highWatermark) {
      throw new RangeError(
        `Invalid watermarks: low "${this.lowWatermark}" exceeds high "${this.highWatermark}"`,
      );
    }
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.overflow = overflow;
    this.#sizeOf = options.sizeOf ?? (messageSize as unknown as (item: T) => number);
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.#items = new Array(slots);
    this.#sizes = new Array(slots).fill(0);
  }

  /** Items accepted by {@link push} since creation. */
  get enqueued(): number {
    return this.#enqueued;
  }
  /** Items removed by {@link shift} (handed to the consumer). */
  get sent(): number {
    return this.#sent;
  }
  /** Items lost to overflow, size or {@link clear}. */
  get dropped(): number {
    return this.#dropped;
  }
  /** Items currently buffered. */
  get buffered(): number {
    return this.#count;
  }
  /** Total size of the buffered items. */
  get bufferedBytes(): number {
    return this.#bytes;
  }
  /** Sequence number of the oldest buffered item (every accepted item gets the next one). */
  get headSeq(): number {
    return this.#tailSeq - this.#count;
  }
  /** Sequence number the next accepted item will get. */
  get tailSeq(): number {
    return this.#tailSeq;
  }
  /** Whether the buffer is between a high crossing and the following low crossing. */
  get isAboveHighWatermark(): boolean {
    return this.#above;
  }
  /** Fill fraction: the larger of the count and the byte fill. */
  get fill(): number {
    const byCount = this.#count / this.capacity;
    return this.maxBytes === Infinity ? byCount : Math.max(byCount, this.#bytes / this.maxBytes);
  }

  /**
   * Appends an item; returns false when it was dropped instead (drop-newest overflow or an
   * item larger than `maxBytes`). Under drop-oldest, old items are dropped to make room.
   */
  push(item: T): boolean {
    const size = this.#sizeOf(item);
    if (!(size >= 0)) throw new RangeError(`Invalid item size "${size}"`);
    if (size > this.maxBytes) {
      this.#drop(item, "too-large");
      return false;
    }
    while (this.#count >= this.capacity || this.#bytes + size > this.maxBytes) {
      if (this.overflow === "drop-newest") {
        this.#drop(item, "overflow");
        return false;
      }
      const [oldest] = this.#removeHead();
      this.#drop(oldest, "overflow");
    }
    if (this.#count === this.#items.length) this.#grow();
    const slot = (this.#head + this.#count) % this.#items.length;
    this.#items[slot] = item;
    this.#sizes[slot] = size;
    this.#count++;
    this.#bytes += size;
    this.#tailSeq++;
    this.#enqueued++;
    this.#checkWatermarks();
    if (this.listenerCount("pushed") > 0) this.emit("pushed");
    return true;
  }

  /** Up to `n` items starting `skip` items after the head, without removing them. */
  peek(n = 1, skip = 0): T[] {
    const start = Math.max(0, skip);
    const end = Math.min(this.#count, start + Math.max(0, n));
    const out: T[] = [];
    for (let i = start; i < end; i++) {
      out.push(this.#items[(this.#head + i) % this.#items.length] as T);
    }
    return out;
  }

  /** Removes up to `n` items from the head and returns them; they count as sent. */
  shift(n = 1): T[] {
    const out: T[] = [];
    const take = Math.min(this.#count, Math.max(0, n));
    for (let i = 0; i < take; i++) out.push(this.#removeHead()[0]);
    this.#noteSent(take);
    return out;
  }

  /** Removes the head item and returns it (counted as sent); undefined when empty. */
  shiftOne(): T | undefined {
    if (this.#count === 0) return undefined;
    const [item] = this.#removeHead();
    this.#noteSent(1);
    return item;
  }

  /**
   * Removes, as sent, every buffered item whose sequence number is below `seq`; returns how
   * many. Items already dropped by overflow are simply gone, so a consumer that remembers
   * sequence ranges stays correct while drop-oldest eats into them.
   */
  acknowledgeBefore(seq: number): number {
    const n = Math.min(this.#count, Math.max(0, seq - this.headSeq));
    for (let i = 0; i < n; i++) this.#removeHead();
    if (n > 0) this.#noteSent(n);
    return n;
  }

  /**
   * Counts `item` as dropped without buffering it, for a producer that already knows it must not
   * go in (a disk spool replaying more than fits keeps the oldest prefix only).
   */
  discard(item: T, reason: DropReason = "overflow"): void {
    this.#drop(item, reason);
  }

  /** Drops every buffered item (counted as dropped). */
  clear(): void {
    while (this.#count > 0) this.#drop(this.#removeHead()[0], "cleared");
    this.#checkWatermarks();
  }

  #removeHead(): [T, number] {
    const slot = this.#head;
    const item = this.#items[slot] as T;
    const size = this.#sizes[slot];
    this.#items[slot] = undefined; // let the payload be collected
    this.#head = (slot + 1) % this.#items.length;
    this.#count--;
    this.#bytes -= size;
    return [item, size];
  }

  #noteSent(n: number): void {
    this.#sent += n;
    this.#checkWatermarks();
    if (n > 0 && this.listenerCount("sent") > 0) this.emit("sent", n);
  }

  #drop(item: T, reason: DropReason): void {
    this.#dropped++;
    if (this.listenerCount("dropped") > 0) this.emit("dropped", item, reason);
  }

  #grow(): void {
    const old = this.#items;
    const oldSizes = this.#sizes;
    const slots = Math.min(this.capacity, old.length * 2);
    const items: (T | undefined)[] = new Array(slots);
    const sizes: number[] = new Array(slots).fill(0);
    for (let i = 0; i < this.#count; i++) {
      const from = (this.#head + i) % old.length;
      items[i] = old[from];
      sizes[i] = oldSizes[from];
    }
    this.#items = items;
    this.#sizes = sizes;
    this.#head = 0;
  }

  #checkWatermarks(): void {
    const fill = this.fill;
    if (!this.#above && fill >= this.highWatermark && this.#count > 0) {
      this.#above = true;
      this.emit("aboveHighWatermark", fill);
    } else if (this.#above && fill <= this.lowWatermark) {
      this.#above = false;
      this.emit("belowLowWatermark", fill);
    }
  }
}
