import assert from "node:assert/strict";
import { BridgeLogger, formatAsctime, formatLogLine, type LogLevel } from "./log.ts";

const AT = new Date(2026, 10, 22, 5, 59, 1, 123); // local time, like Python's asctime

function capture(debug = false) {
  const lines: string[] = [];
  const logger = new BridgeLogger({ debug, sink: (line) => lines.push(line), now: () => AT });
  return { logger, lines };
}

Deno.test("formatAsctime is Python's default asctime", () => {
  assert.equal(formatAsctime(AT), "2026-11-22 05:59:01,123");
  assert.equal(formatAsctime(new Date(2027, 0, 2, 3, 4, 5, 6)), "2027-01-02 03:04:05,006");
});

Deno.test("formatLogLine is '<asctime> <LEVEL> <name>: <message>'", () => {
  assert.equal(
    formatLogLine(AT, "INFO", "MQTT bindings", "Starting Tinkerforge MQTT bindings 2.0.17"),
    "2026-11-22 05:59:01,123 <INFO> MQTT bindings: Starting Tinkerforge MQTT bindings 2.0.17",
  );
});

Deno.test("the default threshold is INFO", () => {
  const { logger, lines } = capture();
  logger.debug("hidden");
  logger.info("i");
  logger.warning("w");
  logger.error("e");
  logger.critical("c");
  assert.deepEqual(lines, [
    "2026-11-22 05:59:01,123 <INFO> MQTT bindings: i",
    "2026-11-22 05:59:01,123 <WARNING> MQTT bindings: w",
    "2026-11-22 05:59:01,123 <ERROR> MQTT bindings: e",
    "2026-11-22 05:59:01,123 <CRITICAL> MQTT bindings: c",
  ]);
  assert.equal(logger.debugEnabled, false);
});

Deno.test("debug lowers the threshold to DEBUG, and can be switched later", () => {
  const { logger, lines } = capture(true);
  assert.equal(logger.debugEnabled, true);
  logger.debug("shown");
  logger.debugEnabled = false;
  logger.debug("hidden");
  assert.deepEqual(lines, ["2026-11-22 05:59:01,123 <DEBUG> MQTT bindings: shown"]);
});

Deno.test("children have their own name and share threshold and sink", () => {
  const { logger, lines } = capture();
  const root = logger.child("root");
  root.critical("timeout cannot be negative");
  logger.debugEnabled = true;
  root.debug("now visible");
  assert.deepEqual(lines, [
    "2026-11-22 05:59:01,123 <CRITICAL> root: timeout cannot be negative",
    "2026-11-22 05:59:01,123 <DEBUG> root: now visible",
  ]);
});

Deno.test("isEnabled compares against the threshold", () => {
  const { logger } = capture();
  const expected: Array<[LogLevel, boolean]> = [
    ["DEBUG", false],
    ["INFO", true],
    ["WARNING", true],
    ["ERROR", true],
    ["CRITICAL", true],
  ];
  for (const [level, enabled] of expected) assert.equal(logger.isEnabled(level), enabled, level);
});

Deno.test("messages are written as they are, newlines included", () => {
  const { logger, lines } = capture(true);
  logger.debug("\n");
  assert.deepEqual(lines, ["2026-11-22 05:59:01,123 <DEBUG> MQTT bindings: \n"]);
});

Deno.test("the default sink writes the line to stderr", async () => {
  const script = 'import { BridgeLogger } from "' + new URL("./log.ts", import.meta.url).href +
    '"; new BridgeLogger().warning("to stderr");';
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0);
  assert.equal(new TextDecoder().decode(output.stdout), "");
  assert.match(
    new TextDecoder().decode(output.stderr),
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} <WARNING> MQTT bindings: to stderr\n$/,
  );
});
