/**
 * Request arguments of tinkerforge_mqtt (spec §4.1 steps 4-7, §4.2): looked
 * up by name in the payload object, symbol names translated, char and string
 * arguments coerced, every argument type-checked (integers given as strings
 * are parsed like Python's `int(s, 0)`), and finally the `struct.pack` range
 * checks, which the reference reports only after the identity check.
 *
 * Values come in the CPython-compatible JSON model of `py_json.ts` (integers
 * as number/bigint, floats as {@link PyFloat}, objects as `Map`); for RPC
 * callers, a non-integral plain number also counts as a float. The checked
 * values are plain JS values that `src/tfp/payload.ts` encodes.
 *
 * @module
 */

import type { DeviceSpec, ElementSpec, PacketSpec, WireType } from "../tfp/spec.ts";
import { PyFloat } from "./py_json.ts";
import { pyListRepr } from "./py_repr.ts";
import { pyIntFromString } from "./py_int.ts";
import { structPackError } from "./struct_pack.ts";
import { requestSymbols } from "./symbols.ts";

/** Names the call in error texts. */
export interface CallTarget {
  /** Device topic name, e.g. "rgb_led_button_bricklet" */
  readonly deviceName: string;
  /** The UID exactly as the request gave it */
  readonly uidText: string;
  readonly fnName: string;
}

/** Checked argument values by element name, or why the call cannot be made. */
export type ArgumentsResult =
  | { readonly ok: true; readonly values: Record<string, unknown> }
  | { readonly ok: false; readonly kind: "missing" | "type"; readonly text: string };

/** One rejected argument; the detail text of §4.2. */
class ArgumentProblem extends Error {}

/** The type name of the reference's `type_check_args` texts. */
function typeName(type: WireType): string {
  switch (type) {
    case "float":
    case "bool":
    case "char":
    case "string":
      return type;
    default:
      return "int";
  }
}

function isScalar(element: ElementSpec): boolean {
  return element.count === 1 || element.type === "string";
}

/** A JSON float in the py_json model, or a non-integral plain number from an RPC caller. */
function isFloat(value: unknown): boolean {
  return value instanceof PyFloat || (typeof value === "number" && !Number.isInteger(value));
}

/** The payload as a name → value lookup; anything but an object has no arguments. */
export function payloadObject(payload: unknown): ReadonlyMap<string, unknown> | undefined {
  if (payload instanceof Map) return payload as ReadonlyMap<string, unknown>;
  if (
    typeof payload === "object" && payload !== null && !Array.isArray(payload) &&
    !(payload instanceof PyFloat)
  ) {
    return new Map(Object.entries(payload)); // a plain object from an RPC caller
  }
  return undefined;
}

/**
 * `_response_expected` of the payload: the bool, "invalid" when present but
 * not a bool (the reference ignores it), undefined when absent.
 */
export function requestedResponseExpected(payload: unknown): boolean | "invalid" | undefined {
  const object = payloadObject(payload);
  if (object === undefined || !object.has("_response_expected")) return undefined;
  const value = object.get("_response_expected");
  return typeof value === "boolean" ? value : "invalid";
}

/**
 * Steps 4-7 of §4.1 for `fn` (normal, low- or high-level). A payload that is
 * not an object (array, number, string, null) provides no arguments.
 */
export function checkArguments(
  device: DeviceSpec,
  fn: PacketSpec,
  payload: unknown,
  target: CallTarget,
): ArgumentsResult {
  const elements = fn.in;
  if (elements.length === 0) return { ok: true, values: {} };
  const object = payloadObject(payload);
  const raw: unknown[] = new Array(elements.length);
  const missing: string[] = [];
  for (let i = 0; i < elements.length; i++) {
    const name = elements[i].name;
    if (object === undefined || !object.has(name)) missing.push(name);
    else raw[i] = object.get(name);
  }
  if (missing.length > 0) {
    return {
      ok: false,
      kind: "missing",
      text: `The arguments ${
        pyListRepr(missing)
      } where missing for a call of ${target.fnName} of device ${target.uidText} of type ${target.deviceName}.`,
    };
  }
  const values: Record<string, unknown> = {};
  try {
    for (let i = 0; i < elements.length; i++) {
      raw[i] = coerceText(elements[i], translateSymbol(device, elements[i], raw[i]));
    }
    for (let i = 0; i < elements.length; i++) {
      values[elements[i].name] = checkType(elements[i], raw[i]);
    }
  } catch (error) {
    if (!(error instanceof ArgumentProblem)) throw error;
    const text =
      `Call ${target.fnName} of ${target.deviceName} ${target.uidText}: ${error.message}`;
    return { ok: false, kind: "type", text };
  }
  return { ok: true, values };
}

/** Step 5: a string equal to a symbol name becomes its value; lists are never translated. */
function translateSymbol(device: DeviceSpec, element: ElementSpec, value: unknown): unknown {
  if (typeof value !== "string" || element.symbols === undefined) return value;
  const symbols = requestSymbols(device, element.symbols);
  return symbols.has(value) ? symbols.get(value) : value;
}

