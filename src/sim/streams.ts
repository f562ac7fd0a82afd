/**
 * The device side of streamed ("low level") functions and callbacks
 * (tfp-protocol.md §6.2) for simulated devices.
 *
 * Stream-in chunks are reassembled by (length, offset) and stored where the
 * matching stream-out getter finds them: `set_<x>` → `get_<x>`, `write<x>` →
 * `read<x>` (RS232 `write` → `read` is a loopback cable). A reader with a
 * `length` input and no `index` is a FIFO: reads consume what was written. A
 * writer and reader that both have an `index` input (LED Strip 2.0) address
 * one buffer by position. Other non-stream inputs shared by writer and reader
 * select separate buffers. Stream-out getters without stored data serve
 * generated plausible data. A stream-out session hands out one chunk per call
 * with increasing offsets, as the bindings expect.
 *
 * @module
 */

import type { Value } from "../tfp/payload.ts";
import type { DeviceSpec, ElementSpec, PacketSpec } from "../tfp/spec.ts";
import { type StreamPlan, streamPlan } from "../tfp/streams.ts";
import { defaultValue, isNumericType, numberFor, plausibleRange, type Random } from "./readings.ts";

/** What the streams need from their device. */
export interface StreamHost {
  readonly random: Random;
  /** Values of the non-stream outputs of `fn` for this request */
  evaluate(fn: PacketSpec, request: Record<string, Value>): Record<string, Value>;
  /** Offers a completed stream-in to a callback of the reader's name; true if it took it */
  deliver(callbackName: string, data: Value[]): boolean;
}

interface InPlan {
  readonly plan: StreamPlan;
  /** Name under which completed data is stored (the reader's high-level name, or the writer's) */
  readonly target: string;
  readonly keys: readonly string[];
  readonly positional: boolean;
  readonly fifo: boolean;
}

interface OutPlan {
  readonly plan: StreamPlan;
  readonly keys: readonly string[];
  readonly positional: boolean;
  readonly fifo: boolean;
  /** Element describing one item (unit/range of the high-level stream data) */
  readonly item: ElementSpec;
}

interface DevicePlans {
  readonly ins: ReadonlyMap<string, InPlan>;
  readonly outs: ReadonlyMap<string, OutPlan>;
}

const plansCache = new WeakMap<DeviceSpec, DevicePlans>();

/** `set_x` → `get_x`, `write_x`/`x_write_y` → `read_x`/`x_read_y`. */
export function readerNameFor(writer: string): string | undefined {
  if (writer.startsWith("set_")) return `get_${writer.slice(4)}`;
  return /(^|_)write(_|$)/.test(writer) ? writer.replace(/(^|_)write(?=_|$)/, "$1read") : undefined;
}

function names(elements: readonly ElementSpec[]): string[] {
  return elements.filter((e) => e.role === undefined).map((e) => e.name);
}

function buildPlans(device: DeviceSpec): DevicePlans {
  const lowByName = new Map<string, PacketSpec>();
  for (const fn of device.functions) if (fn.level === "low") lowByName.set(fn.name, fn);
  const highs = device.functions.filter((fn) => fn.level === "high" && fn.stream !== undefined);
  const outs = new Map<string, OutPlan>();
  for (const high of highs.filter((fn) => fn.stream!.direction === "out")) {
    const low = lowByName.get(high.stream!.lowLevel);
    if (low === undefined) continue;
    const inputs = names(low.in);
    const positional = inputs.includes("index") && inputs.includes("length");
    const fifo = inputs.includes("length") && !inputs.includes("index");
    const keys = inputs.filter((name) => name !== "length" && !(positional && name === "index"));
    const data = high.out.find((e) => e.role === "stream_data")!;
    outs.set(low.name, {
      plan: streamPlan(high, low),
      keys,
      positional,
      fifo,
      item: { ...data, count: 1, role: undefined },
    });
  }
  const ins = new Map<string, InPlan>();
  for (const high of highs.filter((fn) => fn.stream!.direction === "in")) {
    const low = lowByName.get(high.stream!.lowLevel);
    if (low === undefined) continue;
    const readerName = readerNameFor(high.name);
    const reader = [...outs.values()].find((out) => out.plan.high.name === readerName);
    const writerInputs = new Set(names(low.in));
    const keys = reader?.keys.filter((name) => writerInputs.has(name)) ?? [];
    const hasCallback = readerName !== undefined &&
      device.callbacks.some((cb) => cb.name === readerName);
    ins.set(low.name, {
      plan: streamPlan(high, low),
      target: reader !== undefined || hasCallback ? readerName! : high.name,
      keys,
      positional: reader?.positional === true && writerInputs.has("index"),
      fifo: reader?.fifo ?? false,
    });
  }
  return { ins, outs };
}

