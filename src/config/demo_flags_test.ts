import assert from "node:assert/strict";
import { memoryFiles, resolveExit, resolveOk } from "./config_test_support.ts";

Deno.test("--demo: a demo request; the file and TFEDGE_* variables are not read", () => {
  const files = memoryFiles({});
  const resolved = resolveOk({
    argv: ["--demo"],
    env: { TFEDGE_CONFIG: "missing.json", TFEDGE_TB_HOST: "tb.example", TFEDGE_NOPE: "1" },
    readFile: files.readFile,
  });
  assert.deepEqual(resolved.demo, {});
  assert.deepEqual(files.reads, []);
  assert.deepEqual(resolved.warnings, []);
  assert.equal(resolved.checkOnly, false);
  assert.equal(resolved.config.thingsboard.enabled, false, "the defaults only");
  assert.deepEqual(resolveOk({ argv: ["--demo", "--demo-seconds", "1.5"] }).demo, { seconds: 1.5 });
  assert.deepEqual(resolveOk({ argv: ["--demo-seconds=2", "--demo"] }).demo, { seconds: 2 });
});

Deno.test("without --demo there is no demo request", () => {
  assert.equal(resolveOk({ argv: ["--tb-host", "tb"] }).demo, undefined);
});

Deno.test("--demo with another option is a usage error naming the option", () => {
  for (
    const [argv, named] of [
      [["--demo", "--tb-host", "tb"], "--tb-host"],
      [["--no-bridge", "--demo"], "--no-bridge"],
      [["--demo", "--no-init-file"], "--no-init-file"],
      [["--demo", "--broker-tls-secure"], "--broker-tls-secure"],
      [["--demo", "--check-config"], "--check-config"],
      [["--demo", "--alias", "ZQv=x"], "--alias"],
    ] as const
  ) {
    const exit = resolveExit({ argv: [...argv] });
    assert.equal(exit.exitCode, 2, argv.join(" "));
    assert.match(exit.stderr ?? "", /^usage: tfedge /);
    assert.ok(
      exit.stderr?.endsWith(
        `tfedge: error: argument --demo: not allowed with ${named} (the demo brings its own ` +
          "settings)\n",
      ),
      exit.stderr ?? "",
    );
  }
});

Deno.test("--demo-seconds: only with --demo, and a number of seconds above 0", () => {
  const alone = resolveExit({ argv: ["--demo-seconds", "3"] });
  assert.equal(alone.exitCode, 2);
  assert.match(alone.stderr ?? "", /argument --demo-seconds: only allowed with --demo\n$/);
  for (const bad of ["0", "-1", "soon", "", "1e9", "Infinity"]) {
    const exit = resolveExit({ argv: ["--demo", "--demo-seconds", bad] });
    assert.equal(exit.exitCode, 2, bad);
    assert.ok(
      exit.stderr?.endsWith(
        "tfedge: error: argument --demo-seconds: expected seconds above 0 and at most 86400, " +
          `got '${bad}'\n`,
      ),
      exit.stderr ?? "",
    );
  }
});

Deno.test("--help lists --demo and --demo-seconds in a demo section", () => {
  const help = resolveExit({ argv: ["--help"], columns: 100 });
  assert.equal(help.exitCode, 0);
  assert.match(help.stdout ?? "", /\ndemo:\n[^]*--demo {2,}run the demo[^]*--demo-seconds SECONDS/);
});
