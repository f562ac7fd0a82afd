/**
 * `json.dumps(obj)` with CPython's default settings, byte for byte.
 *
 * Defaults means separators `", "` and `": "`, `ensure_ascii=True` (every
 * non-ASCII UTF-16 unit becomes `\uXXXX` in lower-case hex, which is exactly
 * how CPython writes astral characters as surrogate pairs), keys in insertion
 * order, and `NaN` / `Infinity` / `-Infinity` for non-finite floats.
 *
 * Numbers: a `bigint` and an integral `number` print as Python ints. A
 * {@link PyFloat} prints as Python `float.__repr__` (`23.0`, `1e-05`), and so
 * does a plain `number` that is not integral or not finite (it cannot be an
 * int). Wrap float-typed values whose value may be integral in `PyFloat` (see
 * `pyFloat`) so that `23.0` does not come out as `23`.
 *
 * Containers: arrays, `Map`s with string keys, {@link PyJsonPairs} (every pair,
 * repeated keys included) and plain objects (`Object.keys` order, which puts
 * integer-like keys first: use a `Map` where that matters).
 *
 * @module
 */

import { PyFloat, PyJsonPairs } from "./py_json_types.ts";

/** Deeper than this is almost surely a cycle; CPython would say "Circular reference detected". */
const MAX_DEPTH = 1000;

/** Strings made only of these need no escaping. */
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const HEX = "0123456789abcdef";

/** Serialises `value` like `json.dumps(value)`. */
export function pyJsonDumps(value: unknown): string {
  return encode(value, 0);
}

function encode(value: unknown, depth: number): string {
  switch (typeof value) {
    case "string":
      return pyJsonString(value);
    case "number":
      return Number.isInteger(value) ? intString(value) : floatJson(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      if (value instanceof PyFloat) return floatJson(value.value);
      if (depth >= MAX_DEPTH) {
        throw new RangeError(`Value nests deeper than ${MAX_DEPTH} levels (circular reference?)`);
      }
      return encodeContainer(value, depth + 1);
  }
  throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
}

function encodeContainer(value: object, depth: number): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    let out = "[" + encode(value[0], depth);
    for (let i = 1; i < value.length; i++) out += ", " + encode(value[i], depth);
    return out + "]";
  }
  let out = "";
  if (value instanceof Map) {
    for (const [key, item] of value) out += member(out === "", key, item, depth);
  } else if (value instanceof PyJsonPairs) {
    for (const [key, item] of value.entries) out += member(out === "", key, item, depth);
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
      throw new TypeError(`Object of type ${name} is not JSON serializable`);
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) out += member(out === "", key, record[key], depth);
  }
  return "{" + out + "}";
}

function member(first: boolean, key: unknown, item: unknown, depth: number): string {
  if (typeof key !== "string") throw new TypeError(`Object key "${String(key)}" is not a string`);
  return (first ? "" : ", ") + pyJsonString(key) + ": " + encode(item, depth);
}

/** A JS string as a JSON string literal with `ensure_ascii=True`. */
export function pyJsonString(text: string): string {
  if (PLAIN_STRING.test(text)) return '"' + text + '"';
  let out = '"';
  let plainFrom = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    if (i > plainFrom) out += text.slice(plainFrom, i);
    plainFrom = i + 1;
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += "\\\\";
        break;
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x09:
        out += "\\t";
        break;
      case 0x08:
        out += "\\b";
        break;
      case 0x0c:
        out += "\\f";
        break;
      default:
        out += "\\u" + HEX[c >> 12] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
    }
  }
  if (plainFrom < text.length) out += text.slice(plainFrom);
  return out + '"';
}

/** An integral number as Python prints an int: every digit exact, no exponent, no `-0`. */
function intString(value: number): string {
  return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
}

function floatJson(value: number): string {
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  if (Number.isNaN(value)) return "NaN";
  return pyFloatRepr(value);
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip (JS finds the
 * same ones), fixed notation with a `.0` when the decimal exponent is in
 * [-4, 16), otherwise `d.ddde±XX` with at least two exponent digits.
 */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-4 && magnitude < 1e16) {
    // Fast path: both languages print these in fixed notation with the same shortest digits.
    const fixed = String(value);
    return fixed.includes(".") ? fixed : fixed + ".0";
  }
  const sci = value.toExponential(); // e.g. "-1.2345e+21", "5e-324"
  const ePos = sci.indexOf("e");
  const negative = sci.charCodeAt(0) === 0x2d;
  const mantissa = sci.slice(negative ? 1 : 0, ePos);
  const digits = mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa;
  const exponent = Number(sci.slice(ePos + 1));
  const sign = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    const expDigits = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${expDigits}`;
  }
  const pointAt = exponent + 1; // digits before the decimal point
  if (pointAt <= 0) return `${sign}0.${"0".repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return `${sign}${digits}${"0".repeat(pointAt - digits.length)}.0`;
  return `${sign}${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}
