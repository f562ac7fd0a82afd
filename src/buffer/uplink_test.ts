import assert from "node:assert/strict";
import { Backoff } from "../util/backoff.ts";
import { TypedEmitter } from "../util/typed_emitter.ts";
import { RingBuffer } from "./ring_buffer.ts";
import { Uplink, type UplinkEvents } from "./uplink.ts";

type Mode = "ok" | "fail" | "hang" | "manual";

interface Call {
  batch: number[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/** An in-process async sender: records every batch and succeeds, fails, hangs or waits. */
class TestSender extends TypedEmitter<{ call: [Call] }> {
  calls: Call[] = [];
  delivered: number[][] = [];
  mode: Mode = "ok";
  /** Call indexes (0-based) that fail regardless of the mode. */
  failAt = new Set<number>();

  send = (batch: number[]): Promise<void> => {
    const index = this.calls.length;
    return new Promise<void>((resolve, reject) => {
      const call: Call = {
        batch,
        resolve: () => {
          this.delivered.push(batch);
          resolve();
        },
        reject,
      };
      this.calls.push(call);
      this.emit("call", call);
      if (this.failAt.has(index) || this.mode === "fail") {
        queueMicrotask(() => reject(new Error(`send ${index} failed`)));
      } else if (this.mode === "ok") queueMicrotask(call.resolve);
    });
  };
}

function waitFor<E extends UplinkEvents, K extends keyof E & string>(
  emitter: TypedEmitter<UplinkEvents>,
  event: K,
  ms = 2_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`Timed out waiting for "${event}"`));
    }, ms);
    const off = emitter.on(event as keyof UplinkEvents, () => {
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function setup(capacity: number, options: { window?: number; batchSize?: number } = {}) {
  const buffer = new RingBuffer<number>({ capacity, sizeOf: () => 8 });
  const sender = new TestSender();
  const uplink = new Uplink<number>({
    buffer,
    send: sender.send,
    backoff: new Backoff(1, 4),
    ...options,
  });
  return { buffer, sender, uplink };
}

Deno.test("uplink delivers everything in order in bounded batches", async () => {
  const { buffer, sender, uplink } = setup(1000, { window: 3, batchSize: 10 });
  uplink.start();
  const drained = waitFor(uplink, "drained");
  for (const i of range(95)) buffer.push(i);
  await drained;
  assert.deepEqual(sender.delivered.flat(), range(95));
  assert.ok(sender.delivered.every((batch) => batch.length <= 10));
  assert.equal(sender.delivered.length, 10); // the burst formed full batches
  assert.ok(uplink.maxInFlight <= 3);
  assert.equal(uplink.itemsSent, 95);
  assert.equal(uplink.batchesSent, 10);
  assert.equal(buffer.sent, 95);
  assert.equal(buffer.buffered, 0);
  await uplink.stop();
});

Deno.test("uplink never exceeds its window and acknowledges in order", async () => {
  const { buffer, sender, uplink } = setup(1000, { window: 3, batchSize: 5 });
  sender.mode = "manual";
  for (const i of range(40)) buffer.push(i);
  uplink.start();
  assert.equal(sender.calls.length, 3);
  assert.equal(uplink.inFlight, 3);
  const next = () => new Promise<Call>((resolve) => sender.once("call", resolve));

  let issued = next();
  sender.calls[1].resolve(); // behind a pending batch: must not leave the buffer yet
  await issued;
  assert.equal(buffer.buffered, 40);
  assert.equal(uplink.inFlight, 3);
  assert.equal(sender.calls.length, 4);

  issued = next();
  sender.calls[0].resolve();
  await issued;
  assert.equal(buffer.buffered, 30); // batches 0 and 1 acknowledged together
  assert.equal(buffer.headSeq, 10);

  // Finish the rest, newest first within each window, until drained.
  const drained = waitFor(uplink, "drained");
  const settled = new Set([0, 1]);
  const finishOpen = () => {
    for (let i = sender.calls.length - 1; i >= 0; i--) {
      if (!settled.has(i)) {
        settled.add(i);
        sender.calls[i].resolve();
      }
    }
  };
  const off = sender.on("call", () => queueMicrotask(finishOpen));
  finishOpen();
  await drained;
  off();
  assert.equal(uplink.maxInFlight, 3);
  assert.deepEqual(sender.calls.map((c) => c.batch).flat(), range(40));
  assert.equal(uplink.itemsSent, 40);
  await uplink.stop();
});

Deno.test("with a window of one, failures cause neither loss, reordering nor duplicates", async () => {
  const { buffer, sender, uplink } = setup(1000, { window: 1, batchSize: 4 });
  sender.failAt = new Set([1, 2, 5]);
  const failures: unknown[] = [];
  uplink.on("sendFailed", (error, delay) => {
    assert.ok(delay >= 1 && delay <= 4);
    failures.push(error);
  });
  for (const i of range(30)) buffer.push(i);
  const drained = waitFor(uplink, "drained");
  uplink.start();
  await drained;
  assert.deepEqual(sender.delivered.flat(), range(30));
  assert.equal(uplink.failures, 3);
  assert.equal(failures.length, 3);
  assert.match(String(failures[0]), /send 1 failed/);
  assert.equal(buffer.sent, 30);
  await uplink.stop();
});

Deno.test("with a wide window, failures lose nothing and the final view is in order", async () => {
  const { buffer, sender, uplink } = setup(1000, { window: 4, batchSize: 3 });
  sender.failAt = new Set([1, 4, 9]);
  for (const i of range(60)) buffer.push(i);
  const drained = waitFor(uplink, "drained");
  uplink.start();
  await drained;
  const log = sender.delivered.flat();
  assert.deepEqual([...new Set(log)].sort((a, b) => a - b), range(60));
  // Go-back-N: the last delivery of every item happens in item order.
  const lastIndex = range(60).map((item) => log.lastIndexOf(item));
  for (let i = 1; i < 60; i++) assert.ok(lastIndex[i] > lastIndex[i - 1], `item ${i}`);
  assert.ok(sender.delivered.every((b) => b.every((x, i) => i === 0 || x === b[i - 1] + 1)));
  assert.ok(uplink.maxInFlight <= 4);
  assert.equal(uplink.itemsSent, 60);
  assert.equal(buffer.buffered, 0);
  await uplink.stop();
});

Deno.test("a send that throws synchronously is retried like a rejected one", async () => {
  const buffer = new RingBuffer<number>({ capacity: 10, sizeOf: () => 1 });
  const delivered: number[][] = [];
  let calls = 0;
  const uplink = new Uplink<number>({
    buffer,
    backoff: new Backoff(1, 1),
    send: (batch) => {
      if (calls++ === 0) throw new Error("boom");
      delivered.push(batch);
      return Promise.resolve();
    },
  });
  const failed = waitFor(uplink, "sendFailed");
  const drained = waitFor(uplink, "drained");
  uplink.start();
  buffer.push(1);
  buffer.push(2);
  await failed;
  await drained;
  assert.deepEqual(delivered, [[1, 2]]);
  await uplink.stop();
});

Deno.test("overflow while a batch is in flight skips the dropped items", async () => {
  const { buffer, sender, uplink } = setup(5, { window: 1, batchSize: 2 });
  sender.mode = "manual";
  for (const i of range(5)) buffer.push(i);
  uplink.start();
  assert.deepEqual(sender.calls[0].batch, [0, 1]);
  for (const i of [5, 6, 7]) buffer.push(i); // drops 0, 1, 2
  const issued = new Promise<Call>((resolve) => sender.once("call", resolve));
  sender.calls[0].resolve();
  assert.deepEqual((await issued).batch, [3, 4]);
  assert.equal(uplink.itemsSent, 0); // 0 and 1 were dropped, not acknowledged
  assert.equal(buffer.dropped, 3);
  sender.mode = "ok";
  const drained = waitFor(uplink, "drained");
  sender.calls[1].resolve();
  await drained;
  assert.deepEqual(sender.delivered, [[0, 1], [3, 4], [5, 6], [7]]);
  await uplink.stop();
});

Deno.test("stop abandons a hung send after its timeout and a restart resends", async () => {
  const { buffer, sender, uplink } = setup(100, { window: 2, batchSize: 5 });
  sender.mode = "hang";
  for (const i of range(8)) buffer.push(i);
  uplink.start();
  assert.equal(uplink.inFlight, 2);
  await uplink.stop(20);
  assert.equal(uplink.running, false);
  assert.equal(uplink.inFlight, 0);
  assert.equal(buffer.buffered, 8); // nothing lost
  sender.mode = "ok";
  sender.calls[0].resolve(); // a late success of the old run is ignored
  const drained = waitFor(uplink, "drained");
  uplink.start();
  await drained;
  assert.deepEqual(sender.delivered.slice(1).flat(), range(8));
  await uplink.stop();
});

Deno.test("stop waits for in-flight sends and cancels a pending retry", async () => {
  const { buffer, sender, uplink } = setup(100);
  sender.mode = "manual";
  buffer.push(1);
  uplink.start();
  const stopped = uplink.stop();
  sender.calls[0].resolve();
  await stopped;
  assert.equal(buffer.buffered, 0); // the success that arrived during stop counts
  assert.equal(uplink.itemsSent, 1);

  const slow = new Uplink<number>({
    buffer,
    send: sender.send,
    backoff: new Backoff(60_000, 60_000),
  });
  sender.mode = "fail";
  const failed = waitFor(slow, "sendFailed");
  slow.start();
  buffer.push(2);
  await failed;
  await slow.stop(); // the sanitizer fails the test if the retry timer leaked
  assert.equal(buffer.buffered, 1);
});

Deno.test("retryNow cuts a long retry wait short and resends from the head", async () => {
  const buffer = new RingBuffer<number>({ capacity: 10, sizeOf: () => 1 });
  const sender = new TestSender();
  const uplink = new Uplink<number>({
    buffer,
    send: sender.send,
    backoff: new Backoff(60_000, 60_000),
  });
  sender.mode = "fail";
  const failed = waitFor(uplink, "sendFailed");
  uplink.start();
  buffer.push(1);
  buffer.push(2);
  await failed;
  sender.mode = "ok";
  const drained = waitFor(uplink, "drained");
  uplink.retryNow(); // without it the test would wait a minute (and time out)
  await drained;
  assert.deepEqual(sender.delivered, [[1, 2]]);
  uplink.retryNow(); // nothing waits: no effect
  assert.equal(uplink.inFlight, 0);
  await uplink.stop();
});

Deno.test("uplink rejects invalid options", () => {
  const buffer = new RingBuffer<number>({ capacity: 1, sizeOf: () => 1 });
  const send = () => Promise.resolve();
  assert.throws(() => new Uplink({ buffer, send, window: 0 }), RangeError);
  assert.throws(() => new Uplink({ buffer, send, batchSize: 2.5 }), RangeError);
  assert.throws(() => new Uplink({ buffer, send: undefined as never }), TypeError);
});
