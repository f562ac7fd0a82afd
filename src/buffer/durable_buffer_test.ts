import assert from "node:assert/strict";
import { join } from "node:path";
import { nextEvent } from "../../tests/support/deadline.ts";
import {
  contents,
  numberCodec,
  openNumbers,
  range,
  segmentsOnDisk,
  withDir,
} from "../../tests/support/spool_fixture.ts";
import { Backoff } from "../util/backoff.ts";
import { DurableBuffer } from "./durable_buffer.ts";
import { Spool } from "./spool.ts";
import { Uplink } from "./uplink.ts";

const encoder = new TextEncoder();

/** An uplink over the buffer's ring whose sends all succeed; `delivered` logs what went out. */
function deliverAll(buffer: DurableBuffer<number>) {
  const delivered: number[] = [];
  const uplink = new Uplink<number>({
    buffer: buffer.ring,
    send: (batch) => {
      delivered.push(...batch);
      return Promise.resolve();
    },
    batchSize: 7,
    window: 2,
    backoff: new Backoff(1, 4),
  });
  return { uplink, delivered };
}

Deno.test("without a directory the buffer is a plain ring", async () => {
  const buffer = await openNumbers(undefined);
  assert.equal(buffer.spool, undefined);
  for (const i of range(0, 5)) assert.equal(buffer.push(i), true);
  await buffer.flush();
  await buffer.sync();
  assert.deepEqual(contents(buffer), range(0, 5));
  assert.deepEqual(buffer.counters, {
    spooled: 0,
    spoolErrors: 0,
    replayed: 0,
    replayDropped: 0,
    repairedBytes: 0,
  });
  await buffer.close();
  await assert.rejects(
    DurableBuffer.open({ ringOptions: { capacity: 1 }, codec: {} as never }),
    TypeError,
  );
  await assert.rejects(openNumbers(undefined, { capacity: 0 }), RangeError);
});

Deno.test("a reopened buffer replays everything in push order", async () => {
  await withDir(async (dir) => {
    const buffer = await openNumbers(dir, {}, { segmentBytes: 64, fsync: "always" });
    for (const i of range(0, 40)) buffer.push(i);
    await buffer.flush();
    assert.equal(buffer.counters.spooled, 40);
    assert.equal(buffer.spool!.syncedSeq, 40); // "always": flushed means synced
    assert.ok((await segmentsOnDisk(dir)).names.length > 3);
    await buffer.close();
    buffer.push(99); // after close: memory only, no throw

    const again = await openNumbers(dir, {}, { segmentBytes: 64 });
    assert.deepEqual(contents(again), range(0, 40));
    assert.equal(again.counters.replayed, 40);
    assert.equal(again.counters.spooled, 0);
    for (const i of range(40, 45)) again.push(i);
    await again.close(); // close writes what was pushed
    const third = await openNumbers(dir, {}, { segmentBytes: 64 });
    assert.deepEqual(contents(third), range(0, 45));
    await third.close();
  });
});

Deno.test("items the uplink delivered are not replayed and their segments go", async () => {
  await withDir(async (dir) => {
    const buffer = await openNumbers(dir, {}, { segmentBytes: 64 });
    const { uplink, delivered } = deliverAll(buffer);
    const drained = nextEvent(uplink, "drained");
    uplink.start();
    for (const i of range(0, 30)) buffer.push(i);
    await drained;
    await uplink.stop();
    for (const i of range(30, 50)) buffer.push(i); // not sent: must come back
    await buffer.close();
    assert.deepEqual(delivered, range(0, 30));

    const again = await openNumbers(dir, {}, { segmentBytes: 64 });
    assert.deepEqual(contents(again), range(30, 50));
    const second = deliverAll(again);
    const drainedAgain = nextEvent(second.uplink, "drained");
    second.uplink.start();
    await drainedAgain;
    await second.uplink.stop();
    await again.flush();
    assert.deepEqual(second.delivered, range(30, 50));
    assert.deepEqual((await segmentsOnDisk(dir)).names, []); // everything acknowledged
    await again.close();

    const third = await openNumbers(dir);
    assert.deepEqual(contents(third), []);
    await third.close();
  });
});

Deno.test("an item delivered before the writer reached it is never written", async () => {
  await withDir(async (dir) => {
    const buffer = await openNumbers(dir);
    buffer.push(1);
    buffer.push(2);
    buffer.ring.shift(1); // sent synchronously, before the writer's turn
    await buffer.flush();
    assert.equal(buffer.counters.spooled, 1);
    await buffer.close();
    const again = await openNumbers(dir);
    assert.deepEqual(contents(again), [2]);
    await again.close();
  });
});

