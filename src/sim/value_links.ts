/**
 * How setters feed getters and which getter supplies a callback's values,
 * derived from the names in the codecs.
 *
 * Setter → getter:
 * - `set_<x>` → `get_<x>` / `is_<x>` / `are_<x>`; `write_<x>` → `read_<x>`.
 *   Setter elements are stored under the getter's element of the same name;
 *   when no name matches but the shapes do, position by position. Setter
 *   elements that are also getter inputs (`channel`, `index`) select the
 *   stored instance.
 * - `set_selected_<x>(channel, <x>)` → item `channel` of the `<x>` array of
 *   `get_<x>`, or its `channel<N>` element.
 * - `enable_<x>`/`disable_<x>` → the bool of `is_<x>_enabled`; `enable`/`disable`
 *   → `is_enabled`; `<x>_on`/`<x>_off` → `is_<x>_on`/`are_<x>_on`.
 *
 * Callback → getter: `get_<callback>` (for `<x>_reached`: `get_<x>`), else the
 * first getter that returns every value the callback carries.
 *
 * @module
 */

import type { DeviceSpec, ElementSpec, PacketSpec } from "../tfp/spec.ts";

/** Where a setter's request values go. */
export type SetterLink =
  | {
    readonly kind: "store";
    readonly getter: PacketSpec;
    /** setter element name → getter output name */
    readonly pairs: readonly (readonly [from: string, to: string])[];
  }
  | {
    readonly kind: "flag";
    readonly getter: PacketSpec;
    readonly element: string;
    readonly value: boolean;
  }
  | {
    readonly kind: "selected";
    readonly getter: PacketSpec;
    /** setter element holding the channel number */
    readonly channel: string;
    /** setter element holding the value */
    readonly from: string;
    /** getter array output, or undefined when the getter has `<name><N>` elements */
    readonly array?: string;
    /** prefix of the `<prefix><N>` elements */
    readonly prefix: string;
  };

/** The getter a callback takes its values from. */
export interface CallbackSource {
  readonly getter: PacketSpec;
  /** Callback elements the getter returns with the same name and shape */
  readonly shared: ReadonlySet<string>;
}

/** Per-device link tables, computed once per spec. */
export interface DeviceLinks {
  readonly setters: ReadonlyMap<string, SetterLink>;
  /** Getters some setter writes to: their unset outputs are configuration defaults, not readings */
  readonly configured: ReadonlySet<string>;
  /** callback name → getter that supplies its values */
  readonly callbackSources: ReadonlyMap<string, CallbackSource>;
}

const cache = new WeakMap<DeviceSpec, DeviceLinks>();

/** Link tables of a device (cached). */
export function linksOf(device: DeviceSpec): DeviceLinks {
  let links = cache.get(device);
  if (links === undefined) {
    links = buildLinks(device);
    cache.set(device, links);
  }
  return links;
}

function sameShape(a: ElementSpec, b: ElementSpec): boolean {
  return a.type === b.type && a.count === b.count;
}

function storeLink(setter: PacketSpec, getter: PacketSpec): SetterLink | undefined {
  const keys = new Set(getter.in.map((element) => element.name));
  const values = setter.in.filter((element) => !keys.has(element.name));
  const outputs = new Map(getter.out.map((element) => [element.name, element]));
  const pairs: [string, string][] = [];
  for (const element of values) {
    const output = outputs.get(element.name);
    if (output !== undefined && sameShape(element, output)) {
      pairs.push([element.name, element.name]);
    }
  }
  if (pairs.length === 0 && values.length === getter.out.length && values.length > 0) {
    if (values.every((element, i) => sameShape(element, getter.out[i]))) {
      values.forEach((element, i) => pairs.push([element.name, getter.out[i].name]));
    }
  }
  if (pairs.length > 0) return { kind: "store", getter, pairs };
  // set_x(index, output) next to get_x() → output[2]: the setter addresses one item.
  return values.length === 2 ? selectedLink(setter, getter, values[1].name) : undefined;
}

function firstBool(getter: PacketSpec | undefined): string | undefined {
  return getter?.in.length === 0 ? getter.out.find((e) => e.type === "bool")?.name : undefined;
}

function flagLink(
  functions: ReadonlyMap<string, PacketSpec>,
  candidates: string[],
  value: boolean,
): SetterLink | undefined {
  for (const name of candidates) {
    const getter = functions.get(name);
    const element = firstBool(getter);
    if (getter !== undefined && element !== undefined) {
      return { kind: "flag", getter, element, value };
    }
  }
  return undefined;
}

