import assert from "node:assert/strict";
import {
  dataCost,
  MESSAGE_COST,
  parseRateLimit,
  RateLimiter,
  SlidingWindow,
} from "./rate_limiter.ts";

Deno.test("parseRateLimit reads capacity:seconds lists", () => {
  assert.deepEqual(parseRateLimit("100:1,3000:60"), [
    { capacity: 100, seconds: 1 },
    { capacity: 3000, seconds: 60 },
  ]);
  assert.deepEqual(parseRateLimit(" 5 : 2 "), [{ capacity: 5, seconds: 2 }]);
  assert.deepEqual(parseRateLimit(""), []);
  assert.throws(() => parseRateLimit("100"), { name: "SyntaxError", message: /"100"/ });
  assert.throws(() => parseRateLimit("0:1"), SyntaxError);
  assert.throws(() => parseRateLimit("10:1,x:2"), /"x:2"/);
  assert.throws(() => parseRateLimit("1.5:1"), SyntaxError);
});

Deno.test("SlidingWindow never lets more than capacity into any window", () => {
  const w = new SlidingWindow(3, 1000);
  assert.equal(w.delay(1, 0), 0);
  w.add(1, 0);
  w.add(1, 100);
  w.add(1, 200);
  assert.equal(w.delay(1, 300), 700); // the entry at 0 leaves at 1000
  assert.equal(w.delay(2, 300), 800); // needs the entries at 0 and 100 gone
  assert.equal(w.delay(1, 1000), 0);
  assert.equal(w.used(1000), 2);
  // A cost above capacity waits for an empty window instead of waiting forever.
  assert.equal(w.delay(10, 1000), 200);
  assert.equal(w.delay(10, 1200), 0);
});

Deno.test("SlidingWindow fill closes the window for its length", () => {
  const w = new SlidingWindow(5, 500);
  w.add(2, 0);
  w.fill(10);
  assert.equal(w.used(10), 5);
  assert.equal(w.delay(1, 10), 490);
});

Deno.test("SlidingWindow stays exact over many entries (compaction)", () => {
  const w = new SlidingWindow(10, 100);
  let sent = 0;
  for (let t = 0; t < 10_000; t++) {
    if (w.delay(1, t) === 0) {
      w.add(1, t);
      sent++;
    }
  }
  assert.equal(sent, 1000);
});

Deno.test("RateLimiter applies every window of every counter, scaled by the safety fraction", () => {
  let now = 0;
  const limiter = new RateLimiter({ safetyFraction: 0.5, marginMs: 0, now: () => now });
  assert.equal(limiter.limited, false);
  assert.equal(limiter.delayFor(dataCost(1000)), 0);
  limiter.configure({
    messages: "4:1",
    telemetryMessages: "10:1,12:10",
    telemetryDataPoints: "20:1",
  });
  assert.equal(limiter.limited, true);
  assert.equal(limiter.maxDataPointsPerMessage, 10);
  assert.equal(limiter.maxTelemetryMessagesPerMessage, 5);
  for (let i = 0; i < 2; i++) {
    assert.equal(limiter.delayFor(MESSAGE_COST), 0);
    limiter.consume(MESSAGE_COST);
  }
  assert.equal(limiter.delayFor(MESSAGE_COST), 1000);
  // Telemetry counts against its own windows, not "messages".
  assert.equal(limiter.delayFor(dataCost(10)), 0);
  limiter.consume(dataCost(10));
  assert.equal(limiter.delayFor(dataCost(1)), 1000); // 10 data points of 10 used
  now = 1000;
  for (let i = 0; i < 5; i++) limiter.consume(dataCost(1));
  now = 2000;
  // 6 telemetry messages of the 10 s window's 6 are used.
  assert.equal(limiter.delayFor(dataCost(1)), 8000);
});

Deno.test("RateLimiter keeps history when the same limits are configured again", () => {
  const now = 0;
  const limiter = new RateLimiter({ safetyFraction: 1, marginMs: 0, now: () => now });
  limiter.configure({ messages: "2:1" });
  limiter.consume(MESSAGE_COST);
  limiter.consume(MESSAGE_COST);
  limiter.configure({ messages: "2:1" });
  assert.equal(limiter.delayFor(MESSAGE_COST), 1000);
  limiter.configure({ messages: "" });
  assert.equal(limiter.delayFor(MESSAGE_COST), 0);
});

Deno.test("RateLimiter penalize: certain fills all windows, probable only the shortest", () => {
  const now = 0;
  const limiter = new RateLimiter({ safetyFraction: 1, marginMs: 50, now: () => now });
  limiter.configure({ telemetryMessages: "10:1,100:60" });
  limiter.penalize(false);
  assert.equal(limiter.delayFor(dataCost(1)), 1050);
  const certain = new RateLimiter({ safetyFraction: 1, marginMs: 50, now: () => now });
  certain.configure({ telemetryMessages: "10:1,100:60" });
  certain.penalize(true);
  assert.equal(certain.delayFor(dataCost(1)), 60050);
});

Deno.test("RateLimiter rejects bad tuning", () => {
  assert.throws(() => new RateLimiter({ safetyFraction: 0 }), RangeError);
  assert.throws(() => new RateLimiter({ safetyFraction: 1.5 }), RangeError);
  assert.throws(() => new RateLimiter({ marginMs: -1 }), RangeError);
  assert.throws(() => new RateLimiter().configure({ messages: "nope" }), SyntaxError);
});
