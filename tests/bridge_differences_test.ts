/**
 * The deliberate differences from tinkerforge_mqtt (spec §16, listed in
 * src/calls/differences.ts), end to end over MQTT: one row per difference
 * proving the new behaviour. Two have no row because no message can reach
 * them: no released device has a float argument (float too large for
 * float32), and an internal failure is a bug by definition; both are covered
 * by the call engine's unit tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { deviceByName, functionByName } from "../src/tfp/registry.ts";
import { encodeNamed } from "../src/tfp/payload.ts";
import { parseUid } from "../src/tfp/base58.ts";
import type { DeviceConfig } from "../src/sim/config.ts";
import { type AnswerRow, checkRow, checkRows } from "./support/answer_rows.ts";
import { startFixture } from "./support/bridge_fixture.ts";
import { type ScriptedReply, startScriptedServer, waitFor } from "./support/scripted_tfp_server.ts";
import type { Packet } from "../src/tfp/header.ts";

const P = "tinkerforge/";
const DOD = "rgb_led_button_bricklet/Dod";
const TMP_CONFIG = "request/temperature_v2_bricklet/Tmp/set_temperature_callback_configuration";
const RGB_NULL = `"red": null, "green": null, "blue": null`;

const DEVICES: readonly DeviceConfig[] = [
  {
    type: "rgb_led_button_bricklet",
    uid: "Dod",
    position: "a",
    connected_uid: "6Ka2Yq",
    values: { get_color: { red: 10, green: 20, blue: 30 } },
  },
  { type: "temperature_v2_bricklet", uid: "Tmp", position: "c", connected_uid: "6Ka2Yq" },
  { type: "led_strip_v2_bricklet", uid: "Led", position: "e", connected_uid: "6Ka2Yq" },
  { type: "rs232_v2_bricklet", uid: "Ser", position: "f", connected_uid: "6Ka2Yq" },
];

const err = (text: string) => `{"_ERROR": "${text}"}`;
const tmpConfig = (option: string) =>
  `{"period": 0, "value_has_to_change": false, "option": ${option}, "min": 0, "max": 0}`;
const tmpConfigErr = (detail: string) =>
  err(
    `Call set_temperature_callback_configuration of temperature_v2_bricklet Tmp: Argument option ${detail}`,
  );
const ALL_RGB_MISSING =
  "The arguments ['red', 'green', 'blue'] where missing for a call of set_color of device Dod of type rgb_led_button_bricklet.";

/** 61 LED values: the bad one is in the second chunk (58 per chunk). */
const LED_VALUES_BAD_SECOND_CHUNK = JSON.stringify([...Array(60).fill(7), 300]);

