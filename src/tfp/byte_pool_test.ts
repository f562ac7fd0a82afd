import assert from "node:assert/strict";
import { allocBytes, copyBytes } from "./byte_pool.ts";

Deno.test("allocBytes hands out zeroed, non-overlapping arrays across slab boundaries", () => {
  const arrays: Uint8Array[] = [];
  for (let i = 0; i < 5_000; i++) {
    const bytes = allocBytes(1 + (i % 80));
    assert.equal(bytes.length, 1 + (i % 80));
    assert.ok(bytes.every((b) => b === 0), `array ${i} is zeroed`);
    bytes.fill(i & 0xff);
    arrays.push(bytes);
  }
  // Had any two arrays overlapped, a later fill would have overwritten an earlier one.
  arrays.forEach((bytes, i) => assert.ok(bytes.every((b) => b === (i & 0xff)), `array ${i}`));
});

Deno.test("allocBytes: zero and large sizes", () => {
  assert.equal(allocBytes(0).length, 0);
  const large = allocBytes(10_000);
  assert.equal(large.length, 10_000);
  assert.equal(large.buffer.byteLength, 10_000, "large arrays get their own buffer");
});

Deno.test("copyBytes copies, so the source may change afterwards", () => {
  const source = Uint8Array.of(1, 2, 3);
  const copy = copyBytes(source.subarray(1));
  source.fill(9);
  assert.deepEqual(copy, Uint8Array.of(2, 3));
});
