/**
 * Plausible values for simulated devices: a seedable random source, default
 * values of the right shape for any {@link ElementSpec}, and slowly drifting
 * sensor readings that stay inside the element's range.
 *
 * Ranges are raw wire values. A reading starts from a "typical" physical range
 * per unit (room temperature, indoor humidity, ...) converted to raw units with
 * the element's scale and intersected with the spec's allowed range; without a
 * unit it uses the middle tenth of the allowed range.
 *
 * @module
 */

import type { ConstantValue, DeviceSpec, ElementSpec, WireType } from "../tfp/spec.ts";
import type { Value } from "../tfp/payload.ts";

/** Uniform random numbers in [0, 1). */
export type Random = () => number;

/**
 * A seedable generator (mulberry32): same seed, same sequence, so tests can be
 * reproducible. Without a seed it starts from Math.random.
 */
export function createRandom(seed?: number): Random {
  let state = (seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPE_RANGES: Readonly<Partial<Record<WireType, readonly [number, number]>>> = {
  int8: [-0x80, 0x7f],
  uint8: [0, 0xff],
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x8000_0000, 0x7fff_ffff],
  uint32: [0, 0xffff_ffff],
  // 64-bit values are kept within the safe-integer range of a JS number.
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  float: [-3.4e38, 3.4e38],
};

/** Whether values of this type are numbers (bigint for 64-bit) rather than bool/char/string. */
export function isNumericType(type: WireType): boolean {
  return Object.hasOwn(TYPE_RANGES, type);
}

/** Raw limits of a numeric wire type. */
export function typeRange(type: WireType): readonly [number, number] {
  const range = TYPE_RANGES[type];
  if (range === undefined) throw new TypeError(`Type "${type}" is not numeric`);
  return range;
}

/** Typical physical values per unit symbol: what a sensor in an office would show. */
const TYPICAL: Readonly<Record<string, readonly [number, number]>> = {
  "°C": [19, 25],
  "K": [292, 298],
  "%": [35, 60],
  "lx": [150, 600],
  "hPa": [1005, 1020],
  "V": [4.8, 5.2],
  "A": [0.2, 0.5],
  "W": [20, 80],
  "VA": [20, 80],
  "var": [1, 10],
  "Wh": [1000, 1200],
  "Ω": [107, 110],
  "ppm": [420, 800],
  "m": [1, 2],
  "mm": [2, 8],
  "m/s": [0.5, 3],
  "km/h": [2, 10],
  "m/s²": [-0.5, 0.5],
  "gₙ": [-0.05, 0.05],
  "°": [-5, 5],
  "°/s": [-2, 2],
  "T": [0.00002, 0.00005],
  "Hz": [49.9, 50.1],
  "W/m²": [0.5, 3],
  "dB": [35, 55],
  "g/m³": [5, 10],
  "g": [100, 300],
  "1/m³": [1000, 5000],
};

function intersect(
  a: readonly [number, number],
  b: readonly [number, number],
): [number, number] | undefined {
  const low = Math.max(a[0], b[0]);
  const high = Math.min(a[1], b[1]);
  return low <= high ? [low, high] : undefined;
}

function middleTenth([low, high]: readonly [number, number]): [number, number] {
  const span = high - low;
  return [low + span * 0.45, low + span * 0.55];
}

/** Raw range a plausible reading of this numeric element moves in. */
export function plausibleRange(element: ElementSpec): [number, number] {
  const allowed = element.range ?? typeRange(element.type);
  const typical = element.unit === undefined ? undefined : TYPICAL[element.unit];
  const scale = element.scale;
  if (typical !== undefined && scale !== "dynamic") {
    const [numerator, denominator] = scale ?? [1, 1];
    const raw: [number, number] = [
      typical[0] * denominator / numerator,
      typical[1] * denominator / numerator,
    ];
    if (raw[0] > raw[1]) raw.reverse();
    const both = intersect(raw, allowed);
    if (both !== undefined) return both;
  }
  if (element.range !== undefined) return middleTenth(element.range);
  // No hint at all: small positive numbers look less odd than the middle of the type range.
  return intersect([0, 100], allowed) ?? middleTenth(allowed);
}

/** Whether a getter output is a measurement that should drift (it has a unit or a range). */
export function isMeasurement(element: ElementSpec): boolean {
  return isNumericType(element.type) && element.symbols === undefined &&
    (element.unit !== undefined || element.range !== undefined);
}

/** Converts a number to the JS representation of `type` (bigint for 64-bit, rounded integers). */
export function numberFor(type: WireType, value: number): number | bigint {
  if (type === "float") return value;
  const [low, high] = typeRange(type);
  const integer = Math.min(high, Math.max(low, Math.round(value)));
  return type === "int64" || type === "uint64" ? BigInt(integer) : integer;
}

/** Milliseconds between two random-walk steps of a reading. */
export const DRIFT_INTERVAL_MS = 250;
const MAX_STEPS_PER_READ = 20;

/**
 * A sensor value doing a mean-reverting random walk inside {@link plausibleRange}.
 * It advances with wall-clock time (one step per {@link DRIFT_INTERVAL_MS}), so a
 * dashboard polling it sees life while repeated reads within a step agree.
 */
export class Reading {
  readonly #element: ElementSpec;
  readonly #random: Random;
  readonly #low: number;
  readonly #span: number;
  /** Position inside the range, 0..1 */
  #position: number;
  #lastStep: number;

  constructor(element: ElementSpec, random: Random, now = Date.now()) {
    this.#element = element;
    this.#random = random;
    const [low, high] = plausibleRange(element);
    this.#low = low;
    this.#span = high - low;
    this.#position = 0.25 + random() * 0.5;
    this.#lastStep = now;
  }

  /** Current raw value (number, or bigint for 64-bit types). */
  value(now = Date.now()): number | bigint {
    let steps = Math.floor((now - this.#lastStep) / DRIFT_INTERVAL_MS);
    if (steps > 0) {
      this.#lastStep = steps > MAX_STEPS_PER_READ
        ? now
        : this.#lastStep + steps * DRIFT_INTERVAL_MS;
      steps = Math.min(steps, MAX_STEPS_PER_READ);
      for (let i = 0; i < steps; i++) {
        const pull = (0.5 - this.#position) * 0.05;
        const next = this.#position + (this.#random() - 0.5) * 0.1 + pull;
        this.#position = Math.min(1, Math.max(0, next));
      }
    }
    return numberFor(this.#element.type, this.#low + this.#position * this.#span);
  }
}

/** Symbol names preferred as the resting state of an enumerated output. */
const RESTING_SYMBOLS = ["released", "firmware", "ok", "off", "idle", "none", "disabled", "normal"];

function restingSymbol(group: Readonly<Record<string, ConstantValue>>): ConstantValue | undefined {
  for (const name of RESTING_SYMBOLS) if (Object.hasOwn(group, name)) return group[name];
  for (const name in group) return group[name];
  return undefined;
}

function itemDefault(
  element: ElementSpec,
  device: DeviceSpec | undefined,
  specDefault: ConstantValue | undefined,
): Value {
  const type = element.type;
  if (specDefault !== undefined) {
    const fitted = fitConstant(type, specDefault);
    if (fitted !== undefined) return fitted;
  }
  if (element.symbols !== undefined && device !== undefined) {
    const group = device.constants[element.symbols];
    const symbol = group === undefined ? undefined : restingSymbol(group);
    const fitted = symbol === undefined ? undefined : fitConstant(type, symbol);
    if (fitted !== undefined) return fitted;
  }
  if (type === "bool") return element.name === "success";
  if (type === "char") return "\0";
  if (type === "string") return "";
  const range = element.range;
  const zero = range !== undefined && (range[0] > 0 || range[1] < 0) ? range[0] : 0;
  return numberFor(type, zero);
}

/** A spec constant as a value of `type`, or undefined when it does not fit. */
export function fitConstant(type: WireType, constant: ConstantValue): Value | undefined {
  if (type === "bool") return typeof constant === "boolean" ? constant : undefined;
  if (type === "char") {
    return typeof constant === "string" && constant.length === 1 ? constant : undefined;
  }
  if (type === "string") return typeof constant === "string" ? constant : undefined;
  if (typeof constant !== "number") return undefined;
  return numberFor(type, constant);
}

/**
 * The value an output has before anything set it: the spec default, else the
 * resting symbol of its constant group, else zero (or the range minimum when
 * zero is not allowed), false, "\0" or "". Arrays get `count` items.
 */
export function defaultValue(element: ElementSpec, device?: DeviceSpec): Value {
  const specDefault = element.default;
  if (element.count > 1 && element.type !== "string") {
    const items: Value[] = new Array(element.count);
    for (let i = 0; i < element.count; i++) {
      const constant = Array.isArray(specDefault)
        ? specDefault[i % specDefault.length]
        : specDefault as ConstantValue | undefined;
      items[i] = itemDefault(element, device, constant);
    }
    return items;
  }
  const single = Array.isArray(specDefault) ? specDefault[0] : specDefault;
  return itemDefault(element, device, single as ConstantValue | undefined);
}
