/**
 * Telemetry from the sampler to ThingsBoard: ring buffer (optionally mirrored on disk), ordered
 * windowed uplink, backpressure and overflow reporting.
 *
 * Producers never wait: a push lands in the buffer or, when it is full, the overflow policy
 * drops one record (counted and reported at most once per `overflowReportMs`). Above the high
 * watermark the pipeline asks for slower sampling (`slowdown` event with the factor), below the
 * low watermark for the normal rate again, so a long outage fills the buffer slowly and keeps
 * more history per byte.
 *
 * @module
 */

import type { AgentConfig } from "../config/schema.ts";
import { DurableBuffer } from "../buffer/durable_buffer.ts";
import type { RingBuffer } from "../buffer/ring_buffer.ts";
import { Uplink } from "../buffer/uplink.ts";
import type { TelemetryRecord } from "../telemetry/types.ts";
import { Backoff } from "../util/backoff.ts";
import { TypedEmitter } from "../util/typed_emitter.ts";

/** Counters of the pipeline, for the status topic, `getStatus` and agent telemetry. */
export interface BufferCounters {
  enqueued: number;
  sent: number;
  dropped: number;
  buffered: number;
  bufferedBytes: number;
  capacity: number;
  /** Records written to the disk spool (0 without `--buffer-dir`) */
  spooled: number;
  spoolErrors: number;
  /** Records read back from the disk spool at start */
  replayed: number;
  /** Records in the spool at start that did not fit the buffer (dropped by the policy) */
  replayDropped: number;
}

/** Events of a {@link TelemetryPipeline}. */
export type PipelineEvents = {
  /** Sampling should run `factor` times slower (1: normal) */
  slowdown: [factor: number];
  /** Records were dropped since the last report */
  overflow: [dropped: number, policy: string];
  /** The uplink failed a send and retries later */
  sendFailed: [error: unknown, retryInMs: number];
  /** The disk spool failed (reported at most once per minute; records stay in memory) */
  spoolError: [error: unknown, operation: string];
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Rough JSON size of a record: what the byte bound of the buffer is meant to approximate. */
export function recordSize(record: TelemetryRecord): number {
  let size = 40 + record.uid.length;
  const values = record.values;
  for (const key in values) {
    const value = values[key];
    size += key.length + 6 + (typeof value === "string" ? value.length : 12);
  }
  return size;
}

/** The spool's record format: the record as JSON. */
const RECORD_CODEC = {
  encode: (record: TelemetryRecord): Uint8Array => encoder.encode(JSON.stringify(record)),
  decode: (bytes: Uint8Array): TelemetryRecord => JSON.parse(decoder.decode(bytes)),
};

/** See the module doc. */
export class TelemetryPipeline extends TypedEmitter<PipelineEvents> {
  readonly config: AgentConfig["buffer"];
  readonly uplink: Uplink<TelemetryRecord>;
  readonly #store: DurableBuffer<TelemetryRecord>;
  readonly #overflowReportMs: number;
  #droppedUnreported = 0;
  #reportTimer: ReturnType<typeof setTimeout> | undefined;
  #slowdown = 1;

  private constructor(
    config: AgentConfig["buffer"],
    store: DurableBuffer<TelemetryRecord>,
    send: (batch: TelemetryRecord[]) => Promise<void>,
    overflowReportMs: number,
  ) {
    super();
    this.config = config;
    this.#store = store;
    this.#overflowReportMs = overflowReportMs;
    const ring = store.ring;
    this.uplink = new Uplink({
      buffer: ring,
      send,
      batchSize: config.batchSize,
      window: config.window,
      backoff: new Backoff(500, 30_000),
    });
    this.uplink.on("sendFailed", (error, delay) => this.emit("sendFailed", error, delay));
    ring.on("dropped", (_item, reason) => {
      if (reason !== "cleared") this.#noteDrop();
    });
    let lastSpoolError = -Infinity;
    store.on("spoolError", (error, operation) => {
      const now = performance.now();
      if (now - lastSpoolError < 60_000) return;
      lastSpoolError = now;
      this.emit("spoolError", error, operation);
    });
    ring.on("aboveHighWatermark", () => this.#setSlowdown(config.slowdownFactor));
    ring.on("belowLowWatermark", () => this.#setSlowdown(1));
  }

  /** Opens the buffer (reading back the disk spool when configured). */
  static async open(
    config: AgentConfig["buffer"],
    send: (batch: TelemetryRecord[]) => Promise<void>,
    options: { overflowReportMs?: number } = {},
  ): Promise<TelemetryPipeline> {
    const store = await DurableBuffer.open<TelemetryRecord>({
      dir: config.dir,
      ringOptions: {
        capacity: config.capacity,
        maxBytes: config.maxBytes,
        overflow: config.overflow,
        sizeOf: recordSize,
        highWatermark: config.highWatermark,
        lowWatermark: config.lowWatermark,
      },
      spoolOptions: { fsync: config.fsync, fsyncIntervalMs: config.fsyncIntervalMs },
      codec: RECORD_CODEC,
    });
    return new TelemetryPipeline(config, store, send, options.overflowReportMs ?? 10_000);
  }

  /** The in-memory ring (for tests and benchmarks). */
  get ring(): RingBuffer<TelemetryRecord> {
    return this.#store.ring;
  }

  /** Current slowdown factor (1 = normal). */
  get slowdown(): number {
    return this.#slowdown;
  }

  /** Buffers a record; never blocks, never throws. */
  push(record: TelemetryRecord): void {
    this.#store.push(record);
  }

  /** Starts sending (call when the cloud link exists; sends wait while it reconnects). */
  start(): void {
    // Records that were on disk but did not fit the buffer at open are reported like any drop.
    this.#droppedUnreported += this.#store.counters.replayDropped;
    this.#report();
    this.uplink.start();
  }

  /** Stops sending, reports pending drops, syncs and closes the spool. */
  async stop(): Promise<void> {
    await this.uplink.stop(2_000);
    if (this.#reportTimer !== undefined) clearTimeout(this.#reportTimer);
    this.#reportTimer = undefined;
    this.#report();
    await this.#store.close();
  }

  counters(): BufferCounters {
    const ring = this.#store.ring;
    const spool = this.#store.counters;
    return {
      enqueued: ring.enqueued,
      sent: ring.sent,
      dropped: ring.dropped,
      buffered: ring.buffered,
      bufferedBytes: ring.bufferedBytes,
      capacity: ring.capacity,
      spooled: spool.spooled,
      spoolErrors: spool.spoolErrors,
      replayed: spool.replayed,
      replayDropped: spool.replayDropped,
    };
  }

  #setSlowdown(factor: number): void {
    if (factor === this.#slowdown) return;
    this.#slowdown = factor;
    this.emit("slowdown", factor);
  }

  #noteDrop(): void {
    this.#droppedUnreported++;
    if (this.#reportTimer !== undefined) return;
    // The first drop is reported at once, later ones summed per period: a flood of drops must
    // not become a flood of events.
    this.#report();
    this.#reportTimer = setTimeout(() => {
      this.#reportTimer = undefined;
      this.#report();
    }, this.#overflowReportMs);
  }

  #report(): void {
    if (this.#droppedUnreported === 0) return;
    const dropped = this.#droppedUnreported;
    this.#droppedUnreported = 0;
    this.emit("overflow", dropped, this.config.overflow);
  }
}
