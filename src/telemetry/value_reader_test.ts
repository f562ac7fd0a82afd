import assert from "node:assert/strict";
import { encodePayload } from "../tfp/payload.ts";
import { deviceByName } from "../tfp/registry.ts";
import { catalogOf } from "./catalog.ts";
import { rawValue, readValues } from "./value_reader.ts";
import { CHAR, FLOAT, INT16, INT64, INT8, UINT32, UINT64 } from "../tfp/payload_plan.ts";

Deno.test("readValues: SI scaling gives the nearest double, scale 1 keeps integers", () => {
  const getter = catalogOf(deviceByName("temperature_v2_bricklet")!)!.getters[0];
  const values: Record<string, number | boolean | string> = {};
  readValues(values, encodePayload(getter.getter.out, [2345]), 0, getter.values);
  assert.deepEqual(values, { temperature: 23.45 });
  readValues(values, encodePayload(getter.getter.out, [-4500]), 0, getter.values);
  assert.deepEqual(values, { temperature: -45 });
  const co2 = catalogOf(deviceByName("co2_v2_bricklet")!)!.getters[0];
  readValues(values, encodePayload(co2.getter.out, [65535, -1234, 9999]), 0, co2.values);
  assert.deepEqual(values, {
    temperature: -12.34,
    co2_concentration: 65535,
    humidity: 99.99,
  });
  assert.ok(Number.isInteger(values.co2_concentration));
});

Deno.test("readValues: reads at an offset (callbacks with a channel before the values)", () => {
  const spec = deviceByName("industrial_dual_analog_in_v2_bricklet")!;
  const getter = catalogOf(spec)!.getters[1];
  const binding = getter.callback!;
  const payload = encodePayload(binding.callback.out, [1, -12345]);
  const values: Record<string, number | boolean | string> = {};
  readValues(values, payload, binding.valueOffset, getter.values);
  assert.deepEqual(values, { voltage_1: -12.345 });
});

Deno.test("rawValue: every wire type the catalog can sample", () => {
  const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.equal(rawValue(bytes, INT8, 0), -1);
  assert.equal(rawValue(bytes, INT16, 0), -1);
  assert.equal(rawValue(bytes, UINT32, 0), 4294967295);
  assert.equal(rawValue(bytes, INT64, 0), -1);
  assert.equal(rawValue(new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0]), UINT64, 0), 2 ** 32 + 1);
  assert.equal(
    rawValue(new Uint8Array([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), INT64, 0),
    -2,
  );
  assert.equal(rawValue(new Uint8Array(new Float32Array([1.5]).buffer), FLOAT, 0), 1.5);
  assert.equal(rawValue(new Uint8Array([78]), CHAR, 0), "N");
  assert.throws(() => rawValue(bytes, 99, 0), TypeError);
});
