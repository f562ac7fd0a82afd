import assert from "node:assert/strict";
import { decodeNamed, encodeNamed, type Value } from "../tfp/payload.ts";
import { allDevices, deviceByName, functionByName } from "../tfp/registry.ts";
import type { PacketSpec } from "../tfp/spec.ts";
import { SimDevice } from "./device_model.ts";
import { createRandom, defaultValue } from "./readings.ts";

function simulate(name: string, emitted: [string, Record<string, Value>][] = []): SimDevice {
  const spec = deviceByName(name)!;
  return new SimDevice({
    spec,
    identity: {
      uid: 4242,
      uidText: "2Fq",
      connectedUid: "0",
      position: "a",
      hardwareVersion: [1, 1, 0],
      firmwareVersion: [2, 0, 7],
    },
    random: createRandom(3),
    emit: (callback, values) => emitted.push([callback.name, values]),
  });
}

function call(device: SimDevice, name: string, request: Record<string, unknown> = {}) {
  const fn = functionByName(device.spec, name)!;
  // Through the codec both ways, as on the wire.
  const decoded = decodeNamed(fn.in, encodeNamed(fn.in, request));
  return decodeNamed(fn.out, encodeNamed(fn.out, device.handle(fn, decoded)));
}

Deno.test("every function of every real device answers with an encodable response", () => {
  const failures: string[] = [];
  let calls = 0;
  for (const spec of allDevices()) {
    if (spec.identifier < 0) continue; // placeholder specs (unknown_*) are not devices
    const device = new SimDevice({
      spec,
      identity: {
        uid: 5,
        uidText: "6",
        connectedUid: "0",
        position: "a",
        hardwareVersion: [1, 0, 0],
        firmwareVersion: [2, 0, 0],
      },
      random: createRandom(1),
      emit: () => {},
    });
    for (const fn of spec.functions as PacketSpec[]) {
      if (fn.level === "high") continue;
      const request: Record<string, Value> = {};
      for (const element of fn.in) request[element.name] = defaultValue(element, spec);
      try {
        encodeNamed(fn.out, device.handle(fn, request));
        calls++;
      } catch (error) {
        failures.push(`${spec.name}.${fn.name}: ${(error as Error).message}`);
      }
    }
    for (const callback of spec.callbacks) {
      if (callback.level === "high") continue;
      try {
        encodeNamed(callback.out, device.callbackValues(callback));
      } catch (error) {
        failures.push(`${spec.name} callback ${callback.name}: ${(error as Error).message}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(calls > 3000, `${calls} calls`);
});

Deno.test("get_identity reports the configured identity", () => {
  assert.deepEqual(call(simulate("rgb_led_button_bricklet"), "get_identity"), {
    uid: "2Fq",
    connected_uid: "0",
    position: "a",
    hardware_version: [1, 1, 0],
    firmware_version: [2, 0, 7],
    device_identifier: 282,
  });
});

Deno.test("setters feed getters: by name, keyed by channel, selected items, enable flags", () => {
  const button = simulate("rgb_led_button_bricklet");
  assert.deepEqual(call(button, "get_color_calibration"), { red: 100, green: 100, blue: 55 });
  call(button, "set_color_calibration", { red: 1, green: 2, blue: 3 });
  assert.deepEqual(call(button, "get_color_calibration"), { red: 1, green: 2, blue: 3 });

  const relay = simulate("industrial_dual_relay_bricklet");
  call(relay, "set_selected_value", { channel: 1, value: true });
  assert.deepEqual(call(relay, "get_value"), { channel0: false, channel1: true });

  const io = simulate("io4_v2_bricklet");
  call(io, "set_selected_value", { channel: 2, value: true });
  assert.deepEqual(call(io, "get_value"), { value: [false, false, true, false] });
  call(io, "set_configuration", { channel: 3, direction: "o", value: true });
  assert.deepEqual(call(io, "get_configuration", { channel: 3 }), { direction: "o", value: true });
  assert.deepEqual(call(io, "get_configuration", { channel: 0 }), { direction: "i", value: true });

  const serial = simulate("rs232_v2_bricklet");
  assert.deepEqual(call(serial, "is_read_callback_enabled"), { enabled: false });
  call(serial, "enable_read_callback");
  assert.deepEqual(call(serial, "is_read_callback_enabled"), { enabled: true });
});

Deno.test("sensor getters drift inside their range; fixed values win", () => {
  const sensor = simulate("temperature_v2_bricklet");
  const { temperature } = call(sensor, "get_temperature");
  assert.ok(typeof temperature === "number" && temperature >= 1900 && temperature <= 2500);
  sensor.setValues("get_temperature", { temperature: 2345 });
  assert.deepEqual(call(sensor, "get_temperature"), { temperature: 2345 });
  assert.throws(() => sensor.setValues("get_nothing", {}), /has no getter "get_nothing"/);
  assert.throws(() => sensor.setValues("get_temperature", { t: 1 }), /has no value "t"/);
});

Deno.test("fire sends an event callback and updates the matching getter", () => {
  const emitted: [string, Record<string, Value>][] = [];
  const button = simulate("rgb_led_button_bricklet", emitted);
  assert.deepEqual(call(button, "get_button_state"), { state: 1 });
  assert.equal(button.fire("button_state_changed", { state: 0 }), true);
  assert.deepEqual(emitted, [["button_state_changed", { state: 0 }]]);
  assert.deepEqual(call(button, "get_button_state"), { state: 0 });
  assert.throws(() => button.fire("nope"), /has no callback "nope"/);
  assert.throws(() => button.fire("button_state_changed", { state: 300 }), /out of range/);
});

Deno.test("fire respects enable flags of gated callbacks", () => {
  const emitted: [string, Record<string, Value>][] = [];
  const strip = simulate("led_strip_v2_bricklet", emitted);
  // frame_started is enabled by default according to the spec.
  assert.equal(strip.fire("frame_started", { length: 3 }), true);
  call(strip, "set_frame_started_callback_configuration", { enable: false });
  assert.equal(strip.fire("frame_started", { length: 3 }), false);
  assert.equal(emitted.length, 1);
});

Deno.test("emitStream splits a streamed callback into chunks", () => {
  const emitted: [string, Record<string, Value>][] = [];
  const serial = simulate("rs232_v2_bricklet", emitted);
  assert.equal(serial.emitStream("read", [..."abc"]), 0, "read callback is disabled by default");
  call(serial, "enable_read_callback");
  const text = "z".repeat(130);
  assert.equal(serial.emitStream("read", [...text]), 3);
  assert.deepEqual(emitted.map(([name, v]) => [name, v.message_length, v.message_chunk_offset]), [
    ["read_low_level", 130, 0],
    ["read_low_level", 130, 60],
    ["read_low_level", 130, 120],
  ]);
  assert.throws(() => serial.emitStream("error_count", []), /no streamed callback/);
});
