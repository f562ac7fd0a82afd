/**
 * The disk spool against a real crash: a child process pushes numbered records and reports
 * what is written; the parent SIGKILLs it mid-stream and reopens the spool. Every confirmed
 * record must come back, in order, without duplicates or gaps, and nothing acknowledged.
 */
import assert from "node:assert/strict";
import { fileURLToPath as fromFileUrl } from "node:url";
import { within } from "./support/deadline.ts";
import { contents, openNumbers, withDir } from "./support/spool_fixture.ts";

const WRITER = fromFileUrl(new URL("./support/spool_writer.ts", import.meta.url));
const ROOT = fromFileUrl(new URL("..", import.meta.url));
const CONFIRMED = 400;
const ACK_LIMIT = 150;

interface Progress {
  written: number;
  acked: number;
  synced: number;
}

/** Reads the child's report lines until `done(progress)`, or fails after `ms`. */
async function follow(
  stream: ReadableStream<Uint8Array>,
  done: (progress: Progress) => boolean,
  ms: number,
): Promise<{ progress: Progress; reader: ReadableStreamDefaultReader<string> }> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const progress: Progress = { written: -1, acked: 0, synced: 0 };
  let pending = "";
  const deadline = Date.now() + ms;
  while (!done(progress)) {
    const left = deadline - Date.now();
    const { value, done: ended } = await within(reader.read(), Math.max(left, 1), "progress");
    if (ended) throw new Error(`Writer exited early at ${JSON.stringify(progress)}`);
    pending += value;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) {
      const [key, number] = line.split(" ");
      if (key === "written" || key === "acked" || key === "synced") {
        progress[key] = Math.max(progress[key], Number(number));
      }
    }
  }
  return { progress, reader };
}

for (const fsync of ["always", "interval", "never"] as const) {
  Deno.test(`kill -9 with fsync "${fsync}" loses no confirmed record`, async () => {
    await withDir(async (dir) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", "--allow-write", WRITER, dir, fsync, String(ACK_LIMIT)],
        cwd: ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      let reader: ReadableStreamDefaultReader<string> | undefined;
      let progress: Progress;
      try {
        // "interval" must also have synced on its own past the confirmed records.
        const enough = (p: Progress) =>
          p.written >= CONFIRMED && p.acked >= ACK_LIMIT &&
          (fsync !== "interval" || p.synced > CONFIRMED);
        ({ progress, reader } = await follow(child.stdout, enough, 30_000));
      } finally {
        child.kill("SIGKILL");
        await child.status;
        await reader?.cancel();
        if (!reader) await child.stdout.cancel().catch(() => {});
      }
      assert.equal((await child.status).signal, "SIGKILL");

      const buffer = await openNumbers(dir, { capacity: 10_000_000 });
      assert.equal(buffer.counters.replayDropped, 0);
      const items = contents(buffer);
      // Acknowledgement stopped at ACK_LIMIT: exactly what was not delivered comes back.
      assert.equal(items[0], ACK_LIMIT, `first replayed ${items[0]}`);
      assert.ok(items.at(-1)! >= progress.written, `last ${items.at(-1)} < ${progress.written}`);
      items.forEach((item, i) => assert.equal(item, ACK_LIMIT + i, `gap or duplicate at ${i}`));
      await buffer.close();
    });
  });
}
