/**
 * A JSON parser that behaves like CPython 3.11's `json.loads(str)`.
 *
 * The MQTT bridge embeds `json.loads` error texts in `_ERROR` answers, so this
 * follows the C scanner in `Modules/_json.c` step by step: which inputs are
 * accepted (`NaN`, `Infinity`, `-Infinity`, no trailing commas, `01` is `0`
 * followed by extra data), and which message and position each failure gets.
 * Positions are reported in Python characters (code points), not UTF-16 units.
 *
 * @module
 */

import { PyFloat, PyJsonError, PyJsonPairs } from "./py_json_types.ts";
import type { PyJsonObject, PyJsonPairsValue, PyJsonValue } from "./py_json_types.ts";

/**
 * Nesting depth at which CPython gives up with a `RecursionError`. Its limit is
 * the interpreter's recursion limit (1000) minus the frames already on the
 * stack, so the reference fails at roughly this depth; the exact number there
 * depends on its call stack.
 */
export const PY_JSON_MAX_DEPTH = 980;

/** CPython 3.11's default `sys.get_int_max_str_digits()`. */
const INT_MAX_STR_DIGITS = 4300;

/** Safe integers have at most 15 digits for sure; longer ones go through BigInt. */
const MAX_FAST_INT_DIGITS = 15;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Parses `text` like `json.loads(text)`; objects become `Map`s (duplicate keys: last wins). */
export function pyJsonParse(text: string): PyJsonValue {
  return new Scanner(text, false).parseDocument() as PyJsonValue;
}

/**
 * Parses `text` like `json.loads(text, object_pairs_hook=...)`: objects become
 * {@link PyJsonPairs} that keep repeated keys in text order (the init file).
 */
export function pyJsonParsePairs(text: string): PyJsonPairsValue {
  return new Scanner(text, true).parseDocument() as PyJsonPairsValue;
}

type AnyValue = PyJsonValue | PyJsonPairsValue;

class Scanner {
  #depth = 0;

  constructor(readonly text: string, readonly keepPairs: boolean) {}

  parseDocument(): AnyValue {
    const text = this.text;
    if (text.charCodeAt(0) === 0xfeff) {
      throw this.error("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
    }
    const [value, end] = this.scanValue(this.skipWhitespace(0));
    const after = this.skipWhitespace(end);
    if (after !== text.length) throw this.error("Extra data", after);
    return value;
  }

  skipWhitespace(idx: number): number {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(idx);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return idx;
      idx++;
    }
  }

  /** `scan_once`; a position where no value starts is "Expecting value" there. */
  scanValue(idx: number): [AnyValue, number] {
    const text = this.text;
    const c = text.charCodeAt(idx);
    switch (c) {
      case QUOTE:
        return this.scanString(idx + 1);
      case 0x7b: // {
        return this.nested(idx, "object");
      case 0x5b: // [
        return this.nested(idx, "array");
      case 0x6e: // n
        if (text.startsWith("null", idx)) return [null, idx + 4];
        break;
      case 0x74: // t
        if (text.startsWith("true", idx)) return [true, idx + 4];
        break;
      case 0x66: // f
        if (text.startsWith("false", idx)) return [false, idx + 5];
        break;
      case 0x4e: // N
        if (text.startsWith("NaN", idx)) return [new PyFloat(NaN), idx + 3];
        break;
      case 0x49: // I
        if (text.startsWith("Infinity", idx)) return [new PyFloat(Infinity), idx + 8];
        break;
      case 0x2d: // -
        if (text.startsWith("-Infinity", idx)) return [new PyFloat(-Infinity), idx + 9];
        break;
    }
    return this.scanNumber(idx);
  }

  nested(idx: number, kind: "object" | "array"): [AnyValue, number] {
    if (this.#depth >= PY_JSON_MAX_DEPTH) {
      throw new PyJsonError(
        `maximum recursion depth exceeded while decoding a JSON ${kind} from a unicode string`,
      );
    }
    this.#depth++;
    const result = kind === "object" ? this.scanObject(idx + 1) : this.scanArray(idx + 1);
    this.#depth--;
    return result;
  }

