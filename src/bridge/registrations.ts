/**
 * Where callback events go (spec §6.2, §7): for each device object and
 * callback, and for each IP-connection callback, the SET of topics registered
 * for it. A topic is the exact answer topic of the register message (device,
 * UID, callback and suffix), so registering it twice delivers once, and
 * deregistering removes only that topic.
 *
 * Registrations belong to a device object of the call engine: when the engine
 * replaces the object at a UID with one of another device type, or drops all
 * objects (`bindings/reset_callbacks`), its registrations go with it, as in
 * the reference.
 *
 * @module
 */

import type { DeviceObject } from "../calls/device_object.ts";
import { StreamCallbackAssembler } from "../tfp/stream_callbacks.ts";
import type { PacketSpec } from "../tfp/spec.ts";

/** The IP-connection callbacks that can be registered. */
export type IpconCallbackName = "enumerate" | "connected" | "disconnected";

/** Whether `name` is an IP-connection callback. */
export function isIpconCallback(name: string): name is IpconCallbackName {
  return name === "enumerate" || name === "connected" || name === "disconnected";
}

/** A callback event that arrived while the device's identity check was under way. */
export interface HeldEvent {
  readonly functionId: number;
  readonly payload: Uint8Array;
}

/** The registrations of one device object. */
export class DeviceRegistrations {
  readonly device: DeviceObject;
  /** Callback name → topics; a callback without topics has no entry */
  readonly topics = new Map<string, Set<string>>();
  /** High-level callback name → its chunk assembler (made on registration) */
  readonly assemblers = new Map<string, StreamCallbackAssembler>();
  /** Events held back until the lazy identity check settles; undefined when none runs */
  held: HeldEvent[] | undefined;

  constructor(device: DeviceObject) {
    this.device = device;
  }

  /** The topics registered for a callback, if any. */
  topicsOf(callbackName: string): ReadonlySet<string> | undefined {
    return this.topics.get(callbackName);
  }
}

/** See the module doc. */
export class CallbackRegistry {
  readonly #devices = new Map<DeviceObject, DeviceRegistrations>();
  readonly #ipcon: Record<IpconCallbackName, Set<string>> = {
    enumerate: new Set(),
    connected: new Set(),
    disconnected: new Set(),
  };

  /** Adds `topic` for `callback` of `device`; false when it was registered already. */
  register(device: DeviceObject, callback: PacketSpec, topic: string): boolean {
    let entry = this.#devices.get(device);
    if (entry === undefined) {
      entry = new DeviceRegistrations(device);
      this.#devices.set(device, entry);
    }
    let topics = entry.topics.get(callback.name);
    if (topics === undefined) {
      topics = new Set();
      entry.topics.set(callback.name, topics);
      if (callback.level === "high" && !entry.assemblers.has(callback.name)) {
        entry.assemblers.set(callback.name, new StreamCallbackAssembler(device.spec, callback));
      }
    }
    if (topics.has(topic)) return false;
    topics.add(topic);
    return true;
  }

  /**
   * Removes `topic` for the callback; false when it was not registered. The
   * last topic of a high-level callback takes its assembler along (the
   * reference leaves a handler behind there and its callback thread dies on
   * the next chunk).
   */
  deregister(device: DeviceObject, callbackName: string, topic: string): boolean {
    const entry = this.#devices.get(device);
    const topics = entry?.topics.get(callbackName);
    if (entry === undefined || topics === undefined || !topics.delete(topic)) return false;
    if (topics.size === 0) {
      entry.topics.delete(callbackName);
      entry.assemblers.delete(callbackName);
      if (entry.topics.size === 0 && entry.held === undefined) this.#devices.delete(device);
    }
    return true;
  }

  /** The registrations of a device object, if it has any. */
  of(device: DeviceObject): DeviceRegistrations | undefined {
    return this.#devices.get(device);
  }

  /** Forgets a device object that the engine replaced. */
  dropDevice(device: DeviceObject): void {
    this.#devices.delete(device);
  }

  /** The topics registered for an IP-connection callback. */
  ipcon(name: IpconCallbackName): ReadonlySet<string> {
    return this.#ipcon[name];
  }

  /** Adds or removes an IP-connection callback topic; false when nothing changed. */
  setIpcon(name: IpconCallbackName, topic: string, on: boolean): boolean {
    const topics = this.#ipcon[name];
    if (on === topics.has(topic)) return false;
    if (on) topics.add(topic);
    else topics.delete(topic);
    return true;
  }

  /** Drops every registration (`bindings/reset_callbacks`). */
  clear(): void {
    this.#devices.clear();
    for (const topics of Object.values(this.#ipcon)) topics.clear();
  }

  /** Forgets partly received streams, e.g. after the Brick Daemon connection was lost. */
  resetStreams(): void {
    for (const entry of this.#devices.values()) {
      for (const assembler of entry.assemblers.values()) assembler.reset();
    }
  }

  /** Number of device topics and IP-connection topics registered (for status and tests). */
  get size(): number {
    let count = 0;
    for (const entry of this.#devices.values()) {
      for (const topics of entry.topics.values()) count += topics.size;
    }
    for (const topics of Object.values(this.#ipcon)) count += topics.size;
    return count;
  }
}
