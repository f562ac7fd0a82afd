import assert from "node:assert/strict";
import { Backoff } from "./backoff.ts";

Deno.test("Backoff.next() doubles up to the maximum and reset() starts over", () => {
  const backoff = new Backoff(100, 1000, () => 0.5);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => backoff.next()), [100, 200, 400, 800, 1000, 1000]);
  backoff.reset();
  assert.equal(backoff.next(), 100);
});

Deno.test("Backoff.next() jitters within ±25 % and never exceeds the maximum", () => {
  const low = new Backoff(100, 150, () => 0);
  const high = new Backoff(100, 150, () => 0.999);
  assert.equal(low.next(), 75);
  assert.equal(high.next(), 125);
  high.next();
  assert.equal(high.next(), 150);
});

Deno.test("Backoff rejects a first delay above the maximum", () => {
  assert.throws(() => new Backoff(10, 5), RangeError);
  assert.throws(() => new Backoff(0, 5), RangeError);
});
