/**
 * End-to-end: the ThingsBoard test server goes down while the agent samples fast; the records
 * wait in the buffer, the bridge keeps answering, and once the server is back every record the
 * sampler produced arrives, in the order it was produced, at the pace the server's rate limits
 * allow.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DeviceConfig } from "../src/sim/config.ts";
import { DEFAULT_DEVICES } from "../src/sim/default_devices.ts";
import type { DisconnectEvent, PublishEvent } from "../src/sim/thingsboard/mod.ts";
import type { TelemetryRecord } from "../src/telemetry/types.ts";
import {
  type AgentFixture,
  startAgentFixture,
  TB_DEVICE,
  TB_TOKEN,
} from "./support/agent_fixture.ts";
import {
  drained,
  firstOccurrences,
  keysOutOfOrder,
  pipelineOf,
  recordPoints,
  storedPoints,
  timestampsByKey,
  until,
} from "./support/buffer_checks.ts";
import { MqttWatcher } from "./support/mqtt_watcher.ts";

/** 24 more temperature Bricklets: about 320 records per second at 0.1 s. */
const MANY_DEVICES: readonly DeviceConfig[] = [
  ...DEFAULT_DEVICES,
  ..."abcdefghijkmnopqrstuvwxy".split("").map((c) => ({
    type: "temperature_v2_bricklet",
    uid: `T${c}`,
    position: "a",
  })),
];

/** The ThingsBoard client's reconnect delays, shortened so a restart is noticed at once. */
const FAST_RECONNECT = { cloudReconnectDelayMs: [50, 200] } as const;

interface Outage {
  /** Every record the sampler produced from start to the end of the test */
  produced: TelemetryRecord[];
  /** Records buffered when the server came back */
  backlog: number;
  /** From the server's restart until the backlog was acknowledged */
  drainMs: number;
}

/**
 * Runs an outage on a started fixture: waits for the cloud, stops the server until `backlog`
 * records wait, checks the bridge answers meanwhile, restarts the server, waits until the
 * backlog is delivered, then stops sampling and waits for the rest.
 */
async function runOutage(f: AgentFixture, backlog: number, drainMs: number): Promise<Outage> {
  const agent = f.agent;
  const pipeline = pipelineOf(agent);
  const produced: TelemetryRecord[] = [];
  // Subscribed right after start: devices are only added after brickd's enumerate answer.
  agent.sampler!.on("record", (record) => produced.push(record));
  const bridge = await MqttWatcher.connect(f.broker.url, ["tinkerforge/response/#"]);
  try {
    await f.nextEvent("CloudConnected");
    const state = () => pipeline.counters();
    await until(pipeline.ring, "sent", () => pipeline.ring.sent >= 20, 5_000, "first sends", state);

    await f.server.stop();
    await until(
      pipeline.ring,
      "pushed",
      () => pipeline.ring.buffered >= backlog / 2,
      10_000,
      "half the backlog",
      state,
    );
    // The bridge shares the process and brickd, never the buffer: it answers while ThingsBoard
    // is away and the buffer fills.
    const answer = JSON.parse(
      await bridge.request(
        "tinkerforge/request/temperature_v2_bricklet/Tmp/get_temperature",
        "{}",
        undefined,
        2_000,
      ),
    );
    assert.equal(typeof answer.temperature, "number", JSON.stringify(answer));
    await until(
      pipeline.ring,
      "pushed",
      () => pipeline.ring.buffered >= backlog,
      10_000,
      "backlog",
      state,
    );
    assert.equal(agent.status().buffer?.dropped, 0);

    const waiting = pipeline.ring.buffered;
    const mustSend = pipeline.ring.sent + waiting;
    const restartedAt = performance.now();
    await f.server.start();
    await until(
      pipeline.ring,
      "sent",
      () => pipeline.ring.sent >= mustSend,
      drainMs,
      "backlog delivered",
      state,
    );
    const took = performance.now() - restartedAt;
    await agent.sampler!.stop();
    await drained(pipeline, 5_000);
    return { produced, backlog: waiting, drainMs: took };
  } finally {
    await bridge.close();
  }
}

