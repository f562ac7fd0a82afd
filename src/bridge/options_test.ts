import assert from "node:assert/strict";
import { pyRepr } from "../calls/py_json.ts";
import { VERSION } from "../version.ts";
import { formatHelp, formatUsage } from "./argparse_help.ts";
import { BRIDGE_ARG_SPEC, type BridgeOptions, parseBridgeArgs } from "./options.ts";

const DEFAULTS: BridgeOptions = {
  ipconHost: "localhost",
  ipconPort: 4223,
  ipconAuthSecret: "",
  ipconTimeoutMs: 2500,
  brokerHost: "localhost",
  brokerPort: 1883,
  brokerTlsInsecure: false,
  globalTopicPrefix: "tinkerforge/",
  debug: false,
  symbolicResponse: true,
  int64StringResponse: false,
  showPayload: false,
};

const encoder = new TextEncoder();

/** A readFile over an in-memory file set; missing names fail like Deno does. */
function files(contents: Record<string, string | Uint8Array>) {
  const reads: string[] = [];
  const readFile = (path: string): Uint8Array => {
    reads.push(path);
    const content = contents[path];
    if (content === undefined) {
      throw new Deno.errors.NotFound(`No such file or directory (os error 2): readfile '${path}'`);
    }
    return typeof content === "string" ? encoder.encode(content) : content;
  };
  return { readFile, reads };
}

function usageError(message: string) {
  return { exitCode: 2, stderr: formatUsage(BRIDGE_ARG_SPEC) + `tfedge: error: ${message}\n` };
}

