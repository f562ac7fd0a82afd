import assert from "node:assert/strict";
import { parseCliArgs } from "./main.ts";

Deno.test("parseCliArgs: defaults and options", () => {
  assert.deepEqual(parseCliArgs([]), {
    port: 4223,
    host: "127.0.0.1",
    config: undefined,
    secretFile: undefined,
    seed: undefined,
    help: false,
  });
  assert.deepEqual(
    parseCliArgs([
      "--port",
      "0",
      "--host",
      "::1",
      "--config",
      "c.json",
      "--secret-file",
      "s",
      "--seed",
      "3",
    ]),
    { port: 0, host: "::1", config: "c.json", secretFile: "s", seed: 3, help: false },
  );
  assert.equal(parseCliArgs(["-h"]).help, true);
});

Deno.test("parseCliArgs: bad arguments give clear errors", () => {
  assert.throws(
    () => parseCliArgs(["--port", "70000"]),
    /--port must be an integer in 0..65535, got "70000"/,
  );
  assert.throws(() => parseCliArgs(["--port", "12a"]), /--port must be an integer/);
  assert.throws(() => parseCliArgs(["--verbose"]), /Unknown option '--verbose'[\s\S]*Usage:/);
  assert.throws(() => parseCliArgs(["extra"]), TypeError);
});
