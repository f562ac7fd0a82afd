/**
 * The one generic payload encoder/decoder for every device, driven by the
 * {@link ElementSpec} lists of the codecs (tfp-protocol.md §1.4).
 *
 * JS value mapping: int8..uint32 and float → number; int64/uint64 → bigint
 * (encode also takes safe-integer numbers); bool → boolean; char → 1-char
 * string (Latin-1); string → string (Latin-1, NUL padded, cut at the first
 * NUL); an element with count > 1 (except string) → array of `count` items.
 *
 * Element lists are treated as immutable (the codecs are frozen): the layout
 * computed for a list is cached per array object.
 *
 * @module
 */

import { allocBytes } from "./byte_pool.ts";
import {
  BOOL,
  FLOAT,
  INT16,
  INT32,
  INT64,
  INT8,
  type Plan,
  planFor,
  type Step,
  STRING,
  UINT16,
  UINT32,
  UINT64,
  UINT8,
} from "./payload_plan.ts";
import type { ElementSpec } from "./spec.ts";

/** A decoded (or encodable) element value. */
export type Value = number | bigint | boolean | string | Value[];

/** Integer ranges by type code (int8..uint32). */
const INT_MIN = [-0x80, 0, -0x8000, 0, -0x8000_0000, 0];
const INT_MAX = [0x7f, 0xff, 0x7fff, 0xffff, 0x7fff_ffff, 0xffff_ffff];
const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n, UINT64_MAX = 2n ** 64n - 1n;
const TWO_POW_32 = 2 ** 32;

// float and 64-bit values go through this scratch space: a DataView over every payload would
// cost an allocation per call, while 16/32-bit integers are cheaper to assemble by hand.
const SCRATCH = new Uint8Array(8);
const SCRATCH_FLOAT = SCRATCH.subarray(0, 4);
const SCRATCH_VIEW = new DataView(SCRATCH.buffer);

