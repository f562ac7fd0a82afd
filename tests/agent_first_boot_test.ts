/**
 * End-to-end: the agent's first boot on an empty state directory (provisioning, SI telemetry,
 * identity attributes, local events), the second boot with the stored credentials, and a
 * device that leaves and comes back.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CREDENTIALS_FILE } from "../src/thingsboard/credentials_store.ts";
import type { ConnectEvent } from "../src/sim/thingsboard/mod.ts";
import { type AgentFixture, startAgentFixture, TB_DEVICE } from "./support/agent_fixture.ts";
import { brokerKinds } from "./support/broker.ts";
import type { Message } from "./support/mqtt_watcher.ts";

/** Raw get_temperature value of the Temperature Bricklet 2.0: 1/100 °C. */
const RAW_TEMPERATURE = 2345;

/** Checks the OctoPrint-style envelope of an event payload. */
function assertEnvelope(payload: Record<string, unknown>, event: string): void {
  assert.equal(payload._event, event);
  assert.ok(Number.isInteger(payload._timestamp), `integer _timestamp in ${event}`);
  const now = Date.now() / 1000;
  assert.ok(Math.abs((payload._timestamp as number) - now) < 60, `recent _timestamp in ${event}`);
}

/** Records every ThingsBoard connect (device and provisioning sessions) from now on. */
function recordConnects(fixture: AgentFixture): ConnectEvent[] {
  const connects: ConnectEvent[] = [];
  fixture.server.on("connect", (event) => connects.push(event));
  return connects;
}

for (const kind of brokerKinds()) {
  Deno.test(`first boot provisions once, sends SI telemetry and identity, tells the local broker (${kind})`, async () => {
    const fixture = await startAgentFixture({
      tb: "provision",
      brokerKind: kind,
      startAgent: false,
    });
    try {
      const connects = recordConnects(fixture);
      fixture.brickd.setValues("Tmp", "get_temperature", { temperature: RAW_TEMPERATURE });
      assert.equal(fixture.server.devices().length, 0, "no device before the first boot");
      await fixture.startAgent();

      // Local events, each with its fields and the envelope.
      const startup = await fixture.nextEvent("Startup");
      assertEnvelope(startup, "Startup");
      assert.equal(typeof startup.version, "string");
      const brickd = await fixture.nextEvent("BrickdConnected");
      assertEnvelope(brickd, "BrickdConnected");
      assert.deepEqual([brickd.host, brickd.port], ["127.0.0.1", fixture.brickd.port]);
      const tmp = await fixture.watcher.next((m) =>
        m.topic === "tfedge/event/DeviceConnected" && JSON.parse(m.payload).uid === "Tmp"
      );
      const device = JSON.parse(tmp.payload);
      assertEnvelope(device, "DeviceConnected");
      assert.deepEqual(
        [device.device, device.name, device.position, device.connectedUid],
        ["temperature_v2_bricklet", "Temperature Bricklet 2.0", "a", "HAT1"],
      );
      const provisioned = await fixture.nextEvent("Provisioned");
      assertEnvelope(provisioned, "Provisioned");
      assert.equal(provisioned.deviceName, TB_DEVICE);
      const cloud = await fixture.nextEvent("CloudConnected");
      assertEnvelope(cloud, "CloudConnected");
      assert.equal(cloud.host, "127.0.0.1");

      // The server provisioned exactly one device, and the agent logged in with its token.
      const devices = fixture.server.devices();
      assert.deepEqual(devices.map((d) => [d.name, d.provisioned, d.connected]), [
        [TB_DEVICE, true, true],
      ]);
      assert.equal(connects.filter((c) => c.provisioning).length, 1, "one provisioning session");
      assert.equal(connects.filter((c) => c.device === TB_DEVICE).length, 1);

      // The issued credentials are stored, readable by the agent's user only.
      const stat = await Deno.stat(`${fixture.stateDir}/${CREDENTIALS_FILE}`);
      assert.ok(stat.isFile);
      assert.equal(stat.mode! & 0o777, 0o600);

      // Telemetry in SI units under `<uid>_<key>`: 2345 (1/100 °C) is 23.45 °C.
      const values = await fixture.waitForTelemetry((v) => "Tmp_temperature" in v);
      assert.equal(values.Tmp_temperature, RAW_TEMPERATURE / 100);
      await fixture.waitForTelemetry((v) => typeof v.Hum_humidity === "number");

      const attributes = await fixture.waitForAttributes((a) => "Tmp_uid" in a);
      assert.equal(attributes.Tmp_uid, "Tmp");
      assert.equal(attributes.Tmp_firmware_version, "2.0.0");
      assert.equal(attributes.Tmp_temperature_unit, "°C");
      assert.equal(attributes.Tmp_connected, true);
      assert.equal(attributes.HAT1_firmware_version, "2.0.3");
    } finally {
      await fixture.close();
    }
  });
}

