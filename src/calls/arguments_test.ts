import assert from "node:assert/strict";
import { deviceByName, functionByName } from "../tfp/registry.ts";
import type { DeviceSpec, PacketSpec } from "../tfp/spec.ts";
import {
  type ArgumentsResult,
  checkArguments,
  rangeError,
  requestedResponseExpected,
} from "./arguments.ts";
import { pyJsonParse } from "./py_json.ts";

function lookup(deviceName: string, fnName: string): [DeviceSpec, PacketSpec] {
  const device = deviceByName(deviceName);
  assert.ok(device, deviceName);
  const fn = functionByName(device, fnName);
  assert.ok(fn, fnName);
  return [device, fn];
}

function check(deviceName: string, fnName: string, json: string, uid = "Dod"): ArgumentsResult {
  const [device, fn] = lookup(deviceName, fnName);
  return checkArguments(device, fn, pyJsonParse(json), { deviceName, uidText: uid, fnName });
}

function values(deviceName: string, fnName: string, json: string): Record<string, unknown> {
  const result = check(deviceName, fnName, json);
  assert.ok(result.ok, JSON.stringify(result));
  return result.values;
}

function failure(deviceName: string, fnName: string, json: string): string {
  const result = check(deviceName, fnName, json);
  assert.ok(!result.ok, `expected a failure for ${json}`);
  return result.text;
}

const BUTTON = "rgb_led_button_bricklet";
const TEMPERATURE = "temperature_v2_bricklet";
const RS232 = "rs232_v2_bricklet";
const LED_STRIP = "led_strip_v2_bricklet";
const DIGITAL_OUT = "industrial_digital_out_4_v2_bricklet";
const TYPE_PREFIX = "Call set_color of rgb_led_button_bricklet Dod: ";

Deno.test("arguments by name in any order; extra keys ignored; duplicate keys: last wins", () => {
  assert.deepEqual(values(BUTTON, "set_color", '{"blue": 3, "x": 0, "red": 1, "green": 2}'), {
    red: 1,
    green: 2,
    blue: 3,
  });
  assert.deepEqual(values(BUTTON, "set_color", '{"red": 9, "green": 2, "blue": 3, "red": 1}'), {
    red: 1,
    green: 2,
    blue: 3,
  });
  assert.deepEqual(values(BUTTON, "get_color", "null"), {});
});

Deno.test("missing arguments: Python list repr, 'where', device uid and type", () => {
  assert.equal(
    failure(BUTTON, "set_color", '{"red": 1, "blue": 3}'),
    "The arguments ['green'] where missing for a call of set_color of device Dod of type rgb_led_button_bricklet.",
  );
  const all =
    "The arguments ['red', 'green', 'blue'] where missing for a call of set_color of device Dod of type rgb_led_button_bricklet.";
  for (const payload of ["[]", '["red", "green", "blue"]', "5", "null", '"red"', "true"]) {
    const result = check(BUTTON, "set_color", payload);
    assert.deepEqual(result, { ok: false, kind: "missing", text: all }, payload);
  }
});

Deno.test("int arguments: JSON integers, and strings parsed like int(s, 0)", () => {
  assert.deepEqual(
    values(BUTTON, "set_color", '{"red": "20", "green": "0x10", "blue": " 1_0 "}'),
    { red: 20, green: 16, blue: 10 },
  );
  assert.deepEqual(values(BUTTON, "set_color", '{"red": "0b101", "green": "0o17", "blue": "-5"}'), {
    red: 5,
    green: 15,
    blue: -5,
  });
  assert.equal(
    failure(BUTTON, "set_color", '{"red": "010", "green": 0, "blue": 0}'),
    TYPE_PREFIX +
      "Argument red was not of expected type int and could not converted because: invalid literal for int() with base 0: '010'.",
  );
  const noBase = "could not converted because: int() can't convert non-string with explicit base.";
  for (const bad of ["true", "1.5", "1e2", "null", "[1]", "{}"]) {
    assert.equal(
      failure(BUTTON, "set_color", `{"red": 1, "green": ${bad}, "blue": 0}`),
      `${TYPE_PREFIX}Argument green was not of expected type int and ${noBase}`,
      bad,
    );
  }
});

Deno.test("only the first failing argument is reported", () => {
  assert.equal(
    failure(BUTTON, "set_color", '{"red": 1, "green": "x", "blue": "y"}'),
    TYPE_PREFIX +
      "Argument green was not of expected type int and could not converted because: invalid literal for int() with base 0: 'x'.",
  );
});

