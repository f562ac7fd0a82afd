/**
 * The `_ERROR` kinds of tinkerforge_mqtt (spec §14) that come from talking to
 * the device, end to end over MQTT with exact payloads: timeouts, device
 * error codes, wrong device type, stream out of sync and brickd not
 * connected, provoked through the simulated brickd's fault injection. The
 * errors found before anything is sent are in bridge_errors_test.ts.
 *
 * @module
 */

import type { DeviceConfig } from "../src/sim/config.ts";
import { type AnswerRow, checkRows, waitConnectionState } from "./support/answer_rows.ts";
import { type Fixture, startFixture } from "./support/bridge_fixture.ts";

const P = "tinkerforge/";
const DOD = "rgb_led_button_bricklet/Dod";
const TMP = "temperature_v2_bricklet/Tmp";
const RGB_NULL = `"red": null, "green": null, "blue": null`;
/**
 * The timeout rows wait this long; the other rows need their answers within it, so it is
 * not shorter (a loaded CI machine can take 100 ms to answer).
 */
const IPCON_TIMEOUT_MS = 500;

const DEVICES: readonly DeviceConfig[] = [
  {
    type: "rgb_led_button_bricklet",
    uid: "Dod",
    position: "a",
    connected_uid: "6Ka2Yq",
    values: { get_color: { red: 10, green: 20, blue: 30 } },
  },
  // Asked for as other device types; its object is displaced, so it is nobody else's
  { type: "rgb_led_button_bricklet", uid: "Wrg", position: "b", connected_uid: "6Ka2Yq" },
  { type: "temperature_v2_bricklet", uid: "Tmp", position: "c", connected_uid: "6Ka2Yq" },
  { type: "led_strip_v2_bricklet", uid: "Led", position: "e", connected_uid: "6Ka2Yq" },
];

const err = (text: string) => `{"_ERROR": "${text}"}`;
const rgbErr = (text: string) => `{${RGB_NULL}, "_ERROR": "${text}"}`;

/** Makes sure Dod's identity check is done, so later faults hit the function itself. */
async function warmDod(f: Fixture): Promise<void> {
  await f.watcher.request(`${P}request/${DOD}/get_color/warm`, "");
}

const ROWS: AnswerRow[] = [
  {
    name: "timeout of the identity check (missing device, folded 64-bit UID)",
    topic: "request/rgb_led_button_bricklet/JxZpR3a5ZrD/get_color",
    payload: "",
    expected: rgbErr(
      "Did not receive response for function 255 in time (call of get_color of rgb_led_button_bricklet JxZpR3a5ZrD)",
    ),
  },
  {
    name: "timeout of the function",
    topic: `request/${DOD}/get_color`,
    payload: "",
    before: async (f) => {
      await warmDod(f);
      f.brickd.setSilent(true);
    },
    after: (f) => f.brickd.setSilent(false),
    expected: rgbErr(
      "Did not receive response for function 2 in time (call of get_color of rgb_led_button_bricklet Dod)",
    ),
  },
  {
    name: "timeout of a setter whose response is expected",
    topic: `request/${TMP}/set_temperature_callback_configuration`,
    payload: '{"period": 0, "value_has_to_change": false, "option": "off", "min": 0, "max": 0}',
    before: async (f) => {
      await f.watcher.request(`${P}request/${TMP}/get_temperature/warm`, "");
      f.brickd.setSilent(true);
    },
    after: (f) => f.brickd.setSilent(false),
    expected: err(
      "Did not receive response for function 2 in time (call of set_temperature_callback_configuration of temperature_v2_bricklet Tmp)",
    ),
  },
  ...([[1, "Got invalid parameter for function 2"], [2, "Function 2 is not supported"], [
    3,
    "Function 2 returned an unknown error",
  ]] as const).map(([code, text]): AnswerRow => ({
    name: `device error code ${code}`,
    topic: `request/${DOD}/get_color`,
    payload: "",
    before: async (f) => {
      await warmDod(f);
      f.brickd.failNext("Dod", "get_color", code);
    },
    expected: rgbErr(`${text} (call of get_color of rgb_led_button_bricklet Dod)`),
  })),
  {
    name: "device error code of a setter with _response_expected (sticky, reset after)",
    topic: `request/${DOD}/set_color`,
    payload: '{"red": 1, "green": 2, "blue": 3, "_response_expected": true}',
    before: async (f) => {
      await warmDod(f);
      f.brickd.failNext("Dod", "set_color", 2);
    },
    after: async (f) => {
      // Back to the default, checked by a setter that must now stay silent on an error.
      await f.watcher.publish(
        `${P}request/${DOD}/set_color/reset`,
        '{"red": 0, "green": 0, "blue": 0, "_response_expected": false}',
      );
    },
    expected: err("Function 1 is not supported (call of set_color of rgb_led_button_bricklet Dod)"),
  },
  {
    name: "wrong device type",
    topic: "request/temperature_v2_bricklet/Wrg/get_temperature",
    payload: "",
    expected:
      `{"temperature": null, "_ERROR": "UID Wrg belongs to a RGB LED Button Bricklet instead of the expected Temperature Bricklet 2.0 (call of get_temperature of temperature_v2_bricklet Wrg)"}`,
  },
  {
    name: "wrong device type (stream call: no result keys, no tail)",
    topic: "request/led_strip_v2_bricklet/Wrg/get_led_values",
    payload: '{"index": 0, "length": 3}',
    expected: err(
      "UID Wrg belongs to a RGB LED Button Bricklet instead of the expected LED Strip Bricklet 2.0",
    ),
  },
  {
    name: "stream out of sync (a low-level read left the stream in the middle)",
    topic: "request/led_strip_v2_bricklet/Led/get_led_values",
    payload: '{"index": 0, "length": 150}',
    before: async (f) => {
      await f.watcher.request(
        `${P}request/led_strip_v2_bricklet/Led/get_led_values_low_level/first`,
        '{"index": 0, "length": 150}',
      );
    },
    expected: `{"value": null, "_ERROR": "Stream is out-of-sync"}`,
  },
];

Deno.test("bridge answers device-side errors exactly", async (t) => {
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

Deno.test("bridge answers 'Not connected' while brickd is down", async (t) => {
  const fixture = await startFixture({ devices: DEVICES, bridge: { ipconTimeoutMs: 1_000 } });
  try {
    await warmDod(fixture);
    await fixture.brickd.stop();
    await waitConnectionState(fixture, P, "pending");
    await checkRows(t, fixture, P, [
      {
        name: "getter",
        topic: `request/${DOD}/get_color`,
        payload: "",
        expected: rgbErr("Not connected (call of get_color of rgb_led_button_bricklet Dod)"),
      },
      {
        name: "setter without response expected",
        topic: `request/${DOD}/set_color`,
        payload: '{"red": 1, "green": 2, "blue": 3}',
        expected: err("Not connected (call of set_color of rgb_led_button_bricklet Dod)"),
      },
      {
        name: "stream call (no tail)",
        topic: "request/led_strip_v2_bricklet/Led/get_led_values",
        payload: '{"index": 0, "length": 3}',
        expected: err("Not connected"),
      },
    ]);
    await fixture.brickd.start();
    await waitConnectionState(fixture, P, "connected");
    await checkRows(t, fixture, P, [{
      name: "answers again after the reconnect",
      topic: `request/${DOD}/get_color`,
      payload: "",
      expected: `{"red": 10, "green": 20, "blue": 30}`,
    }]);
  } finally {
    await fixture.close();
  }
});
