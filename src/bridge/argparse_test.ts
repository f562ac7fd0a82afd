import assert from "node:assert/strict";
import { parseArgs, pyInt } from "./argparse.ts";
import { formatHelp, formatUsage } from "./argparse_help.ts";
import { BRIDGE_ARG_SPEC } from "./options.ts";

type Expectation =
  | { values: Record<string, unknown> }
  | { exitCode: 0; stdout: "help" | "version" }
  | { exitCode: 2; error: string };

/**
 * Command lines run through CPython 3.11's argparse with the reference's
 * parser (same flags, same order); `values` lists what differs from the defaults.
 */
const VECTORS: Array<[string[], Expectation]> = [
  [["-h"], { exitCode: 0, stdout: "help" }],
  [["--foo"], { exitCode: 2, error: "unrecognized arguments: --foo" }],
  [["--foo", "bar", "--baz"], { exitCode: 2, error: "unrecognized arguments: --foo bar --baz" }],
  [["--ipcon-port", "x"], { exitCode: 2, error: "argument --ipcon-port: invalid int value: 'x'" }],
  [["--ipcon-host"], { exitCode: 2, error: "argument --ipcon-host: expected one argument" }],
  [["--ipcon-timeout", "-5"], { values: { "ipcon_timeout": -5 } }],
  [["--ipcon-host", "-x"], { exitCode: 2, error: "argument --ipcon-host: expected one argument" }],
  [["--ipcon-host", "-"], { values: { "ipcon_host": "-" } }],
  [["--ipcon-host", "--"], { exitCode: 2, error: "argument --ipcon-host: expected one argument" }],
  [["--", "x"], { exitCode: 2, error: "unrecognized arguments: -- x" }],
  [["--ipcon-host", "-5"], { values: { "ipcon_host": "-5" } }],
  [["--broker"], {
    exitCode: 2,
    error:
      "ambiguous option: --broker could match --broker-host, --broker-port, --broker-username, --broker-password, --broker-certificate, --broker-tls-secure, --broker-tls-insecure",
  }],
  [["--broker=x"], {
    exitCode: 2,
    error:
      "ambiguous option: --broker=x could match --broker-host, --broker-port, --broker-username, --broker-password, --broker-certificate, --broker-tls-secure, --broker-tls-insecure",
  }],
  [["--deb"], { values: { "debug": true } }],
  [["--debug=x"], { exitCode: 2, error: "argument --debug: ignored explicit argument 'x'" }],
  [["--debug="], { exitCode: 2, error: "argument --debug: ignored explicit argument ''" }],
  [["-hv"], { exitCode: 0, stdout: "help" }],
  [["-vh"], { exitCode: 0, stdout: "version" }],
  [["-x"], { exitCode: 2, error: "unrecognized arguments: -x" }],
  [["-h=foo"], { exitCode: 2, error: "argument -h/--help: ignored explicit argument 'foo'" }],
  [["-vx"], { exitCode: 2, error: "argument -v/--version: ignored explicit argument 'x'" }],
  [["--ipcon-port", " 7 "], { values: { "ipcon_port": 7 } }],
  [["--ipcon-port", "1_000"], { values: { "ipcon_port": 1000 } }],
  [["--ipcon-port", "+5"], { values: { "ipcon_port": 5 } }],
  [["--ipcon-port", "0x10"], {
    exitCode: 2,
    error: "argument --ipcon-port: invalid int value: '0x10'",
  }],
  [["--ipcon-port", "٣"], { values: { "ipcon_port": 3 } }],
  [["--ipcon-port=5"], { values: { "ipcon_port": 5 } }],
  [["--ipcon-port="], { exitCode: 2, error: "argument --ipcon-port: invalid int value: ''" }],
  [["--ipcon-host", "-a b"], { values: { "ipcon_host": "-a b" } }],
  [["-a b"], { exitCode: 2, error: "unrecognized arguments: -a b" }],
  [["--ipcon-host=-x"], { values: { "ipcon_host": "-x" } }],
  [["--foo", "-h"], { exitCode: 0, stdout: "help" }],
  [["--ipcon-port", "x", "-h"], {
    exitCode: 2,
    error: "argument --ipcon-port: invalid int value: 'x'",
  }],
  [["--ipcon-h", "a"], { values: { "ipcon_host": "a" } }],
  [["--init", "x"], { values: { "init_file": "x" } }],
  [["--no"], {
    exitCode: 2,
    error:
      "ambiguous option: --no could match --no-debug, --no-symbolic-response, --no-int64-string-response, --no-init-file",
  }],
  [["--no-init", "x"], { exitCode: 2, error: "unrecognized arguments: x" }],
  [["--ipcon-port", "1.5"], {
    exitCode: 2,
    error: "argument --ipcon-port: invalid int value: '1.5'",
  }],
  [["--ipcon-port", ""], { exitCode: 2, error: "argument --ipcon-port: invalid int value: ''" }],
  [["x"], { exitCode: 2, error: "unrecognized arguments: x" }],
  [["--", "--"], { exitCode: 2, error: "unrecognized arguments: -- --" }],
  [["--", "--debug"], { exitCode: 2, error: "unrecognized arguments: -- --debug" }],
  [["---debug"], { exitCode: 2, error: "unrecognized arguments: ---debug" }],
  [["--debug", "--no-debug"], { values: { "debug": false } }],
  [["-"], { exitCode: 2, error: "unrecognized arguments: -" }],
  [["--ipcon-timeout", "-1.5"], {
    exitCode: 2,
    error: "argument --ipcon-timeout: invalid int value: '-1.5'",
  }],
  [["--ipcon-host", "-1.5"], { values: { "ipcon_host": "-1.5" } }],
  [["--ipcon-host", "-.5"], { values: { "ipcon_host": "-.5" } }],
  [["--ipcon-host", "-1e5"], {
    exitCode: 2,
    error: "argument --ipcon-host: expected one argument",
  }],
  [["-v"], { exitCode: 0, stdout: "version" }],
  [["--version"], { exitCode: 0, stdout: "version" }],
  [["--vers"], { exitCode: 0, stdout: "version" }],
  [["--ipcon-port", "5", "--ipcon-port", "6"], { values: { "ipcon_port": 6 } }],
  [["--init-file", "a", "--no-init-file"], { values: {} }],
  [["--no-init-file", "--init-file", "b"], { values: { "init_file": "b" } }],
  [["--ipcon-host=a=b"], { values: { "ipcon_host": "a=b" } }],
  [["-hx"], { exitCode: 2, error: "argument -h/--help: ignored explicit argument 'x'" }],
  [["--h"], { exitCode: 2, error: "ambiguous option: --h could match --help, --hide-payload" }],
  [["--he"], { exitCode: 0, stdout: "help" }],
  [["-", "x"], { exitCode: 2, error: "unrecognized arguments: - x" }],
  [["--ipcon-timeout=-5"], { values: { "ipcon_timeout": -5 } }],
  [["--ipcon-port", "99999999999"], { values: { "ipcon_port": 99999999999 } }],
  [["--ipcon-port", "٣٤"], { values: { "ipcon_port": 34 } }],
  [["--ipcon-port", "1__0"], {
    exitCode: 2,
    error: "argument --ipcon-port: invalid int value: '1__0'",
  }],
  [["--ipcon-port", "_1"], {
    exitCode: 2,
    error: "argument --ipcon-port: invalid int value: '_1'",
  }],
  [["--ipcon-port", "1_"], {
    exitCode: 2,
    error: "argument --ipcon-port: invalid int value: '1_'",
  }],
  [["--ipcon-port", "- 5"], {
    exitCode: 2,
    error: "argument --ipcon-port: invalid int value: '- 5'",
  }],
  [["--ipcon-port", " 5　"], { values: { "ipcon_port": 5 } }],
  [["--ipcon-port", "𝟓"], { values: { "ipcon_port": 5 } }],
  [["--ipcon-port", "--5"], { exitCode: 2, error: "argument --ipcon-port: expected one argument" }],
  [["--ipcon-port", "007"], { values: { "ipcon_port": 7 } }],
];

