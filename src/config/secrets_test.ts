import assert from "node:assert/strict";
import { formatHelp } from "../bridge/argparse_help.ts";
import { AGENT_ARG_SPEC } from "./args.ts";
import { formatCheckConfig } from "./check_config.ts";
import { errorLines, memoryFiles, resolveExit, resolveOk } from "./config_test_support.ts";
import { resolveAgentConfig } from "./load.ts";

const SECRET = "S3CRET-do-not-print";
const TB = ["--tb-host", "tb"];

Deno.test("secret files: read, one trailing newline dropped", () => {
  const token = (content: string) =>
    resolveOk({ files: { t: content }, argv: [...TB, "--tb-token-file", "t"] }).config
      .thingsboard.accessToken;
  assert.equal(token("tok\n"), "tok");
  assert.equal(token("tok\r\n"), "tok");
  assert.equal(token("tok"), "tok");
  assert.equal(token("tok\n\n"), "tok\n");
  assert.equal(token(" tok "), " tok ");
});

Deno.test("secret files: every secret has one, from flag, environment or config file", () => {
  const files = {
    a: "auth\n",
    b: "broker\n",
    c: "claim\n",
    p: "tbpass\n",
    s: "prov\n",
    t: "token\n",
  };
  const fromFlags = resolveOk({
    files,
    argv: [
      ...TB,
      "--ipcon-auth-secret-file=a",
      "--broker-username=u",
      "--broker-password-file=b",
      "--tb-username=u",
      "--tb-password-file=p",
      "--tb-provision-key=k",
      "--tb-provision-secret-file=s",
      "--tb-token-file=t",
      "--tb-claim-secret-file=c",
    ],
  });
  const { bridge, thingsboard } = fromFlags.config;
  assert.equal(thingsboard.claimSecret, "claim");
  assert.deepEqual(
    [bridge.options.ipconAuthSecret, bridge.options.brokerPassword],
    ["auth", "broker"],
  );
  assert.deepEqual(
    [thingsboard.password, thingsboard.provisionSecret, thingsboard.accessToken],
    ["tbpass", "prov", "token"],
  );
  assert.equal(
    fromFlags.sources["thingsboard.accessToken"],
    "file t (named by flag --tb-token-file)",
  );
  const fromEnv = resolveOk({ files, env: { TFEDGE_TB_HOST: "tb", TFEDGE_TB_TOKEN_FILE: "t" } });
  assert.equal(fromEnv.config.thingsboard.accessToken, "token");
  const fromFile = resolveOk({
    files: { ...files, c: { thingsboard: { host: "tb", accessTokenFile: "t" } } },
    argv: ["--config", "c"],
  });
  assert.equal(fromFile.config.thingsboard.accessToken, "token");
  assert.equal(fromFile.sources["thingsboard.accessToken"], "file t (named by file c)");
});

Deno.test("secret files: unreadable or empty is an error naming the file", () => {
  assert.deepEqual(errorLines({ argv: [...TB, "--tb-token-file", "/run/missing"] }), [
    'thingsboard.accessTokenFile (from --tb-token-file): cannot read "/run/missing": no such file',
  ]);
  assert.deepEqual(errorLines({ files: { e: "\n" }, argv: [...TB, "--tb-token-file", "e"] }), [
    'thingsboard.accessTokenFile (from --tb-token-file): "e" is empty',
  ]);
  const binary = new Uint8Array([0x53, 0xff, 0x0a]);
  assert.deepEqual(errorLines({ files: { b: binary }, argv: [...TB, "--tb-token-file", "b"] }), [
    'thingsboard.accessTokenFile (from --tb-token-file): cannot read "b": not UTF-8 text',
  ]);
});

Deno.test("secret files: a secret and its file in one place is an error; across places the later wins", () => {
  assert.deepEqual(
    errorLines({ files: { t: "x" }, argv: [...TB, "--tb-token", "a", "--tb-token-file", "t"] }),
    [
      "thingsboard.accessTokenFile (from --tb-token-file): cannot be used with " +
      "thingsboard.accessToken (from --tb-token); give one",
    ],
  );
  // The environment's file loses to the flag's token, and is not even read.
  const { readFile, reads } = memoryFiles({ t: "from-file" });
  const result = resolveAgentConfig({
    argv: [...TB, "--tb-token", "from-flag"],
    env: { TFEDGE_TB_TOKEN_FILE: "t" },
    readFile,
  });
  assert.ok("config" in result);
  assert.equal(result.config.thingsboard.accessToken, "from-flag");
  assert.deepEqual(reads, []);
  // The environment's file beats the config file's token.
  const env = resolveOk({
    files: { t: "from-file", c: { thingsboard: { host: "tb", accessToken: "from-json" } } },
    env: { TFEDGE_CONFIG: "c", TFEDGE_TB_TOKEN_FILE: "t" },
  });
  assert.equal(env.config.thingsboard.accessToken, "from-file");
});

Deno.test("secrets never appear in help, errors, warnings or --check-config", () => {
  const outputs: string[] = [formatHelp(AGENT_ARG_SPEC)];
  const secretFlags = [
    "--ipcon-auth-secret",
    "--tb-token",
    "--tb-password",
    "--tb-provision-secret",
    "--tb-claim-secret",
  ];
  const good = resolveOk({
    files: { s: SECRET + "\n" },
    argv: [
      ...TB,
      ...secretFlags.flatMap((flag) => [flag, SECRET]),
      "--broker-username=u",
      "--broker-password-file=s",
      "--tb-username=u",
      "--tb-provision-key=k",
      "--check-config",
    ],
  });
  assert.equal(good.config.thingsboard.accessToken, SECRET);
  const check = formatCheckConfig(good);
  assert.equal(check.match(/"\*\*\*"/g)?.length, 6);
  outputs.push(check, ...good.warnings);
  // Mistakes around secrets: wrong types, unknown keys and variables holding them, broken JSON.
  const bad = resolveExit({
    files: {
      c: JSON.stringify({
        thingsboard: { host: "tb", accessToken: 12345, acessToken: SECRET, password: SECRET },
        bridge: { brokerPassword: SECRET },
      }),
    },
    env: { TFEDGE_TB_TOKNE: SECRET, TFEDGE_TB_PROVISION_SECRET: SECRET },
    argv: ["--config", "c", "--tb-token-file", "missing", "--ipcon-auth-secret-file=" + "none"],
  });
  outputs.push(bad.stderr!);
  const broken = resolveExit({ files: { b: `{"a": "${SECRET}" "b"}` }, argv: ["--config", "b"] });
  const unquoted = resolveExit({ files: { b: `{"a": ${SECRET}}` }, argv: ["--config", "b"] });
  outputs.push(broken.stderr!, unquoted.stderr!);
  for (const output of outputs) assert.ok(!output.includes(SECRET), output);
  assert.match(bad.stderr!, /thingsboard\.accessToken \(from c\): expected a string\n/);
  assert.match(bad.stderr!, /unknown key; did you mean "thingsboard.accessToken"\?/);
  assert.match(bad.stderr!, /Ignoring unknown environment variable TFEDGE_TB_TOKNE/);
});

Deno.test("--check-config shows an empty brickd secret as empty (no authentication)", () => {
  const check = JSON.parse(formatCheckConfig(resolveOk({ argv: ["--check-config"] })));
  assert.equal(check.config.bridge.ipconAuthSecret, "");
});