Deno.test("symbols: exact names become values, numbers and unknown names are left alone", () => {
  assert.deepEqual(values(BUTTON, "set_status_led_config", '{"config": "show_heartbeat"}'), {
    config: 2,
  });
  assert.deepEqual(values(BUTTON, "set_status_led_config", '{"config": 3}'), { config: 3 });
  assert.match(
    failure(BUTTON, "set_status_led_config", '{"config": "Show_Heartbeat"}'),
    /invalid literal for int\(\) with base 0: 'Show_Heartbeat'\.$/,
  );
  assert.deepEqual(
    values(
      TEMPERATURE,
      "set_temperature_callback_configuration",
      '{"period": 1000, "value_has_to_change": false, "option": "off", "min": 0, "max": 0}',
    ),
    { period: 1000, value_has_to_change: false, option: "x", min: 0, max: 0 },
  );
  assert.deepEqual(
    values("industrial_counter_bricklet", "set_counter", '{"channel": "3", "counter": 5}'),
    { channel: 3, counter: 5 },
  );
  // Bool constants (LCD 128x64 color) and shared values: the later name wins (E-Paper gray/red).
  assert.equal(values("lcd_128x64_bricklet", "draw_box", drawBox('"black"')).color, true);
  assert.deepEqual(values("e_paper_296x128_bricklet", "fill_display", '{"color": "gray"}'), {
    color: 2,
  });
  assert.match(
    failure("e_paper_296x128_bricklet", "fill_display", '{"color": "red"}'),
    /invalid literal for int\(\) with base 0: 'red'\.$/,
  );
});

function drawBox(color: string): string {
  return `{"position_x_start": 0, "position_y_start": 0, "position_x_end": 1, "position_y_end": 1, "fill": true, "color": ${color}}`;
}

Deno.test("bool, char and string arguments", () => {
  const config = (vhc: string, option: string) =>
    `{"period": 1, "value_has_to_change": ${vhc}, "option": ${option}, "min": 0, "max": 0}`;
  const prefix = "Call set_temperature_callback_configuration of temperature_v2_bricklet Dod: ";
  const fn = "set_temperature_callback_configuration";
  for (const bad of ["1", "0", '"true"', "null"]) {
    assert.equal(
      failure(TEMPERATURE, fn, config(bad, '"x"')),
      `${prefix}Argument value_has_to_change was not of expected type bool.`,
    );
  }
  assert.equal(
    failure(TEMPERATURE, fn, config("true", '"xy"')),
    `${prefix}Argument option was a string of length 2, but a single character was expected.`,
  );
  assert.equal(values(TEMPERATURE, fn, config("true", '"\\u00e9"')).option, "\u00e9");
  assert.equal(values(TEMPERATURE, fn, config("true", '["<"]')).option, "<");
  // Where the reference publishes nothing, we answer (see differences.ts).
  assert.equal(
    failure(TEMPERATURE, fn, config("true", "5")),
    `${prefix}Argument option was not of expected type char.`,
  );
  assert.equal(
    failure(TEMPERATURE, fn, config("true", '""')),
    `${prefix}Argument option was a string of length 0, but a single character was expected.`,
  );
  assert.equal(
    failure(TEMPERATURE, fn, config("true", '"\\u20ac"')),
    `${prefix}Argument option contains the character U+20AC, but only characters up to U+00FF are supported.`,
  );
  const line = (text: string) => `{"line": 0, "position": 0, "text": ${text}}`;
  assert.equal(
    values("lcd_128x64_bricklet", "write_line", line('["H", 105, true]')).text,
    "Hi\x01",
  );
  assert.equal(
    failure("lcd_128x64_bricklet", "write_line", line('["H", 256]')),
    "Call write_line of lcd_128x64_bricklet Dod: Argument text[1] was not of expected type char.",
  );
  assert.equal(
    failure("lcd_128x64_bricklet", "write_line", line("{}")),
    "Call write_line of lcd_128x64_bricklet Dod: Argument text was not of expected type string.",
  );
});

Deno.test("fixed arrays, variable (stream) arrays and their elements", () => {
  const prefix = "Call set_value of industrial_digital_out_4_v2_bricklet Dod: ";
  assert.deepEqual(values(DIGITAL_OUT, "set_value", '{"value": [true, false, true, true]}'), {
    value: [true, false, true, true],
  });
  assert.equal(
    failure(DIGITAL_OUT, "set_value", '{"value": true}'),
    `${prefix}Argument value was not of expected type list of bool.`,
  );
  assert.equal(
    failure(DIGITAL_OUT, "set_value", '{"value": [true]}'),
    `${prefix}Argument value was a list of length 1, but length 4 was expected.`,
  );
  assert.equal(
    failure(DIGITAL_OUT, "set_value", '{"value": [true, 1, true, true]}'),
    `${prefix}Argument value[1] was not of expected type bool.`,
  );
  const led = "Call set_led_values of led_strip_v2_bricklet Dod: ";
  assert.deepEqual(values(LED_STRIP, "set_led_values", '{"index": 0, "value": ["1", "0x2", 3]}'), {
    index: 0,
    value: [1, 2, 3],
  });
  assert.equal(
    failure(LED_STRIP, "set_led_values", '{"index": 0, "value": [1, "010"]}'),
    `${led}Argument value[1] was not of expected type int and could not converted because: invalid literal for int() with base 0: '010'.`,
  );
  assert.equal(
    failure(LED_STRIP, "set_led_values", `{"index": 0, "value": [${"0,".repeat(65535)}0]}`),
    `${led}Argument value was a list of length 65536, but max length of 65535 is allowed.`,
  );
  // Symbols and int strings work for the non-stream arguments of stream functions too.
  assert.deepEqual(values(LED_STRIP, "set_led_values", '{"index": "0x10", "value": []}'), {
    index: 16,
    value: [],
  });
});

