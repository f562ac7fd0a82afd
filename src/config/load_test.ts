import assert from "node:assert/strict";
import { errorLines, memoryFiles, resolveExit, resolveOk } from "./config_test_support.ts";
import { formatErrors, resolveAgentConfig } from "./load.ts";

Deno.test("load: defaults < file < environment < flags", () => {
  const files = { "c.json": { thingsboard: { host: "file", port: 1001 }, buffer: { window: 3 } } };
  const env = { TFEDGE_CONFIG: "c.json", TFEDGE_TB_PORT: "1002", TFEDGE_BUFFER_WINDOW: "4" };
  const all = resolveOk({ files, env, argv: ["--tb-port", "1003"] });
  assert.equal(all.config.thingsboard.port, 1003);
  assert.equal(all.config.thingsboard.host, "file");
  assert.equal(all.config.buffer.window, 4);
  assert.equal(all.config.buffer.batchSize, 50);
  assert.deepEqual(all.sources, {
    "buffer.window": "env TFEDGE_BUFFER_WINDOW",
    "thingsboard.host": "file c.json",
    "thingsboard.port": "flag --tb-port",
  });
  assert.equal(resolveOk({ files, env }).config.thingsboard.port, 1002);
  assert.equal(
    resolveOk({ files, env: { TFEDGE_CONFIG: "c.json" } }).config.thingsboard.port,
    1001,
  );
});

Deno.test("load: tinkerforge_mqtt's options come from every layer too", () => {
  const files = {
    "c.json": { bridge: { ipconHost: "file-host", brokerPort: 1884, debug: true, initFile: "i" } },
  };
  const env = { TFEDGE_IPCON_HOST: "env-host", TFEDGE_SHOW_PAYLOAD: "true" };
  const options = (argv: string[]) =>
    resolveOk({ files, env, argv: ["--config", "c.json", ...argv] }).config.bridge.options;
  assert.deepEqual(
    [options([]).ipconHost, options([]).brokerPort, options([]).debug, options([]).showPayload],
    ["env-host", 1884, true, true],
  );
  assert.equal(options(["--ipcon-host", "flag-host"]).ipconHost, "flag-host");
  assert.equal(options(["--no-debug"]).debug, false);
  assert.equal(options(["--hide-payload"]).showPayload, false);
  assert.equal(options([]).initFile, "i");
  // --no-init-file overrides the file's init file.
  assert.equal("initFile" in options(["--no-init-file"]), false);
});

Deno.test("load: --config wins over TFEDGE_CONFIG, and only its file is read", () => {
  const { readFile, reads } = memoryFiles({
    "a.json": { stateDir: "/a" },
    "b.json": { stateDir: "/b" },
  });
  const result = resolveAgentConfig({
    argv: ["--config", "b.json"],
    env: { TFEDGE_CONFIG: "a.json" },
    readFile,
  });
  assert.ok("config" in result);
  assert.equal(result.config.stateDir, "/b");
  assert.deepEqual(reads, ["b.json"]);
});

Deno.test("load: a config with 5 mistakes lists 5 errors at once, exit 2", () => {
  const files = {
    "c.json": {
      thingsboard: { host: "tb", prot: 1883, mqttVersion: 3 },
      buffer: { overflow: "drop-all" },
    },
  };
  const exit = resolveExit({
    files,
    argv: ["--config", "c.json", "--telemetry-interval", "fast"],
    env: { TFEDGE_BUFFER_CAPACITY: "-1" },
  });
  assert.equal(exit.exitCode, 2);
  assert.equal(exit.stdout, undefined);
  assert.equal(
    exit.stderr,
    "tfedge: invalid configuration (5 errors):\n" +
      '  thingsboard.prot (from c.json): unknown key; did you mean "thingsboard.port"?\n' +
      "  thingsboard.mqttVersion (from c.json): expected 4 or 5, got 3\n" +
      '  buffer.overflow (from c.json): expected "drop-oldest" or "drop-newest", got "drop-all"\n' +
      '  buffer.capacity (from TFEDGE_BUFFER_CAPACITY): expected an integer 1-100000000, got "-1"\n' +
      '  telemetry.intervalMs (from --telemetry-interval): expected seconds 0.1-86400, got "fast"\n',
  );
});

