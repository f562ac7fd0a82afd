import assert from "node:assert/strict";
import type { Value } from "../tfp/payload.ts";
import { callbackByName, deviceByName, functionByName } from "../tfp/registry.ts";
import type { DeviceSpec, PacketSpec } from "../tfp/spec.ts";
import { pyJsonDumps } from "./py_json.ts";
import { symbolFor } from "./symbols.ts";
import {
  displayNameOf,
  formatCallback,
  type FormatOptions,
  formatResults,
  nullResults,
  resultNames,
  topicNameOf,
} from "./results.ts";

const SYMBOLIC: FormatOptions = { symbolic: true, int64Strings: false };
const NUMERIC: FormatOptions = { symbolic: false, int64Strings: false };
const INT64_STRINGS: FormatOptions = { symbolic: true, int64Strings: true };

function fnOf(deviceName: string, fnName: string): [DeviceSpec, PacketSpec] {
  const device = deviceByName(deviceName)!;
  const fn = functionByName(device, fnName) ?? callbackByName(device, fnName);
  assert.ok(fn, fnName);
  return [device, fn];
}

function json(
  deviceName: string,
  fnName: string,
  values: Record<string, Value> | Value[],
  options = SYMBOLIC,
): string {
  const [device, fn] = fnOf(deviceName, fnName);
  const format = fn.kind === "callback" ? formatCallback : formatResults;
  return pyJsonDumps(format(device, fn, values, options));
}

Deno.test("results in declaration order, by name or by position", () => {
  const expected = '{"red": 1, "green": 2, "blue": 3}';
  assert.equal(
    json("rgb_led_button_bricklet", "get_color", { blue: 3, red: 1, green: 2 }),
    expected,
  );
  assert.equal(json("rgb_led_button_bricklet", "get_color", [1, 2, 3]), expected);
});

