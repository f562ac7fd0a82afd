/**
 * A crash-safe on-disk spool: append-only segment files of checksummed records.
 *
 * When the uplink is down for longer than memory allows, records go to disk and survive a
 * restart. Each record is `length (u32 LE) | crc32 (u32 LE) | payload`; the CRC covers the length
 * bytes as well, so a zero-filled tail (what a crash often leaves) never parses as empty records.
 * A segment is named after the sequence number of its first record, so whole segments can be
 * deleted once every record in them is acknowledged; the acknowledged position itself is kept in
 * a small checksummed `ack` file replaced atomically by rename.
 *
 * On open, the last segment is scanned and truncated after its last valid record (a torn write or
 * garbage). Corruption inside an older segment ends the replay of that segment only.
 *
 * @module
 */

import { join } from "node:path";
import { crc32 } from "./crc32.ts";

/** When appended records are forced to stable storage. */
export type FsyncPolicy = "always" | "interval" | "never";

export interface SpoolOptions {
  /** Default `"interval"`: bounded loss on power failure without an fsync per record. */
  fsync?: FsyncPolicy;
  /** Interval for the `"interval"` policy; default 1000 ms. */
  fsyncIntervalMs?: number;
  /** A new segment starts once the current one reaches this size; default 1 MiB. */
  segmentBytes?: number;
  /** Larger records are refused (and larger lengths on disk are corruption); default 1 MiB. */
  maxRecordBytes?: number;
}

/** One replayed record. */
export interface SpoolRecord {
  seq: number;
  data: Uint8Array;
}

const HEADER = 8;
const SEGMENT_SUFFIX = ".seg";
const ACK_FILE = "ack";