function selectedLink(
  setter: PacketSpec,
  getter: PacketSpec | undefined,
  stem: string,
): SetterLink | undefined {
  if (getter === undefined || setter.in.length !== 2) return undefined;
  const [channel, value] = setter.in;
  if (channel.type === "bool" || value.count !== 1) return undefined;
  const array = getter.out.find((e) =>
    e.name === stem && e.count > 1 && e.type === value.type && e.type !== "string"
  );
  if (array !== undefined) {
    return {
      kind: "selected",
      getter,
      channel: channel.name,
      from: value.name,
      array: stem,
      prefix: "",
    };
  }
  const item = getter.out.find((e) => e.name === "channel0");
  if (item === undefined || item.type !== value.type) return undefined;
  return { kind: "selected", getter, channel: channel.name, from: value.name, prefix: "channel" };
}

function setterLink(
  fn: PacketSpec,
  functions: ReadonlyMap<string, PacketSpec>,
): SetterLink | undefined {
  const name = fn.name;
  if (fn.in.length === 0) {
    let match = /^(enable|disable)(?:_(.+))?$/.exec(name);
    if (match !== null) {
      const on = match[1] === "enable";
      const stem = match[2];
      const candidates = stem === undefined
        ? ["is_enabled"]
        : [`is_${stem}_enabled`, `are_${stem}_enabled`];
      return flagLink(functions, candidates, on);
    }
    match = /^(.+)_(on|off)$/.exec(name);
    if (match !== null) {
      return flagLink(functions, [`is_${match[1]}_on`, `are_${match[1]}_on`], match[2] === "on");
    }
    return undefined;
  }
  let match = /^set_selected_(.+)$/.exec(name);
  if (match !== null) {
    const stem = match[1].replace(/s$/, "");
    const link = selectedLink(fn, functions.get(`get_${stem}`), stem);
    if (link !== undefined) return link;
  }
  match = /^(set|write)_(.+)$/.exec(name);
  if (match === null) return undefined;
  const stem = match[2];
  const candidates = match[1] === "set"
    ? [`get_${stem}`, `is_${stem}`, `are_${stem}`]
    : [`read_${stem}`];
  for (const candidate of candidates) {
    const getter = functions.get(candidate);
    if (getter === undefined || getter.out.length === 0) continue;
    const link = storeLink(fn, getter);
    if (link !== undefined) return link;
  }
  return undefined;
}

function sharedElements(callback: PacketSpec, getter: PacketSpec): Set<string> {
  const inputs = new Set(getter.in.map((element) => element.name));
  const outputs = new Map(getter.out.map((element) => [element.name, element]));
  const shared = new Set<string>();
  for (const element of callback.out) {
    const output = outputs.get(element.name);
    if (!inputs.has(element.name) && output !== undefined && sameShape(element, output)) {
      shared.add(element.name);
    }
  }
  return shared;
}

function callbackSource(
  callback: PacketSpec,
  functions: ReadonlyMap<string, PacketSpec>,
  getters: readonly PacketSpec[],
): CallbackSource | undefined {
  const stem = callback.name.replace(/_reached$/, "");
  for (const name of [`get_${callback.name}`, `get_${stem}`]) {
    const getter = functions.get(name);
    const shared = getter === undefined ? undefined : sharedElements(callback, getter);
    if (shared !== undefined && shared.size > 0) return { getter: getter!, shared };
  }
  for (const getter of getters) {
    const inputs = new Set(getter.in.map((element) => element.name));
    const carried = callback.out.filter((element) => !inputs.has(element.name));
    const shared = sharedElements(callback, getter);
    if (carried.length > 0 && shared.size === carried.length) return { getter, shared };
  }
  return undefined;
}

function buildLinks(device: DeviceSpec): DeviceLinks {
  const functions = new Map<string, PacketSpec>();
  for (const fn of device.functions) if (fn.level !== "high") functions.set(fn.name, fn);
  const setters = new Map<string, SetterLink>();
  const configured = new Set<string>();
  for (const fn of functions.values()) {
    if (fn.in.some((element) => element.role !== undefined)) continue;
    const link = setterLink(fn, functions);
    if (link !== undefined) {
      setters.set(fn.name, link);
      configured.add(link.getter.name);
    }
  }
  const getters = [...functions.values()].filter((fn) =>
    fn.out.length > 0 && fn.out.every((element) => element.role === undefined) &&
    /^(get|is|are)_/.test(fn.name)
  );
  const callbackSources = new Map<string, CallbackSource>();
  for (const callback of device.callbacks) {
    if (callback.level === "high") continue;
    const source = callbackSource(callback, functions, getters);
    if (source !== undefined) callbackSources.set(callback.name, source);
  }
  return { setters, configured, callbackSources };
}