Deno.test("symbolic responses: scalars in the table only; off with symbolic false", () => {
  const config = { illuminance_range: 3, integration_time: 2 };
  assert.equal(
    json("ambient_light_v2_bricklet", "get_configuration", config),
    '{"illuminance_range": "8000lux", "integration_time": "150ms"}',
  );
  assert.equal(
    json("ambient_light_v2_bricklet", "get_configuration", config, NUMERIC),
    '{"illuminance_range": 3, "integration_time": 2}',
  );
  assert.equal(json("rgb_led_button_bricklet", "get_button_state", [7]), '{"state": 7}');
  const callback = {
    period: 1000,
    value_has_to_change: false,
    option: "x",
    min: 0,
    max: 0,
  };
  assert.equal(
    json("temperature_v2_bricklet", "get_temperature_callback_configuration", callback),
    '{"period": 1000, "value_has_to_change": false, "option": "off", "min": 0, "max": 0}',
  );
  // Arrays are never translated.
  assert.equal(
    json("multi_io_bricklet", "get_inputs", [[0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]),
    '{"value": [0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}',
  );
  // Shared values: the later constant name is the symbol (E-Paper red/gray = 2).
  assert.equal(symbolFor(deviceByName("e_paper_296x128_bricklet")!, "color", 2), "gray");
  // Python dict keys: True == 1 (LCD 128x64 color is a bool group).
  assert.equal(symbolFor(deviceByName("lcd_128x64_bricklet")!, "color", true), "black");
  assert.equal(symbolFor(deviceByName("lcd_128x64_bricklet")!, "color", 0), "white");
});

Deno.test("int64: bare integers by default, decimal strings with int64Strings, also in arrays", () => {
  const big = 9007199254740993n;
  assert.equal(
    json("industrial_counter_bricklet", "get_counter", [big]),
    '{"counter": 9007199254740993}',
  );
  assert.equal(
    json("industrial_counter_bricklet", "get_counter", [big], INT64_STRINGS),
    '{"counter": "9007199254740993"}',
  );
  assert.equal(
    json("industrial_counter_bricklet", "get_all_counter", [[0n, 1n, -2n, big]], INT64_STRINGS),
    '{"counter": ["0", "1", "-2", "9007199254740993"]}',
  );
});

Deno.test("float32 values keep float syntax; chars, char arrays, bool arrays, Latin-1", () => {
  assert.equal(
    json("imu_brick", "get_quaternion", [1, Math.fround(0.1), -0, 23]),
    '{"x": 1.0, "y": 0.10000000149011612, "z": -0.0, "w": 23.0}',
  );
  const chunk = ["a", "\u00e9", ...Array(58).fill("\0")];
  assert.equal(
    json("rs232_v2_bricklet", "read_low_level", [2, 0, chunk]),
    `{"message_length": 2, "message_chunk_offset": 0, "message_chunk_data": ["a", "\\u00e9", ${
      Array(58).fill('"\\u0000"').join(", ")
    }]}`,
  );
  assert.equal(
    json("industrial_digital_out_4_v2_bricklet", "get_value", [[true, false, false, true]]),
    '{"value": [true, false, false, true]}',
  );
});

Deno.test("high-level function results use dashes; callbacks and low-level keep underscores", () => {
  const [, write] = fnOf("rs232_v2_bricklet", "write");
  assert.deepEqual(resultNames(write), ["message-written"]);
  assert.equal(pyJsonDumps(nullResults(write)), '{"message-written": null}');
  assert.equal(
    json("rs232_v2_bricklet", "write", { message_written: 4 }),
    '{"message-written": 4}',
  );
  const frame = { success: true, frame_type: 0, identifier: 7, data: [1, 2] };
  assert.equal(
    json("can_v2_bricklet", "read_frame", frame),
    '{"success": true, "frame-type": "standard_data", "identifier": 7, "data": [1, 2]}',
  );
  assert.equal(
    json("can_v2_bricklet", "frame_read", { frame_type: 1, identifier: 7, data: [3] }),
    '{"frame_type": "standard_remote", "identifier": 7, "data": [3]}',
  );
  assert.equal(
    json("rs232_v2_bricklet", "read", { message: ["a", "b", "c"] }),
    '{"message": ["a", "b", "c"]}',
  );
  assert.equal(
    json("rgb_led_button_bricklet", "button_state_changed", [0]),
    '{"state": "pressed"}',
  );
  assert.equal(
    json("rgb_led_button_bricklet", "button_state_changed", [1], NUMERIC),
    '{"state": 1}',
  );
});

Deno.test("get_identity: _display_name, symbolic device_identifier, unknown identifiers", () => {
  const identity = (id: number) => ["Dod", "6Ka2Yq", "a", [1, 0, 0], [2, 0, 3], id] as Value[];
  const head =
    '{"uid": "Dod", "connected_uid": "6Ka2Yq", "position": "a", "hardware_version": [1, 0, 0], "firmware_version": [2, 0, 3], ';
  assert.equal(
    json("rgb_led_button_bricklet", "get_identity", identity(282)),
    head +
      '"device_identifier": "rgb_led_button_bricklet", "_display_name": "RGB LED Button Bricklet"}',
  );
  assert.equal(
    json("temperature_v2_bricklet", "get_identity", identity(282), NUMERIC),
    head + '"device_identifier": 282, "_display_name": "RGB LED Button Bricklet"}',
  );
  assert.equal(
    json("rgb_led_button_bricklet", "get_identity", identity(9999)),
    head + '"device_identifier": 9999, "_display_name": "Unknown Device [9999]"}',
  );
  // Known to the codecs but not a released device: no topic name to show.
  assert.equal(
    json("rgb_led_button_bricklet", "get_identity", identity(21111)),
    head + '"device_identifier": 21111, "_display_name": "Stream Test Bricklet"}',
  );
  assert.equal(displayNameOf(2113), "Temperature Bricklet 2.0");
  assert.equal(topicNameOf(2113), "temperature_v2_bricklet");
  assert.equal(topicNameOf(21111), undefined);
});
