import assert from "node:assert/strict";
import { BridgeLogger } from "./log.ts";
import { PublishQueue, type PublishSink } from "./publish_queue.ts";

/** A sink that keeps every `done` until the test releases it (a client with a full socket). */
function heldSink() {
  const sent: string[] = [];
  const pending: (() => void)[] = [];
  const sink: PublishSink = (topic, payload, done) => {
    sent.push(`${topic}=${payload}`);
    pending.push(done);
  };
  return { sink, sent, release: (n = pending.length) => pending.splice(0, n).forEach((d) => d()) };
}

function capture(): { logger: BridgeLogger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new BridgeLogger({ sink: (line) => lines.push(line) }), lines };
}

Deno.test("PublishQueue hands at most `window` messages to the client at once, in order", () => {
  const queue = new PublishQueue({ window: 2, capacity: 10 });
  const { sink, sent, release } = heldSink();
  queue.setSink(sink);
  for (let i = 0; i < 5; i++) queue.publish("t", String(i));
  assert.deepEqual(sent, ["t=0", "t=1"]);
  assert.deepEqual(queue.counters, {
    published: 0,
    dropped: 0,
    droppedQueueFull: 0,
    droppedDisconnected: 0,
    queued: 3,
    inFlight: 2,
  });
  release(1);
  assert.deepEqual(sent, ["t=0", "t=1", "t=2"]);
  release();
  release();
  release();
  assert.deepEqual(sent, ["t=0", "t=1", "t=2", "t=3", "t=4"]);
  assert.equal(queue.counters.published, 5);
  assert.equal(queue.counters.inFlight, 0);
  queue.close();
});

Deno.test("PublishQueue drops the oldest message when full and reports it once per interval", () => {
  const { logger, lines } = capture();
  const queue = new PublishQueue({ window: 1, capacity: 3, logger, warnIntervalMs: 60_000 });
  const { sink, sent, release } = heldSink();
  queue.setSink(sink);
  for (let i = 0; i < 7; i++) queue.publish("t", String(i)); // 0 in flight, 1-3 queued, then 4-6 push out 1-3
  assert.equal(queue.counters.droppedQueueFull, 3);
  assert.equal(lines.length, 1, "one warning for the first drop, the rest wait for the interval");
  assert.match(
    lines[0],
    /<WARNING> MQTT bindings: Dropped MQTT messages: 1 because the publish queue was full \(3 messages\) \(1 dropped since start\)$/,
  );
  release();
  release();
  release();
  release();
  assert.deepEqual(sent, ["t=0", "t=4", "t=5", "t=6"]);
  queue.close(); // reports what is still unreported
  assert.equal(lines.length, 2);
  assert.match(lines[1], /Dropped MQTT messages: 2 because the publish queue was full/);
});

Deno.test("PublishQueue drops while disconnected and forgets the old client's callbacks", () => {
  const { logger, lines } = capture();
  const queue = new PublishQueue({ window: 1, capacity: 10, logger, warnIntervalMs: 60_000 });
  queue.publish("t", "lost before connect");
  const first = heldSink();
  queue.setSink(first.sink);
  queue.publish("t", "a");
  queue.publish("t", "b"); // queued behind "a"
  queue.setSink(undefined); // "b" is dropped with the connection
  assert.equal(queue.counters.droppedDisconnected, 2);
  first.release(); // a late callback of the dead client changes nothing
  assert.equal(queue.counters.published, 0);
  const second = heldSink();
  queue.setSink(second.sink);
  queue.publish("t", "c");
  assert.deepEqual(second.sent, ["t=c"]);
  second.release();
  assert.equal(queue.counters.published, 1);
  queue.close();
  assert.match(
    lines.at(-1)!,
    /1 because the MQTT broker was not connected \(2 dropped since start\)$/,
  );
});

Deno.test("PublishQueue.drain() waits for in-flight messages, with a deadline", async () => {
  const queue = new PublishQueue({ window: 1 });
  const { sink, release } = heldSink();
  queue.setSink(sink);
  queue.publish("t", "a");
  queue.publish("t", "b");
  const drained = queue.drain(5_000);
  release();
  release();
  await drained;
  assert.equal(queue.counters.published, 2);
  queue.publish("t", "stuck");
  const t0 = performance.now();
  await queue.drain(30); // the client never calls back: give up after the deadline
  assert.ok(performance.now() - t0 >= 25);
  queue.close();
});

Deno.test("PublishQueue survives a client that calls back synchronously (no recursion)", () => {
  const queue = new PublishQueue({ window: 100, capacity: 200_000 });
  let count = 0;
  queue.setSink((_topic, _payload, done) => {
    count++;
    done();
  });
  for (let i = 0; i < 100_000; i++) queue.publish("t", "x");
  assert.equal(count, 100_000);
  assert.equal(queue.counters.published, 100_000);
  queue.close();
});

Deno.test("PublishQueue rejects a non-positive capacity or window", () => {
  assert.throws(() => new PublishQueue({ capacity: 0 }), RangeError);
  assert.throws(() => new PublishQueue({ window: 1.5 }), RangeError);
});
