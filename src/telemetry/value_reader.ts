/**
 * Reads sampled values straight from a response or callback payload into a record's values,
 * scaled to the catalog's units, without decoding the rest of the payload or allocating
 * intermediate arrays (the sampler's hot path).
 *
 * Scaling is `raw * numerator / denominator` in that order, so that 2345 with scale 1/100 is
 * exactly the double nearest to 23.45 (what `23.45` parses to), and values with scale 1/1 stay
 * the integers they were. 64-bit integers become numbers (exact up to 2^53).
 *
 * @module
 */

import {
  BOOL,
  CHAR,
  FLOAT,
  INT16,
  INT32,
  INT64,
  INT8,
  UINT16,
  UINT32,
  UINT64,
  UINT8,
} from "../tfp/payload_plan.ts";
import type { SampledValue } from "./catalog.ts";

const SCRATCH = new Uint8Array(4);
const SCRATCH_FLOAT = new Float32Array(SCRATCH.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_32 = 4294967296;

function uint32At(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function floatAt(bytes: Uint8Array, at: number): number {
  if (LITTLE_ENDIAN) { for (let i = 0; i < 4; i++) SCRATCH[i] = bytes[at + i]; }
  else for (let i = 0; i < 4; i++) SCRATCH[3 - i] = bytes[at + i];
  return SCRATCH_FLOAT[0];
}

/** The raw (unscaled) value at `at`; characters as 1-char strings, booleans as booleans. */
export function rawValue(bytes: Uint8Array, code: number, at: number): number | boolean | string {
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
      return uint32At(bytes, at);
    case INT64:
      return uint32At(bytes, at) + (uint32At(bytes, at + 4) | 0) * TWO_32;
    case UINT64:
      return uint32At(bytes, at) + uint32At(bytes, at + 4) * TWO_32;
    case FLOAT:
      return floatAt(bytes, at);
    case BOOL:
      return bytes[at] !== 0;
    case CHAR:
      return String.fromCharCode(bytes[at]);
    default:
      throw new TypeError(`Cannot sample values of wire type code ${code}`);
  }
}

/**
 * Writes every value of `values` into `target`, read from `bytes` with the getter's layout
 * starting at byte `base`. The caller checks that the payload is long enough.
 */
export function readValues(
  target: Record<string, number | boolean | string>,
  bytes: Uint8Array,
  base: number,
  values: readonly SampledValue[],
): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const raw = rawValue(bytes, value.code, base + value.offset);
    const scale = value.scale;
    target[value.key] = typeof raw === "number" && (scale[0] !== 1 || scale[1] !== 1)
      ? (raw * scale[0]) / scale[1]
      : raw;
  }
}
