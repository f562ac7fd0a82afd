import assert from "node:assert/strict";
import {
  contents,
  openNumbers,
  range,
  segmentsOnDisk,
  withDir,
} from "../../tests/support/spool_fixture.ts";
import type { DurableBuffer } from "./durable_buffer.ts";
import type { DropReason } from "./ring_buffer.ts";

function recordDrops(buffer: DurableBuffer<number>): [number, DropReason][] {
  const drops: [number, DropReason][] = [];
  buffer.ring.on("dropped", (item, reason) => drops.push([item, reason]));
  return drops;
}

Deno.test("drop-oldest drops exactly the oldest, counts them, and they never come back", async () => {
  await withDir(async (dir) => {
    const buffer = await openNumbers(dir, { capacity: 5 }, { segmentBytes: 32 });
    const drops = recordDrops(buffer);
    for (const i of range(0, 12)) {
      assert.equal(buffer.push(i), true);
      if (i % 3 === 0) await buffer.flush(); // some dropped items were written, some not
    }
    await buffer.flush();
    assert.deepEqual(drops, range(0, 7).map((i) => [i, "overflow"]));
    assert.equal(buffer.ring.dropped, 7);
    assert.deepEqual(contents(buffer), range(7, 12));
    const spool = buffer.spool!;
    assert.ok(spool.nextSeq - spool.ackedSeq <= 5, "the spool mirrors the ring only");
    await buffer.close();

    const again = await openNumbers(dir, { capacity: 5 }, { segmentBytes: 32 });
    assert.deepEqual(contents(again), range(7, 12));
    assert.equal(again.counters.replayDropped, 0);
    await again.close();
  });
});

Deno.test("drop-newest refuses exactly the newest, counts them, and never writes them", async () => {
  await withDir(async (dir) => {
    const buffer = await openNumbers(dir, { capacity: 5, overflow: "drop-newest" });
    const drops = recordDrops(buffer);
    const accepted = range(0, 12).map((i) => buffer.push(i));
    assert.deepEqual(accepted, range(0, 12).map((i) => i < 5));
    await buffer.flush();
    assert.deepEqual(drops, range(5, 12).map((i) => [i, "overflow"]));
    assert.equal(buffer.ring.dropped, 7);
    assert.equal(buffer.counters.spooled, 5);
    buffer.ring.shift(2); // room for two more: they go in after 2, 3, 4
    buffer.push(20);
    buffer.push(21);
    await buffer.close();

    const again = await openNumbers(dir, { capacity: 5, overflow: "drop-newest" });
    assert.deepEqual(contents(again), [2, 3, 4, 20, 21]);
    await again.close();
  });
});

Deno.test("replaying into a smaller ring under drop-oldest keeps the newest", async () => {
  await withDir(async (dir) => {
    const buffer = await openNumbers(dir, { capacity: 10 }, { segmentBytes: 32 });
    for (const i of range(0, 10)) buffer.push(i);
    await buffer.close();

    const small = await openNumbers(dir, { capacity: 4 }, { segmentBytes: 32 });
    assert.deepEqual(contents(small), range(6, 10));
    assert.equal(small.counters.replayed, 4);
    assert.equal(small.counters.replayDropped, 6);
    assert.equal(small.ring.dropped, 6);
    await small.close();

    const large = await openNumbers(dir, { capacity: 10 }, { segmentBytes: 32 });
    assert.deepEqual(contents(large), range(6, 10)); // the dropped ones stay dropped
    await large.close();
  });
});

Deno.test("replaying into a smaller ring under drop-newest keeps the oldest prefix", async () => {
  await withDir(async (dir) => {
    const buffer = await openNumbers(dir, { capacity: 10 }, { segmentBytes: 32 });
    for (const i of range(0, 10)) buffer.push(i);
    await buffer.close();

    const small = await openNumbers(dir, { capacity: 4, overflow: "drop-newest" }, {
      segmentBytes: 32,
    });
    assert.deepEqual(contents(small), range(0, 4));
    assert.equal(small.counters.replayDropped, 6);
    assert.equal(small.ring.dropped, 6);
    small.ring.shift(1);
    small.push(50); // appended right after the kept prefix
    await small.close();

    const large = await openNumbers(dir, { capacity: 10 }, { segmentBytes: 32 });
    assert.deepEqual(contents(large), [1, 2, 3, 50]);
    await large.close();
  });
});

Deno.test("under a byte bound, replay keeps a prefix even when a later item would fit", async () => {
  await withDir(async (dir) => {
    const sizeOf = (n: number) => n; // the value is the size
    const buffer = await openNumbers(dir, { capacity: 100, sizeOf });
    for (const n of [3, 3, 5, 1, 2]) buffer.push(n);
    await buffer.close();

    const newest = await openNumbers(dir, {
      capacity: 100,
      sizeOf,
      maxBytes: 8,
      overflow: "drop-newest",
    });
    assert.deepEqual(contents(newest), [3, 3]); // 5 does not fit; 1 and 2 go with it
    assert.equal(newest.counters.replayDropped, 3);
    await newest.close();
    const again = await openNumbers(dir, { capacity: 100, sizeOf });
    assert.deepEqual(contents(again), [3, 3]);
    await again.close();
  });
});

Deno.test("disk use stays bounded by the ring's contents plus about a segment", async () => {
  await withDir(async (dir) => {
    const segmentBytes = 64;
    const buffer = await openNumbers(dir, { capacity: 20 }, { segmentBytes });
    let most = 0;
    for (let i = 0; i < 2000; i++) {
      buffer.push(i);
      if (i % 7 === 0) {
        await buffer.flush();
        most = Math.max(most, (await segmentsOnDisk(dir)).bytes);
      }
    }
    await buffer.flush();
    // 20 records of at most 4 digits plus an 8-byte header each, plus a segment and a batch.
    const bound = 20 * 12 + 2 * segmentBytes + 12;
    assert.ok(most <= bound, `${most} bytes on disk, bound ${bound}`);
    assert.ok(buffer.ring.dropped >= 1980);
    await buffer.close();
    const again = await openNumbers(dir, { capacity: 20 }, { segmentBytes });
    assert.deepEqual(contents(again), range(1980, 2000));
    await again.close();
  });
});

Deno.test("clear empties the spool too", async () => {
  await withDir(async (dir) => {
    const buffer = await openNumbers(dir);
    for (const i of range(0, 10)) buffer.push(i);
    await buffer.flush();
    buffer.ring.clear();
    await buffer.close();
    assert.deepEqual((await segmentsOnDisk(dir)).names, []);
  });
});
