import assert from "node:assert/strict";
import { join } from "node:path";
import { within } from "../../tests/support/deadline.ts";
import { scanSegment, Spool, type SpoolOptions } from "./spool.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tfedge_spool_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function collect(spool: Spool): Promise<string[]> {
  const out: string[] = [];
  for await (const record of spool.replay()) {
    out.push(`${record.seq}:${decoder.decode(record.data)}`);
  }
  return out;
}

async function segments(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".seg")) names.push(entry.name);
  }
  return names.sort();
}

async function fill(dir: string, count: number, options: SpoolOptions = {}): Promise<void> {
  const spool = await Spool.open(dir, options);
  for (let i = 0; i < count; i++) assert.equal(await spool.append(encoder.encode(`r${i}`)), i);
  await spool.close();
}

Deno.test("a restart replays every synced record in order", async () => {
  await withDir(async (dir) => {
    await fill(dir, 50, { fsync: "always", segmentBytes: 64 });
    assert.ok((await segments(dir)).length > 5);
    const spool = await Spool.open(dir, { segmentBytes: 64 });
    assert.equal(spool.nextSeq, 50);
    assert.equal(spool.repairedBytes, 0);
    const expected = Array.from({ length: 50 }, (_, i) => `${i}:r${i}`);
    assert.deepEqual(await collect(spool), expected);
    assert.equal(await spool.append(encoder.encode("more")), 50);
    await spool.close();
    const again = await Spool.open(dir, { segmentBytes: 64 });
    assert.deepEqual(await collect(again), [...expected, "50:more"]);
    await again.close();
  });
});

Deno.test("a torn tail is dropped and the file repaired", async () => {
  await withDir(async (dir) => {
    await fill(dir, 5, { fsync: "never" });
    const [name] = await segments(dir);
    const path = join(dir, name);
    const size = (await Deno.stat(path)).size;
    await Deno.truncate(path, size - 1); // cut the last record mid-payload
    const spool = await Spool.open(dir);
    assert.equal(spool.repairedBytes, 10 - 1); // header 8 + "r4" minus the byte cut off
    assert.equal((await Deno.stat(path)).size, size - 10);
    assert.deepEqual(await collect(spool), ["0:r0", "1:r1", "2:r2", "3:r3"]);
    assert.equal(await spool.append(encoder.encode("new")), 4);
    await spool.close();
    const again = await Spool.open(dir);
    assert.deepEqual((await collect(again)).slice(-2), ["3:r3", "4:new"]);
    await again.close();
  });
});

Deno.test("garbage and zero-filled tails are dropped", async () => {
  for (const tail of [new Uint8Array(64), encoder.encode("\x05\x00\x00\x00garbage!garbage")]) {
    await withDir(async (dir) => {
      await fill(dir, 3);
      const [name] = await segments(dir);
      const path = join(dir, name);
      const size = (await Deno.stat(path)).size;
      const file = await Deno.open(path, { append: true });
      await file.write(tail);
      file.close();
      const spool = await Spool.open(dir);
      assert.equal(spool.repairedBytes, tail.length);
      assert.equal((await Deno.stat(path)).size, size);
      assert.deepEqual(await collect(spool), ["0:r0", "1:r1", "2:r2"]);
      await spool.close();
    });
  }
});

Deno.test("a flipped bit truncates the last segment from that record on", async () => {
  await withDir(async (dir) => {
    await fill(dir, 3);
    const [name] = await segments(dir);
    const path = join(dir, name);
    const bytes = await Deno.readFile(path);
    bytes[10 + 8] ^= 0x01; // first payload byte of record 1
    await Deno.writeFile(path, bytes);
    const spool = await Spool.open(dir);
    assert.deepEqual(await collect(spool), ["0:r0"]);
    assert.equal(spool.repairedBytes, 20);
    assert.equal(await spool.append(encoder.encode("next")), 1);
    await spool.close();
  });
});

