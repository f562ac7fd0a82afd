/**
 * The callback half of the {@link Sampler} (sampler.ts): switching a getter to callbacks by
 * sending its configuration with the sampling period, switching it back off, and turning a
 * callback packet into a record.
 *
 * @module
 */

import { TfpError } from "../tfp/errors.ts";
import { callbackConfigurationPayload } from "./catalog.ts";
import type { SamplerConnection } from "./sampler.ts";
import {
  CALLBACK,
  CONFIGURING,
  type DeviceState,
  type Entry,
  isNotConnected,
  POLL,
} from "./sampler_state.ts";
import type { TelemetryRecord } from "./types.ts";
import { readValues } from "./value_reader.ts";

/** Callbacks closer together than this share of the period are dropped. */
export const MIN_CALLBACK_GAP = 0.75;

/** What the control reports back to the sampler. */
export interface CallbackControlHost {
  /** Whether a configuration answer for `device` still matters */
  live(device: DeviceState): boolean;
  error(device: DeviceState, what: string, error: unknown): void;
}

/** Sends callback configurations and remembers the switch-off writes still under way. */
export class CallbackControl {
  readonly #connection: SamplerConnection;
  readonly #timeoutMs: number | undefined;
  readonly #host: CallbackControlHost;
  readonly #pendingOff = new Set<Promise<unknown>>();

  constructor(
    connection: SamplerConnection,
    timeoutMs: number | undefined,
    host: CallbackControlHost,
  ) {
    this.#connection = connection;
    this.#timeoutMs = timeoutMs;
    this.#host = host;
  }

  /**
   * Sends `periodMs` to the device; once it is acknowledged the getter switches to callbacks.
   * A device that refuses the configuration (not supported, invalid parameter) is polled from
   * then on; after a timeout or while brickd is not connected the next tick tries again.
   */
  async configure(device: DeviceState, entry: Entry, periodMs: number): Promise<void> {
    const binding = entry.sampled.callback!;
    const token = ++entry.token;
    if (periodMs > binding.maxPeriodMs) {
      // The period does not fit the argument: poll, and stop callbacks set earlier.
      this.turnOffEntry(device, entry);
      return;
    }
    entry.mode = CONFIGURING;
    entry.requested = true;
    try {
      await this.#connection.request(
        device.wire,
        binding.configuration.id,
        callbackConfigurationPayload(binding, periodMs),
        { responseExpected: true, timeoutMs: this.#timeoutMs, expectedLength: 0 },
      );
    } catch (error) {
      if (token !== entry.token || device.removed) return;
      entry.mode = POLL;
      if (isNotConnected(error)) return;
      // Refused (not supported, invalid parameter): poll for good. Timeouts: retry next tick.
      if (error instanceof TfpError && error.code !== "timeout") entry.callbackUsable = false;
      this.#host.error(device, `Configuring callback ${binding.callback.name}`, error);
      return;
    }
    if (token !== entry.token || !this.#host.live(device)) return;
    entry.mode = CALLBACK;
    entry.lastCallbackAt = Date.now();
  }

  /** Turns off every callback period set on `device`. */
  turnOff(device: DeviceState): void {
    for (const entry of device.entries) this.turnOffEntry(device, entry);
  }

  /** Period 0, sent without awaiting an answer: the device may be gone, nobody waits for it. */
  turnOffEntry(device: DeviceState, entry: Entry): void {
    entry.token++;
    entry.mode = POLL;
    if (!entry.requested) return;
    entry.requested = false;
    const binding = entry.sampled.callback!;
    const write = this.#connection
      .request(device.wire, binding.configuration.id, callbackConfigurationPayload(binding, 0), {
        responseExpected: false,
      })
      .catch(() => {});
    this.#pendingOff.add(write);
    write.finally(() => this.#pendingOff.delete(write));
  }

  /** Resolves once every switch-off write so far has been handed to the socket (or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pendingOff]);
  }
}

/**
 * The record of one callback packet of `device`, or undefined when the packet is not one the
 * sampler asked for, is too short, or comes sooner than {@link MIN_CALLBACK_GAP} periods after
 * the previous sample of the same getter (another client set a shorter period).
 */
export function recordFromCallback(
  device: DeviceState,
  functionId: number,
  payload: Uint8Array,
  periodMs: number,
): TelemetryRecord | undefined {
  const entries = device.byCallback.get(functionId);
  if (entries === undefined) return undefined;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const binding = entry.sampled.callback!;
    if (payload.length < binding.payloadLength) return undefined;
    if (binding.channelOffset >= 0 && payload[binding.channelOffset] !== entry.sampled.channel) {
      continue;
    }
    if (!entry.requested) return undefined;
    const now = Date.now();
    entry.lastCallbackAt = now;
    if (now - entry.lastSampleAt < periodMs * MIN_CALLBACK_GAP) return undefined;
    entry.lastSampleAt = now;
    const values: TelemetryRecord["values"] = {};
    readValues(values, payload, binding.valueOffset, entry.sampled.values);
    return { ts: now, uid: device.uid, deviceIdentifier: device.catalog.spec.identifier, values };
  }
  return undefined;
}
