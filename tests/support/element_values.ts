/**
 * Deterministic test values for any codec element list: the extremes of each
 * wire type, pseudo-random values inside the type's (or the spec's) range,
 * and strings shorter than, as long as and longer than their field.
 *
 * Every generator returns the values to encode and the values a decode must
 * give back (floats rounded to float32, over-long strings truncated).
 *
 * @module
 */
import type { Value } from "../../src/tfp/payload.ts";
import type { DeviceSpec, ElementSpec, WireType } from "../../src/tfp/spec.ts";

/** Uniform numbers in [0, 1). */
export type Random = () => number;

/** xorshift32: a fixed seed makes every failure replayable. */
export function seededRandom(seed: number): Random {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/** "min"/"max": the wire type's extremes; "random": inside the spec's range when it has one. */
export type Variant = "min" | "max" | "random";
/** Length of generated strings relative to the field: "long" ones must come back truncated. */
export type StringLength = "short" | "exact" | "long";

/** What to encode and what decoding the encoded bytes must give. */
export interface Sample {
  readonly values: Value[];
  readonly expected: Value[];
}

const INT_RANGES: Readonly<Partial<Record<WireType, readonly [number, number]>>> = {
  int8: [-0x80, 0x7f],
  uint8: [0, 0xff],
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x8000_0000, 0x7fff_ffff],
  uint32: [0, 0xffff_ffff],
};
const INT64_RANGES: Readonly<Partial<Record<WireType, readonly [bigint, bigint]>>> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};
/** Largest finite float32 */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** The raw range a wire type can carry (bigints for 64-bit types), or undefined for non-numbers. */
export function typeRange(type: WireType): readonly [number | bigint, number | bigint] | undefined {
  if (type === "float") return [-FLOAT32_MAX, FLOAT32_MAX];
  return INT_RANGES[type] ?? INT64_RANGES[type];
}

function randomInt(random: Random, min: number, max: number): number {
  // min + a non-negative offset: never produces -0, which deepStrictEqual tells apart from 0.
  return min + Math.floor(random() * (max - min + 1));
}

function randomInt64(random: Random, type: WireType): bigint {
  const bits = (BigInt(randomInt(random, 0, 0xffff_ffff)) << 32n) |
    BigInt(randomInt(random, 0, 0xffff_ffff));
  return type === "int64" ? BigInt.asIntN(64, bits) : bits;
}

/** One item (not a string element) of `element` for `variant`. */
function item(element: ElementSpec, variant: Variant, random: Random, index: number): Value {
  const { type, range } = element;
  const ints = INT_RANGES[type];
  if (ints !== undefined) {
    if (variant === "min") return ints[0];
    if (variant === "max") return ints[1];
    // Some upstream ranges exceed their type (int16 with -40000..40000): clamp to the type.
    const [min, max] = range ?? ints;
    return randomInt(random, Math.max(min, ints[0]), Math.min(max, ints[1]));
  }
  const longs = INT64_RANGES[type];
  if (longs !== undefined) {
    if (variant === "min") return longs[0];
    if (variant === "max") return longs[1];
    return range ? BigInt(randomInt(random, range[0], range[1])) : randomInt64(random, type);
  }
  switch (type) {
    case "float": {
      if (variant === "min") return -FLOAT32_MAX;
      if (variant === "max") return FLOAT32_MAX;
      const [min, max] = range ?? [-FLOAT32_MAX, FLOAT32_MAX];
      // Not yet rounded: the encoder must round, the expected value is fround()ed.
      return min + random() * (max - min);
    }
    case "bool":
      if (variant !== "random") return variant === "max";
      // Arrays always mix set and clear bits: item 0 on, item 1 off, the rest random.
      if (element.count > 1 && index < 2) return index === 0;
      return random() < 0.5;
    case "char":
      if (variant === "min") return "\0";
      if (variant === "max") return "\xff";
      return String.fromCharCode(randomInt(random, 0, 0xff));
    default:
      throw new TypeError(`No test values for wire type "${type}"`);
  }
}

function text(length: number, variant: Variant, random: Random): string {
  let result = "";
  for (let i = 0; i < length; i++) {
    // No NUL: the decoder cuts a string at its first NUL.
    const code = variant === "min" ? 1 : variant === "max" ? 0xff : randomInt(random, 1, 0xff);
    result += String.fromCharCode(code);
  }
  return result;
}

const STRING_LENGTHS: Readonly<Record<StringLength, (count: number) => number>> = {
  short: (count) => Math.floor(count / 2),
  exact: (count) => count,
  long: (count) => count + 5,
};

/** Values for `elements` (normal or low-level) and what decoding them must give back. */
export function sample(
  elements: readonly ElementSpec[],
  variant: Variant,
  strings: StringLength,
  random: Random,
): Sample {
  const values: Value[] = [];
  const expected: Value[] = [];
  for (const element of elements) {
    if (element.type === "string") {
      const value = text(STRING_LENGTHS[strings](element.count), variant, random);
      values.push(value);
      expected.push(value.slice(0, element.count));
    } else if (element.count > 1) {
      const items: Value[] = [];
      for (let i = 0; i < element.count; i++) items.push(item(element, variant, random, i));
      values.push(items);
      expected.push(items.map((value) => decoded(element.type, value)));
    } else {
      const value = item(element, variant, random, 0);
      values.push(value);
      expected.push(decoded(element.type, value));
    }
  }
  return { values, expected };
}

/** Floats come back with float32 precision; every other type exactly as encoded. */
function decoded(type: WireType, value: Value): Value {
  return type === "float" ? Math.fround(value as number) : value;
}

/**
 * Arguments a real device would accept, by element name: a symbol of the element's constant
 * group when it has one, else a value inside the spec's range, else the spec default, else a
 * small value; strings are short printable ASCII.
 */
export function validArgs(
  device: DeviceSpec,
  elements: readonly ElementSpec[],
  random: Random,
): Record<string, Value> {
  const args: Record<string, Value> = {};
  for (const element of elements) {
    const one = () => validItem(device, element, random);
    args[element.name] = element.count > 1 && element.type !== "string"
      ? Array.from({ length: element.count }, one)
      : one();
  }
  return args;
}

function validItem(device: DeviceSpec, element: ElementSpec, random: Random): Value {
  const { type } = element;
  if (type === "string") {
    let value = "";
    const length = randomInt(random, 0, element.count);
    for (let i = 0; i < length; i++) value += String.fromCharCode(randomInt(random, 0x61, 0x7a));
    return value;
  }
  const symbols = element.symbols === undefined ? undefined : device.constants[element.symbols];
  if (symbols !== undefined) {
    const choices = Object.values(symbols);
    const choice = choices[randomInt(random, 0, choices.length - 1)];
    return INT64_RANGES[type] !== undefined ? BigInt(choice as number) : choice;
  }
  if (element.range !== undefined) return item(element, "random", random, 0);
  if (element.default !== undefined && !Array.isArray(element.default)) {
    const value = element.default as Value;
    return INT64_RANGES[type] !== undefined ? BigInt(value as number) : value;
  }
  switch (type) {
    case "bool":
      return random() < 0.5;
    case "char":
      return String.fromCharCode(randomInt(random, 0x61, 0x7a));
    case "float":
      return Math.fround(random() * 100);
    case "int64":
    case "uint64":
      return BigInt(randomInt(random, 0, 100));
    default:
      return randomInt(random, 0, Math.min(100, INT_RANGES[type]![1]));
  }
}