/** Step 6 (`create_string`): char and string scalars become Latin-1 text. */
function coerceText(element: ElementSpec, value: unknown): unknown {
  if ((element.type !== "char" && element.type !== "string") || !isScalar(element)) return value;
  const name = element.name;
  if (typeof value === "string") {
    checkLatin1(value, name);
    return value;
  }
  if (!Array.isArray(value)) {
    throw new ArgumentProblem(`Argument ${name} was not of expected type ${element.type}.`);
  }
  let text = "";
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    const label = `${name}[${i}]`;
    if (typeof item === "string" && Array.from(item).length === 1) {
      checkLatin1(item, label);
      text += item;
    } else if (typeof item === "boolean") {
      text += item ? "\x01" : "\x00"; // Python: bool is an int
    } else if (
      (typeof item === "number" || typeof item === "bigint") && !isFloat(item) &&
      item >= 0 && item <= 255
    ) {
      text += String.fromCharCode(Number(item));
    } else {
      throw new ArgumentProblem(`Argument ${label} was not of expected type char.`);
    }
  }
  return text;
}

function checkLatin1(text: string, label: string): void {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) {
      const codePoint = text.codePointAt(i)!.toString(16).toUpperCase().padStart(4, "0");
      throw new ArgumentProblem(
        `Argument ${label} contains the character U+${codePoint}, but only characters up to U+00FF are supported.`,
      );
    }
  }
}

/** Step 7 (`type_check_args`), converting int strings on the way. */
function checkType(element: ElementSpec, value: unknown): unknown {
  const name = element.name;
  if (isScalar(element)) return checkItem(element.type, value, name, false);
  const type = typeName(element.type);
  if (!Array.isArray(value)) {
    throw new ArgumentProblem(`Argument ${name} was not of expected type list of ${type}.`);
  }
  const count = element.count;
  if (count < 0 && value.length > -count) {
    throw new ArgumentProblem(
      `Argument ${name} was a list of length ${value.length}, but max length of ${-count} is allowed.`,
    );
  }
  if (count > 0 && value.length !== count) {
    throw new ArgumentProblem(
      `Argument ${name} was a list of length ${value.length}, but length ${count} was expected.`,
    );
  }
  const items: unknown[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    items[i] = checkItem(element.type, value[i], `${name}[${i}]`, true);
  }
  return items;
}

function checkItem(type: WireType, value: unknown, label: string, inList: boolean): unknown {
  switch (type) {
    case "bool":
      if (typeof value !== "boolean") throw notOfType(label, "bool");
      return value;
    case "float":
      if (!isFloat(value)) throw notOfType(label, "float");
      return value instanceof PyFloat ? value.value : value;
    case "string":
      return value; // coerced to a Latin-1 string in step 6
    case "char":
      return checkChar(value, label, inList);
    default:
      return toInt(value, label);
  }
}

function checkChar(value: unknown, label: string, inList: boolean): string {
  // Scalars were coerced to Latin-1 strings in step 6; list items are checked here.
  if (typeof value !== "string") throw notOfType(label, "char");
  const length = inList ? Array.from(value).length : value.length;
  if (length !== 1) {
    throw new ArgumentProblem(
      `Argument ${label} was a string of length ${length}, but a single character was expected.`,
    );
  }
  if (inList) checkLatin1(value, label);
  return value;
}

function notOfType(label: string, type: string): ArgumentProblem {
  return new ArgumentProblem(`Argument ${label} was not of expected type ${type}.`);
}

function toInt(value: unknown, label: string): number | bigint {
  if (typeof value === "bigint") return narrow(value);
  if (typeof value === "number" && Number.isInteger(value)) return value;
  let reason = "int() can't convert non-string with explicit base";
  if (typeof value === "string") {
    try {
      return pyIntFromString(value);
    } catch (error) {
      reason = (error as Error).message;
    }
  }
  throw new ArgumentProblem(
    `Argument ${label} was not of expected type int and could not converted because: ${reason}.`,
  );
}

/** A bigint from an RPC caller that fits a double exactly is a number like every parsed int. */
function narrow(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

/**
 * The `struct.pack` error of the first out-of-range value in element order,
 * followed by the reference's ` (call of ...)` tail; undefined when all fit.
 */
export function rangeError(
  elements: readonly ElementSpec[],
  values: Record<string, unknown>,
  target: CallTarget,
): string | undefined {
  for (const element of elements) {
    const type = element.type;
    if (type === "bool" || type === "char" || type === "string") continue;
    const value = values[element.name];
    const error = Array.isArray(value)
      ? firstItemError(type, value)
      : structPackError(type, value as number | bigint);
    if (error !== undefined) {
      return `${error} (call of ${target.fnName} of ${target.deviceName} ${target.uidText})`;
    }
  }
  return undefined;
}

function firstItemError(type: WireType, items: unknown[]): string | undefined {
  for (const item of items) {
    const error = structPackError(type, item as number | bigint);
    if (error !== undefined) return error;
  }
  return undefined;
}
