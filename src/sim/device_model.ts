/**
 * One simulated device: answers requests generically from its codec.
 *
 * Setters store their values where the linked getter finds them (see
 * value_links.ts); getters return stored values, else configuration defaults
 * (for getters some setter writes), else drifting readings for measurements
 * (elements with a unit or range), else defaults of the right shape. Callback
 * configuration functions also drive the {@link CallbackEngine}; streamed
 * functions go to {@link DeviceStreams}.
 *
 * @module
 */

import { encodeNamed, type Value } from "../tfp/payload.ts";
import { callbackByName, functionByName, highLevelCallbackFor } from "../tfp/registry.ts";
import type { DeviceSpec, ElementSpec, PacketSpec } from "../tfp/spec.ts";
import { CallbackEngine } from "./callback_engine.ts";
import { defaultValue, isMeasurement, type Random, Reading } from "./readings.ts";
import { DeviceStreams, streamCallbackChunks } from "./streams.ts";
import { type DeviceLinks, linksOf } from "./value_links.ts";

/** Identity fields reported by get_identity and enumerate. */
export interface SimIdentity {
  /** 32-bit wire UID */
  readonly uid: number;
  /** Base58 text as reported (what the configuration said) */
  readonly uidText: string;
  readonly connectedUid: string;
  readonly position: string;
  readonly hardwareVersion: readonly [number, number, number];
  readonly firmwareVersion: readonly [number, number, number];
}

/** Construction options of a {@link SimDevice}. */
export interface SimDeviceOptions {
  readonly spec: DeviceSpec;
  readonly identity: SimIdentity;
  readonly random: Random;
  /** Sends a callback packet to the clients */
  readonly emit: (callback: PacketSpec, values: Record<string, Value>) => void;
}

const GET_IDENTITY = 255;

function keyOf(
  elements: readonly ElementSpec[],
  values: Readonly<Record<string, unknown>>,
): string {
  let key = "";
  for (const element of elements) {
    if (element.role !== undefined) continue;
    const value = values[element.name];
    key += (key === "" ? "" : ",") + (value === undefined ? "*" : String(value));
  }
  return key;
}

function itemElement(element: ElementSpec, index: number): ElementSpec {
  const item = element.items?.[index];
  return {
    ...element,
    count: 1,
    scale: item?.scale ?? element.scale,
    unit: item?.unit ?? element.unit,
    default: Array.isArray(element.default) ? element.default[index] : element.default,
  };
}

/** A simulated Brick, Bricklet or TNG module. */
export class SimDevice {
  readonly spec: DeviceSpec;
  readonly identity: SimIdentity;
  readonly callbacks: CallbackEngine;
  readonly streams: DeviceStreams;
  readonly #random: Random;
  readonly #emit: SimDeviceOptions["emit"];
  readonly #links: DeviceLinks;
  /** `<packet>|<key>` → element name → value set by a setter, the config or a fired callback */
  readonly #store = new Map<string, Map<string, Value>>();
  readonly #readings = new Map<string, Reading | Reading[]>();
  readonly #defaults = new Map<ElementSpec, Value>();

  constructor(options: SimDeviceOptions) {
    this.spec = options.spec;
    this.identity = options.identity;
    this.#random = options.random;
    this.#emit = options.emit;
    this.#links = linksOf(this.spec);
    this.callbacks = new CallbackEngine(this.spec, {
      callbackValues: (callback, key) => this.callbackValues(callback, key),
      emit: (callback, values) => this.#emit(callback, values),
    });
    this.streams = new DeviceStreams(this.spec, {
      random: this.#random,
      evaluate: (fn, request) => this.#outputs(fn, request),
      deliver: (name, data) => this.#deliver(name, data),
    });
  }

  /** Executes a wire-level function; returns the response values (empty for setters). */
  handle(fn: PacketSpec, request: Record<string, Value>): Record<string, Value> {
    if (fn.id === GET_IDENTITY) return this.#identityValues();
    if (this.streams.handles(fn)) return this.streams.call(fn, request);
    this.callbacks.configure(fn, request);
    this.#applySetter(fn, request);
    return this.#outputs(fn, request);
  }

