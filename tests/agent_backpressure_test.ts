/**
 * End-to-end backpressure: with ThingsBoard down a small buffer crosses its high watermark, the
 * agent samples `--buffer-slowdown-factor` times slower (timers and the callback periods
 * configured on the devices, as a TFP getter reads them back through the bridge), the bridge
 * keeps answering, and once the server is back and the buffer below its low watermark the
 * normal rate returns.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { TelemetryRecord } from "../src/telemetry/types.ts";
import { type AgentFixture, startAgentFixture } from "./support/agent_fixture.ts";
import { pipelineOf, until } from "./support/buffer_checks.ts";
import { nextEvent } from "./support/deadline.ts";
import { MqttWatcher } from "./support/mqtt_watcher.ts";

const CALLBACK_CONFIGURATION =
  "tinkerforge/request/temperature_v2_bricklet/Tmp/get_temperature_callback_configuration";

/**
 * Reads Tmp's temperature callback period through the bridge until it is `periodMs`: the
 * sampler reconfigures devices asynchronously, each read is a real round trip to brickd.
 */
async function callbackPeriodBecomes(
  bridge: MqttWatcher,
  periodMs: number,
  ms: number,
): Promise<void> {
  const deadline = performance.now() + ms;
  let last: unknown;
  while (performance.now() < deadline) {
    last = JSON.parse(await bridge.request(CALLBACK_CONFIGURATION, "{}", undefined, 2_000)).period;
    if (last === periodMs) return;
  }
  throw new Error(`Tmp's callback period is ${last}, not ${periodMs}, after ${ms} ms`);
}

/** Timestamps of the next `count` records of `uid`. */
function nextTimestamps(f: AgentFixture, uid: string, count: number): Promise<number[]> {
  const seen: number[] = [];
  const sampler = f.agent.sampler!;
  const collect = (record: TelemetryRecord) => {
    if (record.uid === uid) seen.push(record.ts);
  };
  sampler.on("record", collect);
  return until(sampler, "record", () => seen.length >= count, 3_000, `${count} records of ${uid}`)
    .then(() => seen.slice(0, count))
    .finally(() => sampler.off("record", collect));
}

for (const callbacks of [true, false]) {
  const how = callbacks ? "callback periods" : "polling timers";
  Deno.test(`above the high watermark ${how} slow down, below the low one they recover`, async () => {
    const f = await startAgentFixture({
      flags: [
        "--buffer-capacity=40",
        "--buffer-slowdown-factor=5",
        ...(callbacks ? [] : ["--no-telemetry-callbacks"]),
      ],
      dependencies: { cloudReconnectDelayMs: [50, 200] },
    });
    const bridge = await MqttWatcher.connect(f.broker.url, ["tinkerforge/response/#"]);
    try {
      const agent = f.agent;
      const sampler = agent.sampler!;
      const pipeline = pipelineOf(agent);
      await f.nextEvent("CloudConnected");
      if (callbacks) await callbackPeriodBecomes(bridge, 100, 3_000);

      const slowed = nextEvent(pipeline, "slowdown", 5_000);
      await f.server.stop();
      assert.deepEqual(await slowed, [5]);
      // 80 % of 40: the slowdown comes before anything is dropped.
      assert.equal(pipeline.ring.buffered, 32, "buffered at the high watermark");
      assert.equal(agent.status().buffer!.dropped, 0);
      assert.equal(pipeline.slowdown, 5);
      assert.equal(sampler.slowdown, 5);
      assert.equal(sampler.periodMs, 500);
      assert.equal(agent.status().sampling.slowdown, 5);
      await f.log.waitFor("sampling 5 times slower");
      if (callbacks) await callbackPeriodBecomes(bridge, 500, 3_000);
      else {
        // The bridge still answers at once while the agent is slowed down and its buffer full.
        const answer = await bridge.request(
          "tinkerforge/request/temperature_v2_bricklet/Tmp/get_temperature",
          "{}",
          undefined,
          2_000,
        );
        assert.equal(typeof JSON.parse(answer).temperature, "number");
      }
      const [first, second] = await nextTimestamps(f, "Tmp", 2);
      assert.ok(second - first >= 500 * 0.75, `Tmp sampled ${second - first} ms apart`);

      const restored = nextEvent(pipeline, "slowdown", 5_000);
      await f.server.start();
      assert.deepEqual(await restored, [1]);
      assert.ok(pipeline.ring.buffered <= 20, `${pipeline.ring.buffered} buffered`);
      assert.equal(sampler.slowdown, 1);
      assert.equal(sampler.periodMs, 100);
      assert.equal(agent.status().sampling.slowdown, 1);
      await f.log.waitFor("sampling at the normal rate again");
      if (callbacks) await callbackPeriodBecomes(bridge, 100, 3_000);
      const [a, b] = await nextTimestamps(f, "Tmp", 2);
      assert.ok(b - a < 300, `Tmp sampled ${b - a} ms apart after the recovery`);
    } finally {
      await bridge.close();
      await f.close();
    }
  });
}
