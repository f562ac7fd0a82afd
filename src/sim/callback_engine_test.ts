import assert from "node:assert/strict";
import type { Value } from "../tfp/payload.ts";
import { deviceByName, functionByName } from "../tfp/registry.ts";
import type { PacketSpec } from "../tfp/spec.ts";
import { CallbackEngine, thresholdMet } from "./callback_engine.ts";

Deno.test("thresholdMet implements the options x, o, i, < and >", () => {
  const t = [["v", 10, 20] as const];
  const at = (v: number) => ({ v });
  assert.equal(thresholdMet("x", t, at(0)), true);
  assert.equal(thresholdMet("o", t, at(5)), true);
  assert.equal(thresholdMet("o", t, at(15)), false);
  assert.equal(thresholdMet("i", t, at(10)), true);
  assert.equal(thresholdMet("i", t, at(21)), false);
  assert.equal(thresholdMet("<", t, at(9)), true);
  assert.equal(thresholdMet("<", t, at(10)), false);
  assert.equal(thresholdMet(">", t, at(11)), true, "max is ignored");
  assert.equal(thresholdMet(">", t, at(10)), false);
});

/** An engine over a device whose values the test controls; waits for emits with a deadline. */
function harness(deviceName: string) {
  const device = deviceByName(deviceName)!;
  const values = new Map<string, Record<string, Value>>();
  const emitted: [string, Record<string, Value>][] = [];
  let notify: (() => void) | undefined;
  let reads = 0;
  const engine = new CallbackEngine(device, {
    callbackValues: (callback, key) => {
      reads++;
      notify?.();
      return { ...(values.get(callback.name) ?? {}), ...key };
    },
    emit: (callback, v) => {
      emitted.push([callback.name, v]);
      notify?.();
    },
  });
  const configure = (name: string, request: Record<string, Value>) =>
    engine.configure(functionByName(device, name) as PacketSpec, request);
  /** Resolves once `done()` holds, checked after every timer tick and emit. */
  const until = (done: () => boolean, what: string, ms = 2000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      notify = () => {
        if (done()) {
          clearTimeout(timer);
          notify = undefined;
          resolve();
        }
      };
      notify();
    });
  const emittedCount = (count: number) =>
    until(() => emitted.length >= count, `${count} callbacks`);
  /** Resolves after `count` more timer ticks (reads of the current values). */
  const ticks = (count: number) => {
    const target = reads + count;
    return until(() => reads >= target, `${count} ticks`);
  };
  return { engine, values, emitted, configure, emittedCount, ticks };
}

Deno.test("a configured period sends callbacks until the period is set to 0", async () => {
  const h = harness("temperature_v2_bricklet");
  h.values.set("temperature", { temperature: 2100 });
  h.engine.resume();
  try {
    h.configure("set_temperature_callback_configuration", {
      period: 5,
      value_has_to_change: false,
      option: "x",
      min: 0,
      max: 0,
    });
    assert.equal(h.engine.timerCount, 1);
    await h.emittedCount(3);
    assert.deepEqual(h.emitted[0], ["temperature", { temperature: 2100 }]);
    h.configure("set_temperature_callback_configuration", {
      period: 0,
      value_has_to_change: false,
      option: "x",
      min: 0,
      max: 0,
    });
    assert.equal(h.engine.timerCount, 0);
  } finally {
    h.engine.suspend();
  }
});

Deno.test("value_has_to_change and thresholds filter callbacks", async () => {
  const h = harness("temperature_v2_bricklet");
  h.values.set("temperature", { temperature: 2100 });
  h.engine.resume();
  try {
    h.configure("set_temperature_callback_configuration", {
      period: 2,
      value_has_to_change: true,
      option: ">",
      min: 2000,
      max: 0,
    });
    await h.emittedCount(1);
    await h.ticks(3); // unchanged value: not sent again
    assert.equal(h.emitted.length, 1);
    h.values.set("temperature", { temperature: 1900 }); // below the threshold: not sent
    await h.ticks(3);
    assert.equal(h.emitted.length, 1);
    h.values.set("temperature", { temperature: 2200 });
    await h.emittedCount(2);
    assert.deepEqual(h.emitted.map(([, v]) => v.temperature), [2100, 2200]);
  } finally {
    h.engine.suspend();
  }
});

Deno.test("old-style threshold callbacks fire every debounce period while met", async () => {
  const h = harness("ambient_light_bricklet");
  h.values.set("illuminance_reached", { illuminance: 500 });
  h.engine.resume();
  try {
    h.configure("set_debounce_period", { debounce: 3 });
    h.configure("set_illuminance_callback_threshold", { option: "<", min: 1000, max: 0 });
    await h.emittedCount(2);
    assert.equal(h.emitted[0][0], "illuminance_reached");
    h.configure("set_illuminance_callback_threshold", { option: "x", min: 0, max: 0 });
    assert.equal(h.engine.timerCount, 0);
  } finally {
    h.engine.suspend();
  }
});

Deno.test("channel keys give one timer per channel; suspend/resume keep the configuration", async () => {
  const h = harness("industrial_dual_analog_in_v2_bricklet");
  h.values.set("voltage", { voltage: 1234 });
  const config = { period: 4, value_has_to_change: false, option: "x", min: 0, max: 0 };
  h.configure("set_voltage_callback_configuration", { channel: 0, ...config });
  h.configure("set_voltage_callback_configuration", { channel: 1, ...config });
  assert.equal(h.engine.timerCount, 0, "not running yet");
  h.engine.resume();
  try {
    assert.equal(h.engine.timerCount, 2);
    await h.emittedCount(4);
    const channels = new Set(h.emitted.map(([, v]) => v.channel));
    assert.deepEqual([...channels].sort(), [0, 1]);
    h.engine.suspend();
    assert.equal(h.engine.timerCount, 0);
    h.engine.resume();
    assert.equal(h.engine.timerCount, 2);
  } finally {
    h.engine.suspend();
  }
});

Deno.test("enable/disable switch the gate of event callbacks", () => {
  const h = harness("rs232_v2_bricklet");
  assert.equal(h.engine.allows("read_low_level", {}), false);
  h.configure("enable_read_callback", {});
  assert.equal(h.engine.allows("read_low_level", {}), true);
  h.configure("disable_read_callback", {});
  assert.equal(h.engine.allows("read_low_level", {}), false);
  assert.equal(h.engine.allows("error_count", {}), true, "ungated callbacks are always allowed");
});