  #identityValues(): Record<string, Value> {
    const id = this.identity;
    return {
      uid: id.uidText,
      connected_uid: id.connectedUid,
      position: id.position,
      hardware_version: [...id.hardwareVersion],
      firmware_version: [...id.firmwareVersion],
      device_identifier: this.spec.identifier,
    };
  }

  #record(packet: string, key: string): Map<string, Value> {
    const id = `${packet}|${key}`;
    let record = this.#store.get(id);
    if (record === undefined) {
      record = new Map();
      this.#store.set(id, record);
    }
    return record;
  }

  #applySetter(fn: PacketSpec, request: Record<string, Value>): void {
    const link = this.#links.setters.get(fn.name);
    if (link === undefined) return;
    const getter = link.getter;
    switch (link.kind) {
      case "store": {
        const record = this.#record(getter.name, keyOf(getter.in, request));
        for (const [from, to] of link.pairs) record.set(to, request[from]);
        return;
      }
      case "flag":
        this.#record(getter.name, "").set(link.element, link.value);
        return;
      case "selected": {
        const channel = Number(request[link.channel]);
        const record = this.#record(getter.name, "");
        if (link.array === undefined) {
          record.set(`${link.prefix}${channel}`, request[link.from]);
          return;
        }
        const current = this.#outputs(getter, {})[link.array];
        if (Array.isArray(current) && channel >= 0 && channel < current.length) {
          const next = [...current];
          next[channel] = request[link.from];
          record.set(link.array, next);
        }
      }
    }
  }

  #default(element: ElementSpec): Value {
    let value = this.#defaults.get(element);
    if (value === undefined) {
      value = defaultValue(element, this.spec);
      this.#defaults.set(element, value);
    }
    return value;
  }

  #reading(id: string, element: ElementSpec): Value {
    let reading = this.#readings.get(id);
    if (reading === undefined) {
      reading = element.count > 1
        ? Array.from(
          { length: element.count },
          (_, i) => new Reading(itemElement(element, i), this.#random),
        )
        : new Reading(element, this.#random);
      this.#readings.set(id, reading);
    }
    return Array.isArray(reading) ? reading.map((r) => r.value()) : reading.value();
  }

  /** Output values of `fn` (stream chunk elements excluded) for the given request. */
  #outputs(fn: PacketSpec, request: Readonly<Record<string, Value>>): Record<string, Value> {
    const result: Record<string, Value> = {};
    if (fn.out.length === 0) return result;
    const key = keyOf(fn.in, request);
    const exact = this.#store.get(`${fn.name}|${key}`);
    const wildcard = key === "" ? undefined : this.#store.get(`${fn.name}|${keyOf(fn.in, {})}`);
    const configured = this.#links.configured.has(fn.name);
    for (const element of fn.out) {
      if (element.role !== undefined) continue;
      let value = exact?.get(element.name) ?? wildcard?.get(element.name);
      if (value === undefined) {
        value = !configured && isMeasurement(element)
          ? this.#reading(`${fn.name}|${key}|${element.name}`, element)
          : this.#default(element);
      }
      result[element.name] = value;
    }
    return result;
  }

  /** Current values of a wire-level callback; `key` fixes channel-like elements. */
  callbackValues(
    callback: PacketSpec,
    key: Readonly<Record<string, Value>> = {},
  ): Record<string, Value> {
    const source = this.#links.callbackSources.get(callback.name);
    let sourceValues: Record<string, Value> | undefined;
    if (source !== undefined) {
      const request: Record<string, Value> = {};
      for (const element of source.getter.in) {
        request[element.name] = key[element.name] ?? this.#default(element);
      }
      sourceValues = this.#outputs(source.getter, request);
    }
    const ownKey = keyOf(callback.out.filter((e) => e.name in key), key);
    const own = this.#store.get(`callback:${callback.name}|${ownKey}`);
    const result: Record<string, Value> = {};
    for (const element of callback.out) {
      const name = element.name;
      let value = key[name] ?? own?.get(name) ??
        (source?.shared.has(name) ? sourceValues?.[name] : undefined);
      if (value === undefined) {
        value = element.role === undefined && isMeasurement(element)
          ? this.#reading(`callback:${callback.name}|${ownKey}|${name}`, element)
          : this.#default(element);
      }
      result[name] = value;
    }
    return result;
  }

  /**
   * Sends callback `name` with `values` (missing ones: current values) unless its
   * enable flag is off, and stores the values where the matching getter reads them.
   * Returns whether the callback was sent. Streamed callbacks: {@link emitStream}.
   */
  fire(name: string, values: Readonly<Record<string, unknown>> = {}): boolean {
    const callback = callbackByName(this.spec, name);
    if (callback === undefined || callback.level === "high") {
      throw new RangeError(
        callback === undefined
          ? `Device "${this.spec.name}" has no callback "${name}"`
          : `Callback "${name}" is streamed; use emitStreamCallback`,
      );
    }
    const record = { ...this.callbackValues(callback, values as Record<string, Value>) };
    for (const [element, value] of Object.entries(values)) {
      if (callback.out.some((e) => e.name === element)) record[element] = value as Value;
      else throw new RangeError(`Callback "${name}" has no value "${element}"`);
    }
    encodeNamed(callback.out, record); // throws a clear error on a wrongly typed value
    this.#remember(callback, record);
    if (!this.callbacks.allows(callback.name, record)) return false;
    this.#emit(callback, record);
    return true;
  }

  #remember(callback: PacketSpec, record: Record<string, Value>): void {
    const source = this.#links.callbackSources.get(callback.name);
    const taken = new Set<string>();
    if (source !== undefined) {
      const target = this.#record(source.getter.name, keyOf(source.getter.in, record));
      for (const name of source.shared) {
        target.set(name, record[name]);
        taken.add(name);
      }
    }
    const rest = callback.out.filter((e) => !taken.has(e.name));
    if (rest.length === 0) return;
    const own = this.#record(`callback:${callback.name}`, "");
    for (const element of rest) own.set(element.name, record[element.name]);
  }

  /**
   * Sends a streamed callback (`name`: high-level or low-level name, e.g. "read")
   * carrying `data`, split into low-level chunks. Returns the number of packets sent
   * (0 when the callback's enable flag is off).
   */
  emitStream(
    name: string,
    data: readonly Value[],
    extra: Readonly<Record<string, Value>> = {},
  ): number {
    const named = callbackByName(this.spec, name);
    const low = named?.level === "high"
      ? this.spec.callbacks.find((c) => c.id === named.id && c.level === "low")
      : named;
    const high = low === undefined ? undefined : highLevelCallbackFor(this.spec, low.id);
    if (low === undefined || high === undefined) {
      throw new RangeError(`Device "${this.spec.name}" has no streamed callback "${name}"`);
    }
    const chunks = streamCallbackChunks(this.spec, high, low, data, extra);
    if (!this.callbacks.allows(low.name, chunks[0])) return 0;
    for (const chunk of chunks) this.#emit(low, chunk);
    return chunks.length;
  }

  /** A completed stream-in whose reader is also a callback (RS232 loopback): send it if enabled. */
  #deliver(name: string, data: Value[]): boolean {
    const callback = callbackByName(this.spec, name);
    if (callback === undefined || callback.level !== "high") return false;
    const low = this.spec.callbacks.find((c) => c.id === callback.id && c.level === "low");
    if (low === undefined || !this.callbacks.allows(low.name, {})) return false;
    return this.emitStream(name, data) > 0;
  }

  /**
   * Fixes the values a getter returns (config `values`, tests). Getter inputs in
   * `values` (e.g. `channel`) select the instance; without them the values apply
   * to every instance that has no own values.
   */
  setValues(getterName: string, values: Readonly<Record<string, unknown>>): void {
    const getter = functionByName(this.spec, getterName);
    if (getter === undefined || getter.out.length === 0) {
      throw new RangeError(`Device "${this.spec.name}" has no getter "${getterName}"`);
    }
    const inputs = new Set(getter.in.map((e) => e.name));
    const record = this.#record(getter.name, keyOf(getter.in, values));
    for (const [name, value] of Object.entries(values)) {
      if (inputs.has(name)) continue;
      if (!getter.out.some((e) => e.name === name)) {
        throw new RangeError(`Getter "${getterName}" has no value "${name}"`);
      }
      record.set(name, value as Value);
    }
  }

  /** Starts the callback timers. */
  start(): void {
    this.callbacks.resume();
  }

  /** Stops the callback timers (configuration is kept). */
  stop(): void {
    this.callbacks.suspend();
  }
}
