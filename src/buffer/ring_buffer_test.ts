import assert from "node:assert/strict";
import { type BufferedMessage, messageSize, RingBuffer, utf8Length } from "./ring_buffer.ts";

const byValue = () => 1;

function numbers(
  capacity: number,
  extra: Partial<ConstructorParameters<typeof RingBuffer>[0]> = {},
) {
  return new RingBuffer<number>({ capacity, sizeOf: byValue, ...extra } as never);
}

Deno.test("ring buffer keeps FIFO order across wrap-around and growth", () => {
  const buffer = numbers(100);
  const out: number[] = [];
  let next = 0;
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 7 + round; i++) assert.equal(buffer.push(next++), true);
    out.push(...buffer.shift(5));
  }
  while (buffer.buffered > 0) out.push(buffer.shiftOne()!);
  assert.deepEqual(out, Array.from({ length: next }, (_, i) => i));
  assert.equal(buffer.enqueued, next);
  assert.equal(buffer.sent, next);
  assert.equal(buffer.dropped, 0);
  assert.equal(buffer.shiftOne(), undefined);
  assert.deepEqual(buffer.shift(3), []);
});

Deno.test("drop-oldest drops exactly the oldest items and counts them", () => {
  const buffer = numbers(3);
  const dropped: number[] = [];
  buffer.on("dropped", (item, reason) => {
    assert.equal(reason, "overflow");
    dropped.push(item);
  });
  for (let i = 1; i <= 5; i++) assert.equal(buffer.push(i), true);
  assert.deepEqual(dropped, [1, 2]);
  assert.equal(buffer.dropped, 2);
  assert.equal(buffer.enqueued, 5);
  assert.deepEqual(buffer.peek(10), [3, 4, 5]);
  assert.equal(buffer.headSeq, 2);
  assert.equal(buffer.tailSeq, 5);
});

Deno.test("drop-newest rejects exactly the new items and counts them", () => {
  const buffer = numbers(3, { overflow: "drop-newest" });
  const results = [1, 2, 3, 4, 5].map((i) => buffer.push(i));
  assert.deepEqual(results, [true, true, true, false, false]);
  assert.equal(buffer.dropped, 2);
  assert.equal(buffer.enqueued, 3);
  assert.deepEqual(buffer.shift(10), [1, 2, 3]);
  assert.equal(buffer.sent, 3);
});

Deno.test("byte bound evicts by size and rejects oversized items", () => {
  const buffer = new RingBuffer<BufferedMessage>({ capacity: 100, maxBytes: 10 });
  const message = (payload: string) => ({ payload, enqueuedAt: 0 });
  buffer.push(message("aaaa"));
  buffer.push(message("bbbb"));
  assert.equal(buffer.bufferedBytes, 8);
  buffer.push(message("cccc")); // 12 > 10: the oldest goes
  assert.deepEqual(buffer.peek(5).map((m) => m.payload), ["bbbb", "cccc"]);
  assert.equal(buffer.bufferedBytes, 8);
  assert.equal(buffer.push(message("x".repeat(11))), false);
  assert.equal(buffer.dropped, 2);
  buffer.push({ topic: "t", payload: new Uint8Array(1), enqueuedAt: 0 });
  assert.equal(buffer.bufferedBytes, 10);
  buffer.shift(3);
  assert.equal(buffer.bufferedBytes, 0);

  const newest = new RingBuffer<BufferedMessage>({
    capacity: 100,
    maxBytes: 5,
    overflow: "drop-newest",
  });
  assert.equal(newest.push(message("abc")), true);
  assert.equal(newest.push(message("abc")), false);
  assert.equal(newest.buffered, 1);
});

Deno.test("message size counts UTF-8 bytes of payload and topic", () => {
  assert.equal(utf8Length("aé€😀"), 1 + 2 + 3 + 4);
  assert.equal(utf8Length("\ud800"), 3);
  assert.equal(messageSize({ topic: "ab", payload: "é", enqueuedAt: 0 }), 4);
  assert.equal(messageSize({ payload: new Uint8Array(7), enqueuedAt: 0 }), 7);
});

