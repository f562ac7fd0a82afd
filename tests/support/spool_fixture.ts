/**
 * Shared pieces of the disk spool tests: temporary directories, a number codec, a
 * DurableBuffer of numbers and looks at the files on disk.
 *
 * @module
 */
import { DurableBuffer, type RecordCodec } from "../../src/buffer/durable_buffer.ts";
import type { RingBufferOptions } from "../../src/buffer/ring_buffer.ts";
import type { SpoolOptions } from "../../src/buffer/spool.ts";
import { join } from "node:path";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Numbers as decimal text; decoding anything else fails (a stand-in for a corrupt record). */
export const numberCodec: RecordCodec<number> = {
  encode: (n) => encoder.encode(String(n)),
  decode: (bytes) => {
    const text = decoder.decode(bytes);
    const n = Number(text);
    if (text === "" || !Number.isInteger(n)) throw new SyntaxError(`Not a number: "${text}"`);
    return n;
  },
};

/** Runs `fn` with a fresh temporary directory and removes it afterwards. */
export async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tfedge_spool_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A DurableBuffer of numbers (8 bytes each by default, capacity 100, fsync "never"). */
export function openNumbers(
  dir: string | undefined,
  ring: Partial<RingBufferOptions<number>> = {},
  spool: SpoolOptions = {},
): Promise<DurableBuffer<number>> {
  return DurableBuffer.open<number>({
    dir,
    ringOptions: { capacity: 100, sizeOf: () => 8, ...ring },
    spoolOptions: { fsync: "never", ...spool },
    codec: numberCodec,
  });
}

/** Everything in the ring, head first. */
export function contents(buffer: DurableBuffer<number>): number[] {
  return buffer.ring.peek(buffer.ring.buffered);
}

/** Integers from `from` (inclusive) to `to` (exclusive). */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** Segment file names in `dir`, sorted, and their total size. */
export async function segmentsOnDisk(dir: string): Promise<{ names: string[]; bytes: number }> {
  const names: string[] = [];
  let bytes = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".seg")) continue;
    names.push(entry.name);
    bytes += (await Deno.stat(join(dir, entry.name))).size;
  }
  return { names: names.sort(), bytes };
}
