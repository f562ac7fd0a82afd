/**
 * High-level streaming on top of low-level chunk functions (tfp-protocol.md §6.2).
 *
 * A high-level function such as RS232 2.0 `write` exists only in the API; on
 * the wire it is a series of calls of its low-level twin (`write_low_level`),
 * each carrying one fixed-size chunk. This module implements the reference
 * bindings' chunking (stream in) and collection (stream out) algorithms for
 * the three variants "variable", "fixed_length" and "single_chunk", plus
 * short writes. It knows nothing about sockets or the response-expected
 * state: the caller passes a function that performs one low-level call.
 *
 * @module
 */

import type { Value } from "./payload.ts";
import type { PacketSpec, StreamSpec, WireType } from "./spec.ts";
import { TfpError } from "./errors.ts";

/**
 * Performs one low-level call: `values` are the low-level `in` elements in
 * wire order; resolves with the decoded `out` elements in wire order, or
 * undefined when no response was awaited.
 */
export type LowLevelCall = (values: readonly unknown[]) => Promise<readonly Value[] | undefined>;

/** A prepared high-level call; run it (under the device's stream lock) with a low-level caller. */
export type StreamJob = (call: LowLevelCall) => Promise<Record<string, Value> | undefined>;

/** Where the pieces of a high-level packet live in its low-level twin, resolved once per packet. */
export interface StreamPlan {
  readonly high: PacketSpec;
  readonly low: PacketSpec;
  readonly stream: StreamSpec;
  /** Item type of the stream data (type of the `stream_chunk_data` element) */
  readonly itemType: WireType;
  /** Chunk padding: 0, 0n, false or "\0" */
  readonly padding: number | bigint | boolean | string;
  /**
   * Indexes of the stream elements in the low-level element list the stream
   * travels in (`low.in` for stream-in, `low.out` for stream-out and
   * callbacks); -1 when the variant has no such element.
   */
  readonly lengthIndex: number;
  readonly offsetIndex: number;
  readonly dataIndex: number;
  /** Index of `stream_chunk_written` in `low.out` (short writes), else -1 */
  readonly writtenIndex: number;
  /** Largest value of the offset type: a fixed-length "no data" first offset */
  readonly offsetMax: number;
  /** Non-stream high-level `in` elements: [name, index in `low.in`] */
  readonly args: readonly (readonly [string, number])[];
  /**
   * High-level `out` elements: [name, index in `low.out`]; the index is -1 for
   * the collected stream data and -2 for the total written count.
   */
  readonly results: readonly (readonly [string, number])[];
}

const STREAM_DATA = -1;
const STREAM_WRITTEN = -2;
const OUT_OF_SYNC_MESSAGE = "Stream is out-of-sync";

const plans = new WeakMap<PacketSpec, StreamPlan>();

function paddingFor(type: WireType): StreamPlan["padding"] {
  switch (type) {
    case "bool":
      return false;
    case "char":
      return "\0";
    case "int64":
    case "uint64":
      return 0n;
    default:
      return 0;
  }
}

function maxOfType(type: WireType): number {
  switch (type) {
    case "uint8":
      return 0xff;
    case "uint16":
      return 0xffff;
    case "uint32":
      return 0xffffffff;
    default:
      throw new TypeError(`Stream offset type "${type}" is not supported`);
  }
}

