/**
 * Test bench for the call engine: a real simulated brickd, a real
 * TfpConnection over loopback and a CallEngine on top. Answers come back as
 * the exact JSON text the bridge would publish.
 *
 * @module
 */

import assert from "node:assert/strict";
import { startSimulatedBrickd } from "../sim/brickd.ts";
import type { SimulatedBrickd } from "../sim/brickd.ts";
import type { DeviceConfig } from "../sim/config.ts";
import { TfpConnection } from "../tfp/connection.ts";
import { type CallAnswer, CallEngine, type CallEngineOptions } from "./engine.ts";
import { pyJsonDumps } from "./py_json.ts";

/** Short deadline: missing devices time out quickly. */
export const TEST_TIMEOUT_MS = 200;

export const DEFAULT_TEST_DEVICES: DeviceConfig[] = [
  { type: "rgb_led_button_bricklet", uid: "Dod", position: "a", connected_uid: "6Ka2Yq" },
  { type: "temperature_v2_bricklet", uid: "Tmp", position: "b" },
  { type: "led_strip_v2_bricklet", uid: "Led", position: "c" },
  { type: "rs232_v2_bricklet", uid: "Rs2", position: "d" },
  { type: "industrial_counter_bricklet", uid: "Ctr", position: "e" },
];

export interface Bench {
  readonly brickd: SimulatedBrickd;
  readonly connection: TfpConnection;
  readonly engine: CallEngine;
  /** "<level> <message>" lines the engine logged */
  readonly logs: string[];
  /** callFromText, checked for consistency, as the published JSON text ("<nothing>": none) */
  ask(device: string, uid: string, fn: string, payload?: string, show?: boolean): Promise<string>;
  /** `ask` without waiting, for concurrency tests */
  start(device: string, uid: string, fn: string, payload?: string): Promise<string>;
}

/** What the bridge would publish, checking that `error` and `_ERROR` agree. */
export function published(answer: CallAnswer): string {
  if (answer.publish === undefined) {
    assert.equal(answer.error, undefined);
    return "<nothing>";
  }
  assert.equal(answer.error, answer.publish.get("_ERROR"));
  return pyJsonDumps(answer.publish);
}

export interface BenchOptions {
  readonly devices?: DeviceConfig[];
  /** Connect to the simulator before the body runs. @default true */
  readonly connect?: boolean;
  readonly engine?: Partial<CallEngineOptions>;
}

/** Runs `body` against a fresh simulator, connection and engine, and closes them all. */
export async function withBench(
  options: BenchOptions,
  body: (bench: Bench) => Promise<void>,
): Promise<void> {
  const brickd = await startSimulatedBrickd({
    devices: options.devices ?? DEFAULT_TEST_DEVICES,
    seed: 1,
  });
  const connection = new TfpConnection({
    host: "127.0.0.1",
    port: brickd.port,
    timeoutMs: TEST_TIMEOUT_MS,
  });
  const logs: string[] = [];
  const engine = new CallEngine({
    transport: connection,
    log: (level, message) => logs.push(`${level} ${message}`),
    ...options.engine,
  });
  const start = (device: string, uid: string, fn: string, payload = "", show = false) =>
    engine.callFromText(device, uid, fn, payload, { showPayload: show }).then(published);
  try {
    if (options.connect ?? true) await connection.connect();
    await body({ brickd, connection, engine, logs, ask: start, start });
  } finally {
    await connection.close();
    await brickd.stop();
  }
}
