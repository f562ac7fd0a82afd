/**
 * Invariants every generated codec must satisfy. They are checked at
 * generation time so a broken spec never reaches `codecs/`: the registry and
 * the wire layer rely on unique ids and names and on the 64-byte TFP payload
 * limit.
 *
 * @module
 */
import { MAX_PAYLOAD_SIZE } from "../src/tfp/header.ts";
import type { DeviceSpec, ElementSpec, PacketSpec, WireType } from "../src/tfp/spec.ts";

const ITEM_SIZES: Readonly<Record<Exclude<WireType, "bool" | "string">, number>> = {
  int8: 1,
  uint8: 1,
  char: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float: 4,
  int64: 8,
  uint64: 8,
};

/** Bytes on the wire; bool arrays are bit-packed, a string's count is its byte length. */
export function elementsSize(elements: readonly ElementSpec[]): number {
  let size = 0;
  for (const element of elements) {
    if (element.count <= 0) {
      throw new RangeError(`Element "${element.name}" has no fixed size (count ${element.count})`);
    }
    if (element.type === "bool") size += Math.ceil(element.count / 8);
    else if (element.type === "string") size += element.count;
    else size += ITEM_SIZES[element.type] * element.count;
  }
  return size;
}

function checkPackets(device: DeviceSpec, packets: readonly PacketSpec[], kind: string): void {
  const names = new Set<string>();
  const wireIds = new Set<number>();
  for (const packet of packets) {
    const where = `Device "${device.name}" ${kind} "${packet.name}"`;
    if (names.has(packet.name)) throw new SyntaxError(`${where} is defined twice`);
    names.add(packet.name);
    if (!Number.isInteger(packet.id) || packet.id < 1 || packet.id > 255) {
      throw new RangeError(`${where} has id ${packet.id} outside 1..255`);
    }
    if (packet.level === "high") continue;
    if (wireIds.has(packet.id)) throw new SyntaxError(`${where} reuses id ${packet.id}`);
    wireIds.add(packet.id);
    for (
      const [direction, elements] of [["request", packet.in], ["response", packet.out]] as const
    ) {
      const size = elementsSize(elements);
      if (size > MAX_PAYLOAD_SIZE) {
        throw new RangeError(
          `${where} has a ${size}-byte ${direction}, limit is ${MAX_PAYLOAD_SIZE}`,
        );
      }
    }
  }
}

/** Checks one device: unique packet names, unique wire ids, payload limits */
export function checkDevice(device: DeviceSpec): void {
  checkPackets(device, device.functions, "function");
  checkPackets(device, device.callbacks, "callback");
  for (const callback of device.callbacks) {
    if (callback.in.length > 0) {
      throw new SyntaxError(`Device "${device.name}" callback "${callback.name}" has in elements`);
    }
  }
}

/** Checks the set of devices: unique identifiers and unique names */
export function checkDevices(devices: readonly DeviceSpec[]): void {
  const identifiers = new Map<number, string>();
  const names = new Set<string>();
  for (const device of devices) {
    const other = identifiers.get(device.identifier);
    if (other !== undefined) {
      throw new SyntaxError(
        `Devices "${other}" and "${device.name}" share identifier ${device.identifier}`,
      );
    }
    identifiers.set(device.identifier, device.name);
    if (names.has(device.name)) throw new SyntaxError(`Device name "${device.name}" is used twice`);
    names.add(device.name);
  }
}
