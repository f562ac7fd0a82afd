/**
 * Typed function calls on one device: argument encoding, the response-expected
 * flags (tfp-protocol.md §3.6) and dispatch of high-level streaming calls.
 *
 * A {@link DeviceHandle} is the per-device-object state of the official
 * bindings: one response-expected flag per function id and one stream lock,
 * so that the chunks of two streaming calls on the same device never
 * interleave (§6.2). Normal calls do not take the lock.
 *
 * @module
 */

import { decodeNamed, decodePayload, encodeNamed, encodePayload, payloadSize } from "./payload.ts";
import type { Value } from "./payload.ts";
import { functionByName } from "./registry.ts";
import type { DeviceSpec, PacketSpec } from "./spec.ts";
import { TfpError } from "./errors.ts";
import { type LowLevelCall, prepareStreamIn, prepareStreamOut, streamPlan } from "./streams.ts";

/** Options of one raw request, as taken by `TfpConnection.request`. */
export interface RawRequestOptions {
  responseExpected: boolean;
  timeoutMs?: number;
  /** Payload length a successful response must have */
  expectedLength?: number;
}

/**
 * Sends one request. Resolves with the response payload (error code 0) when
 * `responseExpected`, with undefined right after sending otherwise; rejects
 * with TfpError (timeout, device error codes, not_connected, ...).
 */
export type RequestFn = (
  uid: number,
  functionId: number,
  payload: Uint8Array,
  options: RawRequestOptions,
) => Promise<Uint8Array | undefined>;

/** Options of one {@link DeviceHandle.call}. */
export interface CallOptions {
  /** Per low-level request; the connection's default when omitted */
  timeoutMs?: number;
}

/** Per-device-object state: response-expected flags and the stream lock. */
export class DeviceHandle {
  readonly uid: number;
  readonly spec: DeviceSpec;
  #request: RequestFn;
  /** Function id → true/false; always_true ids are absent (they cannot change) */
  #flags = new Map<number, boolean>();
  #alwaysTrue = new Set<number>();
  #streamTail: Promise<void> = Promise.resolve();

  constructor(request: RequestFn, uid: number, spec: DeviceSpec) {
    this.#request = request;
    this.uid = uid;
    this.spec = spec;
    for (const fn of spec.functions) {
      if (fn.level === "high") continue; // shares the id (and so the flag) of its low-level twin
      if (fn.responseExpected === "always_true") this.#alwaysTrue.add(fn.id);
      else this.#flags.set(fn.id, fn.responseExpected === "true");
    }
  }

  #function(name: string): PacketSpec {
    const fn = functionByName(this.spec, name);
    if (fn === undefined) {
      throw new RangeError(`Unknown function "${name}" of device "${this.spec.name}"`);
    }
    return fn;
  }

  #responseExpected(id: number): boolean {
    return this.#alwaysTrue.has(id) || this.#flags.get(id) === true;
  }

  /** Whether calls of `fnName` ask the device for a response (R bit). */
  getResponseExpected(fnName: string): boolean {
    return this.#responseExpected(this.#function(fnName).id);
  }

  /**
   * Turns the R bit of a setter or callback-configuration function on or off
   * (a high-level name sets its low-level twin). Throws for unknown names and
   * for functions that always answer.
   */
  setResponseExpected(fnName: string, on: boolean): void {
    const fn = this.#function(fnName);
    if (this.#alwaysTrue.has(fn.id)) {
      throw new TypeError(`Response expected cannot be changed for function "${fnName}"`);
    }
    this.#flags.set(fn.id, on);
  }

  /** Sets the R bit of every function whose flag can change. */
  setResponseExpectedAll(on: boolean): void {
    for (const id of this.#flags.keys()) this.#flags.set(id, on);
  }

  /**
   * Calls a normal, low-level or high-level function by name with arguments
   * by element name. Resolves with the decoded named results (possibly `{}`
   * for an acknowledged setter) or undefined when no response was awaited.
   * Bad arguments reject with TypeError/RangeError before anything is sent.
   */
  call(
    fnName: string,
    args: Readonly<Record<string, unknown>>,
    options: CallOptions = {},
  ): Promise<Record<string, Value> | undefined> {
    try {
      const fn = this.#function(fnName);
      if (fn.stream !== undefined) return this.#callStream(fn, args, options);
      return this.#callNormal(fn, encodeNamed(fn.in, args), options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #send(
    fn: PacketSpec,
    payload: Uint8Array,
    options: CallOptions,
  ): Promise<Uint8Array | undefined> {
    const responseExpected = this.#responseExpected(fn.id);
    const expectedLength = payloadSize(fn.out);
    const response = await this.#request(this.uid, fn.id, payload, {
      responseExpected,
      timeoutMs: options.timeoutMs,
      expectedLength,
    });
    if (!responseExpected) return undefined;
    // Checked here too: a RequestFn other than TfpConnection may ignore expectedLength.
    if (response === undefined || response.length !== expectedLength) {
      throw new TfpError(
        "wrong_response_length",
        `Expected response of ${expectedLength} bytes for function ${fn.id}, got ${
          response?.length ?? 0
        }`,
      );
    }
    return response;
  }

  async #callNormal(
    fn: PacketSpec,
    payload: Uint8Array,
    options: CallOptions,
  ): Promise<Record<string, Value> | undefined> {
    const response = await this.#send(fn, payload, options);
    return response === undefined ? undefined : decodeNamed(fn.out, response);
  }

  #callStream(
    high: PacketSpec,
    args: Readonly<Record<string, unknown>>,
    options: CallOptions,
  ): Promise<Record<string, Value> | undefined> {
    const stream = high.stream!;
    const low = functionByName(this.spec, stream.lowLevel);
    if (low === undefined) {
      throw new TypeError(`Function "${high.name}" has no low-level twin "${stream.lowLevel}"`);
    }
    const plan = streamPlan(high, low);
    const job = stream.direction === "in"
      ? prepareStreamIn(plan, args)
      : prepareStreamOut(plan, args);
    const call: LowLevelCall = async (values) => {
      const response = await this.#send(low, encodePayload(low.in, values), options);
      return response === undefined ? undefined : decodePayload(low.out, response);
    };
    // Like the reference bindings, a single-chunk call is one request and takes no lock.
    if (stream.variant === "single_chunk") return job(call);
    return this.#withStreamLock(() => job(call));
  }

  async #withStreamLock<T>(task: () => Promise<T>): Promise<T> {
    const previous = this.#streamTail;
    let release!: () => void;
    this.#streamTail = new Promise((resolve) => release = resolve);
    await previous;
    try {
      return await task();
    } finally {
      release();
    }
  }
}
