/**
 * tinkerforge_mqtt's command lines give the bridge the same options and the same exits
 * through the agent's parser as through the bridge's own (`parseBridgeArgs`).
 */
import assert from "node:assert/strict";
import { formatHelp, formatUsage } from "../bridge/argparse_help.ts";
import { parseBridgeArgs } from "../bridge/options.ts";
import { AGENT_ARG_SPEC } from "./args.ts";
import { errorLines, memoryFiles, resolveExit, resolveOk } from "./config_test_support.ts";
import { resolveAgentConfig } from "./load.ts";

const COMMAND_LINES: string[][] = [
  [],
  [
    "--ipcon-host=brickd",
    "--ipcon-port",
    "4224",
    "--ipcon-auth-secret",
    "s3cret",
    "--ipcon-timeout",
    "100",
    "--broker-host",
    "mqtt",
    "--broker-port",
    "8883",
    "--broker-username",
    "u",
    "--broker-password",
    "p",
    "--broker-certificate",
    "ca.pem",
    "--broker-tls-insecure",
    "--global-topic-prefix",
    "x/y",
    "--debug",
    "--no-symbolic-response",
    "--int64-string-response",
    "--show-payload",
    "--init-file",
    "init.json",
  ],
  ["--debug", "--no-debug"],
  ["--hide-payload", "--show-payload"],
  ["--init-file", "a", "--no-init-file"],
  ["--no-init-file", "--init-file", "b"],
  ["--broker-certificate", "ca", "--broker-tls-insecure", "--broker-tls-secure"],
  ["--ipcon-timeout", "-5"],
  ["--ipcon-timeout=-5"],
  ["--broker-username", ""],
  ["--global-topic-prefix", ""],
  ["--global-topic-prefix", "cf/with space"],
  ["--deb", "--ipcon-h", "h"],
  ["--ipcon-port", " 4_223 "],
];

for (const argv of COMMAND_LINES) {
  Deno.test(`agent parser, bridge options ${JSON.stringify(argv)}`, () => {
    const bridge = parseBridgeArgs(argv);
    assert.ok("options" in bridge);
    assert.deepEqual(resolveOk({ argv }).config.bridge.options, bridge.options);
  });
}

Deno.test("agent parser: tinkerforge_mqtt's usage errors, with the agent's usage", () => {
  const cases: string[][] = [
    ["--foo"],
    ["--ipcon-port", "x"],
    ["--ipcon-host"],
    ["--broker-password", "p"],
    ["--broker-password", "x", "--broker-tls-insecure"],
    ["--broker-tls-secure"],
    ["--global-topic-prefix", "#", "--broker-tls-secure"],
    ["--debug=1"],
    ["--ipcon-host", "-x"],
  ];
  for (const argv of cases) {
    const bridge = parseBridgeArgs(argv);
    assert.ok("stderr" in bridge && bridge.exitCode === 2, JSON.stringify(argv));
    const message = bridge.stderr!.slice(bridge.stderr!.lastIndexOf("tfedge: error: "));
    assert.deepEqual(resolveExit({ argv }), {
      exitCode: 2,
      stderr: formatUsage(AGENT_ARG_SPEC) + message,
    }, JSON.stringify(argv));
  }
});

Deno.test("agent parser: prefix exit 33 and cmdline file exit 32 as the bridge's", () => {
  for (const argv of [["--global-topic-prefix", "$SYS"], ["--global-topic-prefix", "a/+"]]) {
    assert.deepEqual(resolveExit({ argv }), parseBridgeArgs(argv));
    assert.equal(resolveExit({ argv }).exitCode, 33);
  }
  const cases: Array<Record<string, string | Uint8Array>> = [
    {},
    { f: "'open" },
    { f: new Uint8Array([0xc3, 0x28]) },
  ];
  for (const contents of cases) {
    const argv = ["--cmdline-file", "f"];
    const files = memoryFiles(contents);
    assert.deepEqual(
      resolveAgentConfig({ argv, env: {}, readFile: files.readFile }),
      parseBridgeArgs(argv, { readFile: files.readFile }),
    );
  }
});

Deno.test("agent parser: the cmdline file may hold agent options; argv wins", () => {
  const files = { f: "--tb-host tb # the cloud\n--ipcon-port 1\n--alias ZQv=shed\n" };
  const config = resolveOk({ files, argv: ["--cmdline-file", "f", "--ipcon-port", "2"] }).config;
  assert.equal(config.thingsboard.host, "tb");
  assert.equal(config.bridge.options.ipconPort, 2);
  assert.deepEqual(config.telemetry.aliases, { ZQv: "shed" });
});

Deno.test("agent parser: -h prints the agent's help, -v the bridge's version", () => {
  assert.deepEqual(resolveExit({ argv: ["-h"] }), {
    exitCode: 0,
    stdout: formatHelp(AGENT_ARG_SPEC),
  });
  assert.deepEqual(resolveExit({ argv: ["--help"], columns: 60 }), {
    exitCode: 0,
    stdout: formatHelp(AGENT_ARG_SPEC, 60),
  });
  assert.deepEqual(resolveExit({ argv: ["--version"] }), parseBridgeArgs(["--version"]));
  // Help and version come first, as in argparse: no file is read, nothing is checked.
  assert.equal(resolveExit({ argv: ["--tb-port", "x", "-h"] }).exitCode, 0);
});

Deno.test("agent parser: new flags make some abbreviations ambiguous", () => {
  const exit = resolveExit({ argv: ["--ipcon-auth", "x"] });
  assert.match(
    exit.stderr!,
    /tfedge: error: ambiguous option: --ipcon-auth could match --ipcon-auth-secret, --ipcon-auth-secret-file\n$/,
  );
});

Deno.test("bridge checks: the same mistakes outside the command line are listed", () => {
  assert.deepEqual(errorLines({ env: { TFEDGE_BROKER_PASSWORD: "p" } }), [
    "bridge.brokerPassword (from TFEDGE_BROKER_PASSWORD): cannot be used without bridge.brokerUsername",
  ]);
  assert.deepEqual(
    errorLines({
      files: { c: { bridge: { brokerTlsInsecure: true, globalTopicPrefix: "$x" } } },
      argv: ["--config", "c"],
    }),
    [
      "bridge.brokerTlsInsecure (from c): cannot be used without bridge.brokerCertificate",
      "bridge.globalTopicPrefix (from c): Global topic prefix invalid: '$x/' starts with the " +
      "reserved character '$'. (MQTT-4.7.2-1)",
    ],
  );
  // A flag's mistake ends the run the reference's way, even when the file has others.
  assert.equal(
    resolveExit({ env: { TFEDGE_BROKER_PASSWORD: "p" }, argv: ["--broker-tls-secure"] }).stderr,
    formatUsage(AGENT_ARG_SPEC) +
      "tfedge: error: --broker-tls-[in]secure cannot be used without --broker-certificate\n",
  );
  // Values from several places combine: the file's username covers the flag's password.
  const config = resolveOk({
    files: { c: { bridge: { brokerUsername: "u" } } },
    env: { TFEDGE_CONFIG: "c" },
    argv: ["--broker-password", "p"],
  }).config;
  assert.equal(config.bridge.options.brokerUsername, "u");
  assert.equal(config.bridge.options.brokerPassword, "p");
});
