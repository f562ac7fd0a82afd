/**
 * Message handling end to end (spec §2-§8): registration rules and errors,
 * `ip_connection` and `bindings` topics, payload decoding, prefixes, stream
 * callbacks, the lazy identity check for callbacks, and concurrency of
 * requests. One broker kind (mosquitto when installed); the broker-specific
 * paths are covered by the docs and lifecycle tests.
 */

import assert from "node:assert/strict";
import { startFixture } from "./support/bridge_fixture.ts";

const T = "tinkerforge";
const STATE = `${T}/request/ip_connection/get_connection_state`;
const DEVICES = [
  { type: "rgb_led_button_bricklet", uid: "Enx", position: "a" },
  { type: "temperature_v2_bricklet", uid: "Tmp", position: "b" },
  { type: "rs232_v2_bricklet", uid: "Rs2", position: "c" },
];

/** [topic, payload, answer topic, answer payload] */
type Case = [string, string, string, string];

const BUTTON = "rgb_led_button_bricklet";
const CLASS = "<class '__main__.RGBLEDButtonBricklet'>";

const ERROR_CASES: Case[] = [
  [
    `${T}/register/no_such_bricklet/Enx/x`,
    "true",
    `${T}/callback/no_such_bricklet/Enx/x`,
    '{"_ERROR": "Unknown device type no_such_bricklet"}',
  ],
  [
    `${T}/register/${BUTTON}/Enx/nope`,
    "true",
    `${T}/callback/${BUTTON}/Enx/nope`,
    `{"_ERROR": "Unknown callback nope for device Enx of type ${BUTTON}"}`,
  ],
  [
    `${T}/register/${BUTTON}/Enx/button_state_changed/a`,
    "",
    `${T}/callback/${BUTTON}/Enx/button_state_changed/a`,
    `{"_ERROR": "Could not parse payload for button_state_changed callback registration of ${CLASS} ${BUTTON} as JSON encoding a boolean: Expecting value: line 1 column 1 (char 0)"}`,
  ],
  [
    `${T}/register/${BUTTON}/Enx/button_state_changed/b`,
    '{"foo": true}',
    `${T}/callback/${BUTTON}/Enx/button_state_changed/b`,
    '{"_ERROR": "Expected bool as parameter of callback registration, but got {\\"foo\\": true}"}',
  ],
  [
    `${T}/register/${BUTTON}/En0/button_state_changed`,
    "true",
    `${T}/callback/${BUTTON}/En0/button_state_changed`,
    '{"_ERROR": "Could not parse UID \\"En0\\": UID \\"En0\\" contains invalid character (-13)"}',
  ],
  [
    `${T}/register/${BUTTON}/En0/button_state_changed/off`,
    "false",
    `${T}/callback/${BUTTON}/En0/button_state_changed/off`,
    '{"_ERROR": "Could not parse UID \\"En0\\": UID \\"En0\\" contains invalid character (-13)"}',
  ],
  [
    `${T}/register/ip_connection/connected`,
    '{"register": 1}',
    `${T}/callback/ip_connection/connected`,
    '{"_ERROR": "Expected bool as parameter of callback registration, but got {\\"register\\": 1}"}',
  ],
  [
    `${T}/register/ip_connection/enumerate/s`,
    "{oops",
    `${T}/callback/ip_connection/enumerate/s`,
    '{"_ERROR": "Could not parse payload for enumerate callback registration as JSON encoding a boolean: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"}',
  ],
  [
    `${T}/register/ip_connection/nope`,
    "true",
    `${T}/callback/ip_connection/nope`,
    '{"_ERROR": "Unknown ip connection callback nope"}',
  ],
  [
    `${T}/request/ip_connection/`,
    "",
    `${T}/response/ip_connection/`,
    '{"_ERROR": "Unknown ip connection function "}',
  ],
  [
    `${T}/request/ip_connection/get_connection_state/a/b`,
    "",
    `${T}/response/ip_connection/get_connection_state/a/b`,
    '{"connection_state": "connected"}',
  ],
  [
    `${T}/request/bindings/restart`,
    "",
    `${T}/response/bindings/restart`,
    '{"_ERROR": "Unknown bindings function restart"}',
  ],
  [
    `${T}/register/bindings/anything`,
    "true",
    `${T}/callback/bindings/anything`,
    '{"_ERROR": "Unknown bindings request register"}',
  ],
  [
    `${T}/request/${BUTTON}/Dod/`,
    "",
    `${T}/response/${BUTTON}/Dod/`,
    `{"_ERROR": "Unknown function  for device Dod of type ${BUTTON}"}`,
  ],
];

