import assert from "node:assert/strict";
import { payloadSize } from "../tfp/payload.ts";
import {
  allDevices,
  callbackById,
  deviceByName,
  functionById,
  functionByName,
} from "../tfp/registry.ts";
import type { DeviceSpec } from "../tfp/spec.ts";
import {
  callbackConfigurationPayload,
  catalogFor,
  catalogOf,
  catalogSummary,
  type SampledValue,
} from "./catalog.ts";

function valuesOf(name: string): Map<string, SampledValue> {
  const spec = deviceByName(name);
  assert.ok(spec, name);
  const catalog = catalogOf(spec);
  assert.ok(catalog, `${name} has a catalog`);
  return new Map(catalog.getters.flatMap((g) => g.values.map((v) => [v.key, v] as const)));
}

function expectValue(
  device: string,
  key: string,
  unit: string | undefined,
  scale: readonly [number, number],
): void {
  const value = valuesOf(device).get(key);
  assert.ok(value, `${device} samples "${key}"`);
  assert.equal(value.unit, unit, `${device} ${key} unit`);
  assert.deepEqual(value.scale, scale, `${device} ${key} scale`);
}

Deno.test("catalog: every device type, every referenced function exists and matches", () => {
  let sampled = 0;
  for (const spec of allDevices()) {
    const catalog = catalogOf(spec);
    if (catalog === undefined) continue;
    sampled++;
    assert.ok(catalog.getters.length > 0, spec.name);
    const keys = new Set<string>();
    for (const entry of catalog.getters) {
      const getter = entry.getter;
      assert.equal(functionById(spec, getter.id), getter, `${spec.name}.${getter.name} by id`);
      assert.equal(entry.responseLength, payloadSize(getter.out));
      assert.equal(entry.request.length, payloadSize(getter.in), `${spec.name}.${getter.name}`);
      assert.ok(entry.values.length > 0, `${spec.name}.${getter.name} has values`);
      for (const value of entry.values) {
        assert.match(value.key, /^[a-z][a-z0-9_]*$/, `${spec.name} key "${value.key}"`);
        assert.ok(!keys.has(value.key), `${spec.name}: key "${value.key}" is unique`);
        keys.add(value.key);
        assert.ok(value.offset + 1 <= entry.responseLength, `${spec.name} ${value.key} offset`);
        assert.ok(value.scale[0] > 0 && value.scale[1] > 0, `${spec.name} ${value.key} scale`);
        if (value.unit !== undefined) assert.equal(catalog.units[value.key], value.unit);
      }
      const binding = entry.callback;
      if (binding === undefined) continue;
      assert.equal(callbackById(spec, binding.callback.id), binding.callback);
      assert.equal(functionById(spec, binding.configuration.id), binding.configuration);
      assert.equal(binding.payloadLength, payloadSize(binding.callback.out));
      assert.equal(binding.payloadLength, binding.valueOffset + entry.responseLength);
      if (binding.readBack !== undefined) {
        assert.equal(functionById(spec, binding.readBack.id), binding.readBack);
      }
      const payload = callbackConfigurationPayload(binding, 10_000);
      assert.equal(payload.length, payloadSize(binding.configuration.in));
      assert.equal(binding.configuration.in[binding.periodIndex].name, "period");
    }
  }
  const summary = catalogSummary();
  assert.equal(summary.devices, allDevices().length);
  assert.equal(summary.sampled, sampled);
  console.log(
    `catalog: ${summary.sampled} of ${summary.devices} device types sampled, ` +
      `${summary.getters} getters, ${summary.values} values, ${summary.callbacks} with callbacks`,
  );
  assert.ok(summary.sampled >= 70, `sampled device types: ${summary.sampled}`);
  assert.ok(summary.callbacks >= 80, `getters with callbacks: ${summary.callbacks}`);
});