const ROWS: AnswerRow[] = [
  ...["5", "null", '"red"', "true"].map((payload): AnswerRow => ({
    name: `non-object payload ${payload} counts as all arguments missing`,
    topic: `request/${DOD}/set_color`,
    payload,
    expected: err(ALL_RGB_MISSING),
  })),
  {
    name: "char argument that is no string",
    topic: TMP_CONFIG,
    payload: tmpConfig("5"),
    expected: tmpConfigErr("was not of expected type char."),
  },
  {
    name: "char argument above U+00FF",
    topic: TMP_CONFIG,
    payload: tmpConfig('"\u20ac"'),
    expected: tmpConfigErr(
      "contains the character U+20AC, but only characters up to U+00FF are supported.",
    ),
  },
  {
    name: "empty char argument",
    topic: TMP_CONFIG,
    payload: tmpConfig('""'),
    expected: tmpConfigErr("was a string of length 0, but a single character was expected."),
  },
  {
    name: "char list item longer than one character",
    topic: "request/rs232_v2_bricklet/Ser/write",
    payload: '{"message": ["a", "bc"]}',
    expected:
      `{"message-written": null, "_ERROR": "Call write of rs232_v2_bricklet Ser: Argument message[1] was a string of length 2, but a single character was expected."}`,
  },
  {
    name: "int strings for the non-stream arguments of a stream function",
    topic: "request/led_strip_v2_bricklet/Led/get_led_values",
    payload: '{"index": "0x1", "length": "3"}',
    before: (f) =>
      f.watcher.publish(
        `${P}request/led_strip_v2_bricklet/Led/set_led_values`,
        '{"index": 0, "value": [1, 2, 3, 4]}',
      ),
    expected: `{"value": [2, 3, 4]}`,
  },
  {
    name: "UID '2' is an ordinary device UID (brickd answers UID 1 with 'not supported')",
    topic: "request/rgb_led_button_bricklet/2/get_color",
    payload: "",
    expected:
      `{${RGB_NULL}, "_ERROR": "Function 255 is not supported (call of get_color of rgb_led_button_bricklet 2)"}`,
  },
  {
    name: "out-of-range stream data is rejected before the first chunk is sent",
    topic: "request/led_strip_v2_bricklet/Led/set_led_values",
    payload: `{"index": 0, "value": ${LED_VALUES_BAD_SECOND_CHUNK}}`,
    before: (f) =>
      f.watcher.publish(
        `${P}request/led_strip_v2_bricklet/Led/set_led_values`,
        '{"index": 0, "value": [1, 2, 3]}',
      ),
    expected: err(
      "ubyte format requires 0 <= number <= 255 (call of set_led_values of led_strip_v2_bricklet Led)",
    ),
  },
  {
    name: "... and the LEDs still hold the old values",
    topic: "request/led_strip_v2_bricklet/Led/get_led_values",
    payload: '{"index": 0, "length": 3}',
    expected: `{"value": [1, 2, 3]}`,
  },
];

Deno.test("bridge differs from the reference where differences.ts says", async (t) => {
  const fixture = await startFixture({ devices: DEVICES, bridge: { ipconTimeoutMs: 2_000 } });
  try {
    await checkRows(t, fixture, P, ROWS);
  } finally {
    await fixture.close();
  }
});

Deno.test("bridge: calls to different UIDs do not wait for each other", async () => {
  const fixture = await startFixture({ devices: DEVICES, bridge: { ipconTimeoutMs: 1_000 } });
  try {
    const missing = fixture.watcher.next(`${P}response/rgb_led_button_bricklet/Mis/get_color/c`);
    const present = fixture.watcher.next(`${P}response/${DOD}/get_color/c`);
    await fixture.watcher.publish(`${P}request/rgb_led_button_bricklet/Mis/get_color/c`, "");
    await fixture.watcher.publish(`${P}request/${DOD}/get_color/c`, "");
    const first = await present;
    assert.match(first.payload, /^\{"red": \d+, "green": \d+, "blue": \d+\}$/);
    // The missing device's answer (its identity check times out after 1 s) comes later.
    const second = await missing;
    assert.match(second.payload, /function 255 in time/);
    assert.ok(first.index < second.index, "the present device's answer came second");
  } finally {
    await fixture.close();
  }
});

Deno.test("bridge: a connection lost during a call answers at once", async () => {
  // The timeout is far beyond the deadline below, so only the disconnect can answer.
  const fixture = await startFixture({ devices: DEVICES, bridge: { ipconTimeoutMs: 60_000 } });
  try {
    await fixture.watcher.request(`${P}request/${DOD}/get_color/warm`, "");
    const requests = fixture.brickd.stats.requests;
    fixture.brickd.setSilent(true);
    const answer = fixture.watcher.next(`${P}response/${DOD}/get_color/lost`, 5_000);
    await fixture.watcher.publish(`${P}request/${DOD}/get_color/lost`, "");
    await waitFor(() => fixture.brickd.stats.requests > requests, 5_000, "the request at brickd");
    await fixture.brickd.dropAllConnections();
    assert.equal(
      (await answer).payload,
      `{${RGB_NULL}, "_ERROR": "Not connected (call of get_color of rgb_led_button_bricklet Dod)"}`,
    );
    fixture.brickd.setSilent(false);
  } finally {
    await fixture.close();
  }
});