Deno.test("registration, ip_connection and bindings errors are answered byte for byte", async () => {
  const f = await startFixture({ devices: DEVICES });
  try {
    for (const [topic, payload, answerTopic, answer] of ERROR_CASES) {
      assert.equal(await f.watcher.request(topic, payload, answerTopic), answer, topic);
    }
    // Every _ERROR is logged too.
    assert.equal(
      f.log.grep("<ERROR> MQTT bindings: Unknown ip connection callback nope").length,
      1,
    );
    // Malformed topics are only logged.
    await f.watcher.publish(`${T}/request/ip_connection`, "");
    await f.watcher.publish(`${T}/request/${BUTTON}/Dod`, "");
    await f.watcher.request(STATE, "");
    assert.equal(f.log.grep("malformed topic").length, 2);
    assert.deepEqual(
      f.watcher.all(/^tinkerforge\/response\/(ip_connection|rgb_led_button_bricklet\/Dod)$/),
      [],
    );
  } finally {
    await f.close();
  }
});

Deno.test("an undecodable payload is answered with CPython's UnicodeDecodeError text", async () => {
  const f = await startFixture({ devices: DEVICES, bridge: { showPayload: true } });
  try {
    const answer = await f.watcher.request(
      `${T}/request/${BUTTON}/Enx/get_color`,
      new Uint8Array([0xff, 0x41]) as unknown as string,
    );
    assert.equal(
      answer,
      `{"_ERROR": "Could not decode payload as utf-8: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte Payload was: b'\\\\xffA'"}`,
    );
  } finally {
    await f.close();
  }
});

Deno.test("device registrations use truthiness, ip_connection ones need a real bool", async () => {
  const f = await startFixture({ devices: DEVICES });
  try {
    const reg = `${T}/register/${BUTTON}/Enx/button_state_changed`;
    await f.watcher.publish(`${reg}/yes`, '{"register": "yes"}');
    await f.watcher.publish(`${reg}/zero`, '{"register": 1}');
    await f.watcher.publish(`${reg}/zero`, '{"register": 0}'); // deregisters again
    await f.watcher.publish(`${reg}/twice`, "true");
    await f.watcher.publish(`${reg}/twice`, "true"); // a set: still one delivery
    await f.watcher.publish(`${T}/register/ip_connection/enumerate`, '{"register": true}');
    await f.watcher.request(STATE, "");
    f.brickd.fireCallback("Enx", "button_state_changed", { state: 0 });
    const cb = `${T}/callback/${BUTTON}/Enx/button_state_changed`;
    assert.equal(await f.watcher.payloadOf(`${cb}/yes`), '{"state": "pressed"}');
    assert.equal(await f.watcher.payloadOf(`${cb}/twice`), '{"state": "pressed"}');
    // A later event is the barrier for the absent ones.
    await f.watcher.publish(`${T}/request/ip_connection/enumerate`, "");
    await f.watcher.next(`${T}/callback/ip_connection/enumerate`);
    assert.deepEqual(f.watcher.all(`${cb}/zero`), []);
    assert.equal(f.watcher.all(`${cb}/twice`).length, 1);
  } finally {
    await f.close();
  }
});

Deno.test("callbacks of a UID that belongs to another device type are dropped", async () => {
  const f = await startFixture({ devices: DEVICES });
  try {
    // Both callbacks have id 4: the temperature packet must not come out as a button state.
    await f.watcher.publish(`${T}/register/${BUTTON}/Tmp/button_state_changed`, "true");
    await f.watcher.request(STATE, "");
    f.brickd.fireCallback("Tmp", "temperature", { temperature: 2345 });
    f.brickd.fireCallback("Tmp", "temperature", { temperature: 2346 });
    // Registering the right type displaces the object (INFO) and delivers.
    await f.watcher.publish(`${T}/register/temperature_v2_bricklet/Tmp/temperature`, "true");
    await f.watcher.request(STATE, "");
    f.brickd.fireCallback("Tmp", "temperature", { temperature: 2347 });
    assert.equal(
      await f.watcher.payloadOf(`${T}/callback/temperature_v2_bricklet/Tmp/temperature`),
      '{"temperature": 2347}',
    );
    assert.deepEqual(f.watcher.all(`${T}/callback/${BUTTON}/Tmp/button_state_changed`), []);
    assert.equal(f.bridge!.counters.callbacks.droppedIdentity, 2);
    assert.equal(
      f.log.grep(
        "<INFO> MQTT bindings: Device Tmp is already known as rgb_led_button_bricklet, but will be displaced by the new requested temperature_v2_bricklet",
      ).length,
      1,
    );
  } finally {
    await f.close();
  }
});

