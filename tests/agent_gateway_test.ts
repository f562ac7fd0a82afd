/**
 * End-to-end: the agent as a ThingsBoard gateway (`--tb-gateway`): every Brick/Bricklet is a
 * ThingsBoard device of its own with plain keys, RPC reaches it by its device name, and an
 * alias names the device.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { AgentStatus } from "../src/agent/status.ts";
import { DEFAULT_DEVICES } from "../src/sim/default_devices.ts";
import { type AgentFixture, startAgentFixture, TB_DEVICE } from "./support/agent_fixture.ts";

const TMP_DEVICE = "Temperature Bricklet 2.0 Tmp";

/** A gateway fixture; Tmp reads 23.45 °C from the start. */
async function withGateway(
  flags: string[],
  body: (fixture: AgentFixture) => Promise<void>,
): Promise<void> {
  const fixture = await startAgentFixture({ tb: "gateway", flags, startAgent: false });
  try {
    fixture.brickd.setValues("Tmp", "get_temperature", { temperature: 2345 });
    await fixture.startAgent();
    await fixture.nextEvent("CloudConnected");
    await body(fixture);
  } finally {
    await fixture.close();
  }
}

Deno.test("gateway mode: each Bricklet is a device with plain keys and identity attributes", async () => {
  await withGateway([], async (fixture) => {
    const { server } = fixture;
    const values = await fixture.waitForTelemetry((v) => "temperature" in v, TMP_DEVICE);
    assert.equal(values.temperature, 23.45);
    assert.ok(!Object.keys(values).some((key) => key.startsWith("Tmp_")), "keys are plain");
    const attributes = await fixture.waitForAttributes((a) => a.uid === "Tmp", TMP_DEVICE);
    assert.equal(attributes.firmware_version, "2.0.0");
    assert.equal(attributes.temperature_unit, "°C");
    assert.equal(attributes.connected, true);

    const tmp = server.devices().find((d) => d.name === TMP_DEVICE)!;
    assert.deepEqual(
      [tmp.type, tmp.parentGateway, tmp.connected],
      ["temperature_v2_bricklet", TB_DEVICE, true],
    );
    await fixture.waitForTelemetry(
      (v) => typeof v.humidity === "number",
      "Humidity Bricklet 2.0 Hum",
    );
    // Every enumerated device got its own ThingsBoard device behind the gateway.
    await server.waitFor(
      "publish",
      () =>
        server.devices().filter((d) => d.parentGateway === TB_DEVICE).length ===
          DEFAULT_DEVICES.length,
    );
    const children = server.devices().filter((d) => d.parentGateway === TB_DEVICE);
    assert.deepEqual(
      children.map((d) => d.name.split(" ").at(-1)).sort(),
      DEFAULT_DEVICES.map((d) => d.uid).sort(),
    );
    // The gateway device itself carries no Bricklet keys, only the agent's own.
    const own = server.telemetry(TB_DEVICE).flatMap((entry) => Object.keys(entry.values));
    assert.ok(own.every((key) => key.startsWith("tfedge_")), own.join(", "));
  });
});

Deno.test("gateway mode: RPC to a sub-device calls its function; the gateway answers getStatus", async () => {
  await withGateway([], async ({ server, brickd, waitForAttributes }) => {
    await waitForAttributes((a) => a.uid === "Tmp", TMP_DEVICE);
    assert.deepEqual(await server.pushRpc(TMP_DEVICE, "get_temperature"), { temperature: 2345 });
    assert.deepEqual(
      await server.pushRpc(TMP_DEVICE, "temperature_v2_bricklet/Tmp/get_temperature"),
      { temperature: 2345 },
    );
    const wrongUid = await server.pushRpc(
      TMP_DEVICE,
      "temperature_v2_bricklet/Hum/get_temperature",
    ) as { error?: string };
    assert.match(wrongUid.error ?? "", /names uid "Hum", but was sent to "Tmp"/);
    const unknown = await server.pushRpc(TMP_DEVICE, "get_nothing") as { _ERROR?: string };
    assert.match(unknown._ERROR ?? "", /Unknown function get_nothing/);

    const button = "RGB LED Button Bricklet Btn";
    await waitForAttributes((a) => a.uid === "Btn", button);
    assert.deepEqual(await server.pushRpc(button, "set_color", { red: 9, green: 8, blue: 7 }), {});
    assert.deepEqual(await server.pushRpc(button, "get_color"), { red: 9, green: 8, blue: 7 });
    assert.equal(brickd.stats.clients, 2, "the bridge's and the agent's connection");

    const status = await server.pushRpc(TB_DEVICE, "getStatus") as AgentStatus;
    assert.deepEqual(status.cloud, { state: "connected", host: "127.0.0.1", mode: "gateway" });
  });
});

Deno.test("gateway mode: --alias names the device; a departed device is marked", async () => {
  await withGateway(["--alias", "Tmp=greenhouse"], async (fixture) => {
    const { server } = fixture;
    const values = await fixture.waitForTelemetry((v) => "temperature" in v, "greenhouse");
    assert.equal(values.temperature, 23.45);
    await fixture.waitForAttributes((a) => a.uid === "Tmp", "greenhouse");
    assert.ok(!server.devices().some((d) => d.name === TMP_DEVICE), "no device under the uid");
    assert.deepEqual(await server.pushRpc("greenhouse", "get_temperature"), {
      temperature: 2345,
    });

    fixture.brickd.detachDevice("Tmp");
    assert.equal((await fixture.nextEvent("DeviceDisconnected")).uid, "Tmp");
    await fixture.waitForAttributes((a) => a.connected === false, "greenhouse");
    await server.waitFor(
      "publish",
      () => server.devices().find((d) => d.name === "greenhouse")?.connected === false,
    );
  });
});