Deno.test("bridge: reset_callbacks keeps authentication working, and so do reconnects", async (t) => {
  const secret = "bridge-differences-secret";
  const fixture = await startFixture({
    devices: DEVICES,
    secret,
    bridge: { ipconAuthSecret: secret, ipconTimeoutMs: 1_000 },
  });
  try {
    const color: AnswerRow = {
      name: "get_color after reset_callbacks",
      topic: `request/${DOD}/get_color`,
      payload: "",
      before: (f) => f.watcher.publish(`${P}request/bindings/reset_callbacks`, ""),
      expected: `{"red": 10, "green": 20, "blue": 30}`,
    };
    await checkRows(t, fixture, P, [color]);
    const connections = fixture.brickd.stats.connections;
    await fixture.brickd.dropAllConnections();
    await waitFor(() => fixture.brickd.stats.connections > connections, 5_000, "the reconnect");
    await checkRows(t, fixture, P, [{
      ...color,
      name: "get_color after a reconnect (authenticated again)",
      before: undefined,
    }]);
  } finally {
    await fixture.close();
  }
});

/**
 * A scripted brickd for what the simulator never does: the n-th get_identity
 * answer reports `identifiers[n]` (the last one from then on), get_color
 * answers `colorPayload`.
 */
function scriptedBrickd(identifiers: readonly number[], colorPayload: Uint8Array) {
  const device = deviceByName("rgb_led_button_bricklet")!;
  const identity = functionByName(device, "get_identity")!;
  const getColor = functionByName(device, "get_color")!;
  let identities = 0;
  const identityPayload = (uid: number) =>
    encodeNamed(identity.out, {
      uid: uid === parseUid("Unk") ? "Unk" : "Sho",
      connected_uid: "6Ka2Yq",
      position: "a",
      hardware_version: [1, 0, 0],
      firmware_version: [2, 0, 0],
      device_identifier: identifiers[Math.min(identities++, identifiers.length - 1)],
    });
  return startScriptedServer((packet: Packet): ScriptedReply => {
    const { functionId, uid, responseExpected } = packet.header;
    if (!responseExpected || uid === 0) return "silence";
    if (functionId === identity.id) return { payload: identityPayload(uid) };
    if (functionId === getColor.id) return { payload: colorPayload };
    return { errorCode: 2 };
  });
}

const RGB_LED_BUTTON = deviceByName("rgb_led_button_bricklet")!.identifier;

// The identity check runs before get_identity too (as in the reference), so an
// unknown identifier only reaches the answer when another device took the UID
// after the check passed.
Deno.test("bridge: get_identity of an unknown device identifier answers", async () => {
  const server = scriptedBrickd([RGB_LED_BUTTON, 9999], new Uint8Array(3));
  const fixture = await startFixture({ startBridge: false });
  try {
    await fixture.start({ ipconPort: server.port, ipconTimeoutMs: 1_000 });
    await checkRow(fixture, P, {
      name: "get_identity",
      topic: "request/rgb_led_button_bricklet/Unk/get_identity",
      payload: "",
      expected:
        `{"uid": "Unk", "connected_uid": "6Ka2Yq", "position": "a", "hardware_version": [1, 0, 0], "firmware_version": [2, 0, 0], "device_identifier": 9999, "_display_name": "Unknown Device [9999]"}`,
    });
  } finally {
    await fixture.close();
    await server.close();
  }
});

Deno.test("bridge: a response of the wrong length answers with an error", async () => {
  const server = scriptedBrickd([RGB_LED_BUTTON], new Uint8Array([1, 2]));
  const fixture = await startFixture({ startBridge: false });
  try {
    await fixture.start({ ipconPort: server.port, ipconTimeoutMs: 1_000 });
    await checkRow(fixture, P, {
      name: "short get_color response",
      topic: "request/rgb_led_button_bricklet/Sho/get_color",
      payload: "",
      expected:
        `{${RGB_NULL}, "_ERROR": "Expected response of 3 bytes for function 2, got 2 (call of get_color of rgb_led_button_bricklet Sho)"}`,
    });
  } finally {
    await fixture.close();
    await server.close();
  }
});