Deno.test("catalog: well-known sensors map to their SI values", () => {
  expectValue("temperature_v2_bricklet", "temperature", "°C", [1, 100]);
  expectValue("temperature_bricklet", "temperature", "°C", [1, 100]);
  expectValue("humidity_v2_bricklet", "humidity", "%RH", [1, 100]);
  expectValue("humidity_v2_bricklet", "temperature", "°C", [1, 100]);
  expectValue("humidity_bricklet", "humidity", "%RH", [1, 10]);
  expectValue("ambient_light_v3_bricklet", "illuminance", "lx", [1, 100]);
  expectValue("ambient_light_bricklet", "illuminance", "lx", [1, 10]);
  expectValue("barometer_v2_bricklet", "air_pressure", "hPa", [1, 1000]);
  expectValue("co2_v2_bricklet", "co2_concentration", "ppm", [1, 1]);
  expectValue("air_quality_bricklet", "iaq_index", undefined, [1, 1]);
  expectValue("air_quality_bricklet", "air_pressure", "hPa", [1, 100]);
  expectValue("particulate_matter_bricklet", "pm25", "g/m³", [1, 1_000_000]);
  expectValue("load_cell_v2_bricklet", "weight", "g", [1, 1]);
  expectValue("distance_ir_v2_bricklet", "distance", "m", [1, 1000]);
  expectValue("voltage_current_v2_bricklet", "power", "W", [1, 1000]);
  expectValue("voltage_current_v2_bricklet", "current", "A", [1, 1000]);
  expectValue("energy_monitor_bricklet", "real_power", "W", [1, 100]);
  expectValue("temperature_ir_v2_bricklet", "object_temperature", "°C", [1, 10]);
  expectValue("temperature_ir_v2_bricklet", "ambient_temperature", "°C", [1, 10]);
  expectValue("accelerometer_v2_bricklet", "acceleration_x", "gₙ", [1, 10000]);
  expectValue("imu_v3_bricklet", "euler_angle_heading", "°", [1, 16]);
  expectValue("industrial_dual_analog_in_v2_bricklet", "voltage_1", "V", [1, 1000]);
  expectValue("hat_brick", "voltage_dc", "V", [1, 1000]);
  expectValue("master_brick", "stack_voltage", "V", [1, 1000]);
  expectValue("gps_v3_bricklet", "latitude", "°", [1, 1_000_000]);
  assert.equal(valuesOf("gps_v3_bricklet").get("ns")?.type, "char");
});

Deno.test("catalog: configuration, derived and housekeeping values are not sampled", () => {
  const baro = valuesOf("barometer_v2_bricklet");
  assert.deepEqual([...baro.keys()].sort(), ["air_pressure", "temperature"]);
  const temperature = catalogOf(deviceByName("temperature_v2_bricklet")!)!;
  assert.deepEqual(temperature.getters.map((g) => g.getter.name), ["get_temperature"]);
  // get_all_values covers get_temperature/get_humidity/...: one request per sample.
  const airQuality = catalogOf(deviceByName("air_quality_bricklet")!)!;
  assert.deepEqual(airQuality.getters.map((g) => g.getter.name), ["get_all_values"]);
  for (
    const none of [
      "rgb_led_button_bricklet",
      "industrial_dual_relay_bricklet",
      "analog_out_v3_bricklet",
    ]
  ) {
    assert.equal(catalogOf(deviceByName(none)!), undefined, none);
  }
  assert.equal(catalogFor(123456), undefined);
});

Deno.test("catalog: callbacks bind to the matching configuration with 'always send' options", () => {
  const spec = deviceByName("temperature_v2_bricklet")!;
  const binding = catalogOf(spec)!.getters[0].callback!;
  assert.equal(binding.callback.name, "temperature");
  assert.equal(binding.configuration.name, "set_temperature_callback_configuration");
  assert.equal(binding.readBack?.name, "get_temperature_callback_configuration");
  assert.deepEqual(binding.arguments, [0, false, "x", 0, 0]);
  const old = catalogOf(deviceByName("temperature_bricklet")!)!.getters[0].callback!;
  assert.equal(old.configuration.name, "set_temperature_callback_period");
  assert.deepEqual(old.arguments, [0]);
  const channels = catalogOf(deviceByName("industrial_dual_analog_in_v2_bricklet")!)!;
  assert.deepEqual(channels.getters.map((g) => g.callback?.arguments), [
    [0, 0, false, "x", 0, 0],
    [1, 0, false, "x", 0, 0],
  ]);
  assert.equal(channels.getters[1].callback!.channelOffset, 0);
  assert.equal(channels.getters[1].callback!.valueOffset, 1);
  assert.deepEqual([...channels.getters[1].request], [1]);
});

Deno.test("catalog: works for specs outside the codecs and caches per spec", () => {
  const base = deviceByName("temperature_v2_bricklet")!;
  const fixture: DeviceSpec = { ...base, name: "fixture_bricklet", identifier: 99999 };
  const catalog = catalogOf(fixture);
  assert.ok(catalog);
  assert.equal(catalogOf(fixture), catalog);
  assert.equal(catalog.spec, fixture);
  assert.equal(functionByName(fixture, "get_temperature"), catalog.getters[0].getter);
});
