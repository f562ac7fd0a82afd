/**
 * Samples the telemetry values of every device the agent knows (see catalog.ts) and turns them
 * into {@link TelemetryRecord}s, SI-scaled.
 *
 * Each device has one timer with the effective period (interval × slowdown), offset by a
 * per-device phase so that many devices do not all poll in the same millisecond. On a tick the
 * device's getters are read one after the other and their values become one record.
 *
 * With callbacks on, every getter that has a callback binding is switched to callbacks instead:
 * its `set_<x>_callback_configuration` (or `_callback_period`) gets the effective period with
 * "always send" options, and each callback packet becomes a record. The device timer then only
 * watches: a getter whose callback has not been seen for {@link STALE_PERIODS} periods (the
 * device reset, or another client of brickd turned it off) is configured again and polled
 * meanwhile. Callbacks arriving much faster than the period (another client set a shorter
 * one) are thinned out, so backpressure slowdowns hold whatever others configure.
 * {@link Sampler.setSlowdown} and {@link Sampler.setIntervalMs} reconfigure the periods;
 * {@link Sampler.stop} turns off every callback period the sampler set.
 *
 * Failures: a failed getter emits "error" and the other getters and devices carry on. A
 * device whose every request failed on {@link SamplerOptions.failuresBeforeBackoff}
 * consecutive ticks is skipped for a doubling number of periods (up to
 * {@link SamplerOptions.maxBackoffMs}); a tick never starts while the previous one still
 * waits, so a slow device is never sent more than one request at a time. Requests that fail
 * because brickd is not connected are neither reported per device (the connection reports
 * that) nor counted towards the back-off, so devices sample again as soon as it is back.
 *
 * @module
 */

import type { RequestOptions } from "../tfp/connection.ts";
import { parseUid } from "../tfp/base58.ts";
import { TypedEmitter } from "../util/typed_emitter.ts";
import { catalogFor } from "./catalog.ts";
import { CallbackControl, recordFromCallback } from "./callback_control.ts";
import {
  backoffDelay,
  CALLBACK,
  CONFIGURING,
  createDeviceState,
  type DeviceState,
  effectivePeriod,
  type Entry,
  isNotConnected,
  PhaseSpreader,
  validateIntervalMs,
  validateSlowdown,
} from "./sampler_state.ts";
import type { TelemetryRecord } from "./types.ts";
import { readValues } from "./value_reader.ts";

/** What the sampler needs of a `TfpConnection`. */
export interface SamplerConnection {
  request(
    uid: number,
    functionId: number,
    payload: Uint8Array,
    options: RequestOptions,
  ): Promise<Uint8Array | undefined>;
  on(
    event: "callback",
    listener: (uid: number, functionId: number, payload: Uint8Array) => void,
  ): () => void;
}

/** Options of a {@link Sampler}. */
export interface SamplerOptions {
  connection: SamplerConnection;
  /** Sampling interval in ms (callback period with callbacks) */
  intervalMs: number;
  /** Use device callbacks where a value has them */
  useCallbacks: boolean;
  /** Per-request deadline; the connection's default when omitted */
  timeoutMs?: number;
  /** Consecutive all-failed ticks before a device is backed off. @default 3 */
  failuresBeforeBackoff?: number;
  /** Longest back-off of a device that does not answer. @default 300_000 */
  maxBackoffMs?: number;
}

/** Events of a {@link Sampler}. */
export type SamplerEvents = {
  record: [record: TelemetryRecord];
  /** A getter or callback configuration of one device failed; sampling goes on */
  error: [uid: string, error: Error];
};

/** Periods without the expected callback after which it is configured again. */
export const STALE_PERIODS = 3;

/** See the module doc. */
export class Sampler extends TypedEmitter<SamplerEvents> {
  readonly #connection: SamplerConnection;
  readonly #useCallbacks: boolean;
  readonly #timeoutMs: number | undefined;
  readonly #failuresBeforeBackoff: number;
  readonly #maxBackoffMs: number;
  readonly #devices = new Map<string, DeviceState>();
  readonly #byWire = new Map<number, DeviceState>();
  readonly #callbacks: CallbackControl;
  readonly #phases = new PhaseSpreader();
  #intervalMs: number;
  #slowdown = 1;
  #period: number;
  #running = false;
  #unsubscribe: (() => void) | undefined;

