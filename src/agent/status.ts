/**
 * The agent's status: what the `getStatus` RPC answers, what the local status topic carries
 * and, flattened by {@link statusTelemetry}, what the agent reports to ThingsBoard as its own
 * telemetry.
 *
 * Agent telemetry keys (all prefixed `tfedge_` so they never clash with device keys, which
 * start with an alias or uid):
 *
 * | key                           | value                                                  |
 * |-------------------------------|--------------------------------------------------------|
 * | `tfedge_uptime`               | seconds since the agent started (integer)              |
 * | `tfedge_brickd_connected`     | true while the agent's Brick Daemon connection is up   |
 * | `tfedge_devices`              | devices present on the Brick Daemon                    |
 * | `tfedge_broker_connected`     | true while the bridge's broker link is up (bridge on only) |
 * | `tfedge_buffer_enqueued`      | records put into the telemetry buffer since start      |
 * | `tfedge_buffer_sent`          | records acknowledged by ThingsBoard since start        |
 * | `tfedge_buffer_dropped`       | records dropped by the overflow policy since start     |
 * | `tfedge_buffer_buffered`      | records waiting in the buffer now                      |
 * | `tfedge_buffer_bytes`         | approximate size of the waiting records                |
 * | `tfedge_buffer_capacity`      | most records the buffer holds                          |
 * | `tfedge_buffer_spooled`       | records written to the disk spool (0 without a spool)  |
 * | `tfedge_sampling_interval_ms` | configured sampling interval                           |
 * | `tfedge_sampling_slowdown`    | current slowdown factor (1 = normal rate)              |
 *
 * The buffer keys are left out when there is no telemetry buffer (ThingsBoard off). The
 * version is not telemetry (it changes once per upgrade): send it as an attribute.
 *
 * @module
 */

import { VERSION } from "../version.ts";

/** Where the ThingsBoard link is (the states of the agent's cloud link). */
export type CloudStateName =
  | "disabled"
  | "provisioning"
  | "connecting"
  | "connected"
  | "reconnecting"
  | "refused"
  | "stopped";

/** Counters of the telemetry buffer (the pipeline's counters fit this shape). */
export interface BufferStatus {
  enqueued: number;
  sent: number;
  dropped: number;
  buffered: number;
  bufferedBytes: number;
  capacity: number;
  /** Records written to the disk spool, when there is a spool counter */
  spooled?: number;
  spoolErrors?: number;
  replayed?: number;
}

/** Everything `getStatus` and the status topic report. JSON-safe (plain values only). */
export interface AgentStatus {
  version: string;
  /** Whole seconds since the agent started */
  uptime: number;
  brickd: {
    state: "connected" | "disconnected";
    host: string;
    port: number;
    /** Devices present on the Brick Daemon */
    devices: number;
  };
  broker: {
    /** False with `--no-bridge` */
    enabled: boolean;
    state: "disabled" | "connected" | "disconnected";
  };
  cloud: {
    state: CloudStateName;
    host?: string;
    mode?: "device" | "gateway";
  };
  /** Null when there is no telemetry buffer (ThingsBoard off) */
  buffer: BufferStatus | null;
  sampling: { intervalMs: number; slowdown: number };
}

/** What {@link buildStatus} reads; the agent fills it from its parts. */
export interface StatusSources {
  /** ms since the epoch when the agent started */
  readonly startedAt: number;
  /** ms since the epoch now. @default Date.now() */
  readonly now?: number;
  readonly brickd: {
    readonly host: string;
    readonly port: number;
    readonly connected: boolean;
    readonly devices?: number;
  };
  readonly broker: { readonly enabled: false } | {
    readonly enabled: true;
    readonly connected: boolean;
  };
  readonly cloud: {
    readonly state: CloudStateName;
    readonly host?: string;
    readonly mode?: "device" | "gateway";
  };
  readonly buffer?: Readonly<BufferStatus>;
  readonly sampling: { readonly intervalMs: number; readonly slowdown: number };
}

/** The status from its sources (copies everything: the result can be kept and serialised). */
export function buildStatus(sources: StatusSources): AgentStatus {
  const now = sources.now ?? Date.now();
  const { brickd, broker, cloud, buffer, sampling } = sources;
  const status: AgentStatus = {
    version: VERSION,
    // A clock stepped backwards must not give a negative uptime.
    uptime: Math.max(0, Math.floor((now - sources.startedAt) / 1000)),
    brickd: {
      state: brickd.connected ? "connected" : "disconnected",
      host: brickd.host,
      port: brickd.port,
      devices: brickd.devices ?? 0,
    },
    broker: broker.enabled
      ? { enabled: true, state: broker.connected ? "connected" : "disconnected" }
      : { enabled: false, state: "disabled" },
    cloud: { state: cloud.state },
    buffer: buffer === undefined ? null : { ...buffer },
    sampling: { intervalMs: sampling.intervalMs, slowdown: sampling.slowdown },
  };
  if (cloud.host !== undefined) status.cloud.host = cloud.host;
  if (cloud.mode !== undefined) status.cloud.mode = cloud.mode;
  return status;
}

/** Flat agent telemetry for ThingsBoard; the keys are listed in the module doc. */
export function statusTelemetry(status: AgentStatus): Record<string, number | boolean> {
  const values: Record<string, number | boolean> = {
    tfedge_uptime: status.uptime,
    tfedge_brickd_connected: status.brickd.state === "connected",
    tfedge_devices: status.brickd.devices,
  };
  if (status.broker.enabled) values.tfedge_broker_connected = status.broker.state === "connected";
  const buffer = status.buffer;
  if (buffer !== null) {
    values.tfedge_buffer_enqueued = buffer.enqueued;
    values.tfedge_buffer_sent = buffer.sent;
    values.tfedge_buffer_dropped = buffer.dropped;
    values.tfedge_buffer_buffered = buffer.buffered;
    values.tfedge_buffer_bytes = buffer.bufferedBytes;
    values.tfedge_buffer_capacity = buffer.capacity;
    if (buffer.spooled !== undefined) values.tfedge_buffer_spooled = buffer.spooled;
  }
  values.tfedge_sampling_interval_ms = status.sampling.intervalMs;
  values.tfedge_sampling_slowdown = status.sampling.slowdown;
  return values;
}
