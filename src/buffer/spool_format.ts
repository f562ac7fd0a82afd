/**
 * The spool's files: segments of records `length (u32 LE) | crc32 (u32 LE) | payload`, named
 * after their first sequence number, and the `ack` file (`seq (u64 LE) | crc32 (u32 LE)`).
 *
 * The record CRC covers the length bytes as well, so a zero-filled tail (what a crash often
 * leaves) never parses as empty records, and a torn length never points at a plausible payload.
 *
 * @module
 */

import { join } from "node:path";
import { crc32 } from "./crc32.ts";

/** Bytes before each payload. */
export const RECORD_HEADER = 8;

/** Valid records of a segment image and the byte length they cover. */
export function scanSegment(
  bytes: Uint8Array,
  maxRecordBytes: number,
): { records: Uint8Array[]; validBytes: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  while (offset + RECORD_HEADER <= bytes.length) {
    const length = view.getUint32(offset, true);
    if (length > maxRecordBytes || offset + RECORD_HEADER + length > bytes.length) break;
    const payload = bytes.subarray(offset + RECORD_HEADER, offset + RECORD_HEADER + length);
    const expected = crc32(payload, crc32(bytes.subarray(offset, offset + 4)));
    if (view.getUint32(offset + 4, true) !== expected) break;
    records.push(payload);
    offset += RECORD_HEADER + length;
  }
  return { records, validBytes: offset };
}

/** Byte offset where record number `index` of a (valid) segment image starts. */
export function recordOffset(bytes: Uint8Array, index: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  for (let i = 0; i < index && offset + RECORD_HEADER <= bytes.length; i++) {
    offset += RECORD_HEADER + view.getUint32(offset, true);
  }
  return Math.min(offset, bytes.length);
}

/** Encodes records back to back into one buffer, so a batch is one write (and one fsync). */
export function encodeRecords(records: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const data of records) total += RECORD_HEADER + data.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const data of records) {
    view.setUint32(offset, data.length, true);
    out.set(data, offset + RECORD_HEADER);
    const crc = crc32(data, crc32(out.subarray(offset, offset + 4)));
    view.setUint32(offset + 4, crc, true);
    offset += RECORD_HEADER + data.length;
  }
  return out;
}

/** File name of the segment whose first record is `firstSeq`. */
export function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(16, "0")}.seg`;
}

/** First sequence number of a segment file name; undefined for other names. */
export function segmentFirstSeq(name: string): number | undefined {
  const match = /^(\d{16})\.seg$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

export async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

const ACK_FILE = "ack";

/** The acknowledged position in `dir`; 0 when the file is missing or damaged. */
export async function readAckFile(dir: string): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(join(dir, ACK_FILE));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return 0;
    throw error;
  }
  if (bytes.length !== 12) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 12);
  if (view.getUint32(8, true) !== crc32(bytes.subarray(0, 8))) return 0;
  return Number(view.getBigUint64(0, true));
}

/** Replaces the ack file atomically (write a temporary file, then rename over). */
export async function writeAckFile(dir: string, seq: number, sync: boolean): Promise<void> {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(seq), true);
  view.setUint32(8, crc32(bytes.subarray(0, 8)), true);
  const tmp = join(dir, `${ACK_FILE}.tmp`);
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    if (sync) await file.sync();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, join(dir, ACK_FILE));
}
