/**
 * `deno task sim` as a real process: it prints where it listens and its
 * devices, serves TFP, never prints the secret, and exits cleanly on SIGTERM.
 */
import assert from "node:assert/strict";
import { parseUid } from "../src/tfp/base58.ts";
import { decodeIdentity } from "../src/tfp/identity.ts";
import { RawTfpClient } from "./support/raw_tfp_client.ts";

const MAIN = new URL("../src/sim/main.ts", import.meta.url).pathname;

/** Reads lines from a stream until `match` returns a result; keeps the text read so far. */
class LineReader {
  readonly #reader: ReadableStreamDefaultReader<string>;
  text = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  async until<T>(match: (text: string) => T | undefined, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms;
    while (true) {
      const found = match(this.text);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`Output did not match in time:\n${this.text}`);
      const { value, done } = await this.#reader.read();
      if (done) throw new Error(`Output ended without a match:\n${this.text}`);
      this.text += value;
    }
  }

  async rest(): Promise<string> {
    while (true) {
      const { value, done } = await this.#reader.read();
      if (done) return this.text;
      this.text += value;
    }
  }
}

function spawnSim(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
}

Deno.test("sim CLI: serves the demo set, hides the secret, stops on SIGTERM", async () => {
  const secret = "cli-secret-value";
  const secretFile = await Deno.makeTempFile();
  await Deno.writeTextFile(secretFile, `${secret}\n`);
  const child = spawnSim(["--port", "0", "--secret-file", secretFile, "--seed", "1"]);
  const out = new LineReader(child.stdout);
  const err = new LineReader(child.stderr);
  try {
    const port = await out.until((text) => {
      const match = /listening on 127\.0\.0\.1:(\d+) \(authentication required\)/.exec(text);
      return match === null ? undefined : Number(match[1]);
    });
    await out.until((text) => text.includes("LED Strip Bricklet 2.0") ? true : undefined);
    const client = await RawTfpClient.connect(port);
    try {
      await client.request(parseUid("Btn"), 255);
      await client.expectNothing(() => true, 200, "answer before authentication");
    } finally {
      await client.close();
    }
  } finally {
    child.kill("SIGTERM");
    const [status, stdout, stderr] = await Promise.all([child.status, out.rest(), err.rest()]);
    await Deno.remove(secretFile);
    assert.equal(status.code, 0, stderr);
    assert.match(stdout, /Simulated brickd stopped/);
    assert.ok(!stdout.includes(secret) && !stderr.includes(secret), "the secret is never printed");
  }
});

Deno.test("sim CLI: a config file is loaded; an invalid one exits 1 listing every problem", async () => {
  const config = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(
      config,
      JSON.stringify({ devices: [{ type: 2113, uid: "Tmp", position: "b" }] }),
    );
    const child = spawnSim(["--port", "0", "--config", config]);
    const out = new LineReader(child.stdout);
    const err = new LineReader(child.stderr);
    try {
      const port = await out.until((text) => {
        const match = /listening on 127\.0\.0\.1:(\d+)/.exec(text);
        return match === null ? undefined : Number(match[1]);
      });
      const client = await RawTfpClient.connect(port);
      try {
        const identity = decodeIdentity((await client.call(parseUid("Tmp"), 255)).payload);
        assert.equal(identity.position, "b");
        assert.equal(identity.deviceIdentifier, 2113);
      } finally {
        await client.close();
      }
    } finally {
      child.kill("SIGINT");
      const [status] = await Promise.all([child.status, out.rest(), err.rest()]);
      assert.equal(status.code, 0);
    }

    await Deno.writeTextFile(
      config,
      JSON.stringify({ devices: [{ type: "nope", uid: "0" }], seed: "x" }),
    );
    const bad = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--allow-read", MAIN, "--port", "0", "--config", config],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(bad.stderr);
    assert.equal(bad.code, 1);
    assert.match(stderr, /3 problems/);
    assert.match(stderr, /devices\[0\]\.type: unknown device type "nope"/);
    assert.match(stderr, /devices\[0\]\.uid: UID "0" contains invalid character/);
    assert.match(stderr, /seed: expected a non-negative integer/);
  } finally {
    await Deno.remove(config);
  }
});
