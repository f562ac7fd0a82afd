import assert from "node:assert/strict";
import { allDevices, deviceByName } from "../tfp/registry.ts";
import type { ElementSpec } from "../tfp/spec.ts";
import {
  createRandom,
  defaultValue,
  DRIFT_INTERVAL_MS,
  isMeasurement,
  plausibleRange,
  Reading,
} from "./readings.ts";

const temperature: ElementSpec = {
  name: "temperature",
  type: "int16",
  count: 1,
  scale: [1, 100],
  unit: "°C",
  range: [-4500, 13000],
};

Deno.test("createRandom is reproducible with a seed", () => {
  const a = createRandom(42), b = createRandom(42), c = createRandom(43);
  const first = [a(), a(), a()];
  assert.deepEqual([b(), b(), b()], first);
  assert.notDeepEqual([c(), c(), c()], first);
  for (const value of first) assert.ok(value >= 0 && value < 1);
});

Deno.test("plausibleRange uses typical values per unit inside the allowed range", () => {
  assert.deepEqual(plausibleRange(temperature), [1900, 2500]);
  // A unit whose typical values lie outside the allowed range falls back to the range middle.
  assert.deepEqual(plausibleRange({ ...temperature, range: [5000, 6000] }), [5450, 5550]);
  assert.deepEqual(plausibleRange({ name: "x", type: "uint8", count: 1 }), [0, 100]);
});

Deno.test("a Reading drifts over time but stays inside its range", () => {
  const reading = new Reading(temperature, createRandom(1), 0);
  const seen = new Set<number>();
  for (let t = 0; t < 2000 * DRIFT_INTERVAL_MS; t += DRIFT_INTERVAL_MS) {
    const value = reading.value(t) as number;
    assert.ok(Number.isInteger(value) && value >= 1900 && value <= 2500, `value ${value}`);
    seen.add(value);
  }
  assert.ok(seen.size > 20, "the value moves");
  // Within one drift step the value does not change.
  const fixed = new Reading(temperature, createRandom(1), 0);
  assert.equal(fixed.value(1), fixed.value(DRIFT_INTERVAL_MS - 1));
});

Deno.test("every measurement of every device reads inside its declared range", () => {
  const random = createRandom(9);
  let checked = 0;
  for (const device of allDevices()) {
    const name = device.name;
    for (const fn of [...device.functions, ...device.callbacks]) {
      for (const element of fn.out) {
        if (!isMeasurement(element) || element.count !== 1) continue;
        const reading = new Reading(element, random, 0);
        for (let t = 0; t < 100_000; t += 20_000) {
          const value = Number(reading.value(t));
          const [min, max] = element.range ?? [-Infinity, Infinity];
          assert.ok(value >= min && value <= max, `${name}.${fn.name}.${element.name} = ${value}`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 1000, `${checked} readings checked`);
});

Deno.test("defaultValue has the right shape and prefers spec defaults and resting symbols", () => {
  const button = deviceByName("rgb_led_button_bricklet")!;
  const state = button.functions.find((f) => f.name === "get_button_state")!.out[0];
  assert.equal(defaultValue(state, button), 1, "released");
  assert.deepEqual(defaultValue({ name: "v", type: "bool", count: 3 }), [false, false, false]);
  assert.deepEqual(defaultValue({ name: "v", type: "int64", count: 1 }), 0n);
  assert.equal(defaultValue({ name: "s", type: "string", count: 8 }), "");
  assert.equal(defaultValue({ name: "c", type: "char", count: 1, default: "x" }), "x");
  assert.equal(defaultValue({ name: "n", type: "uint16", count: 1, range: [10, 20] }), 10);
  assert.deepEqual(defaultValue({ name: "a", type: "int8", count: 2, default: [16, -8] }), [
    16,
    -8,
  ]);
  assert.equal(defaultValue({ name: "success", type: "bool", count: 1 }), true);
});
