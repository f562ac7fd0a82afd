/**
 * Python's `int(text, 0)` for request arguments given as JSON strings.
 *
 * tinkerforge_mqtt (2.0.14+) accepts integer arguments as strings so that
 * JavaScript clients can send int64 values; it converts them with
 * `int(s, 0)`. This module reproduces CPython 3.11 exactly: base prefixes
 * (`0x`, `0o`, `0b`), single underscores between digits, surrounding
 * (Unicode) whitespace, Unicode decimal digits, the rejection of C-style
 * octal (`010`), the 4300-digit limit for decimal strings, and the error
 * texts.
 *
 * @module
 */

import { pyRepr } from "./py_repr.ts";

/** A string `int(s, 0)` rejects; `message` is CPython's ValueError text. */
export class PyIntError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PyIntError";
  }
}

/** Code points of every Unicode 14.0 (CPython 3.11) decimal digit zero; digits 1-9 follow each. */
const DIGIT_ZEROS = [
  0x30,
  0x660,
  0x6f0,
  0x7c0,
  0x966,
  0x9e6,
  0xa66,
  0xae6,
  0xb66,
  0xbe6,
  0xc66,
  0xce6,
  0xd66,
  0xde6,
  0xe50,
  0xed0,
  0xf20,
  0x1040,
  0x1090,
  0x17e0,
  0x1810,
  0x1946,
  0x19d0,
  0x1a80,
  0x1a90,
  0x1b50,
  0x1bb0,
  0x1c40,
  0x1c50,
  0xa620,
  0xa8d0,
  0xa900,
  0xa9d0,
  0xa9f0,
  0xaa50,
  0xabf0,
  0xff10,
  0x104a0,
  0x10d30,
  0x11066,
  0x110f0,
  0x11136,
  0x111d0,
  0x112f0,
  0x11450,
  0x114d0,
  0x11650,
  0x116c0,
  0x11730,
  0x118e0,
  0x11950,
  0x11c50,
  0x11d50,
  0x11da0,
  0x16a60,
  0x16ac0,
  0x16b50,
  0x1d7ce,
  0x1d7d8,
  0x1d7e2,
  0x1d7ec,
  0x1d7f6,
  0x1e140,
  0x1e2f0,
  0x1e950,
  0x1fbf0,
];

/** Non-ASCII code points for which `str.isspace()` is true. */
const UNICODE_SPACES = new Set([
  0x85,
  0xa0,
  0x1680,
  0x2000,
  0x2001,
  0x2002,
  0x2003,
  0x2004,
  0x2005,
  0x2006,
  0x2007,
  0x2008,
  0x2009,
  0x200a,
  0x2028,
  0x2029,
  0x202f,
  0x205f,
  0x3000,
]);

/** CPython's `sys.get_int_max_str_digits()` default. */
const MAX_STR_DIGITS = 4300;

function decimalValue(codePoint: number): number {
  // Binary search for the last zero at or below the code point.
  let low = 0;
  let high = DIGIT_ZEROS.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (DIGIT_ZEROS[mid] <= codePoint) low = mid;
    else high = mid - 1;
  }
  const offset = codePoint - DIGIT_ZEROS[low];
  return offset >= 0 && offset <= 9 ? offset : -1;
}

/**
 * `_PyUnicode_TransformDecimalAndSpaceToASCII`: Unicode spaces become ' ',
 * Unicode digits their ASCII digit; the first other non-ASCII character
 * ends the text with '?', which the parser then rejects.
 */
function toAscii(text: string): string {
  let out = "";
  for (const char of text) {
    const c = char.codePointAt(0)!;
    if (c < 127) {
      out += char;
    } else if (UNICODE_SPACES.has(c)) {
      out += " ";
    } else {
      const digit = decimalValue(c);
      if (digit < 0) return out + "?";
      out += String.fromCharCode(0x30 + digit);
    }
  }
  return out;
}

/** Python `isspace` for ASCII bytes, as used by `PyLong_FromString`. */
function isAsciiSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
}

function digitValue(c: string | undefined): number {
  if (c === undefined) return 99;
  const code = c.charCodeAt(0);
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x7a) return lower - 0x61 + 10;
  return 99;
}

function invalidLiteral(original: string): PyIntError {
  // CPython formats the repr with "%.200R": at most 200 code points of it.
  let repr = pyRepr(original);
  if (repr.length > 200) repr = Array.from(repr).slice(0, 200).join("");
  return new PyIntError(`invalid literal for int() with base 0: ${repr}`);
}

/**
 * `int(text, 0)`: a number when the value is a safe integer, else a bigint.
 * Throws {@link PyIntError} with CPython's message for anything `int()` rejects.
 */
export function pyIntFromString(text: string): number | bigint {
  const s = toAscii(text);
  let i = 0;
  while (isAsciiSpace(s[i])) i++;
  let negative = false;
  if (s[i] === "+" || s[i] === "-") {
    negative = s[i] === "-";
    i++;
  }
  let base = 10;
  let zeroOnly = false;
  if (s[i] === "0") {
    const marker = (s[i + 1] ?? "").toLowerCase();
    if (marker === "x" || marker === "o" || marker === "b") {
      base = marker === "x" ? 16 : marker === "o" ? 8 : 2;
      i += 2;
      if (s[i] === "_") i++; // one underscore may follow the prefix
    } else {
      zeroOnly = true; // C-style octal is invalid, but "0", "00", "0_0" are fine
    }
  }
  if (s[i] === "_") throw invalidLiteral(text);
  const start = i;
  let digits = "";
  let previous = "";
  while (digitValue(s[i]) < base || s[i] === "_") {
    if (s[i] === "_") {
      if (previous === "_") throw invalidLiteral(text);
    } else {
      digits += s[i];
    }
    previous = s[i];
    i++;
  }
  if (previous === "_" || i === start) throw invalidLiteral(text);
  if (base === 10 && digits.length > MAX_STR_DIGITS) {
    throw new PyIntError(
      `Exceeds the limit (${MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits.length} digits; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
  while (isAsciiSpace(s[i])) i++;
  if (i !== s.length) throw invalidLiteral(text);
  const prefix = base === 16 ? "0x" : base === 8 ? "0o" : base === 2 ? "0b" : "";
  let value = BigInt(prefix + digits);
  if (zeroOnly && value !== 0n) throw invalidLiteral(text);
  if (negative) value = -value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}