Deno.test("load: unknown keys suggest the closest known one", () => {
  const lines = (json: object) => errorLines({ files: { c: json }, argv: ["--config", "c"] });
  assert.deepEqual(lines({ bridge: { ipcon_host: "x" } }), [
    'bridge.ipcon_host (from c): unknown key; did you mean "bridge.ipconHost"?',
  ]);
  assert.deepEqual(lines({ thingsboard: { ipconPort: 1 } }), [
    'thingsboard.ipconPort (from c): unknown key; did you mean "bridge.ipconPort"?',
  ]);
  assert.deepEqual(lines({ state_dir: "x" }), [
    'state_dir (from c): unknown key; did you mean "stateDir"?',
  ]);
  assert.deepEqual(lines({ spool: { maxBytes: 1 } }), [
    "spool (from c): unknown section; the sections are bridge, thingsboard, telemetry, buffer, " +
    "events",
  ]);
  assert.deepEqual(lines({ zzz: 1 }), ["zzz (from c): unknown key"]);
  assert.deepEqual(lines({ buffers: { window: 1 } }), [
    'buffers (from c): unknown section; did you mean "buffer"?',
  ]);
  assert.deepEqual(lines({ buffer: 5 }), ["buffer (from c): expected an object"]);
  // Keys starting with "_" are comments.
  assert.equal(
    resolveOk({ files: { c: { _comment: "x", buffer: { _why: 1 } } }, argv: ["--config", "c"] })
      .config.buffer.window,
    10,
  );
});

Deno.test("load: unreadable or malformed config files are one error each, without content", () => {
  const lines = (content: string | Uint8Array | undefined) =>
    errorLines({
      files: content === undefined ? {} : { c: content },
      env: { TFEDGE_CONFIG: "c" },
    });
  assert.deepEqual(lines(undefined), [
    'config file "c" (from TFEDGE_CONFIG): cannot read it: no such file',
  ]);
  assert.deepEqual(lines('{"thingsboard": {"accessToken": "s3cret" "x"}}'), [
    "config file \"c\" (from TFEDGE_CONFIG): not valid JSON: Expected ',' or '}' after property " +
    "value in JSON at position 41 (line 1 column 42)",
  ]);
  const token = lines('{"a": s3cret}');
  assert.equal(token.length, 1);
  assert.doesNotMatch(token[0], /s3cret/);
  assert.deepEqual(lines("[1]"), ['config file "c" (from TFEDGE_CONFIG): expected a JSON object']);
  assert.deepEqual(lines(new Uint8Array([0x7b, 0xff, 0x7d])), [
    'config file "c" (from TFEDGE_CONFIG): cannot read it: not UTF-8 text',
  ]);
  // A byte order mark is fine.
  assert.equal(
    resolveOk({ files: { c: '\uFEFF{"stateDir": "s"}' }, env: { TFEDGE_CONFIG: "c" } }).config
      .stateDir,
    "s",
  );
});

Deno.test("load: unknown TFEDGE_* variables are warnings, with a suggestion", () => {
  const result = resolveOk({
    env: { TFEDGE_TEST_BROKER: "mqtt://x", TFEDGE_TB_HOTS: "x", PATH: "/bin" },
  });
  assert.deepEqual(result.warnings, [
    "Ignoring unknown environment variable TFEDGE_TB_HOTS (did you mean TFEDGE_TB_HOST?)",
    "Ignoring unknown environment variable TFEDGE_TEST_BROKER",
  ]);
  // With errors, the warnings follow them (a typo may explain an error).
  const exit = resolveExit({ env: { TFEDGE_TB_PROT: "1", TFEDGE_TB_PORT: "x" } });
  assert.match(
    exit.stderr!,
    /\ntfedge: warning: Ignoring unknown environment variable TFEDGE_TB_PROT \(did you mean TFEDGE_TB_PORT\?\)\n$/,
  );
});

