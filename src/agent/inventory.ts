/**
 * The devices the agent knows, from enumerate callbacks of its own Brick Daemon connection.
 *
 * brickd answers an enumerate with "available" for every device and sends "connected" /
 * "disconnected" on its own when a device is plugged or unplugged (or resets). The agent
 * enumerates after every (re)connect, so a device seen again after a brickd restart is
 * "arrived" once more (the sampler and ThingsBoard need it re-added), while a repeated
 * "available" for a device already present changes nothing.
 *
 * Devices that vanish while brickd is away cannot be told apart from brickd being away, so a
 * brickd disconnect does not mark devices departed; after the reconnect's enumerate, devices
 * that did not answer within `settleMs` are marked departed.
 *
 * @module
 */

import type { DeviceIdentity, EnumerateEvent } from "../tfp/identity.ts";
import { deviceByIdentifier } from "../tfp/registry.ts";
import { TypedEmitter } from "../util/typed_emitter.ts";

/** A device present on the Brick Daemon. */
export interface KnownDevice extends DeviceIdentity {
  /** Codec name such as `temperature_v2_bricklet`, or `unknown_<id>` */
  readonly deviceName: string;
  /** Tinkerforge's display name such as `Temperature Bricklet 2.0` */
  readonly displayName: string;
  /** Milliseconds since the epoch of the last enumerate answer */
  lastSeen: number;
}

/** Events of a {@link DeviceInventory}. */
export type InventoryEvents = {
  /** A device appeared (first time, or again after it departed) or changed identity */
  arrived: [device: KnownDevice];
  departed: [device: KnownDevice];
};

/** See the module doc. */
export class DeviceInventory extends TypedEmitter<InventoryEvents> {
  readonly #devices = new Map<string, KnownDevice>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    super();
    this.#now = now;
  }

  /** Devices present now, in the order they arrived. */
  get devices(): KnownDevice[] {
    return [...this.#devices.values()];
  }

  get size(): number {
    return this.#devices.size;
  }

  get(uid: string): KnownDevice | undefined {
    return this.#devices.get(uid);
  }

  /** Applies one enumerate callback. */
  apply(event: EnumerateEvent): void {
    if (event.enumerationType === "disconnected") {
      const known = this.#devices.get(event.uid);
      if (known === undefined) return;
      this.#devices.delete(event.uid);
      this.emit("departed", known);
      return;
    }
    const known = this.#devices.get(event.uid);
    const now = this.#now();
    if (
      known !== undefined && known.deviceIdentifier === event.deviceIdentifier &&
      known.position === event.position && known.connectedUid === event.connectedUid &&
      event.enumerationType === "available"
    ) {
      known.lastSeen = now;
      return;
    }
    if (known !== undefined) this.#devices.delete(event.uid);
    const spec = deviceByIdentifier(event.deviceIdentifier);
    const device: KnownDevice = {
      uid: event.uid,
      connectedUid: event.connectedUid,
      position: event.position,
      hardwareVersion: [...event.hardwareVersion],
      firmwareVersion: [...event.firmwareVersion],
      deviceIdentifier: event.deviceIdentifier,
      deviceName: spec?.name ?? `unknown_${event.deviceIdentifier}`,
      displayName: spec?.displayName ?? `Unknown Device ${event.deviceIdentifier}`,
      lastSeen: now,
    };
    this.#devices.set(event.uid, device);
    this.emit("arrived", device);
  }

  /** Marks departed every device not seen since `since` (after a re-enumerate settled). */
  sweep(since: number): void {
    for (const device of [...this.#devices.values()]) {
      if (device.lastSeen >= since) continue;
      this.#devices.delete(device.uid);
      this.emit("departed", device);
    }
  }
}

/** A known device as the enumerate callback that announced it (for attribute builders). */
export function asEnumerateEvent(device: KnownDevice): EnumerateEvent {
  return {
    uid: device.uid,
    connectedUid: device.connectedUid,
    position: device.position,
    hardwareVersion: device.hardwareVersion,
    firmwareVersion: device.firmwareVersion,
    deviceIdentifier: device.deviceIdentifier,
    enumerationType: "available",
    enumerationTypeCode: 0,
  };
}
