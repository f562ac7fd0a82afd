/**
 * A {@link RingBuffer} mirrored in a disk {@link Spool}, so buffered telemetry survives a restart.
 *
 * The ring stays the one source of truth: the uplink runs on `durable.ring` exactly as on a plain
 * ring buffer, and producers push without waiting. A background writer follows the ring: it
 * appends every accepted item to the spool (in batches, so "always" costs one fsync per batch),
 * and whenever items leave the ring (sent, dropped by overflow, cleared) it acknowledges their
 * records, which deletes whole segments. Items that left the ring before the writer reached them
 * are never written at all. Spool failures never reach the producer: they are counted, emitted as
 * `spoolError`, and the item stays in memory (delivered as usual, just not crash-safe); failed
 * writes are not retried.
 *
 * Sequence numbers. The ring numbers the items it accepts 0, 1, 2... from open ("ring seq"); the
 * spool numbers records across restarts ("spool seq"). `#map` ({@link SeqMap}) maps ring seqs
 * to the spool seqs of their records. Invariant while the writer is idle:
 * - every spool record at or above `spool.ackedSeq` mirrors one item pushed into this ring (or
 *   is a leftover of replay that nothing mirrors: undecodable, too large), no item has two
 *   records, and records follow ring order (so replay order is push order);
 * - the records of items still in the ring are exactly those listed in `#map`;
 * - hence below the acknowledgement position (the spool seq of the oldest ring item that has a
 *   record, or `spool.nextSeq` when none has) lie only records of items that left the ring.
 * Items only ever leave the ring at its head, so acknowledging a prefix is always enough.
 *
 * Disk bound: records at or above the acknowledged position mirror ring items; acknowledged ones
 * linger only in the oldest segment. The spool holds the ring's contents plus about one segment.
 *
 * Replay: on open, the unacknowledged records are pushed into a fresh ring in order. Under
 * drop-oldest the ring drops the oldest as usual. Under drop-newest the oldest records that fit
 * are kept and everything from the first one that does not fit is dropped (unlike the ring, which
 * might still take a later smaller item: a kept prefix is what can be cut off the spool). Dropped
 * records are removed from the spool before open returns, so they are never replayed again; they
 * count in `ring.dropped` and `counters.replayDropped`.
 *
 * @module
 */

import { TypedEmitter } from "../util/typed_emitter.ts";
import { RingBuffer, type RingBufferOptions } from "./ring_buffer.ts";
import { SeqMap } from "./seq_map.ts";
import { Spool, type SpoolOptions } from "./spool.ts";
import { RECORD_HEADER } from "./spool_format.ts";

