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

const EXAMPLE = new URL("../../systemd/tfedge.example.json", import.meta.url);
const CREDENTIALS = "/run/credentials/tfedge.service/tfedge_";

Deno.test("the shipped example config (systemd/tfedge.example.json) is valid as installed", () => {
  const resolved = resolveOk({
    files: { "config.json": Deno.readFileSync(EXAMPLE) },
    argv: ["--config", "config.json"],
  });
  assert.deepEqual(resolved.warnings, []);
  assert.equal(resolved.config.bridge.enabled, true);
  assert.equal(resolved.config.thingsboard.enabled, false, "off until a host is set");
  assert.equal(resolved.config.buffer.dir, "/var/lib/tfedge/spool");
});

/** The example with every `_key` (except `_comment`) turned into `key`, recursively. */
function uncommented(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map((
      [key, inner],
    ) => [key === "_comment" ? key : key.replace(/^_/, ""), uncommented(inner)]),
  );
}

Deno.test("the example's commented-out settings are valid once enabled", () => {
  const example = uncommented(JSON.parse(new TextDecoder().decode(Deno.readFileSync(EXAMPLE))));
  const resolved = resolveOk({
    files: {
      "config.json": example as object,
      [`${CREDENTIALS}tb-token`]: "token\n",
      [`${CREDENTIALS}tb-provision-secret`]: "provision-secret\n",
      [`${CREDENTIALS}broker-password`]: "broker-password\n",
      [`${CREDENTIALS}brickd-secret`]: "brickd-secret\n",
      [`${CREDENTIALS}tb-claim-secret`]: "claim-secret\n",
    },
    argv: ["--config", "config.json"],
  });
  assert.deepEqual(resolved.warnings, [
    "ThingsBoard: provisioning is not used: an access token is",
  ]);
  const { thingsboard, bridge, telemetry } = resolved.config;
  assert.equal(thingsboard.enabled, true);
  assert.equal(thingsboard.port, 8883, "TLS with caFile");
  assert.equal(thingsboard.accessToken, "token");
  assert.equal(thingsboard.provisionSecret, "provision-secret");
  assert.deepEqual([thingsboard.claimSecret, thingsboard.claimDurationMs], [
    "claim-secret",
    86_400_000,
  ]);
  assert.equal(bridge.options.brokerPassword, "broker-password");
  assert.equal(bridge.options.ipconAuthSecret, "brickd-secret");
  assert.deepEqual(telemetry.aliases, { ZQv: "greenhouse" });
});