  constructor(options: SamplerOptions) {
    super();
    this.#connection = options.connection;
    this.#intervalMs = validateIntervalMs(options.intervalMs);
    this.#period = this.#intervalMs;
    this.#useCallbacks = options.useCallbacks;
    this.#timeoutMs = options.timeoutMs;
    this.#failuresBeforeBackoff = options.failuresBeforeBackoff ?? 3;
    this.#maxBackoffMs = options.maxBackoffMs ?? 300_000;
    this.#callbacks = new CallbackControl(this.#connection, this.#timeoutMs, {
      live: (device) => this.#live(device, false),
      error: (device, what, error) => this.#error(device, what, error),
    });
  }

  /** The configured sampling interval (ms). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** The current slowdown factor (1 = normal rate). */
  get slowdown(): number {
    return this.#slowdown;
  }

  /** The period in use: interval × slowdown (ms). */
  get periodMs(): number {
    return this.#period;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Uids of the devices being sampled. */
  get uids(): string[] {
    return [...this.#devices.keys()];
  }

  /**
   * Samples device `uid` from now on. Returns false (and samples nothing) when its type has no
   * telemetry values. Adding a known uid again re-applies its callback configuration (the
   * device may have been reset); with another device type it replaces the old entry.
   */
  addDevice(uid: string, deviceIdentifier: number): boolean {
    const wire = parseUid(uid);
    const existing = this.#devices.get(uid);
    if (existing !== undefined && existing.catalog === catalogFor(deviceIdentifier)) {
      existing.failures = 0;
      existing.resumeAt = 0;
      if (this.#running) this.#configureAll(existing);
      return true;
    }
    if (existing !== undefined) this.removeDevice(uid);
    const catalog = catalogFor(deviceIdentifier);
    if (catalog === undefined) return false;
    const device = createDeviceState(
      uid,
      wire,
      catalog,
      this.#phases.next(),
      this.#useCallbacks,
      this.#timeoutMs,
    );
    this.#devices.set(uid, device);
    this.#byWire.set(wire, device);
    if (this.#running) this.#activate(device);
    return true;
  }

  /** Stops sampling `uid` and turns off the callbacks it had. False when it was not sampled. */
  removeDevice(uid: string): boolean {
    const device = this.#devices.get(uid);
    if (device === undefined) return false;
    this.#devices.delete(uid);
    if (this.#byWire.get(device.wire) === device) this.#byWire.delete(device.wire);
    device.removed = true;
    clearTimeout(device.timer);
    device.timer = undefined;
    this.#callbacks.turnOff(device);
    return true;
  }

  /** Changes the sampling interval; timers and callback periods follow at once. */
  setIntervalMs(intervalMs: number): void {
    this.#intervalMs = validateIntervalMs(intervalMs);
    this.#retune();
  }

  /** Samples `factor` times slower (backpressure); 1 restores the normal rate. */
  setSlowdown(factor: number): void {
    this.#slowdown = validateSlowdown(factor);
    this.#retune();
  }

  /** Starts the timers and callbacks of every added device. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#connection.on("callback", this.#onCallback);
    for (const device of this.#devices.values()) this.#activate(device);
  }

  /**
   * Stops every timer, turns off the callback periods the sampler set (sent without waiting
   * for answers) and resolves once those requests are written. Devices stay added, so
   * {@link start} resumes.
   */
  async stop(): Promise<void> {
    if (this.#running) {
      this.#running = false;
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
      for (const device of this.#devices.values()) {
        clearTimeout(device.timer);
        device.timer = undefined;
        this.#callbacks.turnOff(device);
      }
    }
    await this.#callbacks.settled();
  }

  /** Reads every getter of every device now (also callback ones); emits and returns the records. */
  async sampleNow(): Promise<TelemetryRecord[]> {
    const polls: Promise<TelemetryRecord | undefined>[] = [];
    for (const device of this.#devices.values()) polls.push(this.#poll(device, true, Date.now()));
    const records: TelemetryRecord[] = [];
    for (const record of await Promise.all(polls)) if (record !== undefined) records.push(record);
    return records;
  }

  // ---- scheduling ----------------------------------------------------------------------------

  #activate(device: DeviceState): void {
    this.#configureAll(device);
    this.#schedule(device, Date.now() + device.phase * this.#period);
  }

  #schedule(device: DeviceState, due: number): void {
    clearTimeout(device.timer);
    device.due = due;
    device.timer = setTimeout(() => this.#tick(device), Math.max(0, due - Date.now()));
  }

  #retune(): void {
    const period = effectivePeriod(this.#intervalMs, this.#slowdown);
    if (period === this.#period) return;
    this.#period = period;
    if (!this.#running) return;
    const now = Date.now();
    for (const device of this.#devices.values()) {
      this.#configureAll(device);
      this.#schedule(device, now + device.phase * period);
    }
  }

  #tick(device: DeviceState): void {
    device.timer = undefined;
    if (!this.#running || device.removed) return;
    const now = Date.now();
    const period = this.#period;
    this.#schedule(device, device.due + period > now ? device.due + period : now + period);
    if (device.busy || now < device.resumeAt) return;
    let poll = false;
    for (const entry of device.entries) {
      if (this.#needsPoll(entry, now)) {
        poll = true;
        if (entry.callbackUsable && entry.mode !== CONFIGURING) {
          void this.#callbacks.configure(device, entry, period);
        }
      }
    }
    if (poll) void this.#poll(device, false, now);
  }

  /** Whether the timer must read this getter: no callback, or its callback went quiet. */
  #needsPoll(entry: Entry, now: number): boolean {
    return entry.mode !== CALLBACK || now - entry.lastCallbackAt > this.#period * STALE_PERIODS;
  }

  // ---- polling -------------------------------------------------------------------------------

  async #poll(
    device: DeviceState,
    all: boolean,
    now: number,
  ): Promise<TelemetryRecord | undefined> {
    const values: TelemetryRecord["values"] = {};
    let succeeded = 0;
    let failed = 0;
    if (!all) device.busy = true;
    try {
      for (const entry of device.entries) {
        if (!all && !this.#needsPoll(entry, now)) continue;
        const sampled = entry.sampled;
        try {
          const payload = await this.#connection.request(
            device.wire,
            sampled.getter.id,
            sampled.request,
            entry.options,
          );
          readValues(values, payload!, 0, sampled.values);
          entry.lastSampleAt = now;
          succeeded++;
        } catch (error) {
          if (isNotConnected(error)) continue;
          failed++;
          if (this.#live(device, all)) {
            this.#error(device, `Sampling ${sampled.getter.name}`, error);
          }
        }
      }
    } finally {
      if (!all) device.busy = false;
    }
    if (!this.#live(device, all)) return undefined;
    if (succeeded === 0) {
      if (failed > 0 && !all) this.#failed(device);
      return undefined;
    }
    device.failures = 0;
    device.resumeAt = 0;
    const record: TelemetryRecord = {
      ts: now,
      uid: device.uid,
      deviceIdentifier: device.catalog.spec.identifier,
      values,
    };
    this.emit("record", record);
    return record;
  }

  /** Whether results for `device` are still wanted (explicit samples even while stopped). */
  #live(device: DeviceState, explicit: boolean): boolean {
    return !device.removed && (explicit || this.#running);
  }

  #failed(device: DeviceState): void {
    device.failures++;
    const delay = backoffDelay(
      device.failures,
      this.#failuresBeforeBackoff,
      this.#period,
      this.#maxBackoffMs,
    );
    if (delay > 0) device.resumeAt = Date.now() + delay;
  }

  #error(device: DeviceState, what: string, error: unknown): void {
    const cause = error instanceof Error ? error : new Error(String(error));
    this.emit(
      "error",
      device.uid,
      new Error(`${what} of device "${device.uid}" failed: ${cause.message}`, { cause }),
    );
  }

  // ---- callbacks -----------------------------------------------------------------------------

  #configureAll(device: DeviceState): void {
    for (const entry of device.entries) {
      if (entry.callbackUsable) void this.#callbacks.configure(device, entry, this.#period);
    }
  }

  readonly #onCallback = (wire: number, functionId: number, payload: Uint8Array): void => {
    const device = this.#byWire.get(wire);
    if (device === undefined || !this.#running) return;
    const record = recordFromCallback(device, functionId, payload, this.#period);
    if (record !== undefined) this.emit("record", record);
  };
}
