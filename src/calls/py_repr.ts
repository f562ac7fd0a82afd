/**
 * Python's `repr()` of str, bytes and lists of str, for texts the bridge copies
 * from the reference (`--show-payload` tails, missing-argument lists).
 *
 * @module
 */

import { isPyPrintable } from "./py_printable_table.ts";

const HEX = "0123456789abcdef";

/** `repr(text)` in CPython 3.11, e.g. `'a\\n'`, `"it's"`, `'\\x00\\u200b😀'`. */
export function pyRepr(text: string): string {
  const quote = pickQuote(text);
  let out = quote;
  let plainFrom = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x5c && c !== quote.charCodeAt(0)) continue;
    let codePoint = c;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        codePoint = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        width = 2;
      }
    }
    if (codePoint >= 0x7f && isPyPrintable(codePoint)) {
      i += width - 1;
      continue;
    }
    if (i > plainFrom) out += text.slice(plainFrom, i);
    out += escapeCodePoint(codePoint);
    i += width - 1;
    plainFrom = i + 1;
  }
  if (plainFrom < text.length) out += text.slice(plainFrom);
  return out + quote;
}

/** `repr(bytes(data))`, e.g. `b'\\xffA'`. */
export function pyBytesRepr(data: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const b of data) {
    if (b === 0x27) hasSingle = true;
    else if (b === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = "b" + quote;
  for (const b of data) {
    if (b === quote.charCodeAt(0) || b === 0x5c) out += "\\" + String.fromCharCode(b);
    else if (b === 0x09) out += "\\t";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b < 0x20 || b >= 0x7f) out += "\\x" + HEX[b >> 4] + HEX[b & 15];
    else out += String.fromCharCode(b);
  }
  return out + quote;
}

/** `repr(list_of_str)`, e.g. `['red', 'green']`. */
export function pyListRepr(items: readonly string[]): string {
  return "[" + items.map(pyRepr).join(", ") + "]";
}

/** Single quotes, unless the text has a `'` and no `"`. */
function pickQuote(text: string): string {
  return text.includes("'") && !text.includes('"') ? '"' : "'";
}

function escapeCodePoint(c: number): string {
  switch (c) {
    case 0x5c:
      return "\\\\";
    case 0x27:
      return "\\'";
    case 0x09:
      return "\\t";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
  }
  if (c <= 0xff) return "\\x" + hex(c, 2);
  if (c <= 0xffff) return "\\u" + hex(c, 4);
  return "\\U" + hex(c, 8);
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, "0");
}
