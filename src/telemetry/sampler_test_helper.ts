/**
 * Test rig for the sampler: a simulated brickd on a loopback port, a real TfpConnection to it
 * and a Sampler with every simulated device added, plus waiting helpers with deadlines.
 *
 * @module
 */

import { DEFAULT_DEVICES } from "../sim/default_devices.ts";
import { type SimulatedBrickd, startSimulatedBrickd } from "../sim/brickd.ts";
import type { DeviceConfig } from "../sim/config.ts";
import { parseUid } from "../tfp/base58.ts";
import { TfpConnection } from "../tfp/connection.ts";
import { decodeNamed } from "../tfp/payload.ts";
import { deviceByName } from "../tfp/registry.ts";
import { callbackConfigurationPayload, catalogOf, type SampledGetter } from "./catalog.ts";
import { Sampler, type SamplerOptions } from "./sampler.ts";
import type { TelemetryRecord } from "./types.ts";

/** Options of {@link startRig}: sampler options without the connection, plus the devices. */
export type RigOptions = Omit<SamplerOptions, "connection"> & {
  devices?: readonly DeviceConfig[];
  /** Reconnect quickly after the simulator drops the connection (default: no reconnect) */
  autoReconnect?: boolean;
};

/** Everything a sampler test needs; {@link Rig.close} releases it all. */
export interface Rig {
  sim: SimulatedBrickd;
  connection: TfpConnection;
  sampler: Sampler;
  records: TelemetryRecord[];
  errors: { uid: string; error: Error }[];
  close(): Promise<void>;
}

/** Starts the simulator (default: the demo devices), connects, adds every device. */
export async function startRig(options: RigOptions): Promise<Rig> {
  const sim = await startSimulatedBrickd({ devices: options.devices ?? DEFAULT_DEVICES, seed: 7 });
  const connection = new TfpConnection({
    host: "127.0.0.1",
    port: sim.port,
    autoReconnect: options.autoReconnect ?? false,
    reconnectDelayMs: [10, 50],
  });
  await connection.connect();
  const sampler = new Sampler({ ...options, connection });
  const records: TelemetryRecord[] = [];
  const errors: { uid: string; error: Error }[] = [];
  sampler.on("record", (record) => records.push(record));
  sampler.on("error", (uid, error) => errors.push({ uid, error }));
  for (const device of sim.devices) {
    sampler.addDevice(device.identity.uidText, device.spec.identifier);
  }
  return {
    sim,
    connection,
    sampler,
    records,
    errors,
    async close() {
      await sampler.stop();
      await connection.close();
      await sim.stop();
    },
  };
}

/**
 * Resolves when `count` events matching `match` have been emitted from now on; rejects after
 * `timeoutMs` saying how many arrived.
 */
export function waitForEvents<T extends unknown[]>(
  on: (listener: (...args: T) => void) => () => void,
  match: (...args: T) => boolean,
  count: number,
  timeoutMs = 3000,
  what = "events",
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const seen: T[] = [];
    const off = on((...args) => {
      if (!match(...args)) return;
      seen.push(args);
      if (seen.length < count) return;
      clearTimeout(timer);
      off();
      resolve(seen);
    });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`Timed out after ${timeoutMs} ms: ${seen.length} of ${count} ${what}`));
    }, timeoutMs);
  });
}

/** Waits for `count` records of device `uid`. */
export async function waitForRecords(
  sampler: Sampler,
  uid: string,
  count: number,
  timeoutMs = 3000,
): Promise<TelemetryRecord[]> {
  const seen = await waitForEvents<[TelemetryRecord]>(
    (listener) => sampler.on("record", listener),
    (record) => record.uid === uid,
    count,
    timeoutMs,
    `records of "${uid}"`,
  );
  return seen.map(([record]) => record);
}

/** The catalog entry of `getterName` on device type `deviceName` (first channel). */
export function sampledGetter(deviceName: string, getterName: string): SampledGetter {
  const entry = catalogOf(deviceByName(deviceName)!)!.getters.find((g) =>
    g.getter.name === getterName
  );
  if (entry === undefined) throw new Error(`No sampled getter ${deviceName}.${getterName}`);
  return entry;
}

/** Reads a callback period back from the device with its `get_..._callback_...` getter. */
export async function readBackPeriod(
  connection: TfpConnection,
  uid: string,
  entry: SampledGetter,
): Promise<number> {
  const readBack = entry.callback!.readBack!;
  const payload = await connection.request(parseUid(uid), readBack.id, entry.request, {
    responseExpected: true,
  });
  return decodeNamed(readBack.out, payload!).period as number;
}

/** Polls {@link readBackPeriod} until it equals `expected` (each try is a round trip). */
export async function expectPeriod(
  connection: TfpConnection,
  uid: string,
  entry: SampledGetter,
  expected: number,
  timeoutMs = 2000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let period = await readBackPeriod(connection, uid, entry);
  while (period !== expected && Date.now() < deadline) {
    period = await readBackPeriod(connection, uid, entry);
  }
  if (period !== expected) {
    throw new Error(`Callback period of "${uid}" is ${period}, expected ${expected}`);
  }
}

/** Sets a callback period directly, as another client of brickd would. */
export async function setPeriodAsOtherClient(
  connection: TfpConnection,
  uid: string,
  entry: SampledGetter,
  periodMs: number,
): Promise<void> {
  const binding = entry.callback!;
  await connection.request(
    parseUid(uid),
    binding.configuration.id,
    callbackConfigurationPayload(binding, periodMs),
    { responseExpected: true },
  );
}