Deno.test("second boot uses the stored credentials and does not provision again", async () => {
  const fixture = await startAgentFixture({ tb: "provision" });
  try {
    await fixture.nextEvent("CloudConnected");
    const stored = await Deno.readTextFile(`${fixture.stateDir}/${CREDENTIALS_FILE}`);
    const connects = recordConnects(fixture);
    await fixture.stopAgent();
    const shutdown = await fixture.nextEvent("Shutdown");
    assertEnvelope(shutdown, "Shutdown");

    const before = fixture.server.telemetry(TB_DEVICE).length;
    await fixture.startAgent();
    await fixture.nextEvent("Startup");
    await fixture.nextEvent("CloudConnected");
    assert.deepEqual(
      connects.map((c) => [c.device, c.provisioning]),
      [[TB_DEVICE, false]],
      "a normal connect with the stored token, no provisioning session",
    );
    assert.equal(fixture.watcher.all("tfedge/event/Provisioned").length, 1);
    assert.equal(fixture.log.grep("provisioned as device").length, 1);
    assert.equal(fixture.server.devices().length, 1);
    assert.equal(await Deno.readTextFile(`${fixture.stateDir}/${CREDENTIALS_FILE}`), stored);
    // ...and the second run reports to the same device.
    await fixture.server.waitFor(
      "publish",
      () => fixture.server.telemetry(TB_DEVICE).length > before,
    );
  } finally {
    await fixture.close();
  }
});

Deno.test("a departed device is marked disconnected and announced; its return too", async () => {
  const fixture = await startAgentFixture();
  try {
    const tmpConnected = (m: Message) =>
      m.topic === "tfedge/event/DeviceConnected" && JSON.parse(m.payload).uid === "Tmp";
    await fixture.watcher.next(tmpConnected);
    await fixture.waitForAttributes((a) => a.Tmp_connected === true);
    const identity = fixture.brickd.device("Tmp")!.identity;
    fixture.brickd.detachDevice("Tmp");

    const departed = await fixture.nextEvent("DeviceDisconnected");
    assertEnvelope(departed, "DeviceDisconnected");
    assert.equal(departed.uid, "Tmp");
    await fixture.waitForAttributes((a) => a.Tmp_connected === false);
    assert.equal(fixture.agent.inventory.get("Tmp"), undefined);
    assert.equal(fixture.agent.status().brickd.devices, 8);

    // Plugged in again: announced, marked connected, sampled again.
    fixture.brickd.attachDevice({
      type: "temperature_v2_bricklet",
      uid: "Tmp",
      position: identity.position,
      connected_uid: identity.connectedUid,
      firmware_version: [2, 0, 1],
      values: { get_temperature: { temperature: -512 } },
    });
    const arrived = JSON.parse((await fixture.watcher.next(tmpConnected)).payload);
    assertEnvelope(arrived, "DeviceConnected");
    const back = await fixture.waitForAttributes((a) => a.Tmp_connected === true);
    assert.equal(back.Tmp_firmware_version, "2.0.1");
    await fixture.waitForTelemetry((v) => v.Tmp_temperature === -5.12);
  } finally {
    await fixture.close();
  }
});