function plansOf(device: DeviceSpec): DevicePlans {
  let plans = plansCache.get(device);
  if (plans === undefined) {
    plans = buildPlans(device);
    plansCache.set(device, plans);
  }
  return plans;
}

function keyOf(names: readonly string[], values: Readonly<Record<string, Value>>): string {
  if (names.length === 0) return "";
  return names.map((name) => String(values[name] ?? "*")).join(",");
}

interface Reassembly {
  length: number;
  received: number;
  items: Value[];
}

interface Session {
  data: Value[];
  position: number;
}

/** Most items a FIFO keeps (like a device buffer; the oldest are dropped). */
const FIFO_LIMIT = 65535;

/** Stream state of one simulated device. */
export class DeviceStreams {
  readonly #device: DeviceSpec;
  readonly #host: StreamHost;
  readonly #plans: DevicePlans;
  readonly #stored = new Map<string, Value[]>();
  readonly #reassembly = new Map<string, Reassembly>();
  readonly #sessions = new Map<string, Session>();

  constructor(device: DeviceSpec, host: StreamHost) {
    this.#device = device;
    this.#host = host;
    this.#plans = plansOf(device);
  }

  /** Whether `fn` (a wire-level function) is a stream chunk function handled here. */
  handles(fn: PacketSpec): boolean {
    return this.#plans.ins.has(fn.name) || this.#plans.outs.has(fn.name);
  }

  /** Handles one chunk call and returns all output values. */
  call(fn: PacketSpec, request: Record<string, Value>): Record<string, Value> {
    const inPlan = this.#plans.ins.get(fn.name);
    if (inPlan !== undefined) return this.#streamIn(fn, inPlan, request);
    return this.#streamOut(fn, this.#plans.outs.get(fn.name)!, request);
  }

  /**
   * Replaces the data a stream-out getter serves (`name`: its high-level name,
   * e.g. "get_high_contrast_image" or "read"); `key` selects a keyed buffer.
   */
  setData(name: string, data: readonly Value[], key: Record<string, Value> = {}): void {
    const out = [...this.#plans.outs.values()].find((o) => o.plan.high.name === name);
    if (out === undefined) {
      throw new RangeError(`Device "${this.#device.name}" has no stream-out function "${name}"`);
    }
    this.#stored.set(`${name}|${keyOf(out.keys, key)}`, [...data]);
  }

  /** Data stored for `name` (a reader or writer high-level name), if any. */
  getData(name: string, key: Record<string, Value> = {}): Value[] | undefined {
    const out = [...this.#plans.outs.values()].find((o) => o.plan.high.name === name);
    return this.#stored.get(`${name}|${keyOf(out?.keys ?? [], key)}`);
  }

  #streamIn(fn: PacketSpec, plan: InPlan, request: Record<string, Value>): Record<string, Value> {
    const { plan: stream } = plan;
    const carrier = fn.in;
    const chunk = request[carrier[stream.dataIndex].name] as Value[];
    const size = chunk.length;
    let length: number;
    let offset = 0;
    if (stream.stream.variant === "fixed_length") length = stream.stream.fixedLength ?? 0;
    else length = Number(request[carrier[stream.lengthIndex].name]);
    if (stream.offsetIndex >= 0) offset = Number(request[carrier[stream.offsetIndex].name]);

    let state = this.#reassembly.get(fn.name);
    if (offset === 0) {
      state = { length, received: 0, items: new Array(length) };
      this.#reassembly.set(fn.name, state);
    }
    let written = 0;
    // A chunk that does not continue the current stream is dropped; nothing is written.
    if (state !== undefined && state.length === length && state.received === offset) {
      written = Math.max(0, Math.min(size, length - offset));
      for (let i = 0; i < written; i++) state.items[offset + i] = chunk[i];
      state.received += written;
      if (state.received >= length) {
        this.#reassembly.delete(fn.name);
        this.#complete(plan, request, state.items);
      }
    }
    const result = this.#host.evaluate(fn, request);
    if (stream.writtenIndex >= 0) result[fn.out[stream.writtenIndex].name] = written;
    return result;
  }

  #complete(plan: InPlan, request: Record<string, Value>, items: Value[]): void {
    const key = `${plan.target}|${keyOf(plan.keys, request)}`;
    if (plan.positional) {
      const index = Number(request.index);
      const buffer = this.#stored.get(key) ?? [];
      while (buffer.length < index) buffer.push(plan.plan.padding);
      buffer.splice(index, items.length, ...items);
      this.#stored.set(key, buffer);
    } else if (this.#host.deliver(plan.target, items)) {
      return;
    } else if (plan.fifo) {
      const buffer = this.#stored.get(key) ?? [];
      buffer.push(...items);
      if (buffer.length > FIFO_LIMIT) buffer.splice(0, buffer.length - FIFO_LIMIT);
      this.#stored.set(key, buffer);
    } else {
      this.#stored.set(key, items);
    }
  }