/** Resolves (and caches) where the stream pieces of `high` sit in its low-level twin `low`. */
export function streamPlan(high: PacketSpec, low: PacketSpec): StreamPlan {
  const cached = plans.get(high);
  if (cached !== undefined) return cached;
  const stream = high.stream;
  if (stream === undefined) throw new TypeError(`Packet "${high.name}" is not a stream`);
  const carrier = stream.direction === "in" ? low.in : low.out;
  const roleIndex = (role: string) => carrier.findIndex((element) => element.role === role);
  const dataIndex = roleIndex("stream_chunk_data");
  if (dataIndex < 0) {
    throw new TypeError(`Low-level packet "${low.name}" has no stream_chunk_data element`);
  }
  const offsetIndex = roleIndex("stream_chunk_offset");
  const itemType = carrier[dataIndex].type;
  const lowIndex = (list: PacketSpec["in"], name: string) => {
    const index = list.findIndex((element) => element.name === name && element.role === undefined);
    if (index < 0) throw new TypeError(`Low-level packet "${low.name}" has no element "${name}"`);
    return index;
  };
  const plan: StreamPlan = {
    high,
    low,
    stream,
    itemType,
    padding: paddingFor(itemType),
    lengthIndex: roleIndex("stream_length"),
    offsetIndex,
    dataIndex,
    writtenIndex: low.out.findIndex((element) => element.role === "stream_chunk_written"),
    offsetMax: offsetIndex < 0 ? 0 : maxOfType(carrier[offsetIndex].type),
    args: high.in.filter((element) => element.role === undefined)
      .map((element) => [element.name, lowIndex(low.in, element.name)] as const),
    results: high.out.map((element) => {
      if (element.role === "stream_data") return [element.name, STREAM_DATA] as const;
      if (element.role === "stream_written") return [element.name, STREAM_WRITTEN] as const;
      return [element.name, lowIndex(low.out, element.name)] as const;
    }),
  };
  plans.set(high, plan);
  return plan;
}

/** The user's stream data as items: an array or typed array (char streams also take a string). */
function streamItems(plan: StreamPlan, value: unknown): ArrayLike<unknown> {
  if (Array.isArray(value)) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return value as Uint8Array;
  if (typeof value === "string" && plan.itemType === "char") return value.split("");
  const expected = plan.itemType === "char" ? "an array or a string" : "an array";
  throw new TypeError(
    `Argument "${plan.stream.data}" of "${plan.high.name}" must be ${expected}, got ${typeof value}`,
  );
}

/** Builds the low-level `in` values with the non-stream arguments filled in. */
function lowLevelValues(plan: StreamPlan, args: Readonly<Record<string, unknown>>): unknown[] {
  const expected = new Set(plan.args.map(([name]) => name));
  if (plan.stream.direction === "in") expected.add(plan.stream.data);
  for (const name of Object.keys(args)) {
    if (!expected.has(name)) {
      throw new TypeError(`Unknown argument "${name}" for "${plan.high.name}"`);
    }
  }
  const values: unknown[] = new Array(plan.low.in.length);
  for (const [name, index] of plan.args) {
    if (!(name in args)) throw new TypeError(`Missing argument "${name}" for "${plan.high.name}"`);
    values[index] = args[name];
  }
  return values;
}

/** Copies `items[offset .. offset + chunk.length]` into `chunk`, padding the rest. */
function fillChunk(plan: StreamPlan, chunk: unknown[], items: ArrayLike<unknown>, offset: number) {
  const available = Math.min(chunk.length, items.length - offset);
  for (let i = 0; i < available; i++) chunk[i] = items[offset + i];
  chunk.fill(plan.padding, Math.max(available, 0));
}

function collectResults(
  plan: StreamPlan,
  response: readonly Value[] | undefined,
  data: Value[],
  written: number,
): Record<string, Value> | undefined {
  if (response === undefined) return undefined;
  const result: Record<string, Value> = {};
  for (const [name, index] of plan.results) {
    result[name] = index === STREAM_DATA
      ? data
      : index === STREAM_WRITTEN
      ? written
      : response[index];
  }
  return result;
}

function requireResponse(
  plan: StreamPlan,
  response: readonly Value[] | undefined,
): readonly Value[] {
  if (response === undefined) {
    // Only reachable with a broken codec: stream-out and short-write twins are always_true.
    throw new TypeError(`Low-level function "${plan.low.name}" returned no response`);
  }
  return response;
}

/**
 * Validates the arguments of a stream-in call and returns the job that sends
 * the chunks. Throws TypeError/RangeError for bad arguments before anything is sent.
 */
