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
 * garbage). Corruption inside an older segment ends the replay of that segment only. A write that
 * fails half way is cut back off the segment at once, so later records never hide behind it.
 *
 * What survives what: a process crash (kill -9) loses nothing whose append resolved, under every
 * policy (the data is in the kernel). Power loss keeps every record below {@link Spool.syncedSeq}:
 * with `"always"` that is every resolved append, with `"interval"` everything up to the last
 * periodic sync (at most `fsyncIntervalMs` old; the `synced` event reports each one), with
 * `"never"` only what the OS happened to write back.
 *
 * @module
 */

import { join } from "node:path";
import { TypedEmitter } from "../util/typed_emitter.ts";
import {
  encodeRecords,
  readAckFile,
  recordOffset,
  removeIfPresent,
  scanSegment,
  segmentFirstSeq,
  segmentName,
  writeAckFile,
} from "./spool_format.ts";

export { scanSegment };

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

interface Segment {
  firstSeq: number;
  path: string;
}

/** Events of a {@link Spool}. */
export type SpoolEvents = {
  /** Records below `syncedSeq` are on stable storage. */
  synced: [syncedSeq: number];
  /** A background (interval) sync failed; the next sync or close tries again. */
  syncFailed: [error: unknown];
};

/** Append-only record log in a directory. */
export class Spool extends TypedEmitter<SpoolEvents> {
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
  #syncedSeq = 0;
  #repairedBytes = 0;
  #dirty = false;
  #syncTimer: ReturnType<typeof setTimeout> | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(dir: string, options: SpoolOptions) {
    super();
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
  /** Every record below this sequence number has been forced to stable storage. */
  get syncedSeq(): number {
    return this.#syncedSeq;
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
      const firstSeq = segmentFirstSeq(entry.name);
      if (entry.isFile && firstSeq !== undefined) {
        this.#segments.push({ firstSeq, path: join(this.dir, entry.name) });
      }
    }
    this.#segments.sort((a, b) => a.firstSeq - b.firstSeq);
    this.#ackedSeq = await readAckFile(this.dir);
    const last = this.#segments.at(-1);
    if (!last) {
      this.#nextSeq = this.#syncedSeq = this.#ackedSeq;
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
      // What the previous run wrote may still sit in the page cache only.
      if (this.fsync !== "never") await this.#file.sync();
    } else if (records.length === 0) {
      await Deno.remove(last.path);
      this.#segments.pop();
    }
    this.#syncedSeq = this.#nextSeq;
  }

  /** Appends a record; resolves with its sequence number once written (and synced if "always"). */
  append(data: Uint8Array): Promise<number> {
    return this.appendBatch([data]);
  }

  /**
   * Appends records in one write (and, under "always", one fsync); resolves with the sequence
   * number of the first. When the write fails nothing of the batch stays on disk and `nextSeq`
   * is unchanged; when only the fsync fails the records are written (`nextSeq` moved on) and the
   * promise rejects all the same.
   */
  appendBatch(records: readonly Uint8Array[]): Promise<number> {
    for (const data of records) {
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
    }
    return this.#serial(async () => {
      this.#checkOpen();
      const first = this.#nextSeq;
      if (records.length === 0) return first;
      if (!this.#file || this.#activeBytes >= this.segmentBytes) await this.#rotate();
      const encoded = encodeRecords(records);
      await this.#write(this.#file!, encoded);
      this.#activeBytes += encoded.length;
      this.#nextSeq += records.length;
      this.#dirty = true;
      if (this.fsync === "always") await this.#syncActive();
      else if (this.fsync === "interval") this.#scheduleSync();
      return first;
    });
  }

  /** Forces written records to stable storage. */
  sync(): Promise<void> {
    return this.#serial(() => this.#syncActive());
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
      await writeAckFile(this.dir, seq, this.fsync !== "never");
      // A segment is done when the next one starts at or before the acknowledged position.
      while (this.#segments.length > 1 && this.#segments[1].firstSeq <= seq) {
        await removeIfPresent(this.#segments.shift()!.path);
      }
      if (this.#segments.length === 1 && seq >= this.#nextSeq) {
        this.#file?.close();
        this.#file = undefined;
        await removeIfPresent(this.#segments.shift()!.path);
      }
    });
  }

  /**
   * Removes every record at or above `seq` (the newest ones), e.g. those a smaller buffer no
   * longer takes after a restart; the next append gets `seq`. Meant for startup.
   */
  discardFrom(seq: number): Promise<void> {
    if (!Number.isSafeInteger(seq) || seq < this.#ackedSeq || seq > this.#nextSeq) {
      return Promise.reject(new RangeError(`Invalid discard sequence "${seq}"`));
    }
    return this.#serial(async () => {
      this.#checkOpen();
      if (seq >= this.#nextSeq) return;
      this.#file?.close();
      this.#file = undefined; // the next append starts a fresh segment at `seq`
      while (this.#segments.length > 0 && this.#segments.at(-1)!.firstSeq >= seq) {
        await removeIfPresent(this.#segments.pop()!.path);
      }
      const last = this.#segments.at(-1);
      if (last) {
        const offset = recordOffset(await Deno.readFile(last.path), seq - last.firstSeq);
        const file = await Deno.open(last.path, { write: true });
        try {
          await file.truncate(offset);
          if (this.fsync !== "never") await file.sync();
        } finally {
          file.close();
        }
      }
      this.#nextSeq = seq;
      this.#syncedSeq = Math.min(this.#syncedSeq, seq);
    });
  }

  /** Syncs (unless the policy is "never"), clears the sync timer and closes the active file. */
  close(): Promise<void> {
    return this.#serial(async () => {
      if (this.#closed) return;
      this.#closed = true;
      if (this.#syncTimer !== undefined) clearTimeout(this.#syncTimer);
      this.#syncTimer = undefined;
      const file = this.#file;
      this.#file = undefined;
      if (file) {
        try {
          if (this.fsync !== "never" && this.#dirty) await file.sync();
        } finally {
          file.close();
        }
        if (this.fsync !== "never") this.#markSynced();
      }
    });
  }

  async #write(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
    let written = 0;
    try {
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    } catch (error) {
      // Cut the partial record off again; if even that fails, leave the file behind: the next
      // append starts a new segment and replay stops at this segment's garbage.
      if (written > 0) {
        try {
          await file.truncate(this.#activeBytes);
        } catch {
          file.close();
          this.#file = undefined;
        }
      }
      throw error;
    }
  }

  async #syncActive(): Promise<void> {
    if (this.#file) await this.#file.sync();
    this.#markSynced();
  }

  #markSynced(): void {
    this.#dirty = false;
    if (this.#syncedSeq === this.#nextSeq) return;
    this.#syncedSeq = this.#nextSeq;
    this.emit("synced", this.#syncedSeq);
  }

  async #rotate(): Promise<void> {
    const old = this.#file;
    this.#file = undefined;
    if (old) {
      try {
        if (this.fsync !== "never" && this.#dirty) await old.sync();
      } finally {
        old.close();
      }
      if (this.fsync !== "never") this.#markSynced();
    }
    const firstSeq = this.#nextSeq;
    const path = join(this.dir, segmentName(firstSeq));
    this.#file = await Deno.open(path, { write: true, create: true, truncate: true });
    // A segment left empty by a failed write has this very name: reuse its entry.
    if (this.#segments.at(-1)?.firstSeq !== firstSeq) this.#segments.push({ firstSeq, path });
    this.#activeBytes = 0;
  }

  #scheduleSync(): void {
    if (this.#syncTimer !== undefined) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      // A failed background sync is reported; the next sync or close tries again.
      this.sync().catch((error) => this.emit("syncFailed", error));
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
