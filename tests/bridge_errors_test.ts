/**
 * Every `_ERROR` kind of tinkerforge_mqtt (spec §14), end to end: an MQTT
 * client publishes to the test broker, the bridge answers from the simulated
 * brickd, and the answer payload must be byte for byte what the reference's
 * `json.dumps` prints. This file has the errors found before anything is
 * sent to a device (topic, payload, arguments, registrations); the
 * device-side ones are in bridge_runtime_errors_test.ts, the deliberate
 * differences (§16) in bridge_differences_test.ts.
 *
 * @module
 */

import type { DeviceConfig } from "../src/sim/config.ts";
import { type AnswerRow, bytes, checkRows } from "./support/answer_rows.ts";
import { startFixture } from "./support/bridge_fixture.ts";

const P = "tinkerforge/";
const DOD = "rgb_led_button_bricklet/Dod";
const RLY = "industrial_dual_relay_bricklet/RLY";
const TMP = "temperature_v2_bricklet/Tmp";
const MONOFLOP_NULL = `"value": null, "time": null, "time_remaining": null`;
const RGB_CLASS = "<class '__main__.RGBLEDButtonBricklet'>";
const JSON_START = "Expecting value: line 1 column 1 (char 0)";
const INT_NON_STRING =
  "was not of expected type int and could not converted because: int() can't convert non-string with explicit base.";
/** The range rows need Dod's identity check first; no row here waits for a timeout. */
const IPCON_TIMEOUT_MS = 2_000;

const DEVICES: readonly DeviceConfig[] = [
  { type: "rgb_led_button_bricklet", uid: "Dod", position: "a", connected_uid: "6Ka2Yq" },
  { type: "temperature_v2_bricklet", uid: "Tmp", position: "c", connected_uid: "6Ka2Yq" },
  { type: "industrial_dual_relay_bricklet", uid: "RLY", position: "d", connected_uid: "6Ka2Yq" },
  { type: "industrial_counter_bricklet", uid: "Cnt", position: "f", connected_uid: "6Ka2Yq" },
];

const err = (text: string) => `{"_ERROR": "${text}"}`;

