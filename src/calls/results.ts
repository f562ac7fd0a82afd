/**
 * Result and callback objects of tinkerforge_mqtt (spec §4.3, §5, §6.2).
 *
 * Keys come in declaration order. Scalars with a symbol table become the
 * symbol name when symbolic responses are on; arrays never do. int64/uint64
 * values become decimal strings with `--int64-string-response` (also inside
 * arrays). float32 values are wrapped in {@link PyFloat} so that `23.0`
 * keeps its float syntax. Chars are 1-char strings, char arrays lists of
 * them, strings are already cut at the first NUL by the decoder.
 *
 * Quirk kept from the reference: result names of high-level (streamed)
 * functions use dashes (`message-written`, `frame-type`), because its
 * generator took their dash form; high-level callback members keep
 * underscores.
 *
 * The returned `Map`s serialise with `pyJsonDumps` exactly as the reference's
 * `json.dumps(dict)`.
 *
 * @module
 */

import type { Value } from "../tfp/payload.ts";
import { deviceByIdentifier } from "../tfp/registry.ts";
import type { DeviceSpec, ElementSpec, PacketSpec } from "../tfp/spec.ts";
import { PyFloat, pyFloat } from "./py_json.ts";
import { symbolFor } from "./symbols.ts";

/** The reference's output flags. */
export interface FormatOptions {
  /** `--symbolic-response` (default on) */
  readonly symbolic: boolean;
  /** `--int64-string-response` (default off) */
  readonly int64Strings: boolean;
}

/** The reference's defaults. */
export const DEFAULT_FORMAT_OPTIONS: FormatOptions = Object.freeze({
  symbolic: true,
  int64Strings: false,
});

const resultNameCache = new WeakMap<PacketSpec, readonly string[]>();

/** The JSON keys of the results of `fn`: element names, with dashes for high-level functions. */
export function resultNames(fn: PacketSpec): readonly string[] {
  let names = resultNameCache.get(fn);
  if (names === undefined) {
    const dashed = fn.kind === "function" && fn.level === "high";
    names = fn.out.map((element) => dashed ? element.name.replaceAll("_", "-") : element.name);
    resultNameCache.set(fn, names);
  }
  return names;
}

/** `{<every result name>: null}` of `fn`, the start of most error answers. */
export function nullResults(fn: PacketSpec): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const name of resultNames(fn)) map.set(name, null);
  return map;
}

/** The `_display_name` of a device identifier: `Unknown Device [<id>]` when unknown. */
export function displayNameOf(identifier: number): string {
  return deviceByIdentifier(identifier)?.displayName ?? `Unknown Device [${identifier}]`;
}

/** The device topic name of a released device identifier, else undefined. */
export function topicNameOf(identifier: number): string | undefined {
  const device = deviceByIdentifier(identifier);
  return device !== undefined && device.released ? device.name : undefined;
}

function isInt64(element: ElementSpec): boolean {
  return element.type === "int64" || element.type === "uint64";
}

/** One element value as the reference prints it. */
export function formatValue(
  device: DeviceSpec,
  element: ElementSpec,
  value: Value,
  options: FormatOptions,
): unknown {
  if (Array.isArray(value)) {
    if (options.int64Strings && isInt64(element)) return value.map(String);
    if (element.type === "float") return pyFloat(value as number[]);
    return value;
  }
  if (options.symbolic && element.symbols !== undefined) {
    const symbol = symbolFor(device, element.symbols, value);
    if (symbol !== undefined) return symbol;
  }
  if (options.int64Strings && isInt64(element)) return String(value);
  if (element.type === "float") return new PyFloat(value as number);
  return value;
}

function formatElements(
  device: DeviceSpec,
  elements: readonly ElementSpec[],
  names: readonly string[],
  values: Readonly<Record<string, Value>> | readonly Value[],
  options: FormatOptions,
): Map<string, unknown> {
  const map = new Map<string, unknown>();
  const byIndex = Array.isArray(values);
  for (let i = 0; i < elements.length; i++) {
    const element = elements[i];
    const value = byIndex
      ? (values as readonly Value[])[i]
      : (values as Readonly<Record<string, Value>>)[element.name];
    map.set(names[i], formatValue(device, element, value, options));
  }
  return map;
}

/**
 * The answer object of a successful call of `fn` (normal, low- or
 * high-level): `values` by element name (as `DeviceHandle.call` returns
 * them) or in element order. `get_identity` gets `_display_name`, and its
 * `device_identifier` becomes the topic name when symbolic and known.
 */
export function formatResults(
  device: DeviceSpec,
  fn: PacketSpec,
  values: Readonly<Record<string, Value>> | readonly Value[],
  options: FormatOptions = DEFAULT_FORMAT_OPTIONS,
): Map<string, unknown> {
  const map = formatElements(device, fn.out, resultNames(fn), values, options);
  if (fn.name === "get_identity" && map.has("device_identifier")) {
    const identifier = map.get("device_identifier");
    if (typeof identifier === "number") {
      const topicName = topicNameOf(identifier);
      if (options.symbolic && topicName !== undefined) map.set("device_identifier", topicName);
      map.set("_display_name", displayNameOf(identifier));
    }
  }
  return map;
}

/**
 * The event payload of a device callback: `values` of the (normal or
 * high-level) callback `callback` of `device`, by element name (e.g. from
 * `StreamCallbackAssembler`) or in element order (e.g. from `decodePayload`).
 */
export function formatCallback(
  device: DeviceSpec,
  callback: PacketSpec,
  values: Readonly<Record<string, Value>> | readonly Value[],
  options: FormatOptions = DEFAULT_FORMAT_OPTIONS,
): Map<string, unknown> {
  return formatElements(device, callback.out, resultNames(callback), values, options);
}
