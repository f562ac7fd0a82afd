/**
 * Helpers of the agent buffering tests: waiting on pipeline counters through events, turning
 * what the sampler produced and what the ThingsBoard test server stored into comparable
 * `key@ts` points, and numbered records to push by hand.
 *
 * @module
 */

import type { Agent } from "../../src/agent/agent.ts";
import type { TelemetryPipeline } from "../../src/agent/pipeline.ts";
import type { TelemetryEntry } from "../../src/sim/thingsboard/mod.ts";
import type { TelemetryRecord } from "../../src/telemetry/types.ts";
import type { TypedEmitter } from "../../src/util/typed_emitter.ts";
import { within } from "./deadline.ts";

/** One stored or produced value: `<device-mode key>@<ts>`. */
export type Point = string;

/**
 * Resolves once `check()` holds, testing it now and after every `event` of `emitter`; fails
 * after `ms` with `what` and the last `state()` in the message.
 */
export async function until(
  // deno-lint-ignore no-explicit-any
  emitter: TypedEmitter<any>,
  event: string,
  check: () => boolean,
  ms: number,
  what: string,
  state: () => unknown = () => "",
): Promise<void> {
  if (check()) return;
  let off = () => {};
  const reached = new Promise<void>((resolve) => {
    off = emitter.on(event, () => {
      if (check()) resolve();
    });
  });
  try {
    await within(reached, ms, what);
  } catch (error) {
    throw new Error(`${(error as Error).message}; now ${JSON.stringify(state())}`);
  } finally {
    off();
  }
}

/** The running agent's pipeline (it exists once a ThingsBoard host is configured). */
export function pipelineOf(agent: Agent): TelemetryPipeline {
  const pipeline = agent.pipeline;
  if (pipeline === undefined) throw new Error("The agent has no telemetry pipeline");
  return pipeline;
}

/** Waits until the ring holds no record (everything pushed so far was acknowledged). */
export function drained(pipeline: TelemetryPipeline, ms: number): Promise<void> {
  return until(
    pipeline.ring,
    "sent",
    () => pipeline.ring.buffered === 0,
    ms,
    "drained buffer",
    () => pipeline.counters(),
  );
}

/** Device-mode points of sampler records (no aliases: key prefix = uid). */
export function recordPoints(records: readonly TelemetryRecord[]): Point[] {
  const points: Point[] = [];
  for (const record of records) {
    for (const key in record.values) points.push(`${record.uid}_${key}@${record.ts}`);
  }
  return points;
}

/** Stored points in arrival order, without the agent's own `tfedge_*` status keys. */
export function storedPoints(entries: readonly TelemetryEntry[]): Point[] {
  const points: Point[] = [];
  for (const entry of entries) {
    for (const key in entry.values) {
      if (!key.startsWith("tfedge_")) points.push(`${key}@${entry.ts}`);
    }
  }
  return points;
}

/** First occurrences only, order kept (at-least-once delivery may repeat a point). */
export function firstOccurrences(points: readonly Point[]): Point[] {
  return [...new Set(points)];
}

/** Per key, the timestamps in the order of `points`. */
export function timestampsByKey(points: readonly Point[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const point of points) {
    const at = point.lastIndexOf("@");
    const key = point.slice(0, at);
    let list = byKey.get(key);
    if (list === undefined) byKey.set(key, list = []);
    list.push(Number(point.slice(at + 1)));
  }
  return byKey;
}

/** Keys whose timestamps go backwards somewhere (empty when every key is in time order). */
export function keysOutOfOrder(points: readonly Point[]): string[] {
  const bad: string[] = [];
  for (const [key, list] of timestampsByKey(points)) {
    if (list.some((ts, i) => i > 0 && ts < list[i - 1])) bad.push(key);
  }
  return bad;
}

/** Uid of the numbered records; their device-mode key is `Num_n`. */
export const NUMBERED_UID = "Num";

/** Record number `n` (ts grows with n), as if from a Temperature Bricklet 2.0. */
export function numbered(n: number, base = 1_700_000_000_000): TelemetryRecord {
  return { ts: base + n, uid: NUMBERED_UID, deviceIdentifier: 2113, values: { n } };
}

/** The numbers of the numbered records the server stored, in arrival order. */
export function storedNumbers(entries: readonly TelemetryEntry[]): number[] {
  const numbers: number[] = [];
  for (const entry of entries) {
    const n = entry.values[`${NUMBERED_UID}_n`];
    if (n !== undefined) numbers.push(Number(n));
  }
  return numbers;
}

/** `[from, from + 1, ..., to - 1]` */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