const DEFAULTS: Record<string, unknown> = {
  cmdline_file: null,
  ipcon_host: "localhost",
  ipcon_port: 4223,
  ipcon_auth_secret: "",
  ipcon_timeout: 2500,
  broker_host: "localhost",
  broker_port: 1883,
  broker_username: null,
  broker_password: null,
  broker_certificate: null,
  broker_tls_insecure: null,
  global_topic_prefix: "tinkerforge/",
  debug: null,
  symbolic_response: null,
  int64_string_response: null,
  show_payload: null,
  init_file: null,
};

const VERSION_ACTION = BRIDGE_ARG_SPEC.actions.find((action) => action.kind === "version")!;

for (const [argv, expected] of VECTORS) {
  Deno.test(`argparse: ${JSON.stringify(argv)}`, () => {
    const result = parseArgs(BRIDGE_ARG_SPEC, argv);
    if ("values" in expected) {
      assert.ok("namespace" in result, JSON.stringify(result));
      assert.deepEqual(Object.fromEntries(result.namespace), { ...DEFAULTS, ...expected.values });
      return;
    }
    assert.ok(!("namespace" in result));
    assert.equal(result.exitCode, expected.exitCode);
    if ("error" in expected) {
      assert.equal(result.stdout, undefined);
      assert.equal(
        result.stderr,
        formatUsage(BRIDGE_ARG_SPEC) + `tfedge: error: ${expected.error}\n`,
      );
    } else if (expected.stdout === "help") {
      assert.equal(result.stdout, formatHelp(BRIDGE_ARG_SPEC));
    } else {
      assert.equal(result.stdout, (VERSION_ACTION as { version: string }).version + "\n");
    }
  });
}