/** bool[n] packs to ceil(n/8) bytes; string: count bytes; char: 1 */
export function payloadSize(elements: readonly ElementSpec[]): number {
  return planFor(elements).size;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value)}`;
    case "number":
    case "boolean":
      return `${typeof value} ${value}`;
    case "bigint":
      return `bigint ${value}`;
    default:
      return typeof value;
  }
}

function wrongType(label: string, expected: string, value: unknown): TypeError {
  return new TypeError(`Cannot encode "${label}": expected ${expected}, got ${describe(value)}`);
}

function outOfRange(
  label: string,
  value: number | bigint,
  type: string,
  range: string,
): RangeError {
  return new RangeError(
    `Cannot encode "${label}": ${value} is out of range for ${type} (${range})`,
  );
}

function notLatin1(label: string, text: string): RangeError {
  return new RangeError(
    `Cannot encode "${label}": ${JSON.stringify(text)} contains a non-Latin-1 character`,
  );
}

/** Writes one item (never a string element); `label` names it in errors. */
function writeItem(
  bytes: Uint8Array,
  step: Step,
  at: number,
  value: unknown,
  label: string,
): void {
  const code = step.code;
  if (code <= UINT32) {
    if (typeof value !== "number") throw wrongType(label, "a number", value);
    if (!Number.isInteger(value)) {
      throw new RangeError(`Cannot encode "${label}": ${value} is not an integer`);
    }
    if (value < INT_MIN[code] || value > INT_MAX[code]) {
      throw outOfRange(label, value, step.type, `${INT_MIN[code]}..${INT_MAX[code]}`);
    }
    // Uint8Array stores wrap modulo 256, which yields two's complement for negatives.
    bytes[at] = value;
    if (code >= INT16) bytes[at + 1] = value >> 8;
    if (code >= INT32) {
      bytes[at + 2] = value >> 16;
      bytes[at + 3] = value >> 24;
    }
  } else if (code <= UINT64) {
    writeInt64(bytes, code === INT64, at, value, label);
  } else if (code === FLOAT) {
    if (typeof value !== "number") throw wrongType(label, "a number", value);
    if (Number.isFinite(value) && !Number.isFinite(Math.fround(value))) {
      throw new RangeError(`Cannot encode "${label}": ${value} is out of range for float`);
    }
    SCRATCH_VIEW.setFloat32(0, value, true);
    bytes.set(SCRATCH_FLOAT, at);
  } else if (code === BOOL) {
    if (typeof value !== "boolean") throw wrongType(label, "a boolean", value);
    bytes[at] = value ? 1 : 0;
  } else {
    if (typeof value !== "string" || value.length !== 1) {
      throw wrongType(label, "a 1-character string", value);
    }
    const char = value.charCodeAt(0);
    if (char > 0xff) throw notLatin1(label, value);
    bytes[at] = char;
  }
}

function writeInt64(bytes: Uint8Array, signed: boolean, at: number, value: unknown, label: string) {
  const type = signed ? "int64" : "uint64";
  const range = signed ? `${INT64_MIN}..${INT64_MAX}` : `0..${UINT64_MAX}`;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) {
      throw new RangeError(`Cannot encode "${label}": ${value} is not an integer`);
    }
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(
        `Cannot encode "${label}": ${value} is not a safe integer, pass a bigint for ${type}`,
      );
    }
    if (!signed && value < 0) throw outOfRange(label, value, type, range);
    // Split into 32-bit halves without BigInt; the shifts wrap negatives into two's complement.
    const high = Math.floor(value / TWO_POW_32);
    for (let i = 0; i < 4; i++) {
      bytes[at + i] = value >>> (i * 8);
      bytes[at + 4 + i] = high >> (i * 8);
    }
  } else if (typeof value === "bigint") {
    if (signed ? value < INT64_MIN || value > INT64_MAX : value < 0n || value > UINT64_MAX) {
      throw outOfRange(label, value, type, range);
    }
    SCRATCH_VIEW.setBigUint64(0, BigInt.asUintN(64, value), true);
    bytes.set(SCRATCH, at);
  } else {
    throw wrongType(label, "a bigint or safe integer", value);
  }
}

function writeString(bytes: Uint8Array, step: Step, value: unknown): void {
  if (typeof value !== "string") throw wrongType(step.name, "a string", value);
  const end = step.offset + step.count;
  const written = Math.min(value.length, step.count);
  for (let i = 0; i < written; i++) {
    const char = value.charCodeAt(i);
    if (char > 0xff) throw notLatin1(step.name, value);
    bytes[step.offset + i] = char;
  }
  bytes.fill(0, step.offset + written, end);
}

function isArrayValue(value: unknown): value is ArrayLike<unknown> {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

function writeArray(bytes: Uint8Array, step: Step, value: unknown): void {
  if (!isArrayValue(value)) throw wrongType(step.name, `an array of ${step.count} items`, value);
  if (value.length !== step.count) {
    throw new TypeError(
      `Cannot encode "${step.name}": expected an array of ${step.count} items, got ${value.length}`,
    );
  }
  if (step.code === BOOL) {
    bytes.fill(0, step.offset, step.offset + Math.ceil(step.count / 8));
    for (let i = 0; i < step.count; i++) {
      const item = value[i];
      if (typeof item !== "boolean") throw wrongType(`${step.name}[${i}]`, "a boolean", item);
      if (item) bytes[step.offset + (i >> 3)] |= 1 << (i & 7);
    }
    return;
  }
  for (let i = 0; i < step.count; i++) {
    writeItem(bytes, step, step.offset + i * step.itemSize, value[i], `${step.name}[${i}]`);
  }
}

/**
 * Encodes `values` (in element order) into `target` at `offset` without allocating a
 * payload buffer; returns the number of bytes written (= payloadSize(elements)).
 */
export function encodePayloadInto(
  elements: readonly ElementSpec[],
  values: readonly unknown[],
  target: Uint8Array,
  offset = 0,
): number {
  const plan = planFor(elements);
  const steps = plan.steps;
  if (values.length !== steps.length) {
    throw new TypeError(`Expected ${steps.length} values, got ${values.length}`);
  }
  if (offset < 0 || offset + plan.size > target.length) {
    throw new RangeError(`Payload of ${plan.size} bytes does not fit at offset ${offset}`);
  }
  // Steps never write past their own bytes, so offset 0 needs no (allocating) subarray.
  const bytes = offset === 0 ? target : target.subarray(offset, offset + plan.size);
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (step.array) writeArray(bytes, step, values[i]);
    else if (step.code === STRING) writeString(bytes, step, values[i]);
    else writeItem(bytes, step, step.offset, values[i], step.name);
  }
  return plan.size;
}

/**
 * Encodes `values` (one per element, in order) into a new payload. The result may share
 * its `.buffer` with other pooled arrays (see byte_pool.ts).
 */
export function encodePayload(
  elements: readonly ElementSpec[],
  values: readonly unknown[],
): Uint8Array {
  const payload = allocBytes(planFor(elements).size);
  encodePayloadInto(elements, values, payload);
  return payload;
}

/** Encodes by element name; missing (or undefined) values → TypeError naming them; extra keys are ignored. */
export function encodeNamed(
  elements: readonly ElementSpec[],
  values: Readonly<Record<string, unknown>>,
): Uint8Array {
  const ordered: unknown[] = new Array(elements.length);
  const missing: string[] = [];
  for (let i = 0; i < elements.length; i++) {
    const name = elements[i].name;
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) missing.push(`"${name}"`);
    ordered[i] = value;
  }
  if (missing.length > 0) {
    const noun = missing.length === 1 ? "value" : "values";
    throw new TypeError(`Missing ${noun} for ${missing.join(", ")}`);
  }
  return encodePayload(elements, ordered);
}

function readItem(bytes: Uint8Array, code: number, at: number): Value {
  switch (code) {
    case INT8:
      return (bytes[at] << 24) >> 24;
    case UINT8:
      return bytes[at];
    case INT16:
      return ((bytes[at] | (bytes[at + 1] << 8)) << 16) >> 16;
    case UINT16:
      return bytes[at] | (bytes[at + 1] << 8);
    case INT32:
      return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
    case UINT32:
      return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>>
        0;
    case INT64:
      SCRATCH.set(bytes.subarray(at, at + 8));
      return SCRATCH_VIEW.getBigInt64(0, true);
    case UINT64:
      SCRATCH.set(bytes.subarray(at, at + 8));
      return SCRATCH_VIEW.getBigUint64(0, true);
    case FLOAT:
      for (let i = 0; i < 4; i++) SCRATCH[i] = bytes[at + i];
      return SCRATCH_VIEW.getFloat32(0, true);
    case BOOL:
      return bytes[at] !== 0;
    default:
      return String.fromCharCode(bytes[at]);
  }
}

function readString(bytes: Uint8Array, at: number, count: number): string {
  let text = "";
  for (let i = at; i < at + count && bytes[i] !== 0; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

function readStep(bytes: Uint8Array, step: Step): Value {
  if (step.code === STRING) return readString(bytes, step.offset, step.count);
  if (!step.array) return readItem(bytes, step.code, step.offset);
  const items: Value[] = new Array(step.count);
  if (step.code === BOOL) {
    for (let i = 0; i < step.count; i++) {
      items[i] = (bytes[step.offset + (i >> 3)] & (1 << (i & 7))) !== 0;
    }
  } else {
    for (let i = 0; i < step.count; i++) {
      items[i] = readItem(bytes, step.code, step.offset + i * step.itemSize);
    }
  }
  return items;
}

function payloadBytes(plan: Plan, payload: Uint8Array, offset: number): Uint8Array {
  if (offset < 0 || payload.length - offset < plan.size) {
    throw new RangeError(
      `Payload too short: need ${plan.size} bytes at offset ${offset}, got ${payload.length}`,
    );
  }
  return offset === 0 ? payload : payload.subarray(offset, offset + plan.size);
}

/** Decodes one value per element, in order. Bytes beyond the elements are ignored. */
export function decodePayload(
  elements: readonly ElementSpec[],
  payload: Uint8Array,
  offset = 0,
): Value[] {
  const plan = planFor(elements);
  const bytes = payloadBytes(plan, payload, offset);
  const steps = plan.steps;
  const values: Value[] = new Array(steps.length);
  for (let i = 0; i < steps.length; i++) values[i] = readStep(bytes, steps[i]);
  return values;
}

/** Decodes into an object keyed by element name. */
export function decodeNamed(
  elements: readonly ElementSpec[],
  payload: Uint8Array,
): Record<string, Value> {
  const plan = planFor(elements);
  const bytes = payloadBytes(plan, payload, 0);
  const result: Record<string, Value> = {};
  for (const step of plan.steps) result[step.name] = readStep(bytes, step);
  return result;
}
