import assert from "node:assert/strict";
import { formatHelp } from "../bridge/argparse_help.ts";
import { BRIDGE_ARGS, parseBridgeArgs } from "../bridge/options.ts";
import { AGENT_ARG_SPEC } from "./args.ts";
import { resolveOk } from "./config_test_support.ts";
import { type AgentConfig, envName, optionFlags, OPTIONS, OPTIONS_BY_PATH } from "./schema.ts";
import { parseJson } from "./values.ts";

const BRIDGE_DEFAULTS = (() => {
  const parsed = parseBridgeArgs([]);
  assert.ok("options" in parsed);
  return parsed.options;
})();

/** The defaults of AGENT_DESIGN.md. */
const DEFAULT_CONFIG: AgentConfig = {
  bridge: { enabled: true, options: BRIDGE_DEFAULTS },
  thingsboard: {
    enabled: false,
    host: "",
    port: 1883,
    mqttVersion: 4,
    tlsInsecure: false,
    gateway: false,
  },
  telemetry: { intervalMs: 10_000, useCallbacks: true, aliases: {} },
  buffer: {
    capacity: 100_000,
    maxBytes: 16 * 1024 * 1024,
    overflow: "drop-oldest",
    fsync: "interval",
    fsyncIntervalMs: 1000,
    window: 10,
    batchSize: 50,
    highWatermark: 0.8,
    lowWatermark: 0.5,
    slowdownFactor: 4,
  },
  events: { topicBase: "tfedge/", statusIntervalMs: 60_000 },
  stateDir: "./state",
};

Deno.test("schema: paths, flags and environment variables are unique", () => {
  const paths = OPTIONS.map((option) => option.path);
  assert.equal(new Set(paths).size, paths.length);
  const flags = OPTIONS.flatMap(optionFlags);
  assert.equal(new Set(flags).size, flags.length);
  const names = OPTIONS.map(envName);
  assert.equal(new Set(names).size, names.length);
  assert.ok(!names.includes("TFEDGE_CONFIG"));
});

Deno.test("schema: environment variables derive from the first flag, without no-", () => {
  const expected: Record<string, string> = {
    "thingsboard.host": "TFEDGE_TB_HOST",
    "thingsboard.accessTokenFile": "TFEDGE_TB_TOKEN_FILE",
    "thingsboard.enabled": "TFEDGE_TB",
    "bridge.enabled": "TFEDGE_BRIDGE",
    "bridge.ipconHost": "TFEDGE_IPCON_HOST",
    "bridge.ipconTimeoutMs": "TFEDGE_IPCON_TIMEOUT",
    "bridge.brokerTlsInsecure": "TFEDGE_BROKER_TLS_INSECURE",
    "bridge.debug": "TFEDGE_DEBUG",
    "bridge.showPayload": "TFEDGE_SHOW_PAYLOAD",
    "bridge.initFile": "TFEDGE_INIT_FILE",
    "bridge.brokerPasswordFile": "TFEDGE_BROKER_PASSWORD_FILE",
    "telemetry.useCallbacks": "TFEDGE_TELEMETRY_CALLBACKS",
    "telemetry.aliases": "TFEDGE_ALIAS",
    "buffer.fsyncIntervalMs": "TFEDGE_BUFFER_FSYNC_INTERVAL",
    "events.statusIntervalMs": "TFEDGE_STATUS_INTERVAL",
    stateDir: "TFEDGE_STATE_DIR",
  };
  for (const [path, name] of Object.entries(expected)) {
    assert.equal(envName(OPTIONS_BY_PATH.get(path)!), name, path);
  }
});

Deno.test("schema: every tinkerforge_mqtt option is in the table, with its flags", () => {
  const bridgeFlags = BRIDGE_ARGS
    .filter((action) => action.kind === "store" || action.kind === "store_const")
    .flatMap((action) => action.flags)
    .filter((flag) => flag !== "--cmdline-file");
  const tableFlags = OPTIONS.filter((option) => option.bridgeDest !== undefined)
    .flatMap(optionFlags);
  assert.deepEqual([...tableFlags].sort(), [...bridgeFlags].sort());
  for (const option of OPTIONS.filter((option) => option.bridgeDest !== undefined)) {
    const key = option.path.slice("bridge.".length);
    assert.ok(key in BRIDGE_DEFAULTS || option.default === undefined, key);
  }
});

