import assert from "node:assert/strict";
import { formatCheckConfig, REDACTED } from "./check_config.ts";
import { resolveOk } from "./config_test_support.ts";

Deno.test("--check-config: the effective config in the file's layout, sources, warnings", () => {
  const resolved = resolveOk({
    files: { "tfedge.json": { thingsboard: { host: "tb.example" }, buffer: { dir: "/spool" } } },
    env: { TFEDGE_TB_TOKEN: "t0ken", TFEDGE_CONFIG: "tfedge.json", TFEDGE_X: "1" },
    argv: ["--check-config", "--alias", "ZQv=shed", "--debug", "--tb-port", "8883"],
  });
  assert.equal(resolved.checkOnly, true);
  const output = formatCheckConfig(resolved);
  assert.ok(output.endsWith("}\n"));
  const parsed = JSON.parse(output);
  assert.deepEqual(Object.keys(parsed), ["config", "sources", "warnings"]);
  assert.deepEqual(Object.keys(parsed.config), [
    "bridge",
    "thingsboard",
    "telemetry",
    "buffer",
    "events",
    "stateDir",
  ]);
  assert.equal(Object.keys(parsed.config.bridge)[0], "enabled");
  assert.equal(parsed.config.bridge.debug, true);
  assert.deepEqual(parsed.config.thingsboard, {
    enabled: true,
    host: "tb.example",
    port: 8883,
    mqttVersion: 4,
    accessToken: REDACTED,
    tlsInsecure: false,
    gateway: false,
  });
  assert.equal(parsed.config.buffer.dir, "/spool");
  assert.equal(parsed.config.telemetry.intervalMs, 10_000);
  assert.deepEqual(parsed.sources, {
    "bridge.debug": "flag --debug",
    "buffer.dir": "file tfedge.json",
    "telemetry.aliases.ZQv": "flag --alias",
    "thingsboard.accessToken": "env TFEDGE_TB_TOKEN",
    "thingsboard.host": "file tfedge.json",
    "thingsboard.port": "flag --tb-port",
  });
  assert.deepEqual(parsed.warnings, ["Ignoring unknown environment variable TFEDGE_X"]);
  assert.ok(!output.includes("t0ken"));
});

Deno.test("--check-config output is a valid config file that gives the same config", () => {
  for (const argv of [["--tb-host", "tb", "--buffer-max-bytes", "1M", "--alias", "ZQv=x"], []]) {
    const first = resolveOk({ argv });
    const { config } = JSON.parse(formatCheckConfig(first));
    const again = resolveOk({ files: { c: config }, argv: ["--config", "c"] });
    assert.deepEqual(again.config, first.config);
  }
});

Deno.test("the shipped example config (systemd/tfedge.example.json) is valid", () => {
  const example = Deno.readFileSync(new URL("../../systemd/tfedge.example.json", import.meta.url));
  const resolved = resolveOk({
    files: { "tfedge.json": example, "/etc/tfedge/thingsboard.token": "token\n" },
    argv: ["--config", "tfedge.json"],
  });
  assert.deepEqual(resolved.warnings, []);
  assert.equal(resolved.config.thingsboard.port, 8883);
  assert.equal(resolved.config.thingsboard.accessToken, "token");
});