Deno.test("a wrong checksum or an absurd length ends the scan", () => {
  const good = new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 65, 66]);
  assert.equal(scanSegment(good, 100).records.length, 0); // wrong checksum
  const huge = new Uint8Array([255, 255, 255, 255, 0, 0, 0, 0]);
  assert.equal(scanSegment(huge, 100).validBytes, 0);
});

Deno.test("acknowledged records are trimmed and not replayed after a restart", async () => {
  await withDir(async (dir) => {
    const spool = await Spool.open(dir, { fsync: "never", segmentBytes: 40 }); // 4 records each
    for (let i = 0; i < 10; i++) await spool.append(encoder.encode(`r${i}`));
    assert.deepEqual(await segments(dir), [
      "0000000000000000.seg",
      "0000000000000004.seg",
      "0000000000000008.seg",
    ]);
    await spool.acknowledge(5);
    assert.deepEqual(await segments(dir), ["0000000000000004.seg", "0000000000000008.seg"]);
    assert.deepEqual(await collect(spool), ["5:r5", "6:r6", "7:r7", "8:r8", "9:r9"]);
    await spool.close();

    const reopened = await Spool.open(dir, { segmentBytes: 40 });
    assert.equal(reopened.ackedSeq, 5);
    assert.deepEqual((await collect(reopened)).map((r) => r.split(":")[0]), [
      "5",
      "6",
      "7",
      "8",
      "9",
    ]);
    await reopened.acknowledge(10);
    assert.deepEqual(await segments(dir), []);
    assert.equal(await reopened.append(encoder.encode("x")), 10);
    await reopened.close();

    const third = await Spool.open(dir);
    assert.deepEqual(await collect(third), ["10:x"]);
    await assert.rejects(third.acknowledge(12), RangeError);
    await third.close();
  });
});

Deno.test("interval fsync leaves no timer behind after close", async () => {
  await withDir(async (dir) => {
    const spool = await Spool.open(dir, { fsync: "interval", fsyncIntervalMs: 60_000 });
    await spool.append(encoder.encode("a"));
    await spool.sync();
    await spool.close(); // the sanitizer fails the test if the sync timer leaked
    await assert.rejects(spool.append(encoder.encode("b")), /is closed/);
  });
});

Deno.test("concurrent appends never interleave", async () => {
  await withDir(async (dir) => {
    const spool = await Spool.open(dir, { fsync: "never", segmentBytes: 256 });
    const seqs = await Promise.all(
      Array.from({ length: 100 }, (_, i) => spool.append(encoder.encode(`x${i}`.repeat(3)))),
    );
    assert.deepEqual(seqs, Array.from({ length: 100 }, (_, i) => i));
    const replayed = await collect(spool);
    assert.deepEqual(replayed, seqs.map((i) => `${i}:${`x${i}`.repeat(3)}`));
    await spool.close();
  });
});

Deno.test("spool rejects bad input clearly", async () => {
  await withDir(async (dir) => {
    await assert.rejects(Spool.open(dir, { fsync: "sometimes" as never }), TypeError);
    await assert.rejects(Spool.open(dir, { segmentBytes: 0 }), RangeError);
    const spool = await Spool.open(dir, { maxRecordBytes: 4 });
    await assert.rejects(spool.append(new Uint8Array(5)), /exceeds maxRecordBytes "4"/);
    await assert.rejects(spool.append("text" as never), TypeError);
    await assert.rejects(spool.acknowledge(-1), RangeError);
    await spool.close();
  });
});