Deno.test("a failing spool is reported and items are still delivered from memory", async () => {
  await withDir(async (base) => {
    const dir = join(base, "spool");
    const buffer = await openNumbers(dir, {}, { segmentBytes: 1 }); // a segment per batch
    const errors: string[] = [];
    buffer.on("spoolError", (error, operation) => {
      assert.ok(error instanceof Deno.errors.NotFound, String(error));
      errors.push(operation);
    });
    buffer.push(0);
    await buffer.flush();
    assert.equal(buffer.counters.spooled, 1);
    await Deno.remove(dir, { recursive: true });
    for (const i of range(1, 10)) assert.equal(buffer.push(i), true);
    await buffer.flush();
    assert.deepEqual(new Set(errors), new Set(["append"])); // one per failed batch
    assert.equal(buffer.counters.spooled, 1);

    const { uplink, delivered } = deliverAll(buffer);
    const drained = nextEvent(uplink, "drained");
    uplink.start();
    await drained;
    await uplink.stop();
    assert.deepEqual(delivered, range(0, 10));
    await buffer.flush();
    assert.ok(errors.includes("acknowledge"));
    assert.equal(buffer.counters.spoolErrors, errors.length);
    await buffer.close(); // no throw
  });
});

Deno.test("an item that cannot be encoded stays in memory and leaves a gap on disk", async () => {
  await withDir(async (dir) => {
    const codec = {
      encode: (n: number) => {
        if (n === 13) throw new TypeError("unlucky");
        return numberCodec.encode(n);
      },
      decode: numberCodec.decode,
    };
    const options = { dir, ringOptions: { capacity: 100, sizeOf: () => 8 }, codec };
    const buffer = await DurableBuffer.open<number>(options);
    const errors: string[] = [];
    buffer.on("spoolError", (_error, operation) => errors.push(operation));
    for (const i of range(10, 17)) buffer.push(i);
    await buffer.flush();
    assert.deepEqual(errors, ["encode"]);
    assert.equal(buffer.counters.spooled, 6);
    assert.deepEqual(contents(buffer), range(10, 17));
    buffer.ring.shift(2); // 10 and 11 sent
    await buffer.close();

    const again = await DurableBuffer.open<number>(options);
    assert.deepEqual(contents(again), [12, 14, 15, 16]);
    again.ring.shift(2); // 12 and 14 sent: the acknowledgement passes over the gap
    await again.close();
    const third = await DurableBuffer.open<number>(options);
    assert.deepEqual(contents(third), [15, 16]);
    await third.close();
  });
});

Deno.test("an undecodable record is reported at replay and acknowledged with its neighbours", async () => {
  await withDir(async (dir) => {
    const spool = await Spool.open(dir);
    for (const text of ["1", "garbage", "3"]) await spool.append(encoder.encode(text));
    await spool.close();
    const buffer = await openNumbers(dir);
    assert.equal(buffer.counters.spoolErrors, 1);
    assert.deepEqual(contents(buffer), [1, 3]);
    assert.equal(buffer.counters.replayed, 2);
    buffer.ring.shift(1);
    await buffer.close();
    const again = await openNumbers(dir);
    assert.deepEqual(contents(again), [3]);
    assert.equal(again.counters.spoolErrors, 0);
    await again.close();
  });
});

Deno.test("a torn or garbage tail is cut off and every complete record replays", async () => {
  const cases: [string, (path: string, size: number) => Promise<void>, number][] = [
    ["garbage appended", async (path) => {
      const file = await Deno.open(path, { append: true });
      await file.write(encoder.encode("\x05\x00\x00\x00garbage!"));
      file.close();
    }, 12],
    ["zeros appended", async (path) => {
      const file = await Deno.open(path, { append: true });
      await file.write(new Uint8Array(100));
      file.close();
    }, 12],
    ["last record cut in its payload", (path, size) => Deno.truncate(path, size - 1), 11],
    ["last record cut in its header", (path, size) => Deno.truncate(path, size - 6), 11],
  ];
  for (const [name, damage, survivors] of cases) {
    await withDir(async (dir) => {
      const buffer = await openNumbers(dir, {}, { segmentBytes: 64 });
      for (const i of range(0, 12)) buffer.push(i);
      await buffer.close();
      const { names } = await segmentsOnDisk(dir);
      const last = join(dir, names.at(-1)!);
      const size = (await Deno.stat(last)).size;
      await damage(last, size);
      const again = await openNumbers(dir, {}, { segmentBytes: 64 });
      assert.deepEqual(contents(again), range(0, survivors), name);
      assert.ok(again.counters.repairedBytes > 0, name);
      again.push(100);
      await again.close();
      const third = await openNumbers(dir, {}, { segmentBytes: 64 });
      assert.deepEqual(contents(third), [...range(0, survivors), 100], name);
      assert.equal(third.counters.repairedBytes, 0, name);
      await third.close();
    });
  }
});
