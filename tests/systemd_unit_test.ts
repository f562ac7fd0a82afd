/**
 * systemd/tfedge.service: the settings that cost others days (no
 * MemoryDenyWriteExecute for V8, RestartSec >= 5 s), the sandbox score of
 * `systemd-analyze security --offline` (3.0 or lower), and `systemd-analyze
 * verify`. Without systemd-analyze the last two are skipped with a note.
 */
import assert from "node:assert/strict";
import { parseBridgeArgs } from "../src/bridge/options.ts";

const UNIT = new URL("../systemd/tfedge.service", import.meta.url).pathname;
const CMDLINE = new URL("../systemd/tfedge.cmdline.example", import.meta.url).pathname;
const CONFIG = new URL("../systemd/tfedge.example.json", import.meta.url).pathname;
const decoder = new TextDecoder();
const MAX_EXPOSURE = 3.0;

/** The unit's settings as [key, value] pairs in file order; comments dropped. */
function settings(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) {
      continue;
    }
    const equals = line.indexOf("=");
    assert.ok(equals > 0, `Not a setting: "${line}"`);
    pairs.push([line.slice(0, equals), line.slice(equals + 1)]);
  }
  return pairs;
}

function only(pairs: Array<[string, string]>, key: string): string {
  const values = pairs.filter(([k]) => k === key).map(([, v]) => v);
  assert.equal(values.length, 1, `${key}= is set ${values.length} times`);
  return values[0];
}

/** systemd time span in seconds: "5", "5s", "60s", "3min", "1min 30s". */
function seconds(span: string): number {
  const units: Record<string, number> = { "": 1, s: 1, sec: 1, m: 60, min: 60, h: 3600 };
  let total = 0;
  for (const part of span.trim().split(/\s+/)) {
    const match = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(part);
    assert.ok(match && match[2] in units, `Unsupported time span "${span}"`);
    total += Number(match[1]) * units[match[2]];
  }
  return total;
}

async function systemdAnalyze(args: string[]): Promise<{ code: number; output: string } | null> {
  try {
    const result = await new Deno.Command("systemd-analyze", {
      args,
      env: { SYSTEMD_COLORS: "0", SYSTEMD_PAGER: "cat" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    return {
      code: result.code,
      output: decoder.decode(result.stdout) + decoder.decode(result.stderr),
    };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

Deno.test("tfedge.service: notify, restart and sandbox settings that V8 survives", async () => {
  const pairs = settings(await Deno.readTextFile(UNIT));
  const keys = new Set(pairs.map(([key]) => key));
  assert.ok(!keys.has("MemoryDenyWriteExecute"), "MemoryDenyWriteExecute= crashes V8");
  assert.ok(seconds(only(pairs, "RestartSec")) >= 5, "RestartSec= must be 5 s or more");
  assert.equal(only(pairs, "Restart"), "on-failure");
  assert.equal(only(pairs, "Type"), "notify");
  assert.equal(only(pairs, "NotifyAccess"), "main");
  assert.ok(seconds(only(pairs, "WatchdogSec")) >= 10);
  assert.match(only(pairs, "After"), /\bnetwork-online\.target\b.*\bbrickd\.service\b/);
  assert.equal(only(pairs, "Wants"), "network-online.target");
  assert.equal(only(pairs, "StateDirectory"), "tfedge");
  assert.equal(only(pairs, "ConfigurationDirectory"), "tfedge");
  assert.equal(only(pairs, "DynamicUser"), "yes");
  assert.equal(only(pairs, "RestrictAddressFamilies"), "AF_UNIX AF_INET AF_INET6");
  assert.match(only(pairs, "SystemCallFilter"), /@system-service/);
  assert.match(only(pairs, "SystemCallFilter"), /@pkey/, "V8 calls pkey_alloc on x86_64");
  // The command line file reaches the service as a credential, under the name ExecStart uses.
  const credential = only(pairs, "LoadCredential");
  assert.equal(credential, "tfedge.cmdline:/etc/tfedge/tfedge.cmdline");
  assert.equal(only(pairs, "ExecStart"), "/usr/local/bin/tfedge --cmdline-file %d/tfedge.cmdline");
  assert.equal(only(pairs, "WantedBy"), "multi-user.target");
});

Deno.test("tfedge.service: systemd-analyze security exposure is 3.0 or lower", async () => {
  const result = await systemdAnalyze([
    "security",
    "--offline=true",
    "--threshold=30",
    "--no-pager",
    UNIT,
  ]);
  if (result === null) {
    console.log("note: systemd-analyze not installed; exposure check skipped");
    return;
  }
  const match = /Overall exposure level for tfedge\.service: (\d+\.\d+)/.exec(result.output);
  assert.ok(match, `No exposure level in:\n${result.output}`);
  const exposure = Number(match[1]);
  assert.ok(exposure <= MAX_EXPOSURE, `exposure ${exposure} > ${MAX_EXPOSURE}:\n${result.output}`);
  assert.equal(result.code, 0, result.output);
});

Deno.test("tfedge.service: systemd-analyze verify finds nothing to complain about", async () => {
  // verify insists that ExecStart's binary exists: point it at a stand-in.
  const dir = await Deno.makeTempDir({ prefix: "tfedge-unit-test-" });
  try {
    const binary = `${dir}/tfedge`;
    await Deno.writeTextFile(binary, "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const text = await Deno.readTextFile(UNIT);
    await Deno.writeTextFile(
      `${dir}/tfedge.service`,
      text.replaceAll("/usr/local/bin/tfedge", binary),
    );
    const result = await systemdAnalyze(["verify", "--no-pager", `${dir}/tfedge.service`]);
    if (result === null) {
      console.log("note: systemd-analyze not installed; verify skipped");
      return;
    }
    if (result.code !== 0 && !result.output.includes("tfedge.service")) {
      console.log(`note: systemd-analyze verify cannot run here; skipped:\n${result.output}`);
      return;
    }
    assert.equal(result.code, 0, result.output);
    assert.equal(result.output.trim(), "", "verify warns about the unit");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the example options are valid tfedge options, the example config is JSON", async () => {
  const parsed = parseBridgeArgs(["--cmdline-file", CMDLINE]);
  assert.ok("options" in parsed, JSON.stringify(parsed));
  assert.equal(parsed.options.ipconHost, "localhost");
  assert.equal(parsed.options.ipconPort, 4223);
  assert.equal(parsed.options.brokerPort, 1883);
  const config = JSON.parse(await Deno.readTextFile(CONFIG));
  assert.equal(typeof config, "object");
});

Deno.test("the start task runs with the shipped V8 heap cap", async () => {
  const { SHIPPED_V8_FLAGS } = await import("../scripts/v8_flags.ts");
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.ok(
    String(config.tasks.start).includes(`--v8-flags=${SHIPPED_V8_FLAGS}`),
    `deno.json start task lacks --v8-flags=${SHIPPED_V8_FLAGS}`,
  );
});
