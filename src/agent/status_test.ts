import assert from "node:assert/strict";
import { VERSION } from "../version.ts";
import { buildStatus, type StatusSources, statusTelemetry } from "./status.ts";

const SOURCES: StatusSources = {
  startedAt: 1_000_000,
  now: 1_000_000 + 90_999,
  brickd: { host: "localhost", port: 4223, connected: true, devices: 9 },
  broker: { enabled: true, connected: false },
  cloud: { state: "reconnecting", host: "tb.example", mode: "gateway" },
  buffer: {
    enqueued: 120,
    sent: 100,
    dropped: 2,
    buffered: 18,
    bufferedBytes: 2_048,
    capacity: 100_000,
    spooled: 120,
    spoolErrors: 0,
    replayed: 0,
  },
  sampling: { intervalMs: 10_000, slowdown: 4 },
};

Deno.test("status: built from its sources, JSON-safe", () => {
  const status = buildStatus(SOURCES);
  assert.deepEqual(status, {
    version: VERSION,
    uptime: 90,
    brickd: { state: "connected", host: "localhost", port: 4223, devices: 9 },
    broker: { enabled: true, state: "disconnected" },
    cloud: { state: "reconnecting", host: "tb.example", mode: "gateway" },
    buffer: { ...SOURCES.buffer },
    sampling: { intervalMs: 10_000, slowdown: 4 },
  });
  assert.notEqual(status.buffer, SOURCES.buffer, "the counters are copied");
  assert.deepEqual(JSON.parse(JSON.stringify(status)), status);
});

Deno.test("status: bridge off, ThingsBoard off, clock stepped back", () => {
  const status = buildStatus({
    startedAt: 10_000,
    now: 5_000,
    brickd: { host: "localhost", port: 4223, connected: false },
    broker: { enabled: false },
    cloud: { state: "disabled" },
    sampling: { intervalMs: 10_000, slowdown: 1 },
  });
  assert.equal(status.uptime, 0);
  assert.deepEqual(status.brickd, {
    state: "disconnected",
    host: "localhost",
    port: 4223,
    devices: 0,
  });
  assert.deepEqual(status.broker, { enabled: false, state: "disabled" });
  assert.deepEqual(status.cloud, { state: "disabled" });
  assert.equal(status.buffer, null);
});

Deno.test("status: telemetry keys", () => {
  assert.deepEqual(statusTelemetry(buildStatus(SOURCES)), {
    tfedge_uptime: 90,
    tfedge_brickd_connected: true,
    tfedge_devices: 9,
    tfedge_broker_connected: false,
    tfedge_buffer_enqueued: 120,
    tfedge_buffer_sent: 100,
    tfedge_buffer_dropped: 2,
    tfedge_buffer_buffered: 18,
    tfedge_buffer_bytes: 2_048,
    tfedge_buffer_capacity: 100_000,
    tfedge_buffer_spooled: 120,
    tfedge_sampling_interval_ms: 10_000,
    tfedge_sampling_slowdown: 4,
  });
  const bare = statusTelemetry(
    buildStatus({ ...SOURCES, broker: { enabled: false }, buffer: undefined }),
  );
  assert.deepEqual(Object.keys(bare), [
    "tfedge_uptime",
    "tfedge_brickd_connected",
    "tfedge_devices",
    "tfedge_sampling_interval_ms",
    "tfedge_sampling_slowdown",
  ]);
});
