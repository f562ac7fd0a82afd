/**
 * End-to-end: ThingsBoard server-side RPC to the agent in device mode (device functions, the
 * built-in methods, errors) and run-time settings through shared attributes.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { AgentStatus } from "../src/agent/status.ts";
import type { SimulatedBrickd } from "../src/sim/brickd.ts";
import { DEFAULT_DEVICES } from "../src/sim/default_devices.ts";
import { functionByName } from "../src/tfp/registry.ts";
import { type AgentFixture, startAgentFixture, TB_DEVICE } from "./support/agent_fixture.ts";
import { nextEvent } from "./support/deadline.ts";
import { MqttWatcher } from "./support/mqtt_watcher.ts";

/** Runs `body` with a fixture whose agent is connected to ThingsBoard and knows every device. */
async function withConnectedAgent(body: (fixture: AgentFixture) => Promise<void>): Promise<void> {
  const fixture = await startAgentFixture();
  try {
    await fixture.nextEvent("CloudConnected");
    // The inventory is complete once the last DEFAULT_DEVICES entry arrived.
    const last = DEFAULT_DEVICES.at(-1)!.uid;
    await fixture.watcher.next((m) =>
      m.topic === "tfedge/event/DeviceConnected" && JSON.parse(m.payload).uid === last
    );
    await body(fixture);
  } finally {
    await fixture.close();
  }
}

/** What the simulated Bricklet itself holds now (read straight from the device model). */
function simulatedColor(brickd: SimulatedBrickd): Record<string, unknown> {
  const device = brickd.device("Btn")!;
  return device.handle(functionByName(device.spec, "get_color")!, {});
}

Deno.test("RPC set_color changes the simulated Bricklet; get_color reads it back", async () => {
  await withConnectedAgent(async ({ server, brickd }) => {
    const color = { red: 12, green: 200, blue: 7 };
    assert.notDeepEqual(simulatedColor(brickd), color);
    const reply = await server.pushRpc(TB_DEVICE, "rgb_led_button_bricklet/Btn/set_color", color);
    assert.deepEqual(reply, {}, "a setter that succeeded replies {}");
    const read = await server.pushRpc(TB_DEVICE, "rgb_led_button_bricklet/Btn/get_color", {});
    assert.deepEqual(read, color);
    // get_color went over the same connection after set_color, so the device has it now.
    assert.deepEqual(simulatedColor(brickd), color);
    // Params as the bridge's request text work too.
    await server.pushRpc(
      TB_DEVICE,
      "rgb_led_button_bricklet/Btn/set_color",
      '{"red": 1, "green": 2, "blue": 3}',
    );
    assert.deepEqual(
      await server.pushRpc(TB_DEVICE, "rgb_led_button_bricklet/Btn/get_color"),
      { red: 1, green: 2, blue: 3 },
    );
  });
});

Deno.test("a getter RPC replies what the bridge publishes for the same request", async () => {
  await withConnectedAgent(async (fixture) => {
    fixture.brickd.setValues("Tmp", "get_temperature", { temperature: 2345 });
    const bridge = await MqttWatcher.connect(fixture.broker.url, ["tinkerforge/response/#"]);
    try {
      for (
        const [fn, payload] of [
          ["get_temperature", "{}"],
          ["get_identity", "{}"],
          ["get_no_such_function", "{}"],
          ["set_heater_configuration", '{"heater_config": "bogus"}'],
        ]
      ) {
        const method = `temperature_v2_bricklet/Tmp/${fn}`;
        const published = await bridge.request(`tinkerforge/request/${method}`, payload);
        const reply = await fixture.server.pushRpc(TB_DEVICE, method, payload);
        assert.deepEqual(reply, JSON.parse(published), `${fn}: RPC reply = bridge response`);
      }
      const reply = await fixture.server.pushRpc(
        TB_DEVICE,
        "temperature_v2_bricklet/Tmp/get_temperature",
      );
      assert.deepEqual(reply, { temperature: 2345 });
      const unknown = await fixture.server.pushRpc(
        TB_DEVICE,
        "temperature_v2_bricklet/Tmp/get_no_such_function",
      ) as Record<string, unknown>;
      assert.equal(typeof unknown._ERROR, "string");
    } finally {
      await bridge.close();
    }
  });
});

