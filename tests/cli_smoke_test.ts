/**
 * The `tfedge` command line as a user runs it: a real subprocess with
 * tinkerforge_mqtt's flags against a test broker and the simulated brickd,
 * stopped with SIGTERM (clean: `shutdown`) or SIGKILL (the broker publishes
 * the last will); plus --version, --help, bad flags and the reference's exit
 * codes; plus the demo script.
 */
import assert from "node:assert/strict";
import { startSimulatedBrickd } from "../src/sim/brickd.ts";
import { VERSION } from "../src/version.ts";
import { startTestBroker } from "./support/broker.ts";
import { MqttWatcher } from "./support/mqtt_watcher.ts";

const MOD = new URL("../mod.ts", import.meta.url).pathname;
const DEMO = new URL("../scripts/demo.ts", import.meta.url).pathname;
const T = "tinkerforge";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { COLUMNS: "80" },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("tfedge --version and --help print and exit 0", async () => {
  const version = await run([MOD, "--version"]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout, `tfedge ${VERSION} (compatible with tinkerforge_mqtt 2.0.17)\n`);
  const help = await run([MOD, "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: tfedge /);
  assert.match(help.stdout, /--global-topic-prefix GLOBAL_TOPIC_PREFIX/);
});

Deno.test("tfedge rejects bad flags like argparse: usage on stderr, exit code 2", async () => {
  const result = await run([MOD, "--ipcon-port", "seventy"]);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /tfedge: error: argument --ipcon-port: invalid int value: 'seventy'\n$/,
  );
  const unknown = await run([MOD, "--no-such-flag"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unrecognized arguments: --no-such-flag/);
});

Deno.test("tfedge exits with the reference's codes for prefix, init file and timeout", async () => {
  const prefix = await run([MOD, "--global-topic-prefix", "$SYS"]);
  assert.equal(prefix.code, 33);
  assert.equal(
    prefix.stdout,
    "Global topic prefix invalid: '$SYS/' starts with the reserved character '$'. (MQTT-4.7.2-1)\n",
  );
  const dir = await Deno.makeTempDir({ prefix: "tfedge-cli-" });
  try {
    const missing = `${dir}/missing.json`;
    const init = await run([MOD, "--init-file", missing]);
    assert.equal(init.code, 31);
    assert.equal(
      init.stdout,
      `Could not read init file: [Errno 2] No such file or directory: '${missing}'\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const timeout = await run([MOD, "--ipcon-timeout", "-1"]);
  assert.equal(timeout.code, 24);
  assert.match(timeout.stderr, /<CRITICAL> MQTT bindings: timeout cannot be negative\n$/);
});

/** Starts tfedge against a broker and a simulated brickd; returns the child and a watcher. */
async function startLive() {
  const broker = await startTestBroker();
  const brickd = await startSimulatedBrickd({
    devices: [{ type: "temperature_v2_bricklet", uid: "Tmp", position: "a" }],
  });
  const watcher = await MqttWatcher.connect(broker.url);
  // Registered before brickd is connected, so the test knows when requests can succeed.
  const dir = await Deno.makeTempDir({ prefix: "tfedge-cli-" });
  const initFile = `${dir}/init.json`;
  await Deno.writeTextFile(
    initFile,
    '{"pre_connect": {"tinkerforge/register/ip_connection/connected": true}}',
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MOD,
      "--broker-host",
      "127.0.0.1",
      "--broker-port",
      String(broker.port),
      "--ipcon-host",
      "127.0.0.1",
      "--ipcon-port",
      String(brickd.port),
      "--init-file",
      initFile,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  return {
    child,
    watcher,
    stderr,
    async close() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
      await child.status;
      await stderr;
      await watcher.close();
      await brickd.stop();
      await broker.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("tfedge bridges MQTT to brickd and stops cleanly on SIGTERM", async () => {
  const live = await startLive();
  try {
    await live.watcher.next(`${T}/callback/ip_connection/connected`, 20_000);
    await live.watcher.publish(`${T}/register/ip_connection/disconnected`, "true");
    const answer = await live.watcher.request(
      `${T}/request/temperature_v2_bricklet/Tmp/get_temperature`,
      "",
    );
    assert.match(answer, /^\{"temperature": -?\d+\}$/);
    live.child.kill("SIGTERM");
    assert.equal((await live.child.status).code, 0);
    assert.equal(
      await live.watcher.payloadOf(`${T}/callback/ip_connection/disconnected`),
      '{"disconnect_reason": "request"}',
    );
    assert.equal(await live.watcher.payloadOf(`${T}/callback/bindings/shutdown`), "null");
    assert.match(
      await live.stderr,
      /<INFO> MQTT bindings: Starting Tinkerforge MQTT bindings 2\.0\.17\n/,
    );
  } finally {
    await live.close();
  }
});

Deno.test("tfedge killed with SIGKILL leaves its last will on the broker", async () => {
  const live = await startLive();
  try {
    await live.watcher.next(`${T}/callback/bindings/restart`, 20_000);
    live.child.kill("SIGKILL");
    assert.equal(await live.watcher.payloadOf(`${T}/callback/bindings/last_will`), "null");
    assert.deepEqual(live.watcher.all(`${T}/callback/bindings/shutdown`), []);
  } finally {
    await live.close();
  }
});

Deno.test("deno task demo's script runs for a bounded time and exits 0", async () => {
  const result = await run([DEMO, "--seconds", "1"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /tfedge\/event\/DeviceConnected \{"uid":"Tmp"/);
  assert.match(result.stdout, /tfedge\/event\/Provisioned/);
  assert.match(result.stdout, /ThingsBoard has tfedge-demo: .*Tmp_temperature=\d+(\.\d+)?/);
  assert.match(result.stdout, /get_color -> \{"red":255,"green":127,"blue":0\}/);
  assert.match(result.stdout, /demo stopped/);
});
