/**
 * Every `_ERROR` kind of spec §14 that the call engine produces, with the
 * exact published JSON, against the simulated brickd.
 */
import assert from "node:assert/strict";
import { type Bench, withBench } from "./engine_test_helper.ts";

const BUTTON = "rgb_led_button_bricklet";
const COUNTER = "industrial_counter_bricklet";
const TEMPERATURE = "temperature_v2_bricklet";
const LED = "led_strip_v2_bricklet";
const NULL_COLOR = '"red": null, "green": null, "blue": null, ';
const CONFIG = "set_temperature_callback_configuration";

interface Row {
  readonly what: string;
  readonly call: readonly [device: string, uid: string, fn: string, payload?: string];
  readonly show?: boolean;
  readonly setup?: (bench: Bench) => unknown;
  readonly expected: string;
}

function config(option: string): string {
  return `{"period": 0, "value_has_to_change": false, "option": ${option}, "min": 0, "max": 0}`;
}

/** The identity check succeeds first; then the simulator stops answering. */
function silentAfter(device: string, uid: string) {
  return async ({ ask, brickd }: Bench) => {
    assert.match(await ask(device, uid, "get_identity"), /"_display_name"/);
    brickd.setSilent(true);
  };
}

const ROWS: Row[] = [
  {
    what: "unknown device type",
    call: ["rgb_led_button", "Dod", "get_color"],
    expected: '{"_ERROR": "Unknown device type rgb_led_button"}',
  },
  {
    what: "device type that is not released",
    call: ["stream_test_bricklet", "Dod", "fixed_read"],
    expected: '{"_ERROR": "Unknown device type stream_test_bricklet"}',
  },
  {
    what: "unknown function",
    call: [BUTTON, "Dod", "button_state_changed"],
    expected:
      '{"_ERROR": "Unknown function button_state_changed for device Dod of type rgb_led_button_bricklet"}',
  },
  {
    what: "empty function name",
    call: [BUTTON, "Dod", ""],
    expected: '{"_ERROR": "Unknown function  for device Dod of type rgb_led_button_bricklet"}',
  },
  {
    what: "bad UID characters",
    call: [BUTTON, "D0d", "get_color"],
    expected:
      '{"_ERROR": "Could not parse UID \\"D0d\\": UID \\"D0d\\" contains invalid character (-13)"}',
  },
  {
    what: "empty UID",
    call: [BUTTON, "", "get_color"],
    expected:
      '{"_ERROR": "Could not create device object: UID \\"\\" is empty or maps to zero (-13)"}',
  },
  {
    what: "UID mapping to zero",
    call: [BUTTON, "111", "get_color"],
    expected:
      '{"_ERROR": "Could not create device object: UID \\"111\\" is empty or maps to zero (-13)"}',
  },
  {
    what: "UID above 2^64-1",
    call: [BUTTON, "zzzzzzzzzzzz", "get_color"],
    expected:
      '{"_ERROR": "Could not create device object: UID \\"zzzzzzzzzzzz\\" is too big (-13)"}',
  },
  {
    what: "invalid JSON",
    call: [BUTTON, "Dod", "get_color", "not json"],
    expected:
      '{"_ERROR": "Could not parse payload for get_color call of rgb_led_button_bricklet Dod as JSON: Expecting value: line 1 column 1 (char 0)"}',
  },
  {
    what: "invalid JSON with --show-payload",
    call: [BUTTON, "Dod", "set_color", "{oops"],
    show: true,
    expected:
      `{"_ERROR": "Could not parse payload for set_color call of rgb_led_button_bricklet Dod as JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1). \\n\\tPayload was: '{oops'"}`,
  },
  {
    what: "invalid JSON of a stream call",
    call: [LED, "Led", "get_led_values", " "],
    expected:
      '{"_ERROR": "Could not parse payload for get_led_values call of led_strip_v2_bricklet Led as JSON: Expecting value: line 1 column 2 (char 1)"}',
  },
  {
    what: "missing arguments",
    call: [BUTTON, "Dod", "set_color", '{"red": 1}'],
    expected:
      `{"_ERROR": "The arguments ['green', 'blue'] where missing for a call of set_color of device Dod of type rgb_led_button_bricklet."}`,
  },
  {
    what: "missing arguments of a stream call (empty payload counts as {})",
    call: [LED, "Led", "get_led_values", ""],
    expected:
      `{"value": null, "_ERROR": "The arguments ['index', 'length'] where missing for a call of get_led_values of device Led of type led_strip_v2_bricklet."}`,
  },
  {
    what: "wrong type",
    call: [COUNTER, "Ctr", "get_counter", '{"channel": "x"}'],
    expected:
      `{"counter": null, "_ERROR": "Call get_counter of industrial_counter_bricklet Ctr: Argument channel was not of expected type int and could not converted because: invalid literal for int() with base 0: 'x'."}`,
  },
  {
    what: "non-string char (the reference publishes nothing)",
    call: [TEMPERATURE, "Tmp", CONFIG, config("5")],
    expected:
      `{"_ERROR": "Call ${CONFIG} of temperature_v2_bricklet Tmp: Argument option was not of expected type char."}`,
  },
  {
    what: "empty char (the reference publishes nothing)",
    call: [TEMPERATURE, "Tmp", CONFIG, config('""')],
    expected:
      `{"_ERROR": "Call ${CONFIG} of temperature_v2_bricklet Tmp: Argument option was a string of length 0, but a single character was expected."}`,
  },
  {
    what: "char above U+00FF (the reference publishes nothing)",
    call: [TEMPERATURE, "Tmp", CONFIG, config('"\\u20ac"')],
    expected:
      `{"_ERROR": "Call ${CONFIG} of temperature_v2_bricklet Tmp: Argument option contains the character U+20AC, but only characters up to U+00FF are supported."}`,
  },
  {
    what: "value out of range",
    call: [COUNTER, "Ctr", "get_counter", '{"channel": 256}'],
    expected:
      '{"counter": null, "_ERROR": "ubyte format requires 0 <= number <= 255 (call of get_counter of industrial_counter_bricklet Ctr)"}',
  },
  {
    what: "int64 out of range",
    call: [COUNTER, "Ctr", "set_counter", '{"channel": 0, "counter": 9223372036854775808}'],
    expected:
      '{"_ERROR": "argument out of range (call of set_counter of industrial_counter_bricklet Ctr)"}',
  },
  {
    what: "stream argument out of range",
    call: [LED, "Led", "set_led_values", '{"index": 0, "value": [1, 2, -1]}'],
    expected:
      '{"_ERROR": "ubyte format requires 0 <= number <= 255 (call of set_led_values of led_strip_v2_bricklet Led)"}',
  },
  {
    what: "timeout of the function itself",
    call: [BUTTON, "Dod", "get_color"],
    setup: silentAfter(BUTTON, "Dod"),
    expected:
      `{${NULL_COLOR}"_ERROR": "Did not receive response for function 2 in time (call of get_color of rgb_led_button_bricklet Dod)"}`,
  },
  {
    what: "device error: invalid parameter",
    call: [BUTTON, "Dod", "get_color"],
    setup: ({ brickd }) => brickd.failNext("Dod", "get_color", 1),
    expected:
      `{${NULL_COLOR}"_ERROR": "Got invalid parameter for function 2 (call of get_color of rgb_led_button_bricklet Dod)"}`,
  },
  {
    what: "device error: not supported",
    call: [BUTTON, "Dod", "get_color"],
    setup: ({ brickd }) => brickd.failNext("Dod", "get_color", 2),
    expected:
      `{${NULL_COLOR}"_ERROR": "Function 2 is not supported (call of get_color of rgb_led_button_bricklet Dod)"}`,
  },
  {
    what: "device error: other code",
    call: [BUTTON, "Dod", "get_color"],
    setup: ({ brickd }) => brickd.failNext("Dod", "get_color", 3),
    expected:
      `{${NULL_COLOR}"_ERROR": "Function 2 returned an unknown error (call of get_color of rgb_led_button_bricklet Dod)"}`,
  },
  {
    what: "device error in a stream chunk",
    call: [LED, "Led", "set_led_values", '{"index": 0, "value": [1, 2, 3]}'],
    setup: ({ brickd }) => brickd.failNext("Led", "set_led_values_low_level", 1),
    expected:
      '{"_ERROR": "Got invalid parameter for function 1 (call of set_led_values of led_strip_v2_bricklet Led)"}',
  },
  {
    what: "stream chunk timeout",
    call: [LED, "Led", "get_led_values", '{"index": 0, "length": 3}'],
    setup: silentAfter(LED, "Led"),
    expected:
      '{"value": null, "_ERROR": "Did not receive response for function 2 in time (call of get_led_values of led_strip_v2_bricklet Led)"}',
  },
  {
    what: "identity timeout (missing device)",
    call: [BUTTON, "JxZpR3a5ZrD", "get_color"],
    expected:
      `{${NULL_COLOR}"_ERROR": "Did not receive response for function 255 in time (call of get_color of rgb_led_button_bricklet JxZpR3a5ZrD)"}`,
  },
  {
    what: "identity timeout of a stream call: no result keys, no tail",
    call: [LED, "JxZpR3a5ZrD", "get_led_values", '{"index": 0, "length": 3}'],
    expected: '{"_ERROR": "Did not receive response for function 255 in time"}',
  },
  {
    what: "wrong device type",
    call: [TEMPERATURE, "Dod", "get_temperature"],
    expected:
      '{"temperature": null, "_ERROR": "UID Dod belongs to a RGB LED Button Bricklet instead of the expected Temperature Bricklet 2.0 (call of get_temperature of temperature_v2_bricklet Dod)"}',
  },
  {
    what: "wrong device type of a stream call: no result keys, no tail",
    call: [LED, "Tmp", "set_led_values", '{"index": 0, "value": []}'],
    expected:
      '{"_ERROR": "UID Tmp belongs to a Temperature Bricklet 2.0 instead of the expected LED Strip Bricklet 2.0"}',
  },
  {
    what: "UID 2 is an ordinary UID (the reference collides with its brickd object)",
    call: [BUTTON, "2", "get_color"],
    expected:
      `{${NULL_COLOR}"_ERROR": "Function 255 is not supported (call of get_color of rgb_led_button_bricklet 2)"}`,
  },
];

Deno.test("every _ERROR kind of the call engine, exact texts", async () => {
  for (const row of ROWS) {
    await withBench({}, async (bench) => {
      const { ask } = bench;
      await row.setup?.(bench);
      const [device, uid, fn, payload] = row.call;
      assert.equal(
        await ask(device, uid, fn, payload ?? "", row.show ?? false),
        row.expected,
        row.what,
      );
    });
  }
});
