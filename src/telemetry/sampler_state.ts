/**
 * Per-device and per-getter state of the {@link Sampler} (sampler.ts), and the small pure
 * helpers it uses: interval validation, back-off delays, phase spreading.
 *
 * @module
 */

import type { RequestOptions } from "../tfp/connection.ts";
import { TfpError } from "../tfp/errors.ts";
import type { DeviceCatalog, SampledGetter } from "./catalog.ts";

/** Longest period a timer can wait (setTimeout's limit). */
export const MAX_PERIOD_MS = 2_147_483_647;

/** How a getter's values arrive right now: read by the sampler's own timer, */
export const POLL = 0;
/** ... a callback configuration request is under way (the getter is still polled), */
export const CONFIGURING = 1;
/** ... or the device sends the values by callback. */
export const CALLBACK = 2;
/** {@link POLL}, {@link CONFIGURING} or {@link CALLBACK} */
export type Mode = typeof POLL | typeof CONFIGURING | typeof CALLBACK;

/** One sampled getter (one channel of a channel getter) of one device. */
export interface Entry {
  readonly sampled: SampledGetter;
  /** Request options, built once: response expected, deadline, response length */
  readonly options: RequestOptions;
  mode: Mode;
  /** Callbacks may be used: a binding exists, callbacks are on, the device did not refuse */
  callbackUsable: boolean;
  /** A period > 0 was sent to the device and not yet turned off again */
  requested: boolean;
  /** Bumped by every (re)configuration so that late answers of older ones are ignored */
  token: number;
  /** Last callback packet of this getter (accepted or not), ms since the epoch */
  lastCallbackAt: number;
  /** Last time values of this getter became a record */
  lastSampleAt: number;
}

/** One device the sampler reads. */
export interface DeviceState {
  readonly uid: string;
  /** Numeric wire uid */
  readonly wire: number;
  readonly catalog: DeviceCatalog;
  readonly entries: readonly Entry[];
  /** Callback id → entries it feeds (several for channel getters) */
  readonly byCallback: ReadonlyMap<number, readonly Entry[]>;
  /** 0..1: where in the period this device's polls fall, so devices do not poll in a burst */
  readonly phase: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** When the next tick is due, ms since the epoch */
  due: number;
  /** A scheduled poll is in flight: the next tick skips rather than stacking requests */
  busy: boolean;
  /** Consecutive ticks in which every request failed */
  failures: number;
  /** Ticks before this time are skipped (back-off of a device that does not answer) */
  resumeAt: number;
  removed: boolean;
}

/** Builds the state of a newly added device. */
export function createDeviceState(
  uid: string,
  wire: number,
  catalog: DeviceCatalog,
  phase: number,
  useCallbacks: boolean,
  timeoutMs: number | undefined,
): DeviceState {
  const entries: Entry[] = catalog.getters.map((sampled) => ({
    sampled,
    options: { responseExpected: true, timeoutMs, expectedLength: sampled.responseLength },
    mode: POLL,
    callbackUsable: useCallbacks && sampled.callback !== undefined,
    requested: false,
    token: 0,
    lastCallbackAt: 0,
    lastSampleAt: 0,
  }));
  const byCallback = new Map<number, Entry[]>();
  for (const entry of entries) {
    const binding = entry.sampled.callback;
    if (binding === undefined) continue;
    const list = byCallback.get(binding.callback.id) ?? [];
    list.push(entry);
    byCallback.set(binding.callback.id, list);
  }
  return {
    uid,
    wire,
    catalog,
    entries,
    byCallback,
    phase,
    timer: undefined,
    due: 0,
    busy: false,
    failures: 0,
    resumeAt: 0,
    removed: false,
  };
}

/** Checks a sampling interval: an integer number of ms from 1 to {@link MAX_PERIOD_MS}. */
export function validateIntervalMs(intervalMs: number): number {
  if (!Number.isInteger(intervalMs) || intervalMs < 1 || intervalMs > MAX_PERIOD_MS) {
    throw new RangeError(
      `Sampling interval must be an integer from 1 to ${MAX_PERIOD_MS} ms, got "${intervalMs}"`,
    );
  }
  return intervalMs;
}

/** Checks a slowdown factor: a finite number >= 1. */
export function validateSlowdown(factor: number): number {
  if (typeof factor !== "number" || !Number.isFinite(factor) || factor < 1) {
    throw new RangeError(`Slowdown factor must be a finite number >= 1, got "${factor}"`);
  }
  return factor;
}

/** The period actually used: interval × slowdown, rounded, capped at {@link MAX_PERIOD_MS}. */
export function effectivePeriod(intervalMs: number, slowdown: number): number {
  return Math.min(MAX_PERIOD_MS, Math.max(1, Math.round(intervalMs * slowdown)));
}

/**
 * Pause after `failures` consecutive failed ticks: none below `threshold`, then the period
 * doubling from 2 periods up to `maxMs`.
 */
export function backoffDelay(
  failures: number,
  threshold: number,
  periodMs: number,
  maxMs: number,
): number {
  if (failures < threshold) return 0;
  const doublings = Math.min(30, failures - threshold + 1);
  return Math.min(maxMs, periodMs * 2 ** doublings);
}

/** Low-discrepancy phases (golden ratio steps): any number of devices spread evenly. */
export class PhaseSpreader {
  #next = 0;

  next(): number {
    const phase = this.#next;
    this.#next = (this.#next + 0.6180339887498949) % 1;
    return phase;
  }
}

/** brickd itself is unreachable: not a failure of the device. */
export function isNotConnected(error: unknown): boolean {
  return error instanceof TfpError && error.code === "not_connected";
}