Deno.test("argparse: the usage of the bridge's flags wraps like argparse's", () => {
  // CPython 3.11 output for the same flags in the same order at 80 columns.
  assert.equal(
    formatUsage(BRIDGE_ARG_SPEC),
    [
      "usage: tfedge [-h] [-v] [--cmdline-file CMDLINE_FILE]",
      "              [--ipcon-host IPCON_HOST] [--ipcon-port IPCON_PORT]",
      "              [--ipcon-auth-secret IPCON_AUTH_SECRET]",
      "              [--ipcon-timeout IPCON_TIMEOUT] [--broker-host BROKER_HOST]",
      "              [--broker-port BROKER_PORT] [--broker-username BROKER_USERNAME]",
      "              [--broker-password BROKER_PASSWORD]",
      "              [--broker-certificate BROKER_CERTIFICATE] [--broker-tls-secure]",
      "              [--broker-tls-insecure]",
      "              [--global-topic-prefix GLOBAL_TOPIC_PREFIX] [--debug]",
      "              [--no-debug] [--symbolic-response] [--no-symbolic-response]",
      "              [--int64-string-response] [--no-int64-string-response]",
      "              [--show-payload] [--hide-payload] [--init-file INIT_FILE]",
      "              [--no-init-file]",
      "",
    ].join("\n"),
  );
});

Deno.test("pyInt follows Python's int()", () => {
  const cases: Array<[string, number | undefined]> = [
    ["0", 0],
    ["-5", -5],
    ["+5", 5],
    [" 7 ", 7],
    ["\t7\n", 7],
    ["1_000", 1000],
    ["007", 7],
    ["\u0663\u0664", 34],
    ["\u{1d7d3}", 5],
    ["\u00a05\u3000", 5],
    ["", undefined],
    [" ", undefined],
    ["-", undefined],
    ["0x10", undefined],
    ["1.5", undefined],
    ["1e3", undefined],
    ["1__0", undefined],
    ["_1", undefined],
    ["1_", undefined],
    ["- 5", undefined],
    ["--5", undefined],
    ["5\u200b", undefined],
    ["9".repeat(4300), Number("9".repeat(4300))],
    ["9".repeat(4301), undefined],
  ];
  for (const [text, value] of cases) assert.equal(pyInt(text), value, JSON.stringify(text));
});

Deno.test("argparse: append options collect every value, options in groups parse", () => {
  const spec = {
    prog: "demo",
    description: "",
    actions: [],
    groups: [{
      title: "g",
      actions: [
        {
          kind: "store" as const,
          flags: ["--tag"],
          dest: "tag",
          type: "str" as const,
          append: true,
          help: "",
        },
        { kind: "store_const" as const, flags: ["--flag"], dest: "flag", const: true, help: "" },
      ],
    }],
  };
  const parsed = parseArgs(spec, ["--tag", "a", "--fl", "--tag=b"]);
  assert.ok("namespace" in parsed);
  assert.deepEqual(parsed.namespace.get("tag"), ["a", "b"]);
  assert.equal(parsed.namespace.get("flag"), true);
  const none = parseArgs(spec, []);
  assert.ok("namespace" in none && none.namespace.get("tag") === null);
});
