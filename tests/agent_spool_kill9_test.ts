/**
 * End-to-end: `tfedge --buffer-dir DIR --buffer-fsync always` as a subprocess samples while
 * ThingsBoard is down, reports on `tfedge/status` how many records it spooled, and is killed
 * with SIGKILL. Started again on the same directory with ThingsBoard up, it sends every record
 * the spool holds (at least as many as the last status said were spooled), before anything new,
 * and reports them as replayed. A torn tail (garbage after the last record) does not stop it.
 *
 * The killed agent's records are read straight from the segment files, so the test knows
 * exactly which (ts, uid) must arrive.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { readAckFile, scanSegment, segmentFirstSeq } from "../src/buffer/spool_format.ts";
import type { TelemetryRecord } from "../src/telemetry/types.ts";
import { type AgentFixture, startAgentFixture, TB_DEVICE } from "./support/agent_fixture.ts";
import { firstOccurrences, recordPoints, storedPoints, until } from "./support/buffer_checks.ts";

const MOD = new URL("../mod.ts", import.meta.url).pathname;
/** Records the killed agent must have reported as spooled */
const SPOOLED = 50;
/** The spool's default largest record */
const MAX_RECORD_BYTES = 1024 * 1024;

/** Only what a Deno process needs: no TFEDGE_* or STATE_DIRECTORY of the machine running tests. */
function cleanEnv(): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "DENO_CERT"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) keep[name] = value;
  }
  return keep;
}

/** `tfedge` with `args`; its output is discarded (the status topic says what it does). */
function tfedge(args: readonly string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MOD, ...args],
    env: cleanEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function kill(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch {
    // already exited
  }
  await child.status;
}

interface Status {
  state: string;
  buffer: { spooled: number; replayed: number; dropped: number; enqueued: number };
}

/** The next `tfedge/status` payload that satisfies `match`. */
async function statusWhere(f: AgentFixture, match: (s: Status) => boolean): Promise<Status> {
  const message = await f.watcher.next(
    (m) => m.topic === "tfedge/status" && match(JSON.parse(m.payload)),
    10_000,
  );
  return JSON.parse(message.payload);
}

/** Segment files of `dir`, oldest first. */
async function segments(dir: string): Promise<{ path: string; firstSeq: number }[]> {
  const found: { path: string; firstSeq: number }[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const firstSeq = segmentFirstSeq(entry.name);
    if (firstSeq !== undefined) found.push({ path: join(dir, entry.name), firstSeq });
  }
  return found.sort((a, b) => a.firstSeq - b.firstSeq);
}

/** Every complete, unacknowledged record of the spool in `dir`, in order. */
async function spooledRecords(dir: string): Promise<TelemetryRecord[]> {
  const acked = await readAckFile(dir);
  const records: TelemetryRecord[] = [];
  for (const { path, firstSeq } of await segments(dir)) {
    const { records: data } = scanSegment(await Deno.readFile(path), MAX_RECORD_BYTES);
    data.forEach((bytes, i) => {
      if (firstSeq + i >= acked) records.push(JSON.parse(new TextDecoder().decode(bytes)));
    });
  }
  return records;
}

/** Runs the kill -9 scenario; `damage` may change the spool between the two runs. */
async function killAndReplay(damage?: (dir: string) => Promise<void>): Promise<void> {
  const f = await startAgentFixture({ startAgent: false });
  const dir = await Deno.makeTempDir({ prefix: "tfedge-spool-e2e-" });
  const children: Deno.ChildProcess[] = [];
  try {
    await f.server.stop(); // the port stays known: the server comes back on it
    const argv = [...f.argv, `--buffer-dir=${dir}`, "--buffer-fsync=always", "--status-interval=1"];

    children.push(tfedge(argv));
    const before = await statusWhere(f, (s) => s.buffer?.spooled >= SPOOLED);
    await kill(children[0]);
    assert.equal(before.buffer.dropped, 0);
    const killed = await spooledRecords(dir);
    // fsync "always": a record counts as spooled once it is on disk.
    assert.ok(
      killed.length >= before.buffer.spooled,
      `${killed.length} records on disk, the status said ${before.buffer.spooled} were spooled`,
    );
    await damage?.(dir);

    await f.server.start();
    children.push(tfedge(argv));
    const expected = firstOccurrences(recordPoints(killed));
    const arrived = () => firstOccurrences(storedPoints(f.server.telemetry(TB_DEVICE)));
    const hasDevice = () => f.server.devices().some((d) => d.name === TB_DEVICE);
    await until(
      f.server,
      "publish",
      () => hasDevice() && arrived().length >= expected.length + 1,
      10_000,
      "the spooled records and a new one",
      () => [expected.length, hasDevice() ? arrived().length : 0],
    );
    // The replayed records first, exactly and in order, then the new run's records: all newer.
    const stored = arrived();
    assert.deepEqual(stored.slice(0, expected.length), expected);
    const lastReplayed = Math.max(...killed.map((record) => record.ts));
    const newer = stored.slice(expected.length).map((point) => Number(point.split("@")[1]));
    assert.ok(newer.every((ts) => ts > lastReplayed), "new records are newer than replayed ones");

    const after = await statusWhere(f, (s) => s.buffer?.replayed > 0);
    assert.equal(after.buffer.replayed, killed.length, "replayed");
    assert.ok(after.buffer.replayed >= before.buffer.spooled);
    assert.equal(after.buffer.dropped, 0);
    if (Deno.env.get("TFEDGE_TEST_LOG") === "1") {
      console.error(
        `kill -9: status said ${before.buffer.spooled} spooled, ${killed.length} on disk, ` +
          `${after.buffer.replayed} replayed`,
      );
    }
  } finally {
    for (const child of children) await kill(child);
    await f.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("kill -9 with the disk spool loses no spooled record; they go out first", async () => {
  await killAndReplay();
});

Deno.test("a torn tail after kill -9 is cut off and every complete record is replayed", async () => {
  await killAndReplay(async (dir) => {
    const last = (await segments(dir)).at(-1);
    assert.ok(last !== undefined, "a segment file");
    // A record header announcing 100 bytes, then only 7 of them: what a torn write leaves.
    const torn = new Uint8Array([100, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7]);
    const file = await Deno.open(last.path, { append: true });
    try {
      await file.write(torn);
    } finally {
      file.close();
    }
  });
});
