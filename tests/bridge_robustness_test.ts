/**
 * What kills the reference's callback thread must not silence the bridge: an
 * enumerate of a device identifier unknown to this version, and a callback
 * packet too short for its callback. A scripted TFP peer plays brickd so the
 * test can send exactly those packets.
 */

import assert from "node:assert/strict";
import { MqttBridge } from "../src/bridge/bridge.ts";
import { defaultBridgeOptions } from "../src/bridge/start.ts";
import { buildPacket } from "../src/tfp/header.ts";
import { parseUid } from "../src/tfp/base58.ts";
import { CALLBACK_ENUMERATE, ENUMERATE_ELEMENTS, IDENTITY_ELEMENTS } from "../src/tfp/identity.ts";
import { encodePayload } from "../src/tfp/payload.ts";
import { deviceByName } from "../src/tfp/registry.ts";
import { startTestBroker } from "./support/broker.ts";
import { CapturedLog } from "./support/bridge_fixture.ts";
import { MqttWatcher } from "./support/mqtt_watcher.ts";
import { startScriptedServer } from "./support/scripted_tfp_server.ts";

const T = "tinkerforge";
const BUTTON = deviceByName("rgb_led_button_bricklet")!;
const ENX = parseUid("Enx");

function enumeratePacket(uid: string, identifier: number, type: number): Uint8Array {
  const values = [uid, "6Ka2Yq", "a", [1, 0, 0], [2, 0, 3], identifier, type];
  return buildPacket(
    parseUid(uid),
    CALLBACK_ENUMERATE,
    0,
    true,
    encodePayload(ENUMERATE_ELEMENTS, values),
  );
}

Deno.test("unknown enumerate identifiers and short callbacks do not stop later callbacks", async () => {
  const brickd = startScriptedServer((request) => {
    if (request.header.functionId === 255 && request.header.uid === ENX) {
      const identity = ["Enx", "6Ka2Yq", "a", [1, 0, 0], [2, 0, 3], BUTTON.identifier];
      return { payload: encodePayload(IDENTITY_ELEMENTS, identity) };
    }
    return "silence";
  });
  const broker = await startTestBroker();
  const watcher = await MqttWatcher.connect(broker.url);
  const log = new CapturedLog();
  const bridge = new MqttBridge({
    ...defaultBridgeOptions(),
    brokerHost: "127.0.0.1",
    brokerPort: broker.port,
    ipconHost: "127.0.0.1",
    ipconPort: brickd.port,
  }, { logger: log.logger() });
  try {
    await bridge.start();
    await watcher.publish(`${T}/register/ip_connection/enumerate`, "true");
    await watcher.publish(`${T}/register/rgb_led_button_bricklet/Enx/button_state_changed`, "true");
    await watcher.request(`${T}/request/ip_connection/get_connection_state`, "");

    await brickd.broadcast(enumeratePacket("Unk", 9999, 0));
    assert.equal(
      await watcher.payloadOf(`${T}/callback/ip_connection/enumerate`),
      '{"uid": "Unk", "connected_uid": "6Ka2Yq", "position": "a", "hardware_version": [1, 0, 0], ' +
        '"firmware_version": [2, 0, 3], "device_identifier": 9999, "enumeration_type": "available", ' +
        '"_display_name": "Unknown Device [9999]"}',
    );
    // A callback packet without its one byte of state.
    await brickd.broadcast(buildPacket(ENX, 4, 0, true, new Uint8Array(0)));
    await brickd.broadcast(buildPacket(ENX, 4, 0, true, new Uint8Array([1])));
    assert.equal(
      await watcher.payloadOf(`${T}/callback/rgb_led_button_bricklet/Enx/button_state_changed`),
      '{"state": "released"}',
    );
    assert.equal(bridge.counters.callbacks.failed, 1);
    assert.equal(log.grep("Could not deliver callback 4 of rgb_led_button_bricklet Enx").length, 1);
    // And enumerate still works after all that.
    await brickd.broadcast(enumeratePacket("Enx", BUTTON.identifier, 1));
    assert.match(
      await watcher.payloadOf(`${T}/callback/ip_connection/enumerate`),
      /"device_identifier": "rgb_led_button_bricklet", "enumeration_type": "connected", "_display_name": "RGB LED Button Bricklet"\}$/,
    );
  } finally {
    await bridge.stop();
    await watcher.close();
    await broker.stop();
    await brickd.close();
  }
});

Deno.test("numeric mode: enumerate and connection callbacks use numbers", async () => {
  const brickd = startScriptedServer(() => "silence");
  const broker = await startTestBroker();
  const watcher = await MqttWatcher.connect(broker.url);
  const bridge = new MqttBridge({
    ...defaultBridgeOptions(),
    brokerHost: "127.0.0.1",
    brokerPort: broker.port,
    ipconHost: "127.0.0.1",
    ipconPort: brickd.port,
    symbolicResponse: false,
  }, { logger: new CapturedLog().logger() });
  try {
    await bridge.start();
    await watcher.publish(`${T}/register/ip_connection/enumerate`, "true");
    await watcher.publish(`${T}/register/ip_connection/disconnected`, "true");
    // get_connection_state stays symbolic, as in the reference.
    assert.equal(
      await watcher.request(`${T}/request/ip_connection/get_connection_state`, ""),
      '{"connection_state": "connected"}',
    );
    await brickd.broadcast(enumeratePacket("Enx", BUTTON.identifier, 0));
    assert.match(
      await watcher.payloadOf(`${T}/callback/ip_connection/enumerate`),
      /"device_identifier": 282, "enumeration_type": 0, "_display_name": "RGB LED Button Bricklet"\}$/,
    );
    // A disconnected entry has no _display_name in numeric mode.
    const gone = buildPacket(
      ENX,
      CALLBACK_ENUMERATE,
      0,
      true,
      encodePayload(ENUMERATE_ELEMENTS, ["Enx", "", "\0", [0, 0, 0], [0, 0, 0], 0, 2]),
    );
    await brickd.broadcast(gone);
    assert.equal(
      await watcher.payloadOf(`${T}/callback/ip_connection/enumerate`),
      '{"uid": "Enx", "connected_uid": "", "position": "\\u0000", "hardware_version": [0, 0, 0], ' +
        '"firmware_version": [0, 0, 0], "device_identifier": 0, "enumeration_type": 2}',
    );
    brickd.dropConnections();
    assert.equal(
      await watcher.payloadOf(`${T}/callback/ip_connection/disconnected`),
      '{"disconnect_reason": 2}',
    );
  } finally {
    await bridge.stop();
    await watcher.close();
    await broker.stop();
    await brickd.close();
  }
});
