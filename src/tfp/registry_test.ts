import assert from "node:assert/strict";
import {
  allDevices,
  callbackById,
  callbackByName,
  deviceByIdentifier,
  deviceByName,
  functionById,
  functionByName,
  highLevelCallbackFor,
} from "./registry.ts";
import type { DeviceSpec, PacketSpec } from "./spec.ts";

function device(name: string): DeviceSpec {
  const found = deviceByName(name);
  assert.ok(found, `device "${name}" exists`);
  return found;
}

function fn(spec: DeviceSpec, name: string): PacketSpec {
  const found = functionByName(spec, name);
  assert.ok(found, `function "${name}" of "${spec.name}" exists`);
  return found;
}

Deno.test("deviceByIdentifier() and deviceByName() find the RGB LED Button Bricklet", () => {
  const button = device("rgb_led_button_bricklet");
  assert.equal(button.identifier, 282);
  assert.equal(deviceByIdentifier(282), button);
  assert.equal(button.displayName, "RGB LED Button Bricklet");
  assert.equal(button.baseName, "RGB LED Button");
  assert.equal(button.category, "Bricklet");
});

Deno.test("deviceByIdentifier() and deviceByName() return undefined when unknown", () => {
  assert.equal(deviceByIdentifier(65535), undefined);
  assert.equal(deviceByName("no_such_bricklet"), undefined);
  assert.equal(deviceByName("__proto__"), undefined);
});

Deno.test("functionById() and callbackById() resolve RGB LED Button packets", () => {
  const button = device("rgb_led_button_bricklet");
  const getColor = fn(button, "get_color");
  assert.equal(getColor.id, 2);
  assert.equal(functionById(button, 2), getColor);
  assert.deepEqual(getColor.out.map((e) => [e.name, e.type, e.count]), [
    ["red", "uint8", 1],
    ["green", "uint8", 1],
    ["blue", "uint8", 1],
  ]);
  const changed = callbackByName(button, "button_state_changed");
  assert.ok(changed);
  assert.equal(changed.id, 4);
  assert.equal(changed.kind, "callback");
  assert.equal(callbackById(button, 4), changed);
  assert.equal(changed.out[0].symbols, "button_state");
  assert.deepEqual(button.constants.button_state, { pressed: 0, released: 1 });
  assert.equal(functionById(button, 4), undefined, "callback ids are not function ids");
  assert.equal(functionByName(button, "button_state_changed"), undefined);
});

Deno.test("RS232 2.0 write is a variable stream with short writes", () => {
  const rs232 = device("rs232_v2_bricklet");
  const write = fn(rs232, "write");
  assert.equal(write.level, "high");
  assert.deepEqual(write.stream, {
    direction: "in",
    variant: "variable",
    data: "message",
    chunkSize: 60,
    maxLength: 65535,
    shortWrite: true,
    lowLevel: "write_low_level",
  });
  const low = functionById(rs232, write.id);
  assert.equal(low?.name, "write_low_level", "the wire lookup returns the low-level twin");
  assert.equal(fn(rs232, "write_low_level"), low);
});

Deno.test("highLevelCallbackFor() maps a low-level callback id to its high-level twin", () => {
  const rs232 = device("rs232_v2_bricklet");
  const low = callbackByName(rs232, "read_low_level");
  assert.ok(low);
  assert.equal(callbackById(rs232, low.id), low);
  const high = highLevelCallbackFor(rs232, low.id);
  assert.equal(high?.name, "read");
  assert.equal(high?.stream?.lowLevel, "read_low_level");
  assert.equal(high?.stream?.direction, "out");
  const button = device("rgb_led_button_bricklet");
  assert.equal(highLevelCallbackFor(button, 4), undefined, "normal callbacks have no twin");
});

Deno.test("Thermal Imaging get_high_contrast_image is a fixed-length stream", () => {
  const thermal = device("thermal_imaging_bricklet");
  const image = fn(thermal, "get_high_contrast_image");
  assert.equal(image.stream?.variant, "fixed_length");
  assert.equal(image.stream?.fixedLength, 4800);
  assert.equal(image.stream?.maxLength, 4800);
  assert.equal(image.stream?.chunkSize, 62);
  assert.equal(image.stream?.direction, "out");
  assert.equal(image.stream?.shortWrite, false);
});

Deno.test("CAN 2.0 write_frame is a single-chunk stream", () => {
  const can = device("can_v2_bricklet");
  const write = fn(can, "write_frame");
  assert.equal(write.stream?.variant, "single_chunk");
  assert.equal(write.stream?.chunkSize, 15);
  assert.equal(write.stream?.maxLength, 15);
  assert.equal(write.stream?.fixedLength, undefined);
  assert.equal(write.stream?.lowLevel, "write_frame_low_level");
});

Deno.test("every device has get_identity with id 255 and the common layout", () => {
  assert.ok(allDevices().length > 150);
  for (const spec of allDevices()) {
    const identity = functionById(spec, 255);
    assert.equal(identity?.name, "get_identity", spec.name);
    assert.equal(identity.in.length, 0, spec.name);
    assert.deepEqual(
      identity.out.map((e) => [e.name, e.type, e.count]),
      [
        ["uid", "string", 8],
        ["connected_uid", "string", 8],
        ["position", "char", 1],
        ["hardware_version", "uint8", 3],
        ["firmware_version", "uint8", 3],
        ["device_identifier", "uint16", 1],
      ],
      spec.name,
    );
    assert.deepEqual(identity.out[3].items?.map((item) => item.name), [
      "major",
      "minor",
      "revision",
    ]);
  }
});

Deno.test("allDevices() is sorted by name with unique names and identifiers", () => {
  const names = allDevices().map((spec) => spec.name);
  assert.deepEqual(names, [...names].sort());
  assert.equal(new Set(names).size, names.length);
  assert.equal(new Set(allDevices().map((spec) => spec.identifier)).size, allDevices().length);
  for (const spec of allDevices()) {
    assert.equal(deviceByName(spec.name), spec);
    assert.equal(deviceByIdentifier(spec.identifier), spec);
  }
});

Deno.test("lookups work for a device that is not in codecs/", () => {
  const ping: PacketSpec = {
    id: 1,
    name: "ping",
    kind: "function",
    level: "normal",
    responseExpected: "always_true",
    doc: "bf",
    in: [],
    out: [],
  };
  const synthetic: DeviceSpec = {
    identifier: 9999,
    name: "synthetic_bricklet",
    baseName: "Synthetic",
    displayName: "Synthetic Bricklet",
    category: "Bricklet",
    released: false,
    apiVersion: [2, 0, 0],
    constants: {},
    functions: [ping],
    callbacks: [],
  };
  assert.equal(functionById(synthetic, 1), ping);
  assert.equal(functionByName(synthetic, "ping"), ping);
  assert.equal(callbackById(synthetic, 1), undefined);
  assert.equal(deviceByIdentifier(9999), undefined, "only codecs/ devices are registered");
});