const ROWS: AnswerRow[] = [
  {
    name: "undecodable payload (request)",
    topic: `request/${DOD}/get_color`,
    payload: bytes(0xff, 0x41),
    expected: err(
      "Could not decode payload as utf-8: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
    ),
  },
  {
    name: "undecodable payload (register, truncated sequence)",
    topic: `register/${DOD}/button_state_changed`,
    payload: bytes(0x74, 0xc3),
    expected: err(
      "Could not decode payload as utf-8: 'utf-8' codec can't decode byte 0xc3 in position 1: unexpected end of data",
    ),
  },
  {
    name: "unknown device type (request)",
    topic: "request/nope_bricklet/Dod/get_color",
    payload: "",
    expected: err("Unknown device type nope_bricklet"),
  },
  {
    name: "unknown device type (unreleased device)",
    topic: "request/arinc429_bricklet/Dod/get_identity",
    payload: "",
    expected: err("Unknown device type arinc429_bricklet"),
  },
  {
    name: "unknown device type (register, answered on the callback topic)",
    topic: "register/nope_bricklet/Dod/button_state_changed",
    payload: "true",
    expected: err("Unknown device type nope_bricklet"),
  },
  {
    name: "unknown function",
    topic: `request/${DOD}/get_colour`,
    payload: "",
    expected: err("Unknown function get_colour for device Dod of type rgb_led_button_bricklet"),
  },
  {
    name: "unknown function (a callback name is no function)",
    topic: `request/${DOD}/button_state_changed`,
    payload: "",
    expected: err(
      "Unknown function button_state_changed for device Dod of type rgb_led_button_bricklet",
    ),
  },
  {
    name: "unknown callback",
    topic: `register/${DOD}/button_pressed`,
    payload: "true",
    expected: err("Unknown callback button_pressed for device Dod of type rgb_led_button_bricklet"),
  },
  {
    name: "bad UID characters (request)",
    topic: "request/rgb_led_button_bricklet/D0d/get_color",
    payload: "",
    expected: err(
      String.raw`Could not parse UID \"D0d\": UID \"D0d\" contains invalid character (-13)`,
    ),
  },
  {
    name: "bad UID characters (deregistration)",
    topic: "register/rgb_led_button_bricklet/Il1/button_state_changed",
    payload: "false",
    expected: err(
      String.raw`Could not parse UID \"Il1\": UID \"Il1\" contains invalid character (-13)`,
    ),
  },
  {
    name: "empty UID",
    topic: "request/rgb_led_button_bricklet//get_color",
    payload: "",
    expected: err(
      String.raw`Could not create device object: UID \"\" is empty or maps to zero (-13)`,
    ),
  },
  {
    name: "UID too big",
    topic: "request/rgb_led_button_bricklet/zzzzzzzzzzzz/get_color",
    payload: "",
    expected: err(
      String.raw`Could not create device object: UID \"zzzzzzzzzzzz\" is too big (-13)`,
    ),
  },
  {
    name: "invalid JSON (call)",
    topic: `request/${DOD}/get_color`,
    payload: "not json",
    expected: err(
      `Could not parse payload for get_color call of rgb_led_button_bricklet Dod as JSON: ${JSON_START}`,
    ),
  },
  {
    name: "invalid JSON (call, property name)",
    topic: `request/${DOD}/set_color`,
    payload: "{oops",
    expected: err(
      "Could not parse payload for set_color call of rgb_led_button_bricklet Dod as JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    ),
  },
  {
    name: "invalid JSON (call, a single space)",
    topic: `request/${DOD}/get_color`,
    payload: " ",
    expected: err(
      "Could not parse payload for get_color call of rgb_led_button_bricklet Dod as JSON: Expecting value: line 1 column 2 (char 1)",
    ),
  },
  {
    name: "invalid JSON (device registration, empty payload)",
    topic: `register/${DOD}/button_state_changed`,
    payload: "",
    expected: err(
      `Could not parse payload for button_state_changed callback registration of ${RGB_CLASS} rgb_led_button_bricklet as JSON encoding a boolean: ${JSON_START}`,
    ),
  },
  {
    name: "invalid JSON (ip_connection registration)",
    topic: "register/ip_connection/enumerate",
    payload: "yes",
    expected: err(
      `Could not parse payload for enumerate callback registration as JSON encoding a boolean: ${JSON_START}`,
    ),
  },
  {
    name: "missing arguments (setter)",
    topic: `request/${DOD}/set_color`,
    payload: '{"red": 1}',
    expected: err(
      "The arguments ['green', 'blue'] where missing for a call of set_color of device Dod of type rgb_led_button_bricklet.",
    ),
  },
  {
    name: "missing arguments (getter with arguments, empty payload)",
    topic: `request/${RLY}/get_monoflop`,
    payload: "",
    expected:
      `{${MONOFLOP_NULL}, "_ERROR": "The arguments ['channel'] where missing for a call of get_monoflop of device RLY of type industrial_dual_relay_bricklet."}`,
  },
  {
    name: "missing arguments (array payload)",
    topic: `request/${DOD}/set_color`,
    payload: "[1, 2, 3]",
    expected: err(
      "The arguments ['red', 'green', 'blue'] where missing for a call of set_color of device Dod of type rgb_led_button_bricklet.",
    ),
  },
  {
    name: "wrong type (int given a bool)",
    topic: `request/${DOD}/set_color`,
    payload: '{"red": true, "green": 0, "blue": 0}',
    expected: err(`Call set_color of rgb_led_button_bricklet Dod: Argument red ${INT_NON_STRING}`),
  },
  {
    name: "wrong type (int string with a leading zero, result keys)",
    topic: `request/${RLY}/get_monoflop`,
    payload: '{"channel": "010"}',
    expected:
      `{${MONOFLOP_NULL}, "_ERROR": "Call get_monoflop of industrial_dual_relay_bricklet RLY: Argument channel was not of expected type int and could not converted because: invalid literal for int() with base 0: '010'."}`,
  },
  {
    name: "wrong type (bool given 1)",
    topic: `request/${RLY}/set_monoflop`,
    payload: '{"channel": 0, "value": 1, "time": 10}',
    expected: err(
      "Call set_monoflop of industrial_dual_relay_bricklet RLY: Argument value was not of expected type bool.",
    ),
  },
  {
    name: "wrong type (char of length 2)",
    topic: `request/${TMP}/set_temperature_callback_configuration`,
    payload: '{"period": 0, "value_has_to_change": false, "option": "xx", "min": 0, "max": 0}',
    expected: err(
      "Call set_temperature_callback_configuration of temperature_v2_bricklet Tmp: Argument option was a string of length 2, but a single character was expected.",
    ),
  },
  {
    name: "wrong type (array of the wrong length)",
    topic: "request/compass_bricklet/Cmp/set_calibration",
    payload: '{"offset": [1, 2], "gain": [1, 2, 3]}',
    expected: err(
      "Call set_calibration of compass_bricklet Cmp: Argument offset was a list of length 2, but length 3 was expected.",
    ),
  },
  {
    name: "wrong type (array element)",
    topic: "request/compass_bricklet/Cmp/set_calibration",
    payload: '{"offset": [1, null, 3], "gain": [1, 2, 3]}',
    expected: err(
      `Call set_calibration of compass_bricklet Cmp: Argument offset[1] ${INT_NON_STRING}`,
    ),
  },
  {
    name: "value out of range (ubyte)",
    topic: `request/${DOD}/set_color`,
    payload: '{"red": 256, "green": 0, "blue": 0}',
    expected: err(
      "ubyte format requires 0 <= number <= 255 (call of set_color of rgb_led_button_bricklet Dod)",
    ),
  },
  {
    name: "value out of range (result keys)",
    topic: `request/${RLY}/get_monoflop`,
    payload: '{"channel": -1}',
    expected:
      `{${MONOFLOP_NULL}, "_ERROR": "ubyte format requires 0 <= number <= 255 (call of get_monoflop of industrial_dual_relay_bricklet RLY)"}`,
  },
  {
    name: "value out of range (int64)",
    topic: "request/industrial_counter_bricklet/Cnt/set_counter",
    payload: '{"channel": 0, "counter": 9223372036854775808}',
    expected: err("argument out of range (call of set_counter of industrial_counter_bricklet Cnt)"),
  },
  {
    name: "non-bool registration (device)",
    topic: `register/${DOD}/button_state_changed`,
    payload: "1",
    expected: err("Expected bool as parameter of callback registration, but got 1"),
  },
  {
    name: "non-bool registration (device, object without register)",
    topic: `register/${DOD}/button_state_changed`,
    payload: '{"foo": true}',
    expected: err(
      String.raw`Expected bool as parameter of callback registration, but got {\"foo\": true}`,
    ),
  },
  {
    name: "non-bool registration (ip_connection is strict)",
    topic: "register/ip_connection/connected",
    payload: '{"register": 1}',
    expected: err(
      String.raw`Expected bool as parameter of callback registration, but got {\"register\": 1}`,
    ),
  },
  {
    name: "ip_connection unknown function",
    topic: "request/ip_connection/get_foo",
    payload: "",
    expected: err("Unknown ip connection function get_foo"),
  },
  {
    name: "ip_connection unknown callback",
    topic: "register/ip_connection/foo",
    payload: "true",
    expected: err("Unknown ip connection callback foo"),
  },
  {
    name: "bindings unknown function",
    topic: "request/bindings/restart",
    payload: "",
    expected: err("Unknown bindings function restart"),
  },
  {
    name: "bindings unknown request",
    topic: "register/bindings/reset_callbacks",
    payload: "true",
    expected: err("Unknown bindings request register"),
  },
];

const SHOW_PAYLOAD_ROWS: AnswerRow[] = [
  {
    name: "undecodable payload with --show-payload",
    topic: `request/${DOD}/get_color`,
    payload: bytes(0xff, 0x41),
    expected: err(
      String
        .raw`Could not decode payload as utf-8: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte Payload was: b'\\xffA'`,
    ),
  },
  {
    name: "invalid JSON (call) with --show-payload",
    topic: `request/${DOD}/get_color`,
    payload: "not json",
    expected: err(
      String
        .raw`Could not parse payload for get_color call of rgb_led_button_bricklet Dod as JSON: Expecting value: line 1 column 1 (char 0). \n\tPayload was: 'not json'`,
    ),
  },
  {
    name: "invalid JSON (device registration) with --show-payload",
    topic: `register/${DOD}/button_state_changed`,
    payload: "tru",
    expected: err(
      String
        .raw`Could not parse payload for button_state_changed callback registration of ${RGB_CLASS} rgb_led_button_bricklet as JSON encoding a boolean: ${JSON_START}. \n\tPayload was: 'tru'`,
    ),
  },
  {
    name: "invalid JSON (ip_connection registration) with --show-payload",
    topic: "register/ip_connection/disconnected",
    payload: "{'a': 1}",
    expected: err(
      String
        .raw`Could not parse payload for disconnected callback registration as JSON encoding a boolean: Expecting property name enclosed in double quotes: line 1 column 2 (char 1). \n\tPayload was: \"{'a': 1}\"`,
    ),
  },
];

Deno.test("bridge answers every _ERROR kind exactly", async (t) => {
  const fixture = await startFixture({
    devices: DEVICES,
    bridge: { ipconTimeoutMs: IPCON_TIMEOUT_MS },
  });
  try {
    await checkRows(t, fixture, P, ROWS);
  } finally {
    await fixture.close();
  }
});

Deno.test("bridge with --show-payload quotes the payload in decode and JSON errors", async (t) => {
  const fixture = await startFixture({
    devices: DEVICES,
    bridge: { ipconTimeoutMs: IPCON_TIMEOUT_MS, showPayload: true },
  });
  try {
    await checkRows(t, fixture, P, SHOW_PAYLOAD_ROWS);
  } finally {
    await fixture.close();
  }
});
