/**
 * ThingsBoard attributes of a Brick/Bricklet: its identity when it is enumerated, the unit of
 * every value the sampler sends for it, and the mark it gets when it leaves.
 *
 * Keys are plain (`firmware_version`, `temperature_unit`); device mode prefixes them like the
 * telemetry keys (keys.ts).
 *
 * @module
 */

import type { EnumerateEvent } from "../tfp/identity.ts";
import { deviceByIdentifier } from "../tfp/registry.ts";
import { catalogFor } from "./catalog.ts";
import { unitKey } from "./keys.ts";

/** An attribute value as ThingsBoard stores it. */
export type AttributeValue = string | number | boolean;

/** "1.2.3" from a version triple. */
export function versionText(version: readonly number[]): string {
  return version.join(".");
}

/** `<key>_unit` → unit text for every sampled value of this device type that has a unit. */
export function unitAttributes(deviceIdentifier: number): Record<string, string> {
  const result: Record<string, string> = {};
  const units = catalogFor(deviceIdentifier)?.units;
  if (units === undefined) return result;
  for (const key in units) result[unitKey(key)] = units[key];
  return result;
}

/**
 * Identity attributes of an enumerated device, plus its unit attributes and
 * `connected: true`. `now` is the time of the enumeration (ms since the epoch).
 */
export function identityAttributes(
  event: EnumerateEvent,
  now: number = Date.now(),
): Record<string, AttributeValue> {
  const spec = deviceByIdentifier(event.deviceIdentifier);
  return {
    uid: event.uid,
    device_type: spec?.name ?? `unknown_${event.deviceIdentifier}`,
    device_identifier: event.deviceIdentifier,
    display_name: spec?.displayName ?? `Unknown Device ${event.deviceIdentifier}`,
    position: event.position,
    connected_uid: event.connectedUid,
    hardware_version: versionText(event.hardwareVersion),
    firmware_version: versionText(event.firmwareVersion),
    connected: true,
    connected_at: now,
    ...unitAttributes(event.deviceIdentifier),
  };
}

/** Attributes that mark a device as gone; `now` in ms since the epoch. */
export function departedAttributes(
  uid: string,
  now: number = Date.now(),
): Record<string, AttributeValue> {
  return { uid, connected: false, disconnected_at: now };
}