/** Every produced point stored, nothing else, in produced order per key; returns duplicates. */
function assertAllArrivedInOrder(f: AgentFixture, produced: readonly TelemetryRecord[]): number {
  const counters = pipelineOf(f.agent).counters();
  assert.equal(counters.dropped, 0, "dropped");
  assert.equal(counters.enqueued, produced.length, "enqueued = records the sampler produced");
  assert.equal(counters.sent, counters.enqueued, "sent = enqueued");

  const stored = storedPoints(f.server.telemetry(TB_DEVICE));
  const storedOnce = firstOccurrences(stored);
  const expected = firstOccurrences(recordPoints(produced));
  const storedSet = new Set(storedOnce);
  const missing = expected.filter((point) => !storedSet.has(point));
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${expected.length} missing`);
  const expectedSet = new Set(expected);
  const extra = storedOnce.filter((point) => !expectedSet.has(point));
  assert.deepEqual(extra.slice(0, 5), [], `${extra.length} points nobody produced`);
  // Order kept: per key, the server saw the timestamps in the order the sampler made them.
  assert.deepEqual(timestampsByKey(storedOnce), timestampsByKey(expected));
  assert.deepEqual(keysOutOfOrder(storedOnce), [], "keys whose timestamps go backwards");
  return stored.length - storedOnce.length;
}

Deno.test("an outage loses nothing: the backlog arrives in order, the bridge keeps answering", async () => {
  const f = await startAgentFixture({ devices: MANY_DEVICES, dependencies: FAST_RECONNECT });
  try {
    const outage = await runOutage(f, 600, 10_000);
    const duplicates = assertAllArrivedInOrder(f, outage.produced);
    if (Deno.env.get("TFEDGE_TEST_LOG") === "1") {
      console.error(
        `outage: backlog ${outage.backlog} drained in ${outage.drainMs.toFixed(0)} ms, ` +
          `${outage.produced.length} records, ${duplicates} duplicate points`,
      );
    }
  } finally {
    await f.close();
  }
});

Deno.test("under tight rate limits the backlog drains without a rate-limit disconnect", async () => {
  // ~90 data points per second are sampled; the server allows 250 (the client keeps 10% spare).
  const limits = { telemetryMessages: "20:1", telemetryDataPoints: "250:1" };
  const f = await startAgentFixture({
    tb: "none",
    startAgent: false,
    dependencies: FAST_RECONNECT,
  });
  const breaches: (DisconnectEvent | PublishEvent)[] = [];
  f.server.on("disconnect", (e) => e.reason === "rate_limited" && breaches.push(e));
  f.server.on("publish", (e) => e.outcome === "rate_limited" && breaches.push(e));
  try {
    f.server.addDevice(TB_DEVICE, { accessToken: TB_TOKEN }, { rateLimits: limits });
    await f.startAgent([`--tb-token=${TB_TOKEN}`]);
    const outage = await runOutage(f, 150, 15_000);
    assertAllArrivedInOrder(f, outage.produced);
    assert.deepEqual(breaches, [], "the server closed the session for a rate-limit breach");
    // As fast as allowed: the backlog's points plus what was sampled meanwhile, at the limit's
    // spare capacity, must not take much longer than the limit itself dictates.
    const backlogPoints = outage.backlog * 1.1;
    const spare = 250 * 0.9 - 90;
    const floorMs = (backlogPoints / spare) * 1000;
    if (Deno.env.get("TFEDGE_TEST_LOG") === "1") {
      console.error(
        `rate-limited: backlog ${outage.backlog} drained in ${outage.drainMs.toFixed(0)} ms ` +
          `(limit allows ~${floorMs.toFixed(0)} ms)`,
      );
    }
    assert.ok(
      outage.drainMs < floorMs * 3 + 2_000,
      `drain took ${outage.drainMs.toFixed(0)} ms, the limits allow ~${floorMs.toFixed(0)} ms`,
    );
  } finally {
    await f.close();
  }
});

Deno.test("when ThingsBoard accepts the agent again, the backlog goes out without waiting a retry", async () => {
  // Refused credentials make every send fail at once, so the uplink's retry delay grows; the
  // backlog must still leave as soon as the link is up, not when the grown delay ends.
  const token = "TokenFixedLater";
  const f = await startAgentFixture({
    tb: "none",
    startAgent: false,
    dependencies: { ...FAST_RECONNECT, cloudRefusedRetryMs: [50, 50] },
  });
  try {
    const agent = await f.startAgent([`--tb-token=${token}`]);
    const pipeline = pipelineOf(agent);
    let retryInMs = 0;
    pipeline.on("sendFailed", (_error, delay) => retryInMs = delay);
    await until(
      pipeline,
      "sendFailed",
      () => retryInMs >= 1_500,
      5_000,
      "a retry delay of 1.5 s",
      () => retryInMs,
    );
    f.server.addDevice(TB_DEVICE, { accessToken: token });
    await f.nextEvent("CloudConnected");
    const connectedAt = performance.now();
    const mustSend = pipeline.ring.sent + pipeline.ring.buffered;
    assert.ok(mustSend > 0, "records waiting");
    await until(pipeline.ring, "sent", () => pipeline.ring.sent >= mustSend, 5_000, "backlog");
    const took = performance.now() - connectedAt;
    if (Deno.env.get("TFEDGE_TEST_LOG") === "1") {
      console.error(`refused: retry delay ${retryInMs} ms, backlog left ${took.toFixed(0)} ms`);
    }
    assert.ok(took < 1_000, `backlog left ${took.toFixed(0)} ms after the connect`);
  } finally {
    await f.close();
  }
});