Deno.test("high-level callbacks are reassembled; deregistering one breaks nothing", async () => {
  const f = await startFixture({ devices: DEVICES });
  try {
    const read = `${T}/callback/rs232_v2_bricklet/Rs2/read`;
    await f.watcher.publish(`${T}/register/rs232_v2_bricklet/Rs2/read`, "true");
    await f.watcher.publish(`${T}/request/rs232_v2_bricklet/Rs2/enable_read_callback`, "");
    await f.watcher.request(`${T}/request/rs232_v2_bricklet/Rs2/is_read_callback_enabled`, "");
    const text = "Hello, streamed world! ".repeat(5); // several 60-char chunks
    f.brickd.emitStreamCallback("Rs2", "read", text);
    assert.equal(
      await f.watcher.payloadOf(read),
      `{"message": [${[...text].map((c) => `"${c}"`).join(", ")}]}`,
    );
    // The reference's callback thread dies here; ours carries on.
    await f.watcher.publish(`${T}/register/rs232_v2_bricklet/Rs2/read`, "false");
    await f.watcher.publish(`${T}/register/${BUTTON}/Enx/button_state_changed`, "true");
    await f.watcher.request(STATE, "");
    f.brickd.emitStreamCallback("Rs2", "read", "abc");
    f.brickd.fireCallback("Enx", "button_state_changed", { state: 1 });
    assert.equal(
      await f.watcher.payloadOf(`${T}/callback/${BUTTON}/Enx/button_state_changed`),
      '{"state": "released"}',
    );
    assert.equal(f.watcher.all(read).length, 1);
  } finally {
    await f.close();
  }
});

Deno.test("a missing device does not delay answers for present ones", async () => {
  const timeoutMs = 1500;
  const f = await startFixture({ devices: DEVICES, bridge: { ipconTimeoutMs: timeoutMs } });
  try {
    const missing = f.watcher.next(`${T}/response/${BUTTON}/Mis/get_color`, timeoutMs + 3000);
    const t0 = performance.now();
    await f.watcher.publish(`${T}/request/${BUTTON}/Mis/get_color`, "");
    const present = await f.watcher.request(
      `${T}/request/temperature_v2_bricklet/Tmp/get_temperature`,
      "",
    );
    const presentMs = performance.now() - t0;
    assert.match(present, /^\{"temperature": -?\d+\}$/);
    const answer = await missing;
    const missingMs = performance.now() - t0;
    assert.equal(
      answer.payload,
      '{"red": null, "green": null, "blue": null, "_ERROR": "Did not receive response for function 255 in time (call of get_color of rgb_led_button_bricklet Mis)"}',
    );
    assert.ok(presentMs < timeoutMs / 3, `present device answered after ${presentMs} ms`);
    assert.ok(missingMs >= timeoutMs - 50, `missing device answered after ${missingMs} ms`);
  } finally {
    await f.close();
  }
});

Deno.test("prefixes: empty, multi-level with a space; the suffix is carried over", async () => {
  for (const [prefix, normalised] of [["", ""], ["cf/with space", "cf/with space/"]]) {
    const f = await startFixture({ devices: DEVICES, startBridge: false });
    try {
      await f.watcher.client.subscribeAsync(["request/#", "response/#", "cf/#", "callback/#"]);
      await f.start({ globalTopicPrefix: prefix });
      const answer = await f.watcher.request(
        `${normalised}request/${BUTTON}/Enx/get_color/room/`,
        "",
        `${normalised}response/${BUTTON}/Enx/get_color/room/`,
      );
      assert.match(answer, /^\{"red": \d+, "green": \d+, "blue": \d+\}$/);
      assert.equal(await f.watcher.payloadOf(`${normalised}callback/bindings/restart`), "null");
    } finally {
      await f.close();
    }
  }
});
