/**
 * The `tfedge` command line as a user runs it: a real subprocess against the
 * simulated brickd, stopped with SIGTERM; plus --version, --help and bad flags.
 */
import assert from "node:assert/strict";
import { startSimulatedBrickd } from "../src/sim/brickd.ts";
import { VERSION } from "../src/version.ts";

const MOD = new URL("../mod.ts", import.meta.url).pathname;
const DEMO = new URL("../scripts/demo.ts", import.meta.url).pathname;

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Reads a child's stdout until `marker` shows up (or the deadline passes). */
async function readUntil(
  stream: ReadableStream<Uint8Array>,
  marker: string,
  ms: number,
): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + ms;
  while (!text.includes(marker)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`"${marker}" not seen within ${ms} ms; output so far:\n${text}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const chunk = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`"${marker}" not seen; output:\n${text}`)), left);
      }),
    ]).finally(() => clearTimeout(timer));
    if (chunk.done) throw new Error(`Output ended before "${marker}":\n${text}`);
    text += decoder.decode(chunk.value, { stream: true });
  }
  return { text, reader };
}

Deno.test("tfedge --version and --help print and exit 0", async () => {
  const version = await run([MOD, "--version"]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), `tfedge ${VERSION}`);
  const help = await run([MOD, "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--ipcon-host/);
});

Deno.test("tfedge rejects bad flags with exit code 2 and says what is wrong", async () => {
  const result = await run([MOD, "--ipcon-port", "seventy", "--ipcon-timeout=-5"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--ipcon-port: "seventy" is not a port number/);
  assert.match(result.stderr, /--ipcon-timeout: "-5" is not a non-negative integer/);
  const unknown = await run([MOD, "--no-such-flag"]);
  assert.equal(unknown.code, 2);
});

Deno.test("tfedge connects to brickd, lists devices and stops cleanly on SIGTERM", async () => {
  const brickd = await startSimulatedBrickd({
    devices: [{ type: "temperature_v2_bricklet", uid: "Tmp", position: "a" }],
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MOD,
      "--ipcon-host",
      "127.0.0.1",
      "--ipcon-port",
      String(brickd.port),
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const { reader } = await readUntil(
      child.stdout,
      "device Tmp available: Temperature Bricklet 2.0",
      15_000,
    );
    child.kill("SIGTERM");
    let rest = "";
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      rest += new TextDecoder().decode(chunk.value);
    }
    const status = await child.status;
    assert.equal(status.code, 0);
    assert.match(rest, /stopped/);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
    await brickd.stop();
  }
});

Deno.test("deno task demo's script runs for a bounded time and exits 0", async () => {
  const result = await run([DEMO, "--seconds", "1"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /device Tmp available/);
  assert.match(result.stdout, /temperature \d+\.\d+ °C/);
  assert.match(result.stdout, /demo stopped/);
});
