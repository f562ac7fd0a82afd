/**
 * Child process of tests/spool_kill9_test.ts: pushes numbered records into a DurableBuffer as
 * fast as it can and reports on stdout what is safe, until it is killed.
 *
 * Usage: spool_writer.ts <dir> <fsync policy> <ack limit>
 * - `written <n>`: every record up to n has been written (and synced under "always");
 * - `acked <n>`: records below n count as delivered (acknowledged in the spool); acknowledgement
 *   follows the writes at a distance and stops at the ack limit, so the parent knows it exactly;
 * - `synced <seq>`: the spool forced everything below spool seq `seq` to disk.
 *
 * @module
 */
import { DurableBuffer } from "../../src/buffer/durable_buffer.ts";
import type { FsyncPolicy } from "../../src/buffer/spool.ts";
import { numberCodec } from "./spool_fixture.ts";

const [dir, fsync, ackLimitText] = Deno.args;
const ackLimit = Number(ackLimitText);
const encoder = new TextEncoder();
const print = (line: string) => Deno.stdout.writeSync(encoder.encode(`${line}\n`));

const buffer = await DurableBuffer.open<number>({
  dir,
  ringOptions: { capacity: 10_000_000, sizeOf: () => 8 },
  spoolOptions: { fsync: fsync as FsyncPolicy, fsyncIntervalMs: 20, segmentBytes: 2048 },
  codec: numberCodec,
});
buffer.spool!.on("synced", (seq) => print(`synced ${seq}`));
buffer.on("spoolError", (error) => console.error("spool error:", error));

// Never outlive a parent that failed to kill us.
const stopAt = Date.now() + 60_000;
let next = 0;
for (let round = 0; Date.now() < stopAt; round++) {
  for (let i = 0; i <= round % 5; i++) buffer.push(next++);
  const ackTo = Math.min(ackLimit, next - 20);
  if (ackTo > buffer.ring.headSeq) buffer.ring.acknowledgeBefore(ackTo);
  await buffer.flush();
  print(`written ${next - 1}`);
  print(`acked ${buffer.ring.headSeq}`);
}
await buffer.close();