export function prepareStreamIn(
  plan: StreamPlan,
  args: Readonly<Record<string, unknown>>,
): StreamJob {
  const { stream, high } = plan;
  const values = lowLevelValues(plan, args);
  if (!(stream.data in args)) {
    throw new TypeError(`Missing argument "${stream.data}" for "${high.name}"`);
  }
  const items = streamItems(plan, args[stream.data]);
  if (stream.variant === "fixed_length") {
    if (items.length !== stream.fixedLength) {
      throw new RangeError(
        `"${stream.data}" of "${high.name}" must have exactly ${stream.fixedLength} items, got ${items.length}`,
      );
    }
  } else if (items.length > stream.maxLength) {
    throw new RangeError(
      `"${stream.data}" of "${high.name}" can have at most ${stream.maxLength} items, got ${items.length}`,
    );
  }
  const chunk: unknown[] = new Array(stream.chunkSize);
  values[plan.dataIndex] = chunk;
  if (plan.lengthIndex >= 0) values[plan.lengthIndex] = items.length;
  if (stream.variant === "single_chunk") {
    return async (call) => {
      fillChunk(plan, chunk, items, 0);
      const response = await call(values);
      const written = plan.writtenIndex < 0
        ? 0
        : requireResponse(plan, response)[plan.writtenIndex];
      return collectResults(plan, response, [], written as number);
    };
  }
  return async (call) => {
    const length = items.length;
    let offset = 0;
    let written = 0;
    let response: readonly Value[] | undefined;
    // do/while: empty data still sends exactly one all-padding chunk with length 0.
    do {
      fillChunk(plan, chunk, items, offset);
      values[plan.offsetIndex] = offset;
      response = await call(values);
      if (plan.writtenIndex >= 0) {
        const chunkWritten = requireResponse(plan, response)[plan.writtenIndex] as number;
        written += chunkWritten;
        if (chunkWritten < stream.chunkSize) break; // last chunk, or the device buffer is full
      }
      offset += stream.chunkSize;
    } while (offset < length);
    return collectResults(plan, response, [], written);
  };
}

/**
 * Validates the arguments of a stream-out getter and returns the job that
 * collects the chunks. Non-stream results come from the last response, as in
 * the reference bindings.
 */
export function prepareStreamOut(
  plan: StreamPlan,
  args: Readonly<Record<string, unknown>>,
): StreamJob {
  const values = lowLevelValues(plan, args);
  const { stream } = plan;
  if (stream.variant === "single_chunk") {
    return async (call) => {
      const response = requireResponse(plan, await call(values));
      const length = response[plan.lengthIndex] as number;
      const data = (response[plan.dataIndex] as Value[]).slice(0, length);
      return collectResults(plan, response, data, 0);
    };
  }
  const fixed = stream.variant === "fixed_length";
  const chunkSize = stream.chunkSize;
  const lengthOf = (response: readonly Value[], current: number) =>
    fixed ? current : response[plan.lengthIndex] as number;
  const offsetOf = (response: readonly Value[]) => response[plan.offsetIndex] as number;
  return async (call) => {
    let response = requireResponse(plan, await call(values));
    let length = lengthOf(response, stream.fixedLength ?? 0);
    const data: Value[] = [];
    if (fixed && offsetOf(response) === plan.offsetMax) {
      return collectResults(plan, response, data, 0); // the device has no image (yet)
    }
    let outOfSync = offsetOf(response) !== 0;
    for (const item of response[plan.dataIndex] as Value[]) data.push(item);
    while (!outOfSync && data.length < length) {
      response = requireResponse(plan, await call(values));
      length = lengthOf(response, length);
      outOfSync = offsetOf(response) !== data.length;
      for (const item of response[plan.dataIndex] as Value[]) data.push(item);
    }
    if (outOfSync) {
      // Drain the rest of the device-side stream so the next call starts in sync.
      // The cap only matters for a misbehaving device that never reaches the end.
      let calls = Math.ceil((plan.offsetMax + 1) / chunkSize);
      while (offsetOf(response) + chunkSize < length && calls-- > 0) {
        response = requireResponse(plan, await call(values));
        length = lengthOf(response, length);
      }
      throw new TfpError("stream_out_of_sync", OUT_OF_SYNC_MESSAGE);
    }
    if (data.length > length) data.length = length;
    return collectResults(plan, response, data, 0);
  };
}
