/**
 * Wire layout of an element list, computed once per list and cached: where each
 * element starts, how many items it has and how they are coded. Internal to
 * payload.ts.
 *
 * @module
 */

import type { ElementSpec, WireType } from "./spec.ts";

// Numeric type codes make the per-item switch cheap.
export const INT8 = 0, UINT8 = 1, INT16 = 2, UINT16 = 3, INT32 = 4, UINT32 = 5;
export const INT64 = 6, UINT64 = 7, FLOAT = 8, BOOL = 9, CHAR = 10, STRING = 11;

const TYPES: Readonly<Record<WireType, readonly [code: number, size: number]>> = {
  int8: [INT8, 1],
  uint8: [UINT8, 1],
  int16: [INT16, 2],
  uint16: [UINT16, 2],
  int32: [INT32, 4],
  uint32: [UINT32, 4],
  int64: [INT64, 8],
  uint64: [UINT64, 8],
  float: [FLOAT, 4],
  bool: [BOOL, 1],
  char: [CHAR, 1],
  string: [STRING, 1],
};

/** One element's place in the payload. */
export interface Step {
  readonly name: string;
  readonly type: WireType;
  readonly code: number;
  /** Items (count > 1 means array), except for string where it is the byte length */
  readonly count: number;
  readonly offset: number;
  readonly itemSize: number;
  readonly array: boolean;
}

/** The whole layout of an element list. */
export interface Plan {
  readonly steps: readonly Step[];
  readonly size: number;
}

/** Element lists are treated as immutable (the codecs are frozen), so the cache never goes stale. */
const plans = new WeakMap<readonly ElementSpec[], Plan>();

/** The (cached) layout of `elements`; TypeError for lists that have no fixed wire layout. */
export function planFor(elements: readonly ElementSpec[]): Plan {
  let plan = plans.get(elements);
  if (plan === undefined) {
    plan = buildPlan(elements);
    plans.set(elements, plan);
  }
  return plan;
}

function buildPlan(elements: readonly ElementSpec[]): Plan {
  const steps: Step[] = [];
  let offset = 0;
  for (const { name, type, count } of elements) {
    if (!Object.hasOwn(TYPES, type)) {
      throw new TypeError(`Element "${name}" has unknown wire type "${type}"`);
    }
    if (Number.isInteger(count) && count < 0) {
      throw new TypeError(
        `Cannot pack "${name}": count ${count} marks high-level stream data, which has no wire layout`,
      );
    }
    if (!Number.isInteger(count) || count === 0) {
      throw new TypeError(`Element "${name}" has invalid count ${count}`);
    }
    const [code, itemSize] = TYPES[type];
    const array = count > 1 && code !== STRING;
    steps.push({ name, type, code, count, offset, itemSize, array });
    if (code === STRING) offset += count;
    else if (code === BOOL && array) offset += Math.ceil(count / 8);
    else offset += itemSize * count;
  }
  return { steps, size: offset };
}
