/**
 * systemd/tfedge.service: the settings that cost others days (no
 * MemoryDenyWriteExecute for V8, RestartSec >= 5 s), the sandbox score of
 * `systemd-analyze security --offline` (3.0 or lower), `systemd-analyze
 * verify`, and that the unit and the example config agree on where the
 * configuration, the secrets and the state live. Without systemd-analyze the
 * two systemd-analyze checks are skipped with a note.
 */
import assert from "node:assert/strict";

const UNIT = new URL("../systemd/tfedge.service", import.meta.url).pathname;
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
  assert.equal(only(pairs, "Wants"), "network-online.target brickd.service");
  assert.equal(only(pairs, "StateDirectory"), "tfedge");
  assert.equal(only(pairs, "ConfigurationDirectory"), "tfedge");
  assert.equal(only(pairs, "DynamicUser"), "yes");
  assert.equal(only(pairs, "RestrictAddressFamilies"), "AF_UNIX AF_INET AF_INET6");
  assert.match(only(pairs, "SystemCallFilter"), /@system-service/);
  assert.match(only(pairs, "SystemCallFilter"), /@pkey/, "V8 calls pkey_alloc on x86_64");
  assert.equal(only(pairs, "ExecStart"), "/usr/local/bin/tfedge --config /etc/tfedge/config.json");
  // Every file of the secrets directory reaches the service as a credential `tfedge_<name>`.
  assert.equal(only(pairs, "LoadCredential"), "tfedge:/etc/tfedge/credentials");
  // Not a TFEDGE_*_FILE variable per secret: a missing file would stop the agent, and a
  // token user has no provisioning secret (and the other way round).
  const environment = pairs.filter(([key]) => key === "Environment").map(([, value]) => value);
  assert.ok(environment.every((value) => !value.includes("TFEDGE_")), environment.join(" "));
  assert.equal(only(pairs, "WantedBy"), "multi-user.target");
});

/** Every string value of a JSON document under a key ending in `File`, `_` prefix or not. */
function secretFiles(value: unknown, found: string[] = []): string[] {
  if (typeof value !== "object" || value === null) return found;
  for (const [key, inner] of Object.entries(value)) {
    if (/File$/.test(key) && /secret|password|token/i.test(key) && typeof inner === "string") {
      found.push(inner);
    }
    secretFiles(inner, found);
  }
  return found;
}

Deno.test("tfedge.service and the example config agree on config, secrets and state", async () => {
  const pairs = settings(await Deno.readTextFile(UNIT));
  const config = JSON.parse(await Deno.readTextFile(CONFIG));
  // ExecStart reads its config file from the ConfigurationDirectory.
  const configDir = `/etc/${only(pairs, "ConfigurationDirectory")}/`;
  assert.ok(only(pairs, "ExecStart").includes(`--config ${configDir}config.json`));
  // LoadCredential=ID:DIR names every file F of DIR `ID_F` in /run/credentials/<unit>/.
  const [id, dir] = only(pairs, "LoadCredential").split(":");
  assert.ok(dir.startsWith(configDir), "the secrets live next to the config");
  const files = secretFiles(config);
  assert.ok(files.length >= 4, "token, provisioning secret, broker password, brickd secret");
  for (const file of files) {
    assert.match(file, new RegExp(`^/run/credentials/tfedge\\.service/${id}_[a-z-]+$`));
  }
  // The spool sits in the StateDirectory, the only place the service may write to.
  const stateDir = `/var/lib/${only(pairs, "StateDirectory")}/`;
  assert.ok(String(config.buffer.dir).startsWith(stateDir), config.buffer.dir);
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

Deno.test("the start task runs with the shipped V8 heap cap", async () => {
  const { SHIPPED_V8_FLAGS } = await import("../scripts/v8_flags.ts");
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.ok(
    String(config.tasks.start).includes(`--v8-flags=${SHIPPED_V8_FLAGS}`),
    `deno.json start task lacks --v8-flags=${SHIPPED_V8_FLAGS}`,
  );
});