  #source(plan: OutPlan, request: Record<string, Value>): Value[] {
    const { stream, high, padding } = plan.plan;
    const key = `${high.name}|${keyOf(plan.keys, request)}`;
    const stored = this.#stored.get(key);
    if (plan.positional) {
      const index = Number(request.index);
      const length = Number(request.length);
      const data: Value[] = new Array(length);
      for (let i = 0; i < length; i++) data[i] = stored?.[index + i] ?? padding;
      return data;
    }
    if (plan.fifo) {
      const wanted = Math.min(Number(request.length), stream.maxLength);
      return stored === undefined ? [] : stored.splice(0, wanted);
    }
    if (stored !== undefined) return stored;
    return this.#generate(plan);
  }

  #generate(plan: OutPlan): Value[] {
    const { stream } = plan.plan;
    const item = plan.item;
    let length = stream.fixedLength ?? 0;
    if (stream.variant !== "fixed_length" && item.type !== "char") {
      length = Math.min(
        stream.maxLength,
        stream.variant === "single_chunk" ? 4 : 4 * stream.chunkSize,
      );
    }
    const random = this.#host.random;
    const data: Value[] = new Array(length);
    if (isNumericType(item.type)) {
      const [low, high] = plausibleRange(item);
      for (let i = 0; i < length; i++) {
        data[i] = numberFor(item.type, low + random() * (high - low));
      }
    } else {
      for (let i = 0; i < length; i++) data[i] = defaultValue(item, this.#device) as Value;
    }
    return data;
  }

  #streamOut(fn: PacketSpec, plan: OutPlan, request: Record<string, Value>): Record<string, Value> {
    const stream = plan.plan;
    const sessionKey = `${fn.name}|${keyOf(plan.keys, request)}`;
    let session = this.#sessions.get(sessionKey);
    if (session === undefined) {
      session = { data: this.#source(plan, request), position: 0 };
      this.#sessions.set(sessionKey, session);
    }
    const result = this.#host.evaluate(fn, request);
    const size = fn.out[stream.dataIndex].count;
    const chunk: Value[] = new Array(size);
    for (let i = 0; i < size; i++) chunk[i] = session.data[session.position + i] ?? stream.padding;
    result[fn.out[stream.dataIndex].name] = chunk;
    if (stream.lengthIndex >= 0) result[fn.out[stream.lengthIndex].name] = session.data.length;
    if (stream.offsetIndex >= 0) {
      result[fn.out[stream.offsetIndex].name] = session.position;
    }
    session.position += size;
    const single = stream.stream.variant === "single_chunk";
    if (single || session.position >= session.data.length) this.#sessions.delete(sessionKey);
    return result;
  }
}

/**
 * Splits `data` into the low-level callback packets of a streamed callback
 * (`high`: the high-level callback, `low`: its wire twin). `extra` gives the
 * non-stream values (e.g. DMX frame_number); missing ones get defaults.
 */
export function streamCallbackChunks(
  device: DeviceSpec,
  high: PacketSpec,
  low: PacketSpec,
  data: readonly Value[],
  extra: Readonly<Record<string, Value>> = {},
): Record<string, Value>[] {
  const plan = streamPlan(high, low);
  const { stream } = plan;
  const length = stream.variant === "fixed_length" ? stream.fixedLength ?? 0 : data.length;
  if (data.length > stream.maxLength || (stream.variant !== "variable" && data.length > length)) {
    throw new RangeError(
      `Stream data for "${high.name}" has ${data.length} items, at most ${
        stream.variant === "variable" ? stream.maxLength : length
      } allowed`,
    );
  }
  const dataElement = low.out[plan.dataIndex];
  const chunks: Record<string, Value>[] = [];
  let offset = 0;
  do {
    const values: Record<string, Value> = {};
    for (const element of low.out) {
      if (element.role === undefined) {
        values[element.name] = extra[element.name] ?? defaultValue(element, device);
      }
    }
    const chunk: Value[] = new Array(dataElement.count);
    for (let i = 0; i < dataElement.count; i++) chunk[i] = data[offset + i] ?? plan.padding;
    values[dataElement.name] = chunk;
    if (plan.lengthIndex >= 0) values[low.out[plan.lengthIndex].name] = length;
    if (plan.offsetIndex >= 0) values[low.out[plan.offsetIndex].name] = offset;
    chunks.push(values);
    offset += dataElement.count;
  } while (offset < length && stream.variant !== "single_chunk");
  return chunks;
}
