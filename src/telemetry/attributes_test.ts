import assert from "node:assert/strict";
import type { EnumerateEvent } from "../tfp/identity.ts";
import { departedAttributes, identityAttributes, unitAttributes } from "./attributes.ts";

const event = (deviceIdentifier: number): EnumerateEvent => ({
  uid: "ZQv",
  connectedUid: "HAT1",
  position: "a",
  hardwareVersion: [1, 0, 0],
  firmwareVersion: [2, 0, 13],
  deviceIdentifier,
  enumerationType: "available",
  enumerationTypeCode: 0,
});

Deno.test("identityAttributes: identity, versions as text, units, connected", () => {
  assert.deepEqual(identityAttributes(event(2113), 1_700_000_000_000), {
    uid: "ZQv",
    device_type: "temperature_v2_bricklet",
    device_identifier: 2113,
    display_name: "Temperature Bricklet 2.0",
    position: "a",
    connected_uid: "HAT1",
    hardware_version: "1.0.0",
    firmware_version: "2.0.13",
    connected: true,
    connected_at: 1_700_000_000_000,
    temperature_unit: "°C",
  });
  const humidity = identityAttributes(event(283));
  assert.equal(humidity.humidity_unit, "%RH");
  assert.equal(humidity.temperature_unit, "°C");
  assert.equal(typeof humidity.connected_at, "number");
});

Deno.test("identityAttributes: unknown and unsampled device types", () => {
  const unknown = identityAttributes(event(54321), 5);
  assert.equal(unknown.device_type, "unknown_54321");
  assert.equal(unknown.display_name, "Unknown Device 54321");
  assert.ok(!Object.keys(unknown).some((key) => key.endsWith("_unit")));
  const button = identityAttributes(event(282), 5); // RGB LED Button: no telemetry
  assert.equal(button.device_type, "rgb_led_button_bricklet");
  assert.ok(!Object.keys(button).some((key) => key.endsWith("_unit")));
});

Deno.test("unitAttributes and departedAttributes", () => {
  assert.deepEqual(unitAttributes(2117), { air_pressure_unit: "hPa", temperature_unit: "°C" });
  assert.deepEqual(unitAttributes(282), {});
  assert.deepEqual(departedAttributes("ZQv", 42), {
    uid: "ZQv",
    connected: false,
    disconnected_at: 42,
  });
});