  /** `_match_number_unicode`: the longest JSON number at `start`, or "Expecting value". */
  scanNumber(start: number): [AnyValue, number] {
    const text = this.text;
    const len = text.length;
    let idx = start;
    if (text.charCodeAt(idx) === 0x2d) idx++;
    const first = text.charCodeAt(idx);
    if (first >= 0x31 && first <= 0x39) {
      idx++;
      while (isDigit(text.charCodeAt(idx))) idx++;
    } else if (first === 0x30) {
      idx++;
    } else {
      throw this.error("Expecting value", start);
    }
    const intEnd = idx;
    let isFloat = false;
    // A '.' counts only when a digit follows; otherwise it is left as extra data.
    if (text.charCodeAt(idx) === 0x2e && isDigit(text.charCodeAt(idx + 1))) {
      isFloat = true;
      idx += 2;
      while (isDigit(text.charCodeAt(idx))) idx++;
    }
    // CPython only looks at an exponent when the 'e' is not the last character.
    const e = text.charCodeAt(idx);
    if ((e === 0x65 || e === 0x45) && idx < len - 1) {
      let expIdx = idx + 1;
      const sign = text.charCodeAt(expIdx);
      if ((sign === 0x2d || sign === 0x2b) && expIdx < len - 1) expIdx++;
      const digitsStart = expIdx;
      while (isDigit(text.charCodeAt(expIdx))) expIdx++;
      if (expIdx > digitsStart) {
        isFloat = true;
        idx = expIdx;
      }
    }
    const literal = text.slice(start, idx);
    if (isFloat) return [new PyFloat(Number(literal)), idx];
    const digits = intEnd - start - (text.charCodeAt(start) === 0x2d ? 1 : 0);
    if (digits <= MAX_FAST_INT_DIGITS) return [Number(literal) || 0, idx];
    if (digits > INT_MAX_STR_DIGITS) {
      throw new PyJsonError(
        `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: ` +
          `value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`,
      );
    }
    const big = BigInt(literal);
    const asNumber = Number(big);
    return [Number.isSafeInteger(asNumber) ? asNumber : big, idx];
  }

  /** `scanstring_unicode`; `end` is the index after the opening quote. */
  scanString(end: number): [string, number] {
    const text = this.text;
    const len = text.length;
    const begin = end - 1;
    let out = "";
    for (;;) {
      let next = end;
      let c = 0;
      for (; next < len; next++) {
        c = text.charCodeAt(next);
        if (c === QUOTE || c === BACKSLASH) break;
        if (c <= 0x1f) throw this.error("Invalid control character at", next);
      }
      if (next >= len) throw this.error("Unterminated string starting at", begin);
      if (next !== end) out += text.slice(end, next);
      next++;
      if (c === QUOTE) return [out, next];
      if (next === len) throw this.error("Unterminated string starting at", begin);
      const esc = text.charCodeAt(next);
      if (esc !== 0x75) {
        end = next + 1;
        const decoded = SIMPLE_ESCAPES[esc];
        if (decoded === undefined) throw this.error("Invalid \\escape", end - 2);
        out += decoded;
        continue;
      }
      next++;
      end = next + 4;
      if (end >= len) throw this.error("Invalid \\uXXXX escape", next - 1);
      let unit = parseHex4(text, next);
      if (unit < 0) throw this.error("Invalid \\uXXXX escape", end - 5);
      // A high surrogate joins a directly following escaped low surrogate.
      if (
        unit >= 0xd800 && unit <= 0xdbff && end + 6 < len &&
        text.charCodeAt(end) === BACKSLASH && text.charCodeAt(end + 1) === 0x75
      ) {
        const low = parseHex4(text, end + 2);
        if (low < 0) throw this.error("Invalid \\uXXXX escape", end + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          out += String.fromCharCode(unit, low);
          end += 6;
          unit = -1;
        }
      }
      if (unit >= 0) out += String.fromCharCode(unit);
    }
  }

