import assert from "node:assert/strict";
import { OPTIONS_BY_PATH } from "./schema.ts";
import { parseAliasList, parseJson, parseSize, parseText } from "./values.ts";

const option = (path: string) => OPTIONS_BY_PATH.get(path)!;

Deno.test("parseText: every type from flag or environment text", () => {
  const cases: Array<[string, string, unknown]> = [
    ["thingsboard.host", "tb.example", "tb.example"],
    ["thingsboard.port", "8883", 8883],
    ["thingsboard.port", " 1_883 ", 1883], // Python int() rules, as the bridge's flags
    ["thingsboard.mqttVersion", "5", 5],
    ["buffer.highWatermark", "0.9", 0.9],
    ["buffer.slowdownFactor", "1e1", 10],
    ["thingsboard.gateway", "TRUE", true],
    ["thingsboard.gateway", "no", false],
    ["thingsboard.gateway", "0", false],
    ["bridge.enabled", "off", false],
    ["buffer.overflow", "drop-newest", "drop-newest"],
    ["telemetry.intervalMs", "2.5", 2500],
    ["telemetry.intervalMs", "0.1", 100],
    ["buffer.maxBytes", "16M", 16 * 1024 * 1024],
    ["buffer.maxBytes", "512KiB", 512 * 1024],
    ["buffer.maxBytes", "4096", 4096],
    ["telemetry.aliases", "ZQv=greenhouse, Hum = cellar", { ZQv: "greenhouse", Hum: "cellar" }],
    ["telemetry.aliases", "", {}],
    ["bridge.ipconPort", "4224", 4224],
    ["bridge.debug", "yes", true],
  ];
  for (const [path, text, value] of cases) {
    assert.deepEqual(parseText(option(path), text), { value }, `${path} ${text}`);
  }
});

Deno.test("parseText: problems say what was expected and what came", () => {
  const cases: Array<[string, string, string]> = [
    ["thingsboard.port", "x", 'expected an integer 1-65535, got "x"'],
    ["thingsboard.port", "0", 'expected an integer 1-65535, got "0"'],
    ["thingsboard.mqttVersion", "3", 'expected 4 or 5, got "3"'],
    ["buffer.overflow", "drop", 'expected "drop-oldest" or "drop-newest", got "drop"'],
    ["buffer.fsync", "x", 'expected "always", "interval" or "never", got "x"'],
    [
      "thingsboard.gateway",
      "maybe",
      'expected true or false (also yes/no, on/off, 1/0), got "maybe"',
    ],
    ["telemetry.intervalMs", "0", 'expected seconds 0.1-86400, got "0"'],
    ["telemetry.intervalMs", "ten", 'expected seconds 0.1-86400, got "ten"'],
    [
      "buffer.maxBytes",
      "12X",
      'expected a size in bytes 1024-1099511627776 (suffixes k, M, G), got "12X"',
    ],
    ["buffer.highWatermark", "1.5", 'expected a number 0-1, got "1.5"'],
    ["thingsboard.host", "a b", 'expected a host name without spaces, got "a b"'],
    ["events.topicBase", "a/#", "must not contain '#', '+' or NUL (MQTT wildcards)"],
    ["events.topicBase", "$SYS", "must not start with '$' (reserved by brokers)"],
    ["telemetry.aliases", "ZQv", 'expected UID=NAME, got "ZQv"'],
    ["telemetry.aliases", "0OIl=x", '"0OIl" is not a Base58 device uid'],
    ["telemetry.aliases", "ZQv=", 'the alias of "ZQv" is empty'],
    ["telemetry.aliases", "ZQv=a,Hum=a", '"Hum" and "ZQv" have the same alias "a"'],
    ["stateDir", "", "must not be empty"],
  ];
  for (const [path, text, problem] of cases) {
    assert.deepEqual(parseText(option(path), text), { problem }, `${path} ${text}`);
  }
});

Deno.test("parseJson: the file's types; durations in ms, sizes as numbers or text", () => {
  const good: Array<[string, unknown, unknown]> = [
    ["thingsboard.port", 8883, 8883],
    ["telemetry.intervalMs", 2500, 2500],
    ["telemetry.intervalMs", 2500.4, 2500],
    ["buffer.maxBytes", "1G", 1024 ** 3],
    ["buffer.maxBytes", 2048, 2048],
    ["thingsboard.gateway", true, true],
    ["telemetry.aliases", { ZQv: " greenhouse " }, { ZQv: "greenhouse" }],
    ["buffer.dir", null, undefined],
    ["bridge.initFile", null, undefined],
    ["thingsboard.host", null, undefined],
  ];
  for (const [path, json, value] of good) {
    assert.deepEqual(parseJson(option(path), json), { value }, path);
  }
  const bad: Array<[string, unknown, string]> = [
    ["thingsboard.port", "8883", 'expected an integer 1-65535, got "8883"'],
    ["thingsboard.port", 1.5, "expected an integer 1-65535, got 1.5"],
    ["thingsboard.gateway", "true", 'expected true or false, got "true"'],
    ["telemetry.intervalMs", 10, "expected milliseconds 100-86400000, got 10"],
    ["telemetry.aliases", ["ZQv"], 'expected an object of uid -> alias, got ["ZQv"]'],
    ["telemetry.aliases", { ZQv: 1 }, 'the alias of "ZQv" is not a string'],
    ["thingsboard.host", 5, "expected a string, got 5"],
    ["buffer.capacity", null, "expected an integer 1-100000000, got null"],
    ["bridge.ipconPort", "4223", 'expected an integer, got "4223"'],
  ];
  for (const [path, json, problem] of bad) {
    assert.deepEqual(parseJson(option(path), json), { problem }, path);
  }
});

Deno.test("values: a secret's value never appears in a problem", () => {
  for (const path of ["thingsboard.accessToken", "thingsboard.password", "bridge.brokerPassword"]) {
    const fromJson = parseJson(option(path), 12345);
    assert.ok("problem" in fromJson && !fromJson.problem.includes("12345"), path);
    const empty = parseText(option(path), "");
    if ("problem" in empty) assert.doesNotMatch(empty.problem, /got/);
  }
  assert.deepEqual(parseText(option("thingsboard.accessToken"), ""), {
    problem: "must not be empty",
  });
});

Deno.test("parseSize: binary suffixes, with or without iB", () => {
  assert.equal(parseSize("1k"), 1024);
  assert.equal(parseSize("1.5M"), 1.5 * 1024 * 1024);
  assert.equal(parseSize("2 GiB"), 2 * 1024 ** 3);
  assert.equal(parseSize("10b"), 10);
  assert.equal(parseSize("-1"), undefined);
  assert.equal(parseSize("1T"), undefined);
});

Deno.test("parseAliasList: repeated --alias values, commas inside one too", () => {
  assert.deepEqual(parseAliasList(option("telemetry.aliases"), ["ZQv=a", "Hum=b,Tmp=c"]), {
    value: { ZQv: "a", Hum: "b", Tmp: "c" },
  });
  // The last alias of a uid wins, as flags do.
  assert.deepEqual(parseAliasList(option("telemetry.aliases"), ["ZQv=a", "ZQv=b"]), {
    value: { ZQv: "b" },
  });
});