Deno.test("load: aliases merge per uid across layers", () => {
  const result = resolveOk({
    files: { c: { telemetry: { aliases: { ZQv: "file1", Hum: "file2" } } } },
    env: { TFEDGE_CONFIG: "c", TFEDGE_ALIAS: "Hum=env1,Tmp=env2" },
    argv: ["--alias", "Tmp=flag1", "--alias=Led=flag2"],
  });
  assert.deepEqual(result.config.telemetry.aliases, {
    ZQv: "file1",
    Hum: "env1",
    Tmp: "flag1",
    Led: "flag2",
  });
  assert.equal(result.sources["telemetry.aliases.Tmp"], "flag --alias");
  assert.equal(result.sources["telemetry.aliases.ZQv"], "file c");
  // Two uids under one name would mix their telemetry, also when the names come from two places.
  assert.deepEqual(
    errorLines({ env: { TFEDGE_ALIAS: "ZQv=shed" }, argv: ["--alias", "Hum=shed"] }),
    ['telemetry.aliases (from --alias): "Hum" and "ZQv" have the same alias "shed"'],
  );
});

Deno.test("load: environment values are checked like flags", () => {
  const config = resolveOk({
    env: {
      TFEDGE_TB_HOST: "tb",
      TFEDGE_TB_GATEWAY: "yes",
      TFEDGE_TELEMETRY_INTERVAL: "0.5",
      TFEDGE_BUFFER_MAX_BYTES: "1M",
      TFEDGE_EVENTS_TOPIC_BASE: "site1",
      TFEDGE_TELEMETRY_CALLBACKS: "false",
      TFEDGE_IPCON_PORT: "4224",
    },
  }).config;
  assert.equal(config.thingsboard.gateway, true);
  assert.equal(config.telemetry.intervalMs, 500);
  assert.equal(config.telemetry.useCallbacks, false);
  assert.equal(config.buffer.maxBytes, 1024 * 1024);
  assert.equal(config.events.topicBase, "site1/");
  assert.equal(config.bridge.options.ipconPort, 4224);
  assert.deepEqual(errorLines({ env: { TFEDGE_IPCON_PORT: "x" } }), [
    'bridge.ipconPort (from TFEDGE_IPCON_PORT): expected an integer, got "x"',
  ]);
});

Deno.test("load: --check-config is reported, flags may be abbreviated", () => {
  assert.equal(resolveOk({ argv: ["--check-config"] }).checkOnly, true);
  assert.equal(resolveOk({ argv: [] }).checkOnly, false);
  assert.equal(resolveOk({ argv: ["--tb-ho", "x"] }).config.thingsboard.host, "x");
  assert.equal(resolveOk({ argv: ["--check"] }).checkOnly, true);
});

Deno.test("load: buffer watermarks must be ordered", () => {
  assert.deepEqual(errorLines({ argv: ["--buffer-low-watermark", "0.9"] }), [
    "buffer.lowWatermark (from --buffer-low-watermark): 0.9 must not exceed buffer.highWatermark (0.8)",
  ]);
  assert.deepEqual(errorLines({ env: { TFEDGE_BUFFER_HIGH_WATERMARK: "0.2" } }), [
    "buffer.highWatermark (from TFEDGE_BUFFER_HIGH_WATERMARK): 0.2 must not be below buffer.lowWatermark (0.5)",
  ]);
  const ok = resolveOk({
    argv: ["--buffer-high-watermark", "0.3", "--buffer-low-watermark", "0.3"],
  });
  assert.equal(ok.config.buffer.lowWatermark, 0.3);
});

Deno.test("formatErrors: one error is singular", () => {
  assert.equal(formatErrors(["a: b"]), "tfedge: invalid configuration (1 error):\n  a: b\n");
});