/** [argv, options that differ from the defaults] */
const RESOLVED: Array<[string[], Partial<BridgeOptions>]> = [
  [[], {}],
  [
    [
      "--ipcon-host",
      "brickd",
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
    {
      ipconHost: "brickd",
      ipconPort: 4224,
      ipconAuthSecret: "s3cret",
      ipconTimeoutMs: 100,
      brokerHost: "mqtt",
      brokerPort: 8883,
      brokerUsername: "u",
      brokerPassword: "p",
      brokerCertificate: "ca.pem",
      brokerTlsInsecure: true,
      globalTopicPrefix: "x/y/",
      debug: true,
      symbolicResponse: false,
      int64StringResponse: true,
      showPayload: true,
      initFile: "init.json",
    },
  ],
  // Paired flags: the last one wins.
  [["--debug", "--no-debug"], {}],
  [["--no-symbolic-response", "--symbolic-response"], {}],
  [["--int64-string-response", "--no-int64-string-response"], {}],
  [["--show-payload", "--hide-payload"], {}],
  [["--hide-payload", "--show-payload"], { showPayload: true }],
  [["--init-file", "a", "--no-init-file"], {}],
  [["--no-init-file", "--init-file", "b"], { initFile: "b" }],
  [["--broker-certificate", "ca", "--broker-tls-insecure", "--broker-tls-secure"], {
    brokerCertificate: "ca",
  }],
  // Negative timeouts parse; the runtime refuses them (exit 24) like the reference.
  [["--ipcon-timeout", "-5"], { ipconTimeoutMs: -5 }],
  [["--ipcon-timeout=-5"], { ipconTimeoutMs: -5 }],
  [["--broker-username", ""], { brokerUsername: "" }],
  [["--global-topic-prefix", ""], { globalTopicPrefix: "" }],
  [["--global-topic-prefix", "/"], { globalTopicPrefix: "/" }],
  [["--global-topic-prefix", "cf/with space"], { globalTopicPrefix: "cf/with space/" }],
  [["--deb", "--ipcon-h", "h"], { debug: true, ipconHost: "h" }],
];

for (const [argv, changes] of RESOLVED) {
  Deno.test(`parseBridgeArgs ${JSON.stringify(argv)}`, () => {
    assert.deepEqual(parseBridgeArgs(argv, files({})), { options: { ...DEFAULTS, ...changes } });
  });
}

Deno.test("parseBridgeArgs: help and version go to stdout with exit 0", () => {
  assert.deepEqual(parseBridgeArgs(["-h"]), { exitCode: 0, stdout: formatHelp(BRIDGE_ARG_SPEC) });
  const version = `tfedge ${VERSION} (compatible with tinkerforge_mqtt 2.0.17)\n`;
  assert.deepEqual(parseBridgeArgs(["-v"]), { exitCode: 0, stdout: version });
  assert.deepEqual(parseBridgeArgs(["--version"]), { exitCode: 0, stdout: version });
  assert.match(formatHelp(BRIDGE_ARG_SPEC), /^usage: tfedge \[-h\] \[-v\]/);
});

Deno.test("parseBridgeArgs: usage errors", () => {
  const cases: Array<[string[], string]> = [
    [["--foo"], "unrecognized arguments: --foo"],
    [["--ipcon-port", "x"], "argument --ipcon-port: invalid int value: 'x'"],
    [["--ipcon-host"], "argument --ipcon-host: expected one argument"],
    [["--broker-password", "p"], "--broker-password cannot be used without --broker-username"],
    // The password check comes first.
    [
      ["--broker-password", "x", "--broker-tls-insecure"],
      "--broker-password cannot be used without --broker-username",
    ],
    [
      ["--broker-tls-secure"],
      "--broker-tls-[in]secure cannot be used without --broker-certificate",
    ],
    [
      ["--broker-tls-insecure"],
      "--broker-tls-[in]secure cannot be used without --broker-certificate",
    ],
    // Usage errors come before the prefix check.
    [
      ["--global-topic-prefix", "#", "--broker-tls-secure"],
      "--broker-tls-[in]secure cannot be used without --broker-certificate",
    ],
  ];
  for (const [argv, message] of cases) {
    assert.deepEqual(parseBridgeArgs(argv), usageError(message), JSON.stringify(argv));
  }
});

Deno.test("parseBridgeArgs: an invalid topic prefix prints one line, exit 33", () => {
  const cases: Array<[string, string]> = [
    [
      "a/#",
      "Global topic prefix invalid: 'a/#/' contains the wildcard character '#'. (MQTT-4.7.1-1)",
    ],
    ["+", "Global topic prefix invalid: '+/' contains the wildcard character '+'. (MQTT-4.7.1-1)"],
    [
      "$SYS",
      "Global topic prefix invalid: '$SYS/' starts with the reserved character '$'. (MQTT-4.7.2-1)",
    ],
  ];
  for (const [prefix, line] of cases) {
    assert.deepEqual(parseBridgeArgs(["--global-topic-prefix", prefix]), {
      exitCode: 33,
      stdout: line + "\n",
    });
  }
});

Deno.test("parseBridgeArgs: cmdline file words come before argv", () => {
  const io = files({ f: "--ipcon-port 1 # the port\n--debug\n# --show-payload\n" });
  assert.deepEqual(parseBridgeArgs(["--cmdline-file", "f"], io), {
    options: { ...DEFAULTS, ipconPort: 1, debug: true },
  });
  assert.deepEqual(parseBridgeArgs(["--cmdline-file", "f", "--ipcon-port", "2"], io), {
    options: { ...DEFAULTS, ipconPort: 2, debug: true },
  });
  assert.deepEqual(io.reads, ["f", "f"]);
});

Deno.test("parseBridgeArgs: cmdline file quoting, CRLF lines, and no nested file", () => {
  const io = files({
    f: '--ipcon-host \'my host\'\r\n--broker-host "b\\"x"\r--cmdline-file g\r\n',
  });
  assert.deepEqual(parseBridgeArgs(["--cmdline-file", "f"], io), {
    options: { ...DEFAULTS, ipconHost: "my host", brokerHost: 'b"x' },
  });
  assert.deepEqual(io.reads, ["f"]);
});

Deno.test("parseBridgeArgs: the cmdline file is parsed like argv", () => {
  assert.deepEqual(
    parseBridgeArgs(["--cmdline-file", "f"], files({ f: "-h" })),
    { exitCode: 0, stdout: formatHelp(BRIDGE_ARG_SPEC) },
  );
  assert.deepEqual(
    parseBridgeArgs(["--cmdline-file", "f"], files({ f: "--bogus" })),
    usageError("unrecognized arguments: --bogus"),
  );
  assert.deepEqual(
    parseBridgeArgs(["--cmdline-file", "f"], files({ f: "--broker-password x" })),
    usageError("--broker-password cannot be used without --broker-username"),
  );
});

Deno.test("parseBridgeArgs: argv errors come before reading the cmdline file", () => {
  const io = files({});
  assert.deepEqual(
    parseBridgeArgs(["--cmdline-file", "f", "--ipcon-port"], io),
    usageError("argument --ipcon-port: expected one argument"),
  );
  assert.deepEqual(io.reads, []);
});

Deno.test("parseBridgeArgs: unreadable cmdline files, exit 32", () => {
  const cases: Array<[Record<string, string | Uint8Array>, string]> = [
    [{}, "[Errno 2] No such file or directory: 'f'"],
    [{ f: "'open" }, "No closing quotation"],
    [{ f: "--x \\" }, "No escaped character"],
    [
      { f: new Uint8Array([0x2d, 0xc3, 0x28]) },
      "'utf-8' codec can't decode byte 0xc3 in position 1: invalid continuation byte",
    ],
  ];
  for (const [contents, error] of cases) {
    assert.deepEqual(parseBridgeArgs(["--cmdline-file", "f"], files(contents)), {
      exitCode: 32,
      stdout: `Could not read cmdline file: ${error}\n`,
    });
  }
});

Deno.test("parseBridgeArgs: cmdline file from disk", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/tfedge.cmdline`;
    Deno.writeTextFileSync(path, "## options\n--broker-port 1884\n#--debug\n");
    assert.deepEqual(parseBridgeArgs(["--cmdline-file", path]), {
      options: { ...DEFAULTS, brokerPort: 1884 },
    });
    assert.deepEqual(parseBridgeArgs(["--cmdline-file", dir]), {
      exitCode: 32,
      stdout: `Could not read cmdline file: [Errno 21] Is a directory: ${pyRepr(dir)}\n`,
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("parseBridgeArgs: help follows the terminal width", () => {
  const narrow = parseBridgeArgs(["-h"], { columns: 60 });
  assert.ok("stdout" in narrow && narrow.stdout === formatHelp(BRIDGE_ARG_SPEC, 60));
  assert.notEqual(formatHelp(BRIDGE_ARG_SPEC, 60), formatHelp(BRIDGE_ARG_SPEC, 80));
});
