/**
 * Enumerate callback and get_identity payloads (tfp-protocol.md §4.2, §4.3).
 *
 * These are the same for every device, so they are defined once here rather
 * than looked up in a device codec.
 *
 * @module
 */
import type { ElementSpec } from "./spec.ts";
import { decodePayload } from "./payload.ts";

/** Function id of get_identity on every device. */
export const FUNCTION_GET_IDENTITY = 255;
/** Broadcast enumerate request (uid 0). */
export const FUNCTION_ENUMERATE = 254;
/** Enumerate callback id. */
export const CALLBACK_ENUMERATE = 253;
/** Disconnect probe (uid 0, no response). */
export const FUNCTION_DISCONNECT_PROBE = 128;

/** Why an enumerate callback was sent. */
export type EnumerationType = "available" | "connected" | "disconnected";

const ENUMERATION_TYPES: readonly EnumerationType[] = ["available", "connected", "disconnected"];

/** Identity of a device as reported by get_identity. */
export interface DeviceIdentity {
  /** Base58 UID text */
  uid: string;
  /** Base58 UID of the parent, "0" when none */
  connectedUid: string;
  /** Stack position '0'..'8' or port letter */
  position: string;
  hardwareVersion: [number, number, number];
  firmwareVersion: [number, number, number];
  deviceIdentifier: number;
}

/** An enumerate callback. For "disconnected" only `uid` is meaningful. */
export interface EnumerateEvent extends DeviceIdentity {
  enumerationType: EnumerationType;
  /** The raw enumeration type byte (unknown values are kept, typed as "available") */
  enumerationTypeCode: number;
}

/** Elements of the get_identity response (25 bytes). */
export const IDENTITY_ELEMENTS: readonly ElementSpec[] = [
  { name: "uid", type: "string", count: 8 },
  { name: "connected_uid", type: "string", count: 8 },
  { name: "position", type: "char", count: 1 },
  { name: "hardware_version", type: "uint8", count: 3 },
  { name: "firmware_version", type: "uint8", count: 3 },
  { name: "device_identifier", type: "uint16", count: 1 },
];

/** Elements of the enumerate callback (26 bytes). */
export const ENUMERATE_ELEMENTS: readonly ElementSpec[] = [
  ...IDENTITY_ELEMENTS,
  { name: "enumeration_type", type: "uint8", count: 1 },
];

/** Payload sizes that must match exactly, else the packet is dropped. */
export const IDENTITY_PAYLOAD_SIZE = 25;
export const ENUMERATE_PAYLOAD_SIZE = 26;

/** Decodes a get_identity response payload (25 bytes). */
export function decodeIdentity(payload: Uint8Array): DeviceIdentity {
  if (payload.length !== IDENTITY_PAYLOAD_SIZE) {
    throw new RangeError(
      `Cannot decode get_identity: payload is ${payload.length} bytes, expected ${IDENTITY_PAYLOAD_SIZE}`,
    );
  }
  return identityFromValues(decodePayload(IDENTITY_ELEMENTS, payload));
}

/** Decodes an enumerate callback payload (26 bytes). */
export function decodeEnumerate(payload: Uint8Array): EnumerateEvent {
  if (payload.length !== ENUMERATE_PAYLOAD_SIZE) {
    throw new RangeError(
      `Cannot decode enumerate callback: payload is ${payload.length} bytes, expected ${ENUMERATE_PAYLOAD_SIZE}`,
    );
  }
  const values = decodePayload(ENUMERATE_ELEMENTS, payload);
  const code = values[6] as number;
  return {
    ...identityFromValues(values),
    enumerationType: ENUMERATION_TYPES[code] ?? "available",
    enumerationTypeCode: code,
  };
}

function identityFromValues(values: unknown[]): DeviceIdentity {
  return {
    uid: values[0] as string,
    connectedUid: values[1] as string,
    position: values[2] as string,
    hardwareVersion: values[3] as [number, number, number],
    firmwareVersion: values[4] as [number, number, number],
    deviceIdentifier: values[5] as number,
  };
}
