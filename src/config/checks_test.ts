import assert from "node:assert/strict";
import { errorLines, resolveOk } from "./config_test_support.ts";

Deno.test("thingsboard: on when a host is set, off with --no-tb; port 8883 with TLS", () => {
  assert.equal(resolveOk().config.thingsboard.enabled, false);
  const on = resolveOk({ argv: ["--tb-host", "tb"] }).config.thingsboard;
  assert.deepEqual([on.enabled, on.host, on.port], [true, "tb", 1883]);
  assert.equal(
    resolveOk({ argv: ["--tb-host", "tb", "--no-tb"] }).config.thingsboard.enabled,
    false,
  );
  assert.equal(
    resolveOk({ env: { TFEDGE_TB_HOST: "tb", TFEDGE_TB: "off" } }).config.thingsboard.enabled,
    false,
  );
  const tls = resolveOk({ argv: ["--tb-host", "tb", "--tb-ca-file", "ca.pem"] }).config.thingsboard;
  assert.equal(tls.port, 8883);
  const x509 = resolveOk({
    argv: ["--tb-host", "tb", "--tb-cert-file", "c", "--tb-key-file", "k"],
  });
  assert.equal(x509.config.thingsboard.port, 8883);
  const explicit = resolveOk({ argv: ["--tb-host", "tb", "--tb-ca-file", "ca", "--tb-port", "1"] });
  assert.equal(explicit.config.thingsboard.port, 1);
});

Deno.test("thingsboard: enabled without a host is an error; settings without one a warning", () => {
  assert.deepEqual(errorLines({ env: { TFEDGE_TB: "true" } }), [
    "thingsboard.enabled (from TFEDGE_TB): needs thingsboard.host (--tb-host)",
  ]);
  assert.deepEqual(resolveOk({ argv: ["--tb-gateway", "--tb-port", "1"] }).warnings, [
    "ThingsBoard is off (no thingsboard.host): ignoring thingsboard.port, thingsboard.gateway",
  ]);
  assert.deepEqual(resolveOk({ argv: ["--tb-gateway", "--no-tb"] }).warnings, []);
});

Deno.test("thingsboard: credential combinations", () => {
  const tb = ["--tb-host", "tb"];
  assert.deepEqual(errorLines({ argv: [...tb, "--tb-password", "pw", "--tb-key-file", "k"] }), [
    "thingsboard.password (from --tb-password): cannot be used without thingsboard.username",
    "thingsboard.keyFile (from --tb-key-file): needs both thingsboard.certFile and " +
    "thingsboard.keyFile (X.509 authentication)",
  ]);
  assert.deepEqual(errorLines({ argv: [...tb, "--tb-tls-insecure", "--tb-provision-key", "k"] }), [
    "thingsboard.tlsInsecure (from --tb-tls-insecure): cannot be used without TLS " +
    "(thingsboard.caFile or certFile)",
    "thingsboard.provisionKey (from --tb-provision-key): needs both thingsboard.provisionKey " +
    "and thingsboard.provisionSecret",
  ]);
  // A secret file that cannot be read is one error, not also a missing partner.
  assert.deepEqual(
    errorLines({
      argv: [...tb, "--tb-provision-key", "k", "--tb-provision-secret-file", "gone"],
    }),
    [
      'thingsboard.provisionSecretFile (from --tb-provision-secret-file): cannot read "gone": ' +
      "no such file",
    ],
  );
  assert.deepEqual(errorLines({ argv: [...tb, "--tb-token", "t", "--tb-claim-duration", "60"] }), [
    "thingsboard.claimDurationMs (from --tb-claim-duration): needs thingsboard.claimSecret " +
    "(--tb-claim-secret)",
  ]);
  // Gateway mode with provisioning is fine.
  const gateway = resolveOk({
    argv: [...tb, "--tb-gateway", "--tb-provision-key", "k", "--tb-provision-secret", "s"],
  });
  assert.equal(gateway.config.thingsboard.gateway, true);
  assert.deepEqual(gateway.warnings, []);
  // Several kinds of credentials: the first one the link uses wins, the others are reported.
  const several = resolveOk({
    argv: [...tb, "--tb-token", "t", "--tb-username", "u", "--tb-provision-key", "k"],
    env: { TFEDGE_TB_PROVISION_SECRET: "s" },
  });
  assert.deepEqual(several.warnings, [
    "ThingsBoard: basic MQTT credentials is not used: an access token is",
    "ThingsBoard: provisioning is not used: an access token is",
  ]);
});

