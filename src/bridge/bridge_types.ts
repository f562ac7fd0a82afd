/**
 * Types of the bridge runtime: tuning, dependencies, counters, events and the
 * exit error.
 *
 * @module
 */

import type { CallbackCounters } from "./callback_router.ts";
import type { BridgeLogger } from "./log.ts";
import type { PublishCounters } from "./publish_queue.ts";

/** Tuning knobs of the runtime that have no tinkerforge_mqtt flag. */
export interface BridgeTuning {
  /** Messages the publish queue holds while the window is full. @default 10_000 */
  readonly publishQueueCapacity?: number;
  /** Publishes in flight in MQTT.js. @default 100 */
  readonly publishWindow?: number;
  /** At most one drop WARNING per this many ms. @default 10_000 */
  readonly dropWarningIntervalMs?: number;
  /** Broker reconnect backoff. @default [1000, 120000] (paho's) */
  readonly brokerRetryMs?: readonly [first: number, max: number];
  /** Brick Daemon reconnect backoff. @default [100, 5000] */
  readonly ipconRetryMs?: readonly [first: number, max: number];
  /** How long stop() waits for queued messages before `shutdown`. @default 2000 */
  readonly shutdownDrainMs?: number;
}

/** What a bridge is built from besides its options. */
export interface BridgeDependencies {
  /** Default: a stderr logger, DEBUG with `options.debug` */
  readonly logger?: BridgeLogger;
  /** Reads the init file and the CA file; default `Deno.readFileSync` */
  readonly readFile?: (path: string) => Uint8Array;
}

/** Counters for a status topic, tests and benchmarks. */
export interface BridgeCounters {
  readonly publish: PublishCounters;
  readonly callbacks: Readonly<CallbackCounters>;
  /** Requests handed to the call engine and not yet answered */
  readonly pendingRequests: number;
  /** Registered callback topics (device and IP connection) */
  readonly registrations: number;
}

/** Events of a bridge, for an agent's status reporting and for tests. */
export type BridgeEvents = {
  /** Subscribed after a broker (re)connect; `first`: the process's first connection */
  brokerReady: [first: boolean];
  /** The broker connection was lost (the bridge reconnects) */
  brokerLost: [];
};

/**
 * The process ends with this code: `stdout` is the line the reference prints
 * (init file, prefix), the CRITICAL line (if any) is already logged.
 */
export class BridgeExit extends Error {
  constructor(readonly exitCode: number, message: string, readonly stdout?: string) {
    super(message);
    this.name = "BridgeExit";
  }
}

/** Deno's `Connection refused (os error 111)` as Python prints it: `[Errno 111] Connection refused`. */
export function pySocketErrorText(error: Error): string {
  const os = /^(.*?) \(os error (\d+)\)/.exec(error.message);
  return os === null ? error.message : `[Errno ${os[2]}] ${os[1]}`;
}