Deno.test("schema: the agent's flags are the issue's", () => {
  const flags = new Set(OPTIONS.flatMap(optionFlags));
  const wanted = [
    "--no-bridge",
    "--tb-host",
    "--tb-port",
    "--tb-mqtt-version",
    "--tb-token",
    "--tb-token-file",
    "--tb-client-id",
    "--tb-username",
    "--tb-password",
    "--tb-password-file",
    "--tb-ca-file",
    "--tb-cert-file",
    "--tb-key-file",
    "--tb-tls-insecure",
    "--tb-provision-key",
    "--tb-provision-secret",
    "--tb-provision-secret-file",
    "--tb-device-name",
    "--tb-gateway",
    "--tb-claim-secret",
    "--tb-claim-secret-file",
    "--tb-claim-duration",
    "--no-tb",
    "--telemetry-interval",
    "--no-telemetry-callbacks",
    "--alias",
    "--buffer-capacity",
    "--buffer-max-bytes",
    "--buffer-overflow",
    "--buffer-dir",
    "--buffer-fsync",
    "--buffer-fsync-interval",
    "--buffer-window",
    "--buffer-batch-size",
    "--events-topic-base",
    "--status-interval",
    "--state-dir",
    "--ipcon-auth-secret-file",
    "--broker-password-file",
  ];
  for (const flag of wanted) assert.ok(flags.has(flag), flag);
});

Deno.test("schema: help lists every flag of the table, sections and defaults", () => {
  const help = formatHelp(AGENT_ARG_SPEC);
  for (const flag of [...OPTIONS.flatMap(optionFlags), "--config", "--check-config"]) {
    assert.match(help, new RegExp(`\\n  ${flag}[ \\n]`), flag);
  }
  for (const section of ["options", "configuration", "ThingsBoard", "telemetry", "buffer"]) {
    assert.match(help, new RegExp(`\\n${section}:\\n`));
  }
  assert.match(help, /--tb-port PORT\s+ThingsBoard MQTT port \(default: 1883, 8883 with TLS\)/);
  assert.match(help, /sampling interval in seconds \(default: 10\)/);
  assert.match(help, /most bytes kept \(suffixes k, M, G\) \(default: 16M\)/);
  assert.match(help, /--buffer-overflow \{drop-oldest,drop-newest\}/);
  // The bridge's section is tinkerforge_mqtt's, line for line.
  const bridgeOptions = formatHelp({ ...AGENT_ARG_SPEC, groups: [] }).split("options:\n")[1];
  assert.ok(help.includes(bridgeOptions));
});

Deno.test("schema: the defaults are the design's", () => {
  assert.deepEqual(resolveOk().config, DEFAULT_CONFIG);
});

Deno.test("schema: the state directory defaults to systemd's STATE_DIRECTORY", () => {
  assert.equal(
    resolveOk({ env: { STATE_DIRECTORY: "/var/lib/tfedge" } }).config.stateDir,
    "/var/lib/tfedge",
  );
  assert.equal(resolveOk({ env: { STATE_DIRECTORY: "/a:/b" } }).config.stateDir, "/a");
  assert.equal(resolveOk({ env: { STATE_DIRECTORY: "" } }).config.stateDir, "./state");
});

Deno.test("schema: every plain default passes its own option's validation", () => {
  for (const option of OPTIONS) {
    if (option.default === undefined || typeof option.default === "function") continue;
    assert.deepEqual(parseJson(option, option.default), { value: option.default }, option.path);
  }
});

Deno.test("schema: secrets are marked, and secret files point at them", () => {
  const secrets = OPTIONS.filter((option) => option.secret).map((option) => option.path).sort();
  assert.deepEqual(secrets, [
    "bridge.brokerPassword",
    "bridge.ipconAuthSecret",
    "thingsboard.accessToken",
    "thingsboard.claimSecret",
    "thingsboard.password",
    "thingsboard.provisionSecret",
  ]);
  const targets = OPTIONS.filter((option) => option.type === "secretFile")
    .map((option) => option.target!).sort();
  assert.deepEqual(targets, secrets);
});
