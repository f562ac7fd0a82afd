/**
 * Enumerate callback packets (FID 253) of simulated devices (tfp-protocol.md §4.2).
 *
 * @module
 */

import { buildPacket } from "../tfp/header.ts";
import { CALLBACK_ENUMERATE, ENUMERATE_ELEMENTS } from "../tfp/identity.ts";
import { encodePayload } from "../tfp/payload.ts";
import type { SimDevice } from "./device_model.ts";

/** enumeration_type values. */
export const ENUMERATION_AVAILABLE = 0;
export const ENUMERATION_CONNECTED = 1;
export const ENUMERATION_DISCONNECTED = 2;

/** The enumerate callback a device sends; DISCONNECTED zeroes everything but the UID like brickd. */
export function enumeratePacket(device: SimDevice, enumerationType: number): Uint8Array {
  const id = device.identity;
  const values = enumerationType === ENUMERATION_DISCONNECTED
    ? [id.uidText, "", "\0", [0, 0, 0], [0, 0, 0], 0, enumerationType]
    : [
      id.uidText,
      id.connectedUid,
      id.position,
      [...id.hardwareVersion],
      [...id.firmwareVersion],
      device.spec.identifier,
      enumerationType,
    ];
  return buildPacket(
    id.uid,
    CALLBACK_ENUMERATE,
    0,
    true,
    encodePayload(ENUMERATE_ELEMENTS, values),
  );
}
