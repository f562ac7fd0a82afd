/**
 * The configuration as a user meets it: `tfedge --check-config` as a subprocess, with a
 * config file, `TFEDGE_*` variables and flags; all errors at once, exit 2.
 */
import assert from "node:assert/strict";

const MOD = new URL("../mod.ts", import.meta.url).pathname;

/** Runs mod.ts with only the variables a Deno process needs, plus `env`. */
async function tfedge(args: string[], env: Record<string, string> = {}) {
  const keep: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "DENO_CERT"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) keep[name] = value;
  }
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MOD, ...args],
    env: { ...keep, COLUMNS: "80", ...env },
    clearEnv: true,
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

Deno.test("tfedge --check-config with an invalid config: every error on stderr, exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tfedge-config-" });
  try {
    const file = `${dir}/tfedge.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        thingsboard: { host: "tb.example", port: 70000, accessToken: "s3cret-token" },
        buffer: { overflow: "drop-all", windw: 5 },
        telemetry: { aliases: { ZQv: "" } },
      }),
    );
    const result = await tfedge(["--check-config", "--config", file, "--status-interval", "0"], {
      TFEDGE_BUFFER_CAPACITY: "lots",
    });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      "tfedge: invalid configuration (6 errors):\n" +
        `  thingsboard.port (from ${file}): expected an integer 1-65535, got 70000\n` +
        `  buffer.overflow (from ${file}): expected "drop-oldest" or "drop-newest", got ` +
        `"drop-all"\n` +
        `  buffer.windw (from ${file}): unknown key; did you mean "buffer.window"?\n` +
        `  telemetry.aliases (from ${file}): the alias of "ZQv" is empty\n` +
        '  buffer.capacity (from TFEDGE_BUFFER_CAPACITY): expected an integer 1-100000000, got "lots"\n' +
        '  events.statusIntervalMs (from --status-interval): expected seconds 1-86400, got "0"\n',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tfedge --check-config with a valid config prints it, secrets hidden, exit 0", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tfedge-config-" });
  try {
    const token = `${dir}/token`;
    await Deno.writeTextFile(token, "s3cret-token\n");
    await Deno.writeTextFile(`${dir}/c.json`, JSON.stringify({ thingsboard: { host: "tb" } }));
    const result = await tfedge(["--check-config", "--tb-token-file", token, "--tb-gateway"], {
      TFEDGE_CONFIG: `${dir}/c.json`,
      TFEDGE_TELEMETRY_INTERVAL: "2",
      STATE_DIRECTORY: `${dir}/state`,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    assert.ok(!result.stdout.includes("s3cret"));
    const printed = JSON.parse(result.stdout);
    assert.equal(printed.config.thingsboard.accessToken, "***");
    assert.equal(printed.config.thingsboard.gateway, true);
    assert.equal(printed.config.telemetry.intervalMs, 2000);
    assert.equal(printed.config.stateDir, `${dir}/state`);
    assert.deepEqual(printed.sources, {
      "telemetry.intervalMs": "env TFEDGE_TELEMETRY_INTERVAL",
      "thingsboard.accessToken": `file ${token} (named by flag --tb-token-file)`,
      "thingsboard.gateway": "flag --tb-gateway",
      "thingsboard.host": `file ${dir}/c.json`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("tfedge --help lists the agent's sections after tinkerforge_mqtt's options", async () => {
  const result = await tfedge(["--help"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^usage: tfedge /);
  assert.match(result.stdout, /\noptions:\n[^]*--global-topic-prefix GLOBAL_TOPIC_PREFIX/);
  assert.match(result.stdout, /\nThingsBoard:\n[^]*--tb-token-file FILE/);
  assert.match(result.stdout, /\nbuffer:\n[^]*--buffer-dir DIR/);
});
