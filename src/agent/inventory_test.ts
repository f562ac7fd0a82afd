import assert from "node:assert/strict";
import type { EnumerateEvent, EnumerationType } from "../tfp/identity.ts";
import { asEnumerateEvent, DeviceInventory, type KnownDevice } from "./inventory.ts";

function event(uid: string, type: EnumerationType, position = "a"): EnumerateEvent {
  return {
    uid,
    connectedUid: "HAT1",
    position,
    hardwareVersion: [1, 0, 0],
    firmwareVersion: [2, 0, 1],
    deviceIdentifier: 2113,
    enumerationType: type,
    enumerationTypeCode: ["available", "connected", "disconnected"].indexOf(type),
  };
}

function recorder(inventory: DeviceInventory) {
  const seen: string[] = [];
  inventory.on("arrived", (d) => seen.push(`+${d.uid}`));
  inventory.on("departed", (d) => seen.push(`-${d.uid}`));
  return seen;
}

Deno.test("inventory: a device arrives once however often it answers an enumerate", () => {
  const inventory = new DeviceInventory();
  const seen = recorder(inventory);
  inventory.apply(event("Tmp", "available"));
  inventory.apply(event("Tmp", "available"));
  assert.deepEqual(seen, ["+Tmp"]);
  const device = inventory.get("Tmp")!;
  assert.equal(device.deviceName, "temperature_v2_bricklet");
  assert.equal(device.displayName, "Temperature Bricklet 2.0");
});

Deno.test("inventory: connected (a reset or re-plug) and a moved device arrive again", () => {
  const inventory = new DeviceInventory();
  const seen = recorder(inventory);
  inventory.apply(event("Tmp", "available"));
  inventory.apply(event("Tmp", "connected"));
  inventory.apply(event("Tmp", "available", "b"));
  assert.deepEqual(seen, ["+Tmp", "+Tmp", "+Tmp"]);
  assert.equal(inventory.size, 1);
  assert.equal(inventory.get("Tmp")!.position, "b");
});

Deno.test("inventory: disconnected departs a known device and ignores an unknown one", () => {
  const inventory = new DeviceInventory();
  const seen = recorder(inventory);
  inventory.apply(event("Xyz", "disconnected"));
  inventory.apply(event("Tmp", "available"));
  inventory.apply(event("Tmp", "disconnected"));
  assert.deepEqual(seen, ["+Tmp", "-Tmp"]);
  assert.equal(inventory.get("Tmp"), undefined);
});

Deno.test("inventory: sweep departs devices that did not answer since a time", () => {
  let now = 1000;
  const inventory = new DeviceInventory(() => now);
  const seen = recorder(inventory);
  inventory.apply(event("Old", "available"));
  now = 2000;
  inventory.apply(event("New", "available"));
  inventory.sweep(1500);
  assert.deepEqual(seen, ["+Old", "+New", "-Old"]);
  assert.deepEqual(inventory.devices.map((d: KnownDevice) => d.uid), ["New"]);
});

Deno.test("inventory: an unknown device identifier still gets a name", () => {
  const inventory = new DeviceInventory();
  inventory.apply({ ...event("Odd", "available"), deviceIdentifier: 65000 });
  const device = inventory.get("Odd")!;
  assert.equal(device.deviceName, "unknown_65000");
  assert.deepEqual(asEnumerateEvent(device).firmwareVersion, [2, 0, 1]);
});
