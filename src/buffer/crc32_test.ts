import assert from "node:assert/strict";
import { crc32 } from "./crc32.ts";

Deno.test("crc32 matches the standard check values", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(new Uint8Array(4)), 0x2144df1c);
  const whole = new TextEncoder().encode("hello world");
  assert.equal(crc32(whole.subarray(5), crc32(whole.subarray(0, 5))), crc32(whole));
});