Deno.test("interval fsync: records synced before the last sync survive a power loss", async () => {
  await withDir(async (dir) => {
    const spool = await Spool.open(dir, { fsync: "interval", fsyncIntervalMs: 200 });
    const syncs: number[] = [];
    spool.on("synced", (seq) => syncs.push(seq));
    await spool.append(encoder.encode("r0"));
    assert.equal(spool.syncedSeq, 0); // written, not yet forced to disk
    const synced = new Promise<number>((resolve) => spool.once("synced", resolve));
    for (let i = 1; i < 5; i++) await spool.append(encoder.encode(`r${i}`));
    const first = await within(synced, 5_000, "periodic sync");
    while (spool.syncedSeq < 5) {
      await within(new Promise((r) => spool.once("synced", r)), 5_000, "second sync");
    }
    assert.ok(first >= 1 && syncs.at(-1) === 5);
    // Power loss may leave the disk as of the last sync plus any prefix of later writes.
    const [name] = await segments(dir);
    const path = join(dir, name);
    const durable = await Deno.readFile(path);
    for (let i = 5; i < 10; i++) await spool.append(encoder.encode(`r${i}`));
    const written = await Deno.readFile(path);
    await spool.close();
    const image = new Uint8Array(durable.length + 13); // record 5 whole, 3 bytes of record 6
    image.set(written.subarray(0, image.length));
    await Deno.writeFile(path, image);
    const reopened = await Spool.open(dir);
    assert.deepEqual(await collect(reopened), Array.from({ length: 6 }, (_, i) => `${i}:r${i}`));
    assert.equal(reopened.repairedBytes, 3);
    await reopened.close();
  });
});

Deno.test("always fsync reports every append as synced", async () => {
  await withDir(async (dir) => {
    const spool = await Spool.open(dir, { fsync: "always" });
    const syncs: number[] = [];
    spool.on("synced", (seq) => syncs.push(seq));
    await spool.append(encoder.encode("a"));
    assert.equal(await spool.appendBatch([encoder.encode("b"), encoder.encode("c")]), 1);
    assert.deepEqual(syncs, [1, 3]);
    assert.equal(spool.syncedSeq, 3);
    await spool.close();
  });
});

Deno.test("a batch is one write; a bad record refuses the whole batch", async () => {
  await withDir(async (dir) => {
    const spool = await Spool.open(dir, { maxRecordBytes: 8 });
    assert.equal(await spool.appendBatch([]), 0);
    const batch = ["a", "bb", "ccc"].map((text) => encoder.encode(text));
    assert.equal(await spool.appendBatch(batch), 0);
    await assert.rejects(spool.appendBatch([encoder.encode("d"), new Uint8Array(9)]), RangeError);
    assert.equal(spool.nextSeq, 3);
    assert.deepEqual(await collect(spool), ["0:a", "1:bb", "2:ccc"]);
    await spool.close();
  });
});

Deno.test("discardFrom cuts the newest records off and the next append follows", async () => {
  await withDir(async (dir) => {
    const spool = await Spool.open(dir, { fsync: "never", segmentBytes: 40 }); // 4 records each
    for (let i = 0; i < 10; i++) await spool.append(encoder.encode(`r${i}`));
    await spool.acknowledge(1);
    await assert.rejects(spool.discardFrom(0), RangeError);
    await assert.rejects(spool.discardFrom(11), RangeError);
    await spool.discardFrom(6);
    assert.deepEqual(await segments(dir), ["0000000000000000.seg", "0000000000000004.seg"]);
    assert.equal(await spool.append(encoder.encode("new")), 6);
    await spool.close();
    const reopened = await Spool.open(dir, { segmentBytes: 40 });
    const expected = [1, 2, 3, 4, 5].map((i) => `${i}:r${i}`);
    assert.deepEqual(await collect(reopened), [...expected, "6:new"]);
    await reopened.discardFrom(1);
    assert.deepEqual(await collect(reopened), []);
    assert.equal(await reopened.append(encoder.encode("again")), 1);
    await reopened.close();
  });
});

Deno.test("a failed segment creation leaves the spool usable", async () => {
  await withDir(async (base) => {
    const dir = join(base, "spool");
    const spool = await Spool.open(dir, { segmentBytes: 1 }); // every append starts a segment
    assert.equal(await spool.append(encoder.encode("a")), 0);
    await Deno.remove(dir, { recursive: true });
    await assert.rejects(spool.append(encoder.encode("b")), Deno.errors.NotFound);
    assert.equal(spool.nextSeq, 1);
    await Deno.mkdir(dir);
    assert.equal(await spool.append(encoder.encode("c")), 1);
    await spool.close();
    const reopened = await Spool.open(dir);
    assert.deepEqual(await collect(reopened), ["1:c"]);
    await reopened.close();
  });
});