  /** `_parse_object_unicode`; `idx` is the index after `{`. */
  scanObject(idx: number): [AnyValue, number] {
    const text = this.text;
    const pairs: [string, PyJsonPairsValue][] | undefined = this.keepPairs ? [] : undefined;
    const map: PyJsonObject | undefined = this.keepPairs ? undefined : new Map();
    idx = this.skipWhitespace(idx);
    if (text.charCodeAt(idx) !== 0x7d) {
      for (;;) {
        if (text.charCodeAt(idx) !== QUOTE) {
          throw this.error("Expecting property name enclosed in double quotes", idx);
        }
        const [key, keyEnd] = this.scanString(idx + 1);
        idx = this.skipWhitespace(keyEnd);
        if (text.charCodeAt(idx) !== 0x3a) throw this.error("Expecting ':' delimiter", idx);
        const [value, valueEnd] = this.scanValue(this.skipWhitespace(idx + 1));
        // The scanner builds one model throughout, so the casts only restate `keepPairs`.
        if (pairs) pairs.push([key, value as PyJsonPairsValue]);
        else map!.set(key, value as PyJsonValue);
        idx = this.skipWhitespace(valueEnd);
        const c = text.charCodeAt(idx);
        if (c === 0x7d) break;
        if (c !== 0x2c) throw this.error("Expecting ',' delimiter", idx);
        idx = this.skipWhitespace(idx + 1);
      }
    }
    return [pairs ? new PyJsonPairs(pairs) : map!, idx + 1];
  }

  /** `_parse_array_unicode`; `idx` is the index after `[`. */
  scanArray(idx: number): [AnyValue, number] {
    const text = this.text;
    const items: AnyValue[] = [];
    idx = this.skipWhitespace(idx);
    if (text.charCodeAt(idx) !== 0x5d) {
      for (;;) {
        const [value, valueEnd] = this.scanValue(idx);
        items.push(value);
        idx = this.skipWhitespace(valueEnd);
        const c = text.charCodeAt(idx);
        if (c === 0x5d) break;
        if (c !== 0x2c) throw this.error("Expecting ',' delimiter", idx);
        idx = this.skipWhitespace(idx + 1);
      }
    }
    return [items as PyJsonValue[], idx + 1];
  }

  /** A `JSONDecodeError` at UTF-16 index `at`, with Python's code-point positions. */
  error(msg: string, at: number): PyJsonError {
    const text = this.text;
    const lastNewline = text.lastIndexOf("\n", at - 1);
    let lineno = 1;
    for (let i = text.indexOf("\n"); i !== -1 && i < at; i = text.indexOf("\n", i + 1)) lineno++;
    const pos = codePointCount(text, 0, at);
    const colno = at > 0 && lastNewline !== -1
      ? codePointCount(text, lastNewline + 1, at) + 1
      : pos + 1;
    return new PyJsonError(`${msg}: line ${lineno} column ${colno} (char ${pos})`, pos);
  }
}

const SIMPLE_ESCAPES: Record<number, string> = {
  0x22: '"',
  0x5c: "\\",
  0x2f: "/",
  0x62: "\b",
  0x66: "\f",
  0x6e: "\n",
  0x72: "\r",
  0x74: "\t",
};

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The value of 4 hex digits at `at`, or -1. */
function parseHex4(text: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 4; i++) {
    const c = text.charCodeAt(i);
    let digit: number;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) digit = c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) digit = c - 0x41 + 10;
    else return -1;
    value = (value << 4) | digit;
  }
  return value;
}

/**
 * Python characters in `text[from, to)`: a surrogate pair is one code point.
 * (Strict UTF-8 payloads never hold lone surrogates; should one occur it counts as one.)
 */
export function codePointCount(text: string, from: number, to: number): number {
  let count = to - from;
  for (let i = from; i < to - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}
