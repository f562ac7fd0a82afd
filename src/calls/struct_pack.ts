/**
 * The range checks of CPython 3.11's `struct.pack` with their error texts.
 *
 * tinkerforge_mqtt packs arguments with `struct.pack('<...')` and answers an
 * out-of-range value with the `struct.error` text, e.g.
 * `ubyte format requires 0 <= number <= 255`. The texts depend on the format
 * code and on whether the value fits a C long at all (`argument out of range`).
 *
 * @module
 */

import type { WireType } from "../tfp/spec.ts";

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const ULONG_MAX = 2n ** 64n - 1n;
const OUT_OF_RANGE = "argument out of range";

interface SmallFormat {
  readonly min: number;
  readonly max: number;
  readonly text: string;
}

/** b, B, h, H and i: `get_long` first (C long range), then the format's own range. */
const SMALL: Partial<Record<WireType, SmallFormat>> = {
  int8: { min: -128, max: 127, text: "byte format requires -128 <= number <= 127" },
  uint8: { min: 0, max: 255, text: "ubyte format requires 0 <= number <= 255" },
  int16: { min: -32768, max: 32767, text: "short format requires -32768 <= number <= 32767" },
  uint16: { min: 0, max: 65535, text: "ushort format requires 0 <= number <= 65535" },
  int32: {
    min: -2147483648,
    max: 2147483647,
    text: "'i' format requires -2147483648 <= number <= 2147483647",
  },
};

/**
 * The `struct.error` text packing `value` as `type` raises, or undefined when
 * it fits. `value` is an integer (number or bigint) for integer types and a
 * number for "float"; other types never fail here.
 */
export function structPackError(type: WireType, value: number | bigint): string | undefined {
  if (type === "float") {
    const x = Number(value);
    // _PyFloat_Pack4: a finite double that rounds to an infinite float overflows.
    return Number.isFinite(x) && !Number.isFinite(Math.fround(x))
      ? "float too large to pack with f format"
      : undefined;
  }
  const small = SMALL[type];
  if (small !== undefined) {
    if (typeof value === "number") {
      if (value >= small.min && value <= small.max) return undefined;
      return Number.isSafeInteger(value) ? small.text : bigText(small, BigInt(value));
    }
    return bigText(small, value);
  }
  const big = BigInt(value);
  switch (type) {
    case "uint32": // get_ulong: negatives and > 2^64-1 fail before the 'I' range check
      if (big < 0n || big > ULONG_MAX) return OUT_OF_RANGE;
      return big > 0xffffffffn ? "'I' format requires 0 <= number <= 4294967295" : undefined;
    case "int64":
      return big < LONG_MIN || big > LONG_MAX ? OUT_OF_RANGE : undefined;
    case "uint64":
      return big < 0n || big > ULONG_MAX ? OUT_OF_RANGE : undefined;
    default:
      return undefined;
  }
}

function bigText(format: SmallFormat, value: bigint): string | undefined {
  if (value < LONG_MIN || value > LONG_MAX) return OUT_OF_RANGE;
  return value < BigInt(format.min) || value > BigInt(format.max) ? format.text : undefined;
}
