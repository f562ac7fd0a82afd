/**
 * Reassembly of high-level callbacks from their low-level chunk callbacks
 * (tfp-protocol.md §6.2, "High-level callbacks"), e.g. RS232 2.0 `read`
 * from `read_low_level` or Thermal Imaging `high_contrast_image` from
 * 78 chunks of `high_contrast_image_low_level`.
 *
 * One assembler holds the state of one high-level callback of one device.
 *
 * @module
 */

import type { Value } from "./payload.ts";
import { callbackByName } from "./registry.ts";
import type { DeviceSpec, PacketSpec } from "./spec.ts";
import { type StreamPlan, streamPlan } from "./streams.ts";

/** What one low-level chunk produced: a complete value, an out-of-sync report, or nothing yet. */
export type AssemblerResult = { complete: Record<string, Value> } | { outOfSync: true } | undefined;

const OUT_OF_SYNC = Object.freeze({ outOfSync: true as const });

/** Collects the chunks of one high-level callback. */
export class StreamCallbackAssembler {
  readonly highLevel: PacketSpec;
  readonly lowLevel: PacketSpec;
  #plan: StreamPlan;
  #lengthName: string | undefined;
  #offsetName: string | undefined;
  #dataName: string;
  #fixedLength: number | undefined;
  /** Items collected so far; undefined when no stream is in progress */
  #buffer: Value[] | undefined;

  constructor(device: DeviceSpec, highLevelCallback: PacketSpec) {
    const stream = highLevelCallback.stream;
    if (highLevelCallback.kind !== "callback" || stream === undefined) {
      throw new TypeError(`"${highLevelCallback.name}" is not a high-level callback`);
    }
    const low = callbackByName(device, stream.lowLevel);
    if (low === undefined) {
      throw new TypeError(
        `Callback "${highLevelCallback.name}" has no low-level twin "${stream.lowLevel}"`,
      );
    }
    this.highLevel = highLevelCallback;
    this.lowLevel = low;
    this.#plan = streamPlan(highLevelCallback, low);
    const nameAt = (index: number) => index < 0 ? undefined : low.out[index].name;
    this.#lengthName = nameAt(this.#plan.lengthIndex);
    this.#offsetName = nameAt(this.#plan.offsetIndex);
    this.#dataName = low.out[this.#plan.dataIndex].name;
    this.#fixedLength = stream.variant === "fixed_length" ? stream.fixedLength : undefined;
  }

  /** True while a stream has started and is not complete. */
  get inProgress(): boolean {
    return this.#buffer !== undefined;
  }

  /** Forgets a partly collected stream (e.g. after a reconnect). */
  reset(): void {
    this.#buffer = undefined;
  }

  /**
   * Feeds the decoded values of one low-level callback. Returns the complete
   * high-level values when this chunk finished a stream, `{ outOfSync: true }`
   * when the chunk did not continue the stream in progress (the chunk is
   * discarded, even if it starts a new stream), else undefined.
   */
  push(lowLevelValues: Readonly<Record<string, Value>>): AssemblerResult {
    const length = this.#fixedLength ?? (lowLevelValues[this.#lengthName!] as number);
    const offset = this.#offsetName === undefined
      ? 0 // single chunk: implicit offset 0
      : lowLevelValues[this.#offsetName] as number;
    const chunk = lowLevelValues[this.#dataName];
    if (typeof length !== "number" || typeof offset !== "number" || !Array.isArray(chunk)) {
      throw new TypeError(
        `Values of "${this.lowLevel.name}" lack the stream length, offset or data`,
      );
    }
    let buffer = this.#buffer;
    if (buffer === undefined) {
      if (offset !== 0) return undefined; // tail of a stream whose start was missed
      buffer = [];
    } else if (offset !== buffer.length) {
      this.#buffer = undefined;
      return OUT_OF_SYNC;
    }
    for (const item of chunk) buffer.push(item);
    if (buffer.length < length) {
      this.#buffer = buffer;
      return undefined;
    }
    this.#buffer = undefined;
    buffer.length = length;
    return { complete: this.#highLevelValues(lowLevelValues, buffer) };
  }

  #highLevelValues(lowLevelValues: Readonly<Record<string, Value>>, data: Value[]) {
    const result: Record<string, Value> = {};
    for (const [name, index] of this.#plan.results) {
      result[name] = index < 0 ? data : lowLevelValues[this.lowLevel.out[index].name];
    }
    return result;
  }
}
