/**
 * End-to-end: a small telemetry buffer overflows while ThingsBoard is down. The overflow policy
 * decides exactly which records survive (the newest under drop-oldest, the first under
 * drop-newest, the byte bound like the count bound), the loss is counted in the status and
 * reported as a BufferOverflow event on the local broker, and the survivors arrive in order once
 * the server is back.
 *
 * Numbered records are pushed straight into the pipeline in one synchronous burst, with no
 * devices on brickd, so nothing else competes for the buffer and no batch is handed to the
 * ThingsBoard client before the burst has been cut to size.
 *
 * @module
 */

import assert from "node:assert/strict";
import { recordSize } from "../src/agent/pipeline.ts";
import { type AgentFixture, startAgentFixture, TB_DEVICE } from "./support/agent_fixture.ts";
import { drained, numbered, pipelineOf, range, storedNumbers } from "./support/buffer_checks.ts";
import { within } from "./support/deadline.ts";

const PUSHED = 50;
/** BufferOverflow reports are summed per period: short, so the sum arrives quickly. */
const DEPENDENCIES = { cloudReconnectDelayMs: [50, 200], overflowReportMs: 50 } as const;

/** Starts the agent with `flags` and no devices, and takes ThingsBoard down. */
async function agentWithServerDown(flags: string[]): Promise<AgentFixture> {
  const f = await startAgentFixture({ devices: [], flags, dependencies: DEPENDENCIES });
  try {
    await f.nextEvent("CloudConnected");
    await f.server.stop();
    await f.nextEvent("CloudDisconnected");
    return f;
  } catch (error) {
    await f.close();
    throw error;
  }
}

/** Sums the `dropped` of BufferOverflow events until it reaches `total`; returns the events. */
async function overflowEvents(f: AgentFixture, total: number): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = [];
  let sum = 0;
  const collect = async () => {
    while (sum < total) {
      const event = await f.nextEvent("BufferOverflow", 5_000);
      events.push(event);
      sum += event.dropped as number;
    }
  };
  await within(collect(), 5_000, `BufferOverflow events summing to ${total}`);
  assert.equal(sum, total, "dropped reported in BufferOverflow events");
  return events;
}

/** Restarts the server and returns the numbers it stored once the buffer is empty. */
async function numbersAfterRestart(f: AgentFixture): Promise<number[]> {
  await f.server.start();
  await drained(pipelineOf(f.agent), 5_000);
  return storedNumbers(f.server.telemetry(TB_DEVICE));
}

for (
  const { policy, survivors, enqueued } of [
    { policy: "drop-oldest", survivors: range(PUSHED - 20, PUSHED), enqueued: PUSHED },
    { policy: "drop-newest", survivors: range(0, 20), enqueued: 20 },
  ]
) {
  Deno.test(`${policy}: exactly the records the policy keeps arrive, the loss is reported`, async () => {
    const f = await agentWithServerDown(["--buffer-capacity=20", `--buffer-overflow=${policy}`]);
    try {
      const pipeline = pipelineOf(f.agent);
      for (let n = 0; n < PUSHED; n++) pipeline.push(numbered(n));
      const buffer = f.agent.status().buffer!;
      assert.equal(buffer.dropped, PUSHED - 20, "dropped");
      assert.equal(buffer.buffered, 20, "buffered");
      assert.equal(buffer.capacity, 20, "capacity");
      assert.equal(buffer.enqueued, enqueued, "enqueued");

      const events = await overflowEvents(f, PUSHED - 20);
      for (const event of events) {
        assert.equal(event.policy, policy);
        assert.equal(event._event, "BufferOverflow");
        assert.equal(typeof event._timestamp, "number");
      }

      assert.deepEqual(await numbersAfterRestart(f), survivors);
      const after = f.agent.status().buffer!;
      assert.equal(after.sent, 20, "sent");
      assert.equal(after.dropped, PUSHED - 20, "dropped after the restart");
      assert.equal(after.buffered, 0, "buffered after the restart");
    } finally {
      await f.close();
    }
  });
}

Deno.test("--buffer-max-bytes bounds the buffer like the record count", async () => {
  const maxBytes = 1024;
  const keeps = Math.floor(maxBytes / recordSize(numbered(0)));
  assert.ok(keeps < 20 && keeps > 1, `${keeps} records fit`);
  const f = await agentWithServerDown([
    "--buffer-capacity=1000",
    `--buffer-max-bytes=${maxBytes}`,
    "--buffer-overflow=drop-oldest",
  ]);
  try {
    const pipeline = pipelineOf(f.agent);
    for (let n = 0; n < PUSHED; n++) pipeline.push(numbered(n));
    const buffer = f.agent.status().buffer!;
    assert.equal(buffer.buffered, keeps, "buffered");
    assert.ok(buffer.bufferedBytes <= maxBytes, `${buffer.bufferedBytes} bytes buffered`);
    assert.equal(buffer.dropped, PUSHED - keeps, "dropped");
    const events = await overflowEvents(f, PUSHED - keeps);
    assert.ok(events.every((event) => event.policy === "drop-oldest"));

    assert.deepEqual(await numbersAfterRestart(f), range(PUSHED - keeps, PUSHED));
  } finally {
    await f.close();
  }
});

Deno.test("after an overflow and a drain, a second outage that fits loses nothing", async () => {
  const f = await agentWithServerDown(["--buffer-capacity=20"]);
  try {
    const pipeline = pipelineOf(f.agent);
    for (let n = 0; n < 60; n++) pipeline.push(numbered(n));
    await overflowEvents(f, 40);
    assert.deepEqual(await numbersAfterRestart(f), range(40, 60));

    await f.server.stop();
    await f.nextEvent("CloudDisconnected");
    for (let n = 60; n < 75; n++) pipeline.push(numbered(n));
    assert.equal(f.agent.status().buffer!.buffered, 15);
    assert.deepEqual(await numbersAfterRestart(f), range(40, 75));
    assert.equal(f.agent.status().buffer!.dropped, 40, "no drop in the second outage");
  } finally {
    await f.close();
  }
});