Deno.test("char arrays: lists of 1-char strings only", () => {
  const prefix = "Call write of rs232_v2_bricklet Dod: ";
  assert.deepEqual(values(RS232, "write", '{"message": ["a", "\\u00ff"]}'), {
    message: ["a", "\u00ff"],
  });
  assert.equal(
    failure(RS232, "write", '{"message": "ab"}'),
    `${prefix}Argument message was not of expected type list of char.`,
  );
  assert.equal(
    failure(RS232, "write", '{"message": ["a", 5]}'),
    `${prefix}Argument message[1] was not of expected type char.`,
  );
  assert.equal(
    failure(RS232, "write", '{"message": ["a", "bc"]}'),
    `${prefix}Argument message[1] was a string of length 2, but a single character was expected.`,
  );
  assert.equal(
    failure(RS232, "write", '{"message": ["\\ud83d\\ude00"]}'),
    `${prefix}Argument message[0] contains the character U+1F600, but only characters up to U+00FF are supported.`,
  );
});

Deno.test("float arguments must be JSON floats (no released device has any)", () => {
  const device = deviceByName(BUTTON)!;
  const fn: PacketSpec = {
    id: 1,
    name: "set_gain",
    kind: "function",
    level: "normal",
    responseExpected: "false",
    doc: "bf",
    in: [{ name: "gain", type: "float", count: 1 }, { name: "curve", type: "float", count: 2 }],
    out: [],
  };
  const target = { deviceName: BUTTON, uidText: "Dod", fnName: "set_gain" };
  const run = (json: string) => checkArguments(device, fn, pyJsonParse(json), target);
  assert.deepEqual(run('{"gain": 1.5, "curve": [1e2, -0.0]}'), {
    ok: true,
    values: { gain: 1.5, curve: [100, -0] },
  });
  assert.deepEqual(run('{"gain": 5, "curve": [1.0, 2.0]}'), {
    ok: false,
    kind: "type",
    text:
      "Call set_gain of rgb_led_button_bricklet Dod: Argument gain was not of expected type float.",
  });
  assert.equal(
    (run('{"gain": 1.0, "curve": [1.0, 2]}') as { text: string }).text,
    "Call set_gain of rgb_led_button_bricklet Dod: Argument curve[1] was not of expected type float.",
  );
  // RPC callers may pass plain objects and numbers.
  assert.deepEqual(checkArguments(device, fn, { gain: 0.5, curve: [0.25, 1.5] }, target), {
    ok: true,
    values: { gain: 0.5, curve: [0.25, 1.5] },
  });
  assert.equal(
    rangeError(fn.in, { gain: 1e300, curve: [0, 0] }, target),
    "float too large to pack with f format (call of set_gain of rgb_led_button_bricklet Dod)",
  );
});

Deno.test("range errors: CPython struct texts with the call tail, first failing element", () => {
  const target = { deviceName: BUTTON, uidText: "Dod", fnName: "set_color" };
  const [, setColor] = lookup(BUTTON, "set_color");
  assert.equal(rangeError(setColor.in, { red: 0, green: 255, blue: 0 }, target), undefined);
  assert.equal(
    rangeError(setColor.in, { red: 0, green: 256, blue: -1 }, target),
    "ubyte format requires 0 <= number <= 255 (call of set_color of rgb_led_button_bricklet Dod)",
  );
  const [, setCounter] = lookup("industrial_counter_bricklet", "set_counter");
  const counterTarget = { ...target, deviceName: "industrial_counter_bricklet", fnName: "x" };
  assert.equal(
    rangeError(setCounter.in, { channel: 0, counter: 2n ** 63n }, counterTarget),
    "argument out of range (call of x of industrial_counter_bricklet Dod)",
  );
  const [, setLeds] = lookup(LED_STRIP, "set_led_values");
  assert.equal(
    rangeError(setLeds.in, { index: 0, value: [1, 2, 300] }, target),
    "ubyte format requires 0 <= number <= 255 (call of set_color of rgb_led_button_bricklet Dod)",
  );
  assert.equal(
    rangeError(setLeds.in, { index: 70000, value: [] }, target),
    "ushort format requires 0 <= number <= 65535 (call of set_color of rgb_led_button_bricklet Dod)",
  );
});

Deno.test("_response_expected: bool, invalid or absent", () => {
  assert.equal(requestedResponseExpected(pyJsonParse('{"_response_expected": true}')), true);
  assert.equal(requestedResponseExpected(pyJsonParse('{"_response_expected": false}')), false);
  assert.equal(requestedResponseExpected(pyJsonParse('{"_response_expected": 1}')), "invalid");
  assert.equal(requestedResponseExpected(pyJsonParse("{}")), undefined);
  assert.equal(requestedResponseExpected(pyJsonParse("[]")), undefined);
  assert.equal(requestedResponseExpected(undefined), undefined);
});
