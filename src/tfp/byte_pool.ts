/**
 * Cheap allocation of small byte arrays.
 *
 * Every `new Uint8Array(n)` in Deno allocates an off-heap ArrayBuffer, which
 * costs hundreds of nanoseconds — more than encoding a whole packet. Small
 * arrays are therefore carved out of shared 8 KiB slabs (as Node's Buffer pool
 * does). Each byte is handed out once and slabs are never reused, so results
 * are zeroed and independent of each other.
 *
 * Consequence for callers: a pooled array shares its `.buffer` with others.
 * Always use `byteOffset`/`byteLength` (or the array itself), and never
 * transfer or detach the buffer. A retained array keeps its slab alive.
 *
 * @module
 */

const SLAB_SIZE = 8192;
/** Larger requests get their own buffer: they would waste slab space and are rare. */
const MAX_POOLED = 512;

let slab = new Uint8Array(SLAB_SIZE);
let slabOffset = 0;

/** Returns a zeroed array of `size` bytes, usually a view into a shared slab. */
export function allocBytes(size: number): Uint8Array {
  if (size > MAX_POOLED) return new Uint8Array(size);
  if (slabOffset + size > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabOffset = 0;
  }
  const bytes = slab.subarray(slabOffset, slabOffset + size);
  slabOffset += size;
  return bytes;
}

/** Copies `source` into a pooled array. */
export function copyBytes(source: Uint8Array): Uint8Array {
  const bytes = allocBytes(source.length);
  bytes.set(source);
  return bytes;
}
