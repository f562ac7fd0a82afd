import assert from "node:assert/strict";
import { allDevices, deviceByName } from "../tfp/registry.ts";
import { deriveCallbackRules, unmatchedConfigurations } from "./callback_rules.ts";

Deno.test("every callback configuration function of every device maps to an existing callback", () => {
  const unmatched = allDevices().flatMap((device) =>
    unmatchedConfigurations(device).map((name) => `${device.name}.${name}`)
  );
  assert.deepEqual(unmatched, []);
  for (const device of allDevices()) {
    for (const rule of deriveCallbackRules(device)) {
      assert.ok(device.callbacks.includes(rule.callback), `${device.name}.${rule.callback.name}`);
      assert.notEqual(rule.callback.level, "high");
      for (const key of rule.keys) {
        assert.ok(rule.function.in.some((e) => e.name === key));
        assert.ok(rule.callback.out.some((e) => e.name === key));
      }
    }
  }
});

Deno.test("most devices' callbacks are drivable by a configuration function", () => {
  let callbacks = 0, driven = 0;
  for (const device of allDevices()) {
    const names = new Set(deriveCallbackRules(device).map((rule) => rule.callback.name));
    for (const callback of device.callbacks) {
      if (callback.level === "high") continue;
      callbacks++;
      if (names.has(callback.name)) driven++;
    }
  }
  assert.ok(driven >= 260, `${driven} of ${callbacks} callbacks driven`);
});

function rulesOf(device: string) {
  return deriveCallbackRules(deviceByName(device)!).map((
    r,
  ) => [r.kind, r.function.name, r.callback.name, ...r.keys]);
}

Deno.test("rule kinds on representative devices", () => {
  assert.deepEqual(rulesOf("temperature_v2_bricklet"), [
    ["configuration", "set_temperature_callback_configuration", "temperature"],
  ]);
  assert.deepEqual(rulesOf("rs232_v2_bricklet"), [
    ["enable", "enable_read_callback", "read_low_level"],
    ["disable", "disable_read_callback", "read_low_level"],
    ["configuration", "set_frame_readable_callback_configuration", "frame_readable"],
  ]);
  const ambient = rulesOf("ambient_light_bricklet");
  assert.ok(
    ambient.some(([kind, fn, cb]) =>
      kind === "callback_period" && fn === "set_illuminance_callback_period" && cb === "illuminance"
    ),
  );
  assert.ok(
    ambient.some(([kind, fn, cb]) =>
      kind === "threshold" && fn === "set_illuminance_callback_threshold" &&
      cb === "illuminance_reached"
    ),
  );
  assert.ok(rulesOf("imu_brick").some(([kind, , cb]) => kind === "period" && cb === "all_data"));
  assert.ok(
    rulesOf("industrial_dual_analog_in_v2_bricklet").some(([kind, , cb, key]) =>
      kind === "configuration" && cb === "voltage" && key === "channel"
    ),
  );
  assert.deepEqual(
    rulesOf("dmx_bricklet").map(([kind, , cb]) => [kind, cb]),
    [["flag", "frame_started"], ["flag", "frame_available"], ["flag", "frame_low_level"], [
      "flag",
      "frame_error_count",
    ]],
  );
  assert.ok(rulesOf("outdoor_weather_bricklet").some(([, , cb]) => cb === "station_data"));
  assert.ok(
    rulesOf("arinc429_bricklet").some(([, fn, cb]) =>
      fn === "set_rx_callback_configuration" && cb === "frame_message"
    ),
  );
});
