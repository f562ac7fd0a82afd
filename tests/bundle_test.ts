/**
 * The single-file build: `scripts/build.ts bundle` into a temporary
 * directory, then the bundle run from elsewhere with no deno.json (so only
 * what is inside the file counts): `--version`, `--help`, a short demo run
 * (`--demo --demo-seconds 1`: the whole agent, provisioning, telemetry and
 * RPC against the embedded simulators), as a library import (must not start
 * the CLI), and as the bridge between a real broker and the simulated brickd
 * (npm's MQTT.js working from inside the bundle).
 */
import assert from "node:assert/strict";
import { COMPILE_FLAGS } from "../scripts/build.ts";
import { startSimulatedBrickd } from "../src/sim/brickd.ts";
import { VERSION } from "../src/version.ts";
import { startTestBroker } from "./support/broker.ts";
import { within } from "./support/deadline.ts";
import { MqttWatcher } from "./support/mqtt_watcher.ts";

const BUILD = new URL("../scripts/build.ts", import.meta.url).pathname;
const decoder = new TextDecoder();

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

async function deno(args: string[], cwd: string, timeoutMs = 60_000): Promise<Output> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** `deno run` of the bundle, without any project config. */
function runBundle(bundle: string, args: string[], cwd: string): Promise<Output> {
  return deno(["run", "--allow-all", "--unstable-net", "--no-config", bundle, ...args], cwd);
}

Deno.test("deno task bundle makes one file that runs the tfedge CLI", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "tfedge-bundle-test-" });
  const bundle = `${dir}/tfedge.js`;
  try {
    const started = performance.now();
    const build = await deno(
      [
        "run",
        "--allow-run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        BUILD,
        "bundle",
        "--out",
        bundle,
      ],
      dir,
      120_000,
    );
    const seconds = (performance.now() - started) / 1000;
    assert.equal(build.code, 0, build.stdout + build.stderr);
    if (seconds > 30) console.log(`note: bundling took ${seconds.toFixed(1)} s`);
    const text = await Deno.readTextFile(bundle);
    assert.doesNotMatch(text, /from\s*"npm:/, "npm packages are inside the bundle");

    await t.step("--version", async () => {
      const version = await runBundle(bundle, ["--version"], dir);
      assert.equal(version.code, 0, version.stderr);
      assert.match(
        version.stdout.trim(),
        new RegExp(`^tfedge ${VERSION.replaceAll(".", "\\.")}\\b`),
      );
    });

    await t.step("--help", async () => {
      const help = await runBundle(bundle, ["--help"], dir);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /^usage: tfedge /);
      assert.match(help.stdout, /--ipcon-host/);
    });

    await t.step("--demo --demo-seconds 1: the whole agent on embedded defaults", async () => {
      // The permissions `deno compile` bakes into the binaries (scripts/build.ts), not more.
      const demo = await deno(
        [
          "run",
          ...COMPILE_FLAGS.filter((flag) => !flag.startsWith("--v8-flags")),
          "--no-config",
          bundle,
          "--demo",
          "--demo-seconds",
          "1",
        ],
        dir,
      );
      assert.equal(demo.code, 0, demo.stdout + demo.stderr);
      assert.match(demo.stdout, /tfedge\/event\/DeviceConnected \{"uid":"Tmp"/);
      assert.match(demo.stdout, /tfedge\/event\/Provisioned \{"deviceName":"tfedge-demo"/);
      assert.match(demo.stdout, /ThingsBoard has tfedge-demo: .*Tmp_temperature=\d+(\.\d+)?/);
      assert.match(demo.stdout, /get_color -> \{"red":255,"green":127,"blue":0\}/);
      assert.match(demo.stdout, /demo stopped\n$/);
    });

    await t.step("imported as a module it exports the API and starts nothing", async () => {
      const script = `const m = await import(${JSON.stringify(`file://${bundle}`)});
        console.log(m.VERSION, typeof m.TfpConnection);`;
      const imported = await deno(["eval", "--no-config", script], dir, 20_000);
      assert.equal(imported.code, 0, imported.stderr);
      assert.equal(imported.stdout, `${VERSION} function\n`);
    });

    await t.step("as the bridge: broker and brickd over loopback", async () => {
      await bridgeRoundTrip(bundle, dir);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Collects a child's stream as text; {@link waitFor} resolves when a pattern shows up. */
class StreamText {
  text = "";
  readonly done: Promise<void>;
  #waiters: Array<() => void> = [];

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.text += chunk;
        for (const wake of this.#waiters.splice(0)) wake();
      }
    })();
  }

  async waitFor(pattern: RegExp, ms: number): Promise<void> {
    await within(
      (async () => {
        while (!pattern.test(this.text)) {
          await new Promise<void>((resolve) => this.#waiters.push(resolve));
        }
      })(),
      ms,
      `${pattern} in the output`,
    );
  }
}

/** Runs the bundle as the bridge and answers one request through the broker. */
async function bridgeRoundTrip(bundle: string, cwd: string): Promise<void> {
  const broker = await startTestBroker();
  const brickd = await startSimulatedBrickd({
    devices: [{ type: "temperature_v2_bricklet", uid: "Tmp", position: "a" }],
  });
  let watcher: MqttWatcher | undefined;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--unstable-net",
      "--no-config",
      bundle,
      "--debug",
      "--ipcon-host",
      "127.0.0.1",
      "--ipcon-port",
      String(brickd.port),
      "--broker-host",
      "127.0.0.1",
      "--broker-port",
      String(broker.port),
    ],
    cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new StreamText(child.stdout);
  const stderr = new StreamText(child.stderr);
  let exited = false;
  try {
    watcher = await MqttWatcher.connect(broker.url);
    await stderr.waitFor(/Connected to Brick Daemon/, 15_000);
    const answer = await watcher.request(
      "tinkerforge/request/temperature_v2_bricklet/Tmp/get_identity",
      "",
    );
    assert.match(answer, /"uid": "Tmp"/);
    child.kill("SIGTERM");
    const status = await within(child.status, 10_000, "exit after SIGTERM");
    exited = true;
    assert.equal(status.code, 0, stderr.text);
  } catch (error) {
    if (!exited) child.kill("SIGKILL");
    await Promise.all([stdout.done, stderr.done]);
    throw new Error(
      `${(error as Error).message}\nbundle stdout:\n${stdout.text}\nstderr:\n${stderr.text}`,
    );
  } finally {
    await child.status;
    await Promise.all([stdout.done, stderr.done]);
    await watcher?.close();
    await brickd.stop();
    await broker.stop();
  }
}