function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(16, "0")}${SEGMENT_SUFFIX}`;
}

/** Valid records of a segment image and the byte length they cover. */
export function scanSegment(
  bytes: Uint8Array,
  maxRecordBytes: number,
): { records: Uint8Array[]; validBytes: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset + HEADER <= bytes.length) {
    const length = view.getUint32(offset, true);
    if (length > maxRecordBytes || offset + HEADER + length > bytes.length) break;
    const payload = bytes.subarray(offset + HEADER, offset + HEADER + length);
    const expected = crc32(payload, crc32(bytes.subarray(offset, offset + 4)));
    if (view.getUint32(offset + 4, true) !== expected) break;
    records.push(payload);
    offset += HEADER + length;
  }
  return { records, validBytes: offset };
}

function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length, true);
  out.set(data, HEADER);
  view.setUint32(4, crc32(data, crc32(out.subarray(0, 4))), true);
  return out;
}

interface Segment {
  firstSeq: number;
  path: string;
}

/** Append-only record log in a directory. */
export class Spool {
  readonly dir: string;
  readonly fsync: FsyncPolicy;
  readonly fsyncIntervalMs: number;
  readonly segmentBytes: number;
  readonly maxRecordBytes: number;

  #segments: Segment[] = [];
  #file: Deno.FsFile | undefined;
  #activeBytes = 0;
  #nextSeq = 0;
  #ackedSeq = 0;
  #repairedBytes = 0;
  #dirty = false;
  #syncTimer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(dir: string, options: SpoolOptions) {
    const {
      fsync = "interval",
      fsyncIntervalMs = 1_000,
      segmentBytes = 1 << 20,
      maxRecordBytes = 1 << 20,
    } = options;
    if (fsync !== "always" && fsync !== "interval" && fsync !== "never") {
      throw new TypeError(`Invalid fsync policy "${fsync}"`);
    }
    for (
      const [name, value] of [["fsyncIntervalMs", fsyncIntervalMs], [
        "segmentBytes",
        segmentBytes,
      ], ["maxRecordBytes", maxRecordBytes]] as const
    ) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new RangeError(`Invalid ${name}: expected a positive integer, got "${value}"`);
      }
    }
    this.dir = dir;
    this.fsync = fsync;
    this.fsyncIntervalMs = fsyncIntervalMs;
    this.segmentBytes = segmentBytes;
    this.maxRecordBytes = Math.min(maxRecordBytes, 0xffffffff);
  }

  /** Opens (creating if needed) the spool in `dir` and repairs a torn tail. */
  static async open(dir: string, options: SpoolOptions = {}): Promise<Spool> {
    const spool = new Spool(dir, options);
    await Deno.mkdir(dir, { recursive: true });
    await spool.#load();
    return spool;
  }

  /** Sequence number the next appended record gets. */
  get nextSeq(): number {
    return this.#nextSeq;
  }
  /** Every record below this sequence number is acknowledged. */
  get ackedSeq(): number {
    return this.#ackedSeq;
  }
  /** Bytes cut off the last segment at open (torn or corrupt tail). */
  get repairedBytes(): number {
    return this.#repairedBytes;
  }
  /** Number of segment files on disk. */
  get segmentCount(): number {
    return this.#segments.length;
  }

  async #load(): Promise<void> {
    for await (const entry of Deno.readDir(this.dir)) {
      const match = /^(\d{16})\.seg$/.exec(entry.name);
      if (entry.isFile && match) {
        this.#segments.push({ firstSeq: Number(match[1]), path: join(this.dir, entry.name) });
      }
    }
    this.#segments.sort((a, b) => a.firstSeq - b.firstSeq);
    this.#ackedSeq = await this.#readAck();
    const last = this.#segments.at(-1);
    if (!last) {
      this.#nextSeq = this.#ackedSeq;
      return;
    }
    const bytes = await Deno.readFile(last.path);
    const { records, validBytes } = scanSegment(bytes, this.maxRecordBytes);
    if (validBytes < bytes.length) {
      this.#repairedBytes = bytes.length - validBytes;
      await Deno.truncate(last.path, validBytes);
    }
    this.#nextSeq = Math.max(last.firstSeq + records.length, this.#ackedSeq);
    if (validBytes < this.segmentBytes && records.length > 0) {
      this.#file = await Deno.open(last.path, { append: true });
      this.#activeBytes = validBytes;
    } else if (records.length === 0) {
      await Deno.remove(last.path);
      this.#segments.pop();
    }
  }

  async #readAck(): Promise<number> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(join(this.dir, ACK_FILE));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return 0;
      throw error;
    }
    if (bytes.length !== 12) return 0;
    const view = new DataView(bytes.buffer, bytes.byteOffset, 12);
    if (view.getUint32(8, true) !== crc32(bytes.subarray(0, 8))) return 0;
    return Number(view.getBigUint64(0, true));
  }

  /** Appends a record; resolves with its sequence number once written (and synced if "always"). */
  append(data: Uint8Array): Promise<number> {
    if (!(data instanceof Uint8Array)) {
      return Promise.reject(new TypeError("Invalid record: expected a Uint8Array"));
    }
    if (data.length > this.maxRecordBytes) {
      return Promise.reject(
        new RangeError(
          `Record of ${data.length} bytes exceeds maxRecordBytes "${this.maxRecordBytes}"`,
        ),
      );
    }
    return this.#serial(async () => {
      this.#checkOpen();
      if (!this.#file || this.#activeBytes >= this.segmentBytes) await this.#rotate();
      const encoded = encodeRecord(data);
      let written = 0;
      while (written < encoded.length) {
        written += await this.#file!.write(encoded.subarray(written));
      }
      this.#activeBytes += encoded.length;
      const seq = this.#nextSeq++;
      if (this.fsync === "always") await this.#file!.sync();
      else if (this.fsync === "interval") this.#scheduleSync();
      return seq;
    });
  }

  /** Forces written records to stable storage. */
  sync(): Promise<void> {
    return this.#serial(async () => {
      if (this.#file) await this.#file.sync();
      this.#dirty = false;
    });
  }

  /** Yields every unacknowledged record in order (meant for startup, before new appends). */
  async *replay(): AsyncGenerator<SpoolRecord> {
    for (const segment of [...this.#segments]) {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(segment.path);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue; // trimmed meanwhile
        throw error;
      }
      const { records } = scanSegment(bytes, this.maxRecordBytes);
      for (let i = 0; i < records.length; i++) {
        const seq = segment.firstSeq + i;
        if (seq >= this.#ackedSeq) yield { seq, data: records[i] };
      }
    }
  }

  /**
   * Marks every record below `seq` as delivered: persists that position and deletes segments
   * that hold nothing newer.
   */
  acknowledge(seq: number): Promise<void> {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > this.#nextSeq) {
      return Promise.reject(new RangeError(`Invalid acknowledged sequence "${seq}"`));
    }
    return this.#serial(async () => {
      this.#checkOpen();
      if (seq <= this.#ackedSeq) return;
      this.#ackedSeq = seq;
      await this.#writeAck(seq);
      // A segment is done when the next one starts at or before the acknowledged position.
      while (this.#segments.length > 1 && this.#segments[1].firstSeq <= seq) {
        await Deno.remove(this.#segments.shift()!.path);
      }
      if (this.#segments.length === 1 && seq >= this.#nextSeq) {
        this.#file?.close();
        this.#file = undefined;
        await Deno.remove(this.#segments.shift()!.path);
      }
    });
  }

  /** Syncs (unless the policy is "never"), clears the sync timer and closes the active file. */
  close(): Promise<void> {
    return this.#serial(async () => {
      if (this.#closed) return;
      this.#closed = true;
      if (this.#syncTimer !== undefined) clearTimeout(this.#syncTimer);
      this.#syncTimer = undefined;
      if (this.#file) {
        if (this.fsync !== "never" && this.#dirty) await this.#file.sync();
        this.#file.close();
        this.#file = undefined;
      }
    });
  }

  async #writeAck(seq: number): Promise<void> {
    const bytes = new Uint8Array(12);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(seq), true);
    view.setUint32(8, crc32(bytes.subarray(0, 8)), true);
    const tmp = join(this.dir, `${ACK_FILE}.tmp`);
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      await file.write(bytes);
      if (this.fsync !== "never") await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, join(this.dir, ACK_FILE));
  }

  async #rotate(): Promise<void> {
    if (this.#file) {
      if (this.fsync !== "never") await this.#file.sync();
      this.#file.close();
    }
    const segment = { firstSeq: this.#nextSeq, path: join(this.dir, segmentName(this.#nextSeq)) };
    this.#file = await Deno.open(segment.path, { write: true, create: true, truncate: true });
    this.#segments.push(segment);
    this.#activeBytes = 0;
  }

  #scheduleSync(): void {
    this.#dirty = true;
    if (this.#syncTimer !== undefined) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      // A failed background sync resurfaces on the next explicit sync or close.
      this.sync().catch(() => {});
    }, this.fsyncIntervalMs);
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`Spool "${this.dir}" is closed`);
  }

  /** Runs operations one at a time so records never interleave. */
  #serial<R>(operation: () => Promise<R>): Promise<R> {
    const result = this.#chain.then(operation);
    this.#chain = result.catch(() => {});
    return result;
  }
}