/** Turns items into spool records and back. */
export interface RecordCodec<T> {
  encode(item: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

export interface DurableBufferOptions<T> {
  /** Spool directory; without one the buffer lives in memory only. */
  dir?: string;
  ringOptions: RingBufferOptions<T>;
  spoolOptions?: SpoolOptions;
  codec: RecordCodec<T>;
}

/** What the spool was doing when it failed. */
export type SpoolOperation = "append" | "encode" | "decode" | "acknowledge" | "sync" | "close";

export type DurableBufferEvents = {
  /** A spool operation failed; the buffer carries on in memory. */
  spoolError: [error: unknown, operation: SpoolOperation];
};

export interface DurableBufferCounters {
  /** Records written to the spool since open */
  spooled: number;
  /** Failed spool operations since open (each also emitted as `spoolError`) */
  spoolErrors: number;
  /** Records read back into the ring at open */
  replayed: number;
  /** Records read back at open that did not fit the ring */
  replayDropped: number;
  /** Bytes of torn or corrupt tail cut off at open */
  repairedBytes: number;
}

interface FlushWaiter {
  write: number;
  ack: number;
  resolve: () => void;
}

const MAX_BATCH_ITEMS = 256;

/** See the module doc. */
export class DurableBuffer<T> extends TypedEmitter<DurableBufferEvents> {
  readonly ring: RingBuffer<T>;
  readonly #spool: Spool | undefined;
  readonly #codec: RecordCodec<T>;
  readonly #map = new SeqMap();
  /** Ring seq of the next item the writer looks at. */
  #nextToWrite = 0;
  /** Ring head at the last acknowledgement. */
  #ackedRingSeq = 0;
  #writer: Promise<void> | undefined;
  #waiters: FlushWaiter[] = [];
  #closing: Promise<void> | undefined;
  #closeTail: number | undefined;
  #closed = false;
  #unsubscribe: (() => void)[] = [];
  #spooled = 0;
  #spoolErrors = 0;
  #replayed = 0;
  #replayDropped = 0;

  private constructor(ring: RingBuffer<T>, spool: Spool | undefined, codec: RecordCodec<T>) {
    super();
    this.ring = ring;
    this.#spool = spool;
    this.#codec = codec;
  }

  /** Creates the ring and, with a `dir`, opens the spool and replays it into the ring. */
  static async open<T>(options: DurableBufferOptions<T>): Promise<DurableBuffer<T>> {
    const { dir, codec } = options;
    if (typeof codec?.encode !== "function" || typeof codec.decode !== "function") {
      throw new TypeError("Invalid codec: expected encode and decode functions");
    }
    const ring = new RingBuffer<T>(options.ringOptions);
    if (dir === undefined) return new DurableBuffer(ring, undefined, codec);
    let spool: Spool;
    try {
      spool = await Spool.open(dir, options.spoolOptions);
    } catch (error) {
      if (error instanceof TypeError || error instanceof RangeError) throw error;
      throw new Error(`Cannot open the buffer spool "${dir}": ${describe(error)}`, {
        cause: error,
      });
    }
    const buffer = new DurableBuffer(ring, spool, codec);
    try {
      await buffer.#replay(spool);
    } catch (error) {
      await spool.close().catch(() => {});
      throw new Error(`Cannot read the buffer spool "${dir}": ${describe(error)}`, {
        cause: error,
      });
    }
    buffer.#unsubscribe.push(
      ring.on("pushed", () => buffer.#wake()),
      ring.on("sent", () => buffer.#wake()),
      ring.on("dropped", () => buffer.#wake()),
      spool.on("syncFailed", (error) => buffer.#fail(error, "sync")),
    );
    return buffer;
  }

  /** The spool, when there is one (read-only use: its `synced` event, `syncedSeq`). */
  get spool(): Spool | undefined {
    return this.#spool;
  }

  get counters(): DurableBufferCounters {
    return {
      spooled: this.#spooled,
      spoolErrors: this.#spoolErrors,
      replayed: this.#replayed,
      replayDropped: this.#replayDropped,
      repairedBytes: this.#spool?.repairedBytes ?? 0,
    };
  }

  /**
   * Buffers an item; returns false when the overflow policy refused it. Never waits and never
   * throws because of the spool (after {@link close} items are kept in memory only).
   */
  push(item: T): boolean {
    return this.ring.push(item);
  }

  /**
   * Resolves once every item pushed before the call has been written to the spool (synced under
   * "always"), or given up on after a reported failure, and every removal before the call has
   * been acknowledged there. Never rejects.
   */
  flush(): Promise<void> {
    if (this.#spool === undefined || this.#closed) return Promise.resolve();
    const write = this.ring.tailSeq;
    const ack = this.ring.headSeq;
    if (this.#nextToWrite >= write && this.#ackedRingSeq >= ack) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push({ write, ack, resolve });
      this.#wake();
    });
  }

  /** {@link flush}, then force everything written to stable storage. Never rejects. */
  async sync(): Promise<void> {
    await this.flush();
    if (this.#spool === undefined || this.#closed) return;
    try {
      await this.#spool.sync();
    } catch (error) {
      this.#fail(error, "sync");
    }
  }

  /** Writes what was pushed so far, acknowledges, syncs (per policy) and closes the spool. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const spool = this.#spool;
    if (spool === undefined) return;
    this.#closeTail = this.ring.tailSeq;
    this.#wake();
    while (this.#writer !== undefined) await this.#writer;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    try {
      await spool.close();
    } catch (error) {
      this.#fail(error, "close");
    }
    this.#resolveWaiters();
  }

  async #replay(spool: Spool): Promise<void> {
    const ring = this.ring;
    let lastReason = "";
    const off = ring.on("dropped", (_item, reason) => {
      lastReason = reason;
      this.#replayDropped++;
    });
    let firstRefused: number | undefined;
    try {
      for await (const record of spool.replay()) {
        let item: T;
        try {
          item = this.#codec.decode(record.data);
        } catch (error) {
          // Left in place: the acknowledgement passes over it like over a sent item.
          this.#fail(error, "decode");
          continue;
        }
        if (firstRefused !== undefined) ring.discard(item);
        else if (ring.push(item)) this.#map.add(ring.tailSeq - 1, record.seq, 1);
        else if (lastReason === "overflow") firstRefused = record.seq; // drop-newest is full
        // A "too-large" refusal (maxBytes shrank) leaves a gap the acknowledgement passes over.
      }
    } finally {
      off();
    }
    if (firstRefused !== undefined) await spool.discardFrom(firstRefused);
    this.#replayed = ring.buffered;
    this.#nextToWrite = ring.tailSeq;
    const position = this.#ackPosition();
    if (position > spool.ackedSeq) await spool.acknowledge(position);
    this.#ackedRingSeq = ring.headSeq;
  }

  /** Starts the writer unless it runs; it re-checks for work when it stops. */
  #wake(): void {
    if (this.#writer !== undefined || this.#closed || this.#spool === undefined) return;
    this.#writer = this.#drain().finally(() => {
      this.#writer = undefined;
      if (this.#hasWork()) this.#wake();
      else this.#resolveWaiters();
    });
  }

  #writeEnd(): number {
    return this.#closeTail ?? this.ring.tailSeq;
  }

  #hasWork(): boolean {
    return this.#nextToWrite < this.#writeEnd() || this.ring.headSeq > this.#ackedRingSeq;
  }

  async #drain(): Promise<void> {
    await Promise.resolve(); // a synchronous burst of pushes becomes one batch
    while (true) {
      let worked = false;
      // Writes and acknowledgements alternate: a long backlog must not keep sent records on disk.
      if (this.#nextToWrite < this.#writeEnd()) {
        await this.#writeBatch();
        worked = true;
      }
      if (this.ring.headSeq > this.#ackedRingSeq) {
        await this.#acknowledge();
        worked = true;
      }
      if (!worked) return;
      this.#resolveWaiters(false);
    }
  }

  async #writeBatch(): Promise<void> {
    const ring = this.ring;
    const spool = this.#spool!;
    const start = Math.max(this.#nextToWrite, ring.headSeq);
    const end = Math.min(this.#writeEnd(), start + MAX_BATCH_ITEMS);
    if (end <= start) {
      this.#nextToWrite = Math.max(this.#nextToWrite, start);
      return;
    }
    // Encode first (synchronously, so the peeked items are current), then write each run of
    // encodable items as one batch; a batch stays about one segment large.
    const items = ring.peek(end - start, start - ring.headSeq);
    const encoded: (Uint8Array | undefined)[] = [];
    let bytes = 0;
    for (let i = 0; i < items.length && bytes < spool.segmentBytes; i++) {
      const data = this.#encode(items[i], spool.maxRecordBytes);
      encoded.push(data);
      if (data !== undefined) bytes += RECORD_HEADER + data.length;
    }
    let groupStart = start;
    for (let i = 0; i <= encoded.length; i++) {
      if (i < encoded.length && encoded[i] !== undefined) continue;
      const group = encoded.slice(groupStart - start, i) as Uint8Array[];
      if (group.length > 0) await this.#append(groupStart, group);
      groupStart = start + i + 1;
    }
    this.#nextToWrite = start + encoded.length;
  }

  #encode(item: T, maxBytes: number): Uint8Array | undefined {
    try {
      const data = this.#codec.encode(item);
      if (!(data instanceof Uint8Array)) throw new TypeError("Codec encode returned no Uint8Array");
      if (data.length > maxBytes) {
        throw new RangeError(`Record of ${data.length} bytes exceeds maxRecordBytes "${maxBytes}"`);
      }
      return data;
    } catch (error) {
      this.#fail(error, "encode");
      return undefined;
    }
  }

  async #append(ringStart: number, records: Uint8Array[]): Promise<void> {
    const spool = this.#spool!;
    const before = spool.nextSeq;
    try {
      await spool.appendBatch(records);
    } catch (error) {
      this.#fail(error, "append");
    }
    // Records that reached the file count even when only their fsync failed.
    const written = spool.nextSeq - before;
    if (written > 0) {
      this.#map.add(ringStart, before, written);
      this.#spooled += written;
    }
  }

  async #acknowledge(): Promise<void> {
    const spool = this.#spool!;
    const head = this.ring.headSeq;
    const position = this.#ackPosition();
    if (position > spool.ackedSeq) {
      try {
        await spool.acknowledge(position);
      } catch (error) {
        this.#fail(error, "acknowledge");
      }
    }
    this.#ackedRingSeq = Math.max(this.#ackedRingSeq, head);
  }

  /** Spool seq below which every record belongs to an item that left the ring (see module doc). */
  #ackPosition(): number {
    return this.#map.firstFrom(this.ring.headSeq) ?? this.#spool!.nextSeq;
  }

  #resolveWaiters(all = true): void {
    if (this.#waiters.length === 0) return;
    const pending: FlushWaiter[] = [];
    for (const waiter of this.#waiters) {
      if (all || (this.#nextToWrite >= waiter.write && this.#ackedRingSeq >= waiter.ack)) {
        waiter.resolve();
      } else pending.push(waiter);
    }
    this.#waiters = pending;
  }

  #fail(error: unknown, operation: SpoolOperation): void {
    this.#spoolErrors++;
    this.emit("spoolError", error, operation);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