Deno.test("watermark events fire once per crossing", () => {
  const buffer = numbers(10, { highWatermark: 0.8, lowWatermark: 0.5 });
  const events: string[] = [];
  buffer.on("aboveHighWatermark", (fill) => events.push(`high ${fill}`));
  buffer.on("belowLowWatermark", (fill) => events.push(`low ${fill}`));
  for (let i = 0; i < 7; i++) buffer.push(i);
  assert.deepEqual(events, []);
  buffer.push(7); // 8/10
  buffer.push(8);
  buffer.shift(1); // 8/10: still above, no repeat
  buffer.push(9);
  buffer.push(10);
  buffer.push(11); // overflow keeps it full
  assert.deepEqual(events, ["high 0.8"]);
  assert.equal(buffer.isAboveHighWatermark, true);
  buffer.shift(4); // 6/10: between the marks
  assert.deepEqual(events, ["high 0.8"]);
  buffer.shift(1); // 5/10
  buffer.shift(1);
  assert.deepEqual(events, ["high 0.8", "low 0.5"]);
  for (let i = 0; i < 4; i++) buffer.push(i); // 8/10 again
  assert.deepEqual(events, ["high 0.8", "low 0.5", "high 0.8"]);
  buffer.clear();
  assert.deepEqual(events, ["high 0.8", "low 0.5", "high 0.8", "low 0"]);
});

Deno.test("acknowledgeBefore removes by sequence number even after overflow", () => {
  const buffer = numbers(3);
  for (let i = 0; i < 3; i++) buffer.push(i); // seq 0..2
  buffer.push(3); // drops seq 0
  assert.equal(buffer.acknowledgeBefore(2), 1); // only seq 1 was still there
  assert.deepEqual(buffer.peek(5), [2, 3]);
  assert.equal(buffer.acknowledgeBefore(1), 0);
  assert.equal(buffer.acknowledgeBefore(100), 2);
  assert.equal(buffer.sent, 3);
  assert.equal(buffer.dropped, 1);
});

Deno.test("peek windows with skip", () => {
  const buffer = numbers(8);
  for (let i = 0; i < 6; i++) buffer.push(i);
  assert.deepEqual(buffer.peek(2, 3), [3, 4]);
  assert.deepEqual(buffer.peek(5, 4), [4, 5]);
  assert.deepEqual(buffer.peek(2, 9), []);
  assert.deepEqual(buffer.peek(0), []);
  assert.equal(buffer.buffered, 6);
});

Deno.test("invalid options give clear errors", () => {
  assert.throws(() => numbers(0), RangeError);
  assert.throws(() => numbers(1.5), RangeError);
  assert.throws(() => numbers(5, { maxBytes: 0 }), RangeError);
  assert.throws(() => numbers(5, { overflow: "drop-all" as never }), TypeError);
  assert.throws(() => numbers(5, { highWatermark: 1.5 }), RangeError);
  assert.throws(() => numbers(5, { highWatermark: 0.4, lowWatermark: 0.6 }), RangeError);
  const buffer = new RingBuffer<number>({ capacity: 2, sizeOf: () => NaN });
  assert.throws(() => buffer.push(1), /Invalid item size "NaN"/);
});

Deno.test("a million pushes and shifts are linear, not quadratic", () => {
  const buffer = numbers(1_000_000);
  for (let i = 0; i < 1_000_000; i++) buffer.push(i);
  let sum = 0;
  for (let i = 0; i < 1_000_000; i++) sum += buffer.shiftOne()!;
  assert.equal(sum, (999_999 * 1_000_000) / 2);
  const small = numbers(1000);
  for (let i = 0; i < 1_000_000; i++) {
    small.push(i);
    if (i % 3 === 0) small.shift(2);
  }
  assert.equal(small.enqueued, 1_000_000);
  assert.equal(small.sent + small.dropped + small.buffered, 1_000_000);
});

Deno.test("sent events report items leaving the head; discard counts a drop", () => {
  const buffer = numbers(10);
  const sent: number[] = [];
  const drops: [number, string][] = [];
  buffer.on("sent", (count) => sent.push(count));
  buffer.on("dropped", (item, reason) => drops.push([item, reason]));
  for (let i = 0; i < 8; i++) buffer.push(i);
  buffer.shift(2);
  buffer.shiftOne();
  buffer.acknowledgeBefore(5);
  buffer.acknowledgeBefore(5); // nothing left below 5: no event
  buffer.shift(0);
  assert.deepEqual(sent, [2, 1, 2]);
  buffer.discard(42);
  buffer.discard(43, "too-large");
  assert.deepEqual(drops, [[42, "overflow"], [43, "too-large"]]);
  assert.equal(buffer.dropped, 2);
  assert.equal(buffer.buffered, 3);
  assert.equal(buffer.enqueued, 8);
});