Deno.test("thingsboard: every setting reaches the config", () => {
  const tb = resolveOk({
    argv: [
      "--tb-host=tb",
      "--tb-port=8884",
      "--tb-mqtt-version=5",
      "--tb-client-id=c",
      "--tb-username=u",
      "--tb-password=p",
      "--tb-ca-file=ca",
      "--tb-cert-file=cert",
      "--tb-key-file=key",
      "--tb-tls-insecure",
      "--tb-device-name=dev",
      "--tb-gateway",
      "--tb-claim-secret=cs",
      "--tb-claim-duration=2.5",
    ],
  }).config.thingsboard;
  assert.deepEqual(tb, {
    enabled: true,
    host: "tb",
    port: 8884,
    mqttVersion: 5,
    clientId: "c",
    username: "u",
    password: "p",
    caFile: "ca",
    certFile: "cert",
    keyFile: "key",
    tlsInsecure: true,
    deviceName: "dev",
    gateway: true,
    claimSecret: "cs",
    claimDurationMs: 2500,
  });
});

Deno.test("bridge and ThingsBoard can each be off, not both", () => {
  const noBridge = resolveOk({ argv: ["--no-bridge", "--tb-host", "tb"] }).config;
  assert.deepEqual([noBridge.bridge.enabled, noBridge.thingsboard.enabled], [false, true]);
  assert.deepEqual(errorLines({ argv: ["--no-bridge"] }), [
    "bridge.enabled (from --no-bridge): nothing left to run: ThingsBoard is off too",
  ]);
  assert.deepEqual(
    errorLines({ env: { TFEDGE_BRIDGE: "false", TFEDGE_TB_HOST: "tb" }, argv: ["--no-tb"] }),
    [
      "bridge.enabled (from TFEDGE_BRIDGE): nothing left to run: ThingsBoard is off too",
    ],
  );
});

Deno.test("buffer, telemetry and events settings reach the config", () => {
  const config = resolveOk({
    argv: [
      "--buffer-capacity=5",
      "--buffer-max-bytes=2k",
      "--buffer-overflow=drop-newest",
      "--buffer-dir=/spool",
      "--buffer-fsync=always",
      "--buffer-fsync-interval=0.25",
      "--buffer-window=2",
      "--buffer-batch-size=7",
      "--buffer-high-watermark=0.9",
      "--buffer-low-watermark=0.1",
      "--buffer-slowdown-factor=2.5",
      "--telemetry-interval=1.5",
      "--no-telemetry-callbacks",
      "--events-topic-base=site/a",
      "--status-interval=30",
      "--state-dir=/var/lib/x",
    ],
  }).config;
  assert.deepEqual(config.buffer, {
    capacity: 5,
    maxBytes: 2048,
    overflow: "drop-newest",
    dir: "/spool",
    fsync: "always",
    fsyncIntervalMs: 250,
    window: 2,
    batchSize: 7,
    highWatermark: 0.9,
    lowWatermark: 0.1,
    slowdownFactor: 2.5,
  });
  assert.deepEqual(config.telemetry, { intervalMs: 1500, useCallbacks: false, aliases: {} });
  assert.deepEqual(config.events, { topicBase: "site/a/", statusIntervalMs: 30_000 });
  assert.equal(config.stateDir, "/var/lib/x");
});