Deno.test("getStatus and enumerate describe the agent and the Brick Daemon's devices", async () => {
  await withConnectedAgent(async ({ server }) => {
    await server.waitFor("publish", (e) => e.topic === "v1/devices/me/telemetry");
    const status = await server.pushRpc(TB_DEVICE, "getStatus") as AgentStatus;
    const buffer = status.buffer as unknown as Record<string, number>;
    assert.equal(typeof status.version, "string");
    assert.ok(Number.isInteger(status.uptime) && status.uptime >= 0);
    assert.equal(status.brickd.state, "connected");
    assert.equal(status.brickd.devices, DEFAULT_DEVICES.length);
    assert.deepEqual(status.cloud, { state: "connected", host: "127.0.0.1", mode: "device" });
    assert.equal(status.broker.state, "connected");
    for (const counter of ["enqueued", "sent", "dropped", "buffered", "capacity"]) {
      assert.equal(typeof buffer[counter], "number", `buffer.${counter}`);
    }
    assert.ok(buffer.enqueued > 0, "records were buffered");
    assert.equal(buffer.dropped, 0);
    assert.equal(status.sampling.intervalMs, 100);

    const listed = await server.pushRpc(TB_DEVICE, "enumerate") as {
      devices: Record<string, unknown>[];
    };
    assert.deepEqual(
      listed.devices.map((d) => d.uid).sort(),
      DEFAULT_DEVICES.map((d) => d.uid).sort(),
    );
    const tmp = listed.devices.find((d) => d.uid === "Tmp")!;
    assert.deepEqual(
      [tmp.device, tmp.name, tmp.position, tmp.connectedUid, tmp.firmwareVersion],
      ["temperature_v2_bricklet", "Temperature Bricklet 2.0", "a", "HAT1", [2, 0, 0]],
    );
  });
});

Deno.test("malformed RPC methods get an error reply, and the agent keeps answering", async () => {
  await withConnectedAgent(async ({ server }) => {
    for (
      const method of ["nonsense", "a/b", "temperature_v2_bricklet//get_temperature", "x/y/z/w"]
    ) {
      const reply = await server.pushRpc(TB_DEVICE, method) as Record<string, unknown>;
      assert.equal(typeof reply.error, "string", `error reply for "${method}"`);
      assert.match(reply.error as string, /Unknown RPC method/);
      assert.ok((reply.error as string).includes(`"${method}"`), "the reply quotes the method");
    }
    const unknownDevice = await server.pushRpc(TB_DEVICE, "no_such_bricklet/Tmp/get_x");
    assert.match(JSON.stringify(unknownDevice), /no_such_bricklet/);
    const status = await server.pushRpc(TB_DEVICE, "getStatus") as { cloud: { state: string } };
    assert.equal(status.cloud.state, "connected");
  });
});

Deno.test("shared attributes change the sampling interval and the aliases at run time", async () => {
  await withConnectedAgent(async ({ server, agent, waitForTelemetry }) => {
    const cloud = agent.cloud!;
    assert.equal(agent.sampler!.intervalMs, 100);

    let applied = nextEvent(cloud, "settings");
    server.setSharedAttributes(TB_DEVICE, { tfedge_telemetry_interval: 0.25 });
    await applied;
    assert.equal(agent.sampler!.intervalMs, 250);
    assert.equal(agent.status().sampling.intervalMs, 250);

    applied = nextEvent(cloud, "settings");
    server.setSharedAttributes(TB_DEVICE, { tfedge_aliases: { Tmp: "greenhouse" } });
    await applied;
    const values = await waitForTelemetry((v) => "greenhouse_temperature" in v);
    assert.equal(typeof values.greenhouse_temperature, "number");
    // Batches go out in order: after the first renamed one, no old key arrives any more.
    const renamedAt = server.telemetry(TB_DEVICE).findIndex((e) =>
      "greenhouse_temperature" in e.values
    );
    await server.waitFor(
      "publish",
      () =>
        server.telemetry(TB_DEVICE).slice(renamedAt + 1).some((e) =>
          "greenhouse_temperature" in e.values
        ),
    );
    const after = server.telemetry(TB_DEVICE).slice(renamedAt);
    assert.ok(after.every((entry) => !("Tmp_temperature" in entry.values)));

    // Deleting the setting goes back to the configured interval.
    applied = nextEvent(cloud, "settings");
    server.deleteSharedAttributes(TB_DEVICE, ["tfedge_telemetry_interval"]);
    await applied;
    assert.equal(agent.sampler!.intervalMs, 100);

    // The setSettings RPC takes the same keys and says what it applied.
    const reply = await server.pushRpc(TB_DEVICE, "setSettings", { tfedge_telemetry_interval: 2 });
    assert.deepEqual(reply, { applied: { intervalMs: 2000 }, warnings: [] });
    assert.equal(agent.sampler!.intervalMs, 2000);
  });
});
