/**
 * The bridge's life cycle against real brokers and the simulated brickd:
 * `restart` on the first broker connection only, `shutdown` after the
 * `disconnected` callback on stop, the last will on an unclean end, and
 * recovery from broker and brickd restarts with registrations intact.
 */

import assert from "node:assert/strict";
import { BridgeExit, MqttBridge } from "../src/bridge/bridge.ts";
import { defaultBridgeOptions } from "../src/bridge/start.ts";
import { startEmbeddedBroker } from "../src/sim/embedded_broker.ts";
import { brokerKinds } from "./support/broker.ts";
import { CapturedLog, startFixture } from "./support/bridge_fixture.ts";
import { nextEvent } from "./support/deadline.ts";
import { MqttWatcher } from "./support/mqtt_watcher.ts";

const T = "tinkerforge";
const STATE = `${T}/request/ip_connection/get_connection_state`;

for (const kind of brokerKinds()) {
  Deno.test(`${kind}: restart once, no self-warning, shutdown after disconnected`, async () => {
    const f = await startFixture({ kind });
    try {
      assert.equal(await f.watcher.payloadOf(`${T}/callback/bindings/restart`), "null");
      await f.watcher.publish(`${T}/register/ip_connection/disconnected`, "true");
      await f.watcher.request(STATE, "");
      assert.deepEqual(f.log.grep("Another MQTT bindings instance"), []);
      await f.bridge!.stop();
      const disconnected = await f.watcher.next(`${T}/callback/ip_connection/disconnected`);
      const shutdown = await f.watcher.next(`${T}/callback/bindings/shutdown`);
      assert.equal(disconnected.payload, '{"disconnect_reason": "request"}');
      assert.equal(shutdown.payload, "null");
      assert.ok(disconnected.index < shutdown.index, "disconnected comes before shutdown");
      assert.equal(f.watcher.all(`${T}/callback/bindings/restart`).length, 1);
      assert.deepEqual(f.watcher.all(`${T}/callback/bindings/last_will`), []);
    } finally {
      await f.close();
    }
  });

  Deno.test(`${kind}: another instance's restart message logs the warning`, async () => {
    const f = await startFixture({ kind });
    try {
      await f.watcher.publish(`${T}/callback/bindings/restart`, "null");
      const line = await f.log.waitFor("Another MQTT bindings instance");
      assert.match(
        line,
        /<WARNING> MQTT bindings: Another MQTT bindings instance started on this broker with the same global prefix\. This is not recommended as both bindings instances will receive requests and send responses\.$/,
      );
    } finally {
      await f.close();
    }
  });

  Deno.test(`${kind}: broker restart: the bridge resubscribes, keeps registrations, no new restart`, async () => {
    // A slow first retry, so the new watcher is subscribed before the bridge comes back.
    const f = await startFixture({ kind, bridge: { brokerRetryMs: [800, 1000] } });
    let watcher: MqttWatcher | undefined;
    try {
      const cb = `${T}/callback/rgb_led_button_bricklet/Enx/button_state_changed`;
      await f.watcher.publish(
        `${T}/register/rgb_led_button_bricklet/Enx/button_state_changed`,
        "1",
      );
      // {"register": 1} is not valid as a bare payload: the error proves the order of handling.
      assert.match(await f.watcher.payloadOf(cb), /Expected bool/);
      await f.watcher.publish(
        `${T}/register/rgb_led_button_bricklet/Enx/button_state_changed`,
        "true",
      );
      // Traffic during the outage: a temperature callback every 20 ms.
      const temperature = `${T}/callback/temperature_v2_bricklet/Tmp/temperature`;
      await f.watcher.publish(`${T}/register/temperature_v2_bricklet/Tmp/temperature`, "true");
      await f.watcher.publish(
        `${T}/request/temperature_v2_bricklet/Tmp/set_temperature_callback_configuration`,
        '{"period": 20, "value_has_to_change": false, "option": "off", "min": 0, "max": 0}',
      );
      await f.watcher.next(temperature);
      const lost = nextEvent(f.bridge!.events, "brokerLost");
      const back = nextEvent(f.bridge!.events, "brokerReady", 10_000);
      await f.broker.restart();
      await lost;
      watcher = await MqttWatcher.connect(f.broker.url);
      const [first] = await back;
      assert.equal(first, false);
      assert.equal(await watcher.request(STATE, ""), '{"connection_state": "connected"}');
      f.brickd.fireCallback("Enx", "button_state_changed", { state: 1 });
      assert.equal(await watcher.payloadOf(cb), '{"state": "released"}');
      assert.deepEqual(watcher.all(`${T}/callback/bindings/restart`), []);
      await watcher.next(temperature);
      // What came in while the broker was away was dropped, counted and reported.
      assert.ok(f.bridge!.counters.publish.droppedDisconnected > 0);
      assert.match(
        await f.log.waitFor("Dropped MQTT messages"),
        /<WARNING> MQTT bindings: Dropped MQTT messages: \d+ because the MQTT broker was not connected/,
      );
    } finally {
      await watcher?.close();
      await f.close();
    }
  });

  Deno.test(`${kind}: brickd restart during callbacks: auto-reconnect, callbacks resume`, async () => {
    const f = await startFixture({ kind });
    try {
      await f.watcher.publish(`${T}/register/ip_connection/connected`, "true");
      await f.watcher.publish(`${T}/register/ip_connection/disconnected`, "true");
      await f.watcher.publish(`${T}/register/temperature_v2_bricklet/Tmp/temperature/x`, "true");
      await f.watcher.publish(
        `${T}/request/temperature_v2_bricklet/Tmp/set_temperature_callback_configuration`,
        '{"period": 20, "value_has_to_change": false, "option": "off", "min": 0, "max": 0}',
      );
      const topic = `${T}/callback/temperature_v2_bricklet/Tmp/temperature/x`;
      assert.match(await f.watcher.payloadOf(topic), /^\{"temperature": -?\d+\}$/);
      await f.brickd.stop();
      assert.equal(
        await f.watcher.payloadOf(`${T}/callback/ip_connection/disconnected`),
        '{"disconnect_reason": "shutdown"}',
      );
      assert.equal(await f.watcher.request(STATE, ""), '{"connection_state": "pending"}');
      await f.brickd.start();
      const connected = await f.watcher.next(`${T}/callback/ip_connection/connected`);
      assert.equal(connected.payload, '{"connect_reason": "auto-reconnect"}');
      // The simulator forgets the configuration on restart, like a re-plugged device: set it again.
      await f.watcher.publish(
        `${T}/request/temperature_v2_bricklet/Tmp/set_temperature_callback_configuration`,
        '{"period": 20, "value_has_to_change": false, "option": "off", "min": 0, "max": 0}',
      );
      const after = await f.watcher.next((m) => m.topic === topic && m.index > connected.index);
      assert.match(after.payload, /^\{"temperature": -?\d+\}$/);
    } finally {
      await f.close();
    }
  });

  Deno.test(`${kind}: a fatal exit (authentication) leaves the last will`, async () => {
    const f = await startFixture({ kind, secret: "right secret", startBridge: false });
    try {
      await assert.rejects(
        () => f.start({ ipconAuthSecret: "wrong secret" }),
        (error) => error instanceof BridgeExit && error.exitCode === 26,
      );
      assert.equal(await f.watcher.payloadOf(`${T}/callback/bindings/last_will`), "null");
      assert.equal(f.log.grep("<CRITICAL> MQTT bindings: Could not authenticate.").length, 1);
      assert.ok(!f.log.lines.some((line) => line.includes("wrong secret")), "no secret in the log");
    } finally {
      await f.close();
    }
  });

  Deno.test(`${kind}: with the right secret the bridge authenticates, also after reconnects`, async () => {
    const f = await startFixture({
      kind,
      secret: "right secret",
      bridge: { ipconAuthSecret: "right secret" },
    });
    try {
      assert.equal(
        await f.watcher.request(`${T}/request/temperature_v2_bricklet/Tmp/get_identity`, ""),
        '{"uid": "Tmp", "connected_uid": "6Ka2Yq", "position": "d", "hardware_version": [1, 0, 0], ' +
          '"firmware_version": [2, 0, 0], "device_identifier": "temperature_v2_bricklet", ' +
          '"_display_name": "Temperature Bricklet 2.0"}',
      );
      await f.watcher.publish(`${T}/register/ip_connection/connected`, "true");
      await f.watcher.request(STATE, "");
      await f.brickd.dropAllConnections();
      await f.watcher.next(`${T}/callback/ip_connection/connected`);
      // Callbacks reach only authenticated clients, so this proves re-authentication.
      await f.watcher.publish(
        `${T}/register/rgb_led_button_bricklet/Enx/button_state_changed`,
        "true",
      );
      await f.watcher.request(STATE, "");
      f.brickd.fireCallback("Enx", "button_state_changed", { state: 0 });
      assert.equal(
        await f.watcher.payloadOf(`${T}/callback/rgb_led_button_bricklet/Enx/button_state_changed`),
        '{"state": "pressed"}',
      );
    } finally {
      await f.close();
    }
  });
}

Deno.test("a refused CONNACK is logged at ERROR with the reason and retried", async () => {
  const broker = await startEmbeddedBroker({
    authenticate: (username, password) => username === "tf" && password === "pw",
  });
  const log = new CapturedLog();
  const options = {
    ...defaultBridgeOptions(),
    brokerHost: "127.0.0.1",
    brokerPort: broker.port,
    ipconHost: "127.0.0.1",
    ipconPort: 1, // never reached
    brokerRetryMs: [20, 40] as const,
  };
  const refused = new MqttBridge({
    ...options,
    brokerUsername: "tf",
    brokerPassword: "pw-wrong-123",
  }, {
    logger: log.logger(),
  });
  try {
    const starting = refused.start();
    const line = await log.waitFor("refused the connection");
    assert.match(
      line,
      /<ERROR> MQTT bindings: MQTT broker refused the connection: Connection refused: Bad username or password \(return code 4\)\. Will retry\.$/,
    );
    // It keeps trying: a second refusal is logged too.
    await log.waitForCount("refused the connection", 2);
    assert.ok(!log.lines.some((l) => l.includes("pw-wrong-123")), "no password in the log");
    await refused.stop();
    await starting;
  } finally {
    await refused.stop();
    await broker.close();
  }
});
