/**
 * An in-process fake device for unit tests of the call layer: a
 * {@link RequestFn} that decodes each request with the device's wire
 * (normal/low-level) specs, hands the values to a per-function handler and
 * encodes the handler's answer like a device would. Test-only.
 *
 * @module
 */

import type { RequestFn } from "./device_calls.ts";
import { errorFromCode } from "./errors.ts";
import { decodePayload, encodePayload, payloadSize, type Value } from "./payload.ts";
import { functionById } from "./registry.ts";
import type { DeviceSpec } from "./spec.ts";

/** One request as the fake device received it. */
export interface ReceivedRequest {
  readonly uid: number;
  readonly name: string;
  readonly values: Value[];
  readonly responseExpected: boolean;
  readonly timeoutMs: number | undefined;
}

/** Answers one request with the `out` values in wire order (`[]` for setters). */
export type FakeHandler = (values: Value[]) => readonly unknown[] | Promise<readonly unknown[]>;

/** A fake device; functions without a handler answer "function not supported". */
export class FakeDevice {
  readonly received: ReceivedRequest[] = [];
  #spec: DeviceSpec;
  #handlers: Readonly<Record<string, FakeHandler>>;

  constructor(spec: DeviceSpec, handlers: Readonly<Record<string, FakeHandler>>) {
    this.#spec = spec;
    this.#handlers = handlers;
  }

  /** Requests received for one function. */
  calls(name: string): ReceivedRequest[] {
    return this.received.filter((request) => request.name === name);
  }

  readonly request: RequestFn = async (uid, functionId, payload, options) => {
    const fn = functionById(this.#spec, functionId);
    if (fn === undefined) throw new RangeError(`Fake device got unknown function ${functionId}`);
    const values = decodePayload(fn.in, payload);
    if (payload.length !== payloadSize(fn.in)) {
      throw new RangeError(`Fake device got ${payload.length} bytes for "${fn.name}"`);
    }
    const { responseExpected, timeoutMs } = options;
    this.received.push({ uid, name: fn.name, values, responseExpected, timeoutMs });
    const handler = this.#handlers[fn.name];
    if (handler === undefined) {
      if (responseExpected) throw errorFromCode(uid, functionId, 2);
      return undefined;
    }
    const answer = await handler(values);
    return responseExpected ? encodePayload(fn.out, answer) : undefined;
  };
}

/** A promise with its resolve function, for holding a fake answer back. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => open = resolve);
  return { promise, open };
}

/**
 * Device-side state of a stream-out getter: the first call snapshots the
 * data, each call returns the next chunk, the call that delivers the last
 * chunk ends the stream (as the firmware does).
 */
export class DeviceStreamOut {
  #data: readonly Value[] = [];
  #offset = -1;
  readonly #chunkSize: number;
  readonly #padding: Value;

  constructor(chunkSize: number, padding: Value) {
    this.#chunkSize = chunkSize;
    this.#padding = padding;
  }

  /** Returns [length, offset, chunk]; `source` is read when a new stream starts. */
  next(source: () => readonly Value[]): [number, number, Value[]] {
    if (this.#offset < 0) {
      this.#data = source();
      this.#offset = 0;
    }
    const offset = this.#offset;
    const chunk = this.#data.slice(offset, offset + this.#chunkSize);
    while (chunk.length < this.#chunkSize) chunk.push(this.#padding);
    this.#offset += this.#chunkSize;
    if (this.#offset >= this.#data.length) this.#offset = -1;
    return [this.#data.length, offset, chunk];
  }
}
