/**
 * Lookups over the generated device codecs in `codecs/`.
 *
 * Most processes talk to a handful of the ~170 device types, so a device's
 * spec is built on its first lookup (see `codecs/mod.ts`), and so are its
 * packet maps; both are cached, so every lookup after that is O(1).
 *
 * The wire lookups ({@link functionById}, {@link callbackById}) return the
 * packet whose layout is on the wire: a normal or low-level packet, never the
 * high-level twin that shares its id.
 *
 * @module
 */
import { type CodecEntry, codecs } from "../../codecs/mod.ts";
import type { DeviceSpec, PacketSpec } from "./spec.ts";

const byIdentifier = new Map<number, CodecEntry>();
const byName = new Map<string, CodecEntry>();
for (const entry of codecs) {
  byIdentifier.set(entry.identifier, entry);
  byName.set(entry.name, entry);
}

// One spec object per device, so callers may compare and key by it.
const built = new Map<CodecEntry, DeviceSpec>();

function specOf(entry: CodecEntry | undefined): DeviceSpec | undefined {
  if (entry === undefined) return undefined;
  let spec = built.get(entry);
  if (spec === undefined) {
    spec = entry.load();
    built.set(entry, spec);
  }
  return spec;
}

/** Every known device, sorted by name (builds every spec: for tools and tests) */
export function allDevices(): readonly DeviceSpec[] {
  return codecs.map((entry) => specOf(entry)!);
}

interface PacketIndex {
  readonly functionsByName: ReadonlyMap<string, PacketSpec>;
  readonly functionsById: ReadonlyMap<number, PacketSpec>;
  readonly callbacksByName: ReadonlyMap<string, PacketSpec>;
  readonly callbacksById: ReadonlyMap<number, PacketSpec>;
  readonly highLevelCallbacksById: ReadonlyMap<number, PacketSpec>;
}

// Keyed by the spec object so devices that are not in codecs/ (test fixtures,
// synthetic devices) work too.
const indexes = new WeakMap<DeviceSpec, PacketIndex>();

function buildIndex(device: DeviceSpec): PacketIndex {
  const functionsByName = new Map<string, PacketSpec>();
  const functionsById = new Map<number, PacketSpec>();
  for (const packet of device.functions) {
    functionsByName.set(packet.name, packet);
    if (packet.level !== "high") functionsById.set(packet.id, packet);
  }
  const callbacksByName = new Map<string, PacketSpec>();
  const callbacksById = new Map<number, PacketSpec>();
  const highLevelCallbacksById = new Map<number, PacketSpec>();
  for (const packet of device.callbacks) {
    callbacksByName.set(packet.name, packet);
    if (packet.level === "high") highLevelCallbacksById.set(packet.id, packet);
    else callbacksById.set(packet.id, packet);
  }
  return { functionsByName, functionsById, callbacksByName, callbacksById, highLevelCallbacksById };
}

function indexOf(device: DeviceSpec): PacketIndex {
  let index = indexes.get(device);
  if (index === undefined) {
    index = buildIndex(device);
    indexes.set(device, index);
  }
  return index;
}

/** The device with this device identifier (as in enumerate / get_identity) */
export function deviceByIdentifier(id: number): DeviceSpec | undefined {
  return specOf(byIdentifier.get(id));
}

/** The device with this MQTT name, e.g. "rgb_led_button_bricklet" */
export function deviceByName(name: string): DeviceSpec | undefined {
  return specOf(byName.get(name));
}

/** A function by snake_case name; normal, low- or high-level */
export function functionByName(device: DeviceSpec, name: string): PacketSpec | undefined {
  return indexOf(device).functionsByName.get(name);
}

/** The normal or low-level function that has this function id on the wire */
export function functionById(device: DeviceSpec, id: number): PacketSpec | undefined {
  return indexOf(device).functionsById.get(id);
}

/** A callback by snake_case name; normal, low- or high-level */
export function callbackByName(device: DeviceSpec, name: string): PacketSpec | undefined {
  return indexOf(device).callbacksByName.get(name);
}

/** The normal or low-level callback that has this callback id on the wire */
export function callbackById(device: DeviceSpec, id: number): PacketSpec | undefined {
  return indexOf(device).callbacksById.get(id);
}

/** The high-level callback assembled from the low-level callback with this id, if any */
export function highLevelCallbackFor(device: DeviceSpec, id: number): PacketSpec | undefined {
  return indexOf(device).highLevelCallbacksById.get(id);
}
