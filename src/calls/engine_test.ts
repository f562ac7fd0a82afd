/**
 * The documented examples of spec §4-§6 against the simulated brickd over a
 * real TfpConnection.
 */
import assert from "node:assert/strict";
import { published, withBench } from "./engine_test_helper.ts";
import type { DeviceObject } from "./device_object.ts";
import { CallEngine } from "./engine.ts";
import { TfpConnection } from "../tfp/connection.ts";
import { parseUid } from "../tfp/base58.ts";

const BUTTON = "rgb_led_button_bricklet";
const TEMPERATURE = "temperature_v2_bricklet";
const COUNTER = "industrial_counter_bricklet";
const NOTHING = "<nothing>";

Deno.test("set_color publishes nothing, get_color answers in declaration order", async () => {
  await withBench({}, async ({ ask }) => {
    assert.equal(
      await ask(BUTTON, "Dod", "set_color", '{"red": 255, "green": 0, "blue": 10}'),
      NOTHING,
    );
    assert.equal(await ask(BUTTON, "Dod", "get_color"), '{"red": 255, "green": 0, "blue": 10}');
    assert.equal(
      await ask(BUTTON, "Dod", "get_color", "null"),
      '{"red": 255, "green": 0, "blue": 10}',
    );
    // Integers as strings (2.0.14+), e.g. for JavaScript clients.
    await ask(BUTTON, "Dod", "set_color", '{"red": "0x10", "green": "0b1", "blue": " 7 "}');
    assert.equal(await ask(BUTTON, "Dod", "get_color", ""), '{"red": 16, "green": 1, "blue": 7}');
  });
});

Deno.test("missing arguments: result keys null for getters, _ERROR only for setters", async () => {
  await withBench({}, async ({ ask }) => {
    assert.equal(
      await ask(BUTTON, "Dod", "set_color", '{"red": 1, "blue": 3}'),
      '{"_ERROR": "The arguments [\'green\'] where missing for a call of set_color of device Dod of type rgb_led_button_bricklet."}',
    );
    assert.equal(
      await ask(COUNTER, "Ctr", "get_counter", "{}"),
      '{"counter": null, "_ERROR": "The arguments [\'channel\'] where missing for a call of get_counter of device Ctr of type industrial_counter_bricklet."}',
    );
  });
});

Deno.test("symbols in requests and responses, and --no-symbolic-response", async () => {
  await withBench({}, async ({ ask }) => {
    await ask(BUTTON, "Dod", "set_status_led_config", '{"config": "show_heartbeat"}');
    assert.equal(await ask(BUTTON, "Dod", "get_status_led_config"), '{"config": "show_heartbeat"}');
    const config =
      '{"period": 1000, "value_has_to_change": false, "option": "off", "min": 0, "max": 0}';
    assert.equal(
      await ask(TEMPERATURE, "Tmp", "set_temperature_callback_configuration", config),
      NOTHING,
    );
    assert.equal(await ask(TEMPERATURE, "Tmp", "get_temperature_callback_configuration"), config);
  });
  await withBench({ engine: { symbolic: false } }, async ({ ask }) => {
    await ask(BUTTON, "Dod", "set_status_led_config", '{"config": "show_heartbeat"}');
    assert.equal(await ask(BUTTON, "Dod", "get_status_led_config"), '{"config": 2}');
    assert.equal(
      await ask(BUTTON, "Dod", "get_identity"),
      '{"uid": "Dod", "connected_uid": "6Ka2Yq", "position": "a", "hardware_version": [1, 0, 0], "firmware_version": [2, 0, 0], "device_identifier": 282, "_display_name": "RGB LED Button Bricklet"}',
    );
  });
});

Deno.test("get_identity with _display_name and the symbolic device_identifier", async () => {
  await withBench({}, async ({ ask }) => {
    assert.equal(
      await ask(BUTTON, "Dod", "get_identity"),
      '{"uid": "Dod", "connected_uid": "6Ka2Yq", "position": "a", "hardware_version": [1, 0, 0], "firmware_version": [2, 0, 0], "device_identifier": "rgb_led_button_bricklet", "_display_name": "RGB LED Button Bricklet"}',
    );
  });
});

Deno.test("int64 values: JSON integers, or strings with --int64-string-response", async () => {
  // Channel "0" is a symbol name; the counter is an int64 given as a string.
  const set = '{"channel": "0", "counter": "9007199254740993"}';
  await withBench({}, async ({ ask }) => {
    assert.equal(await ask(COUNTER, "Ctr", "set_counter", set), NOTHING);
    assert.equal(
      await ask(COUNTER, "Ctr", "get_counter", '{"channel": 0}'),
      '{"counter": 9007199254740993}',
    );
  });
  await withBench({ engine: { int64Strings: true } }, async ({ ask }) => {
    await ask(COUNTER, "Ctr", "set_counter", '{"channel": 0, "counter": -5}');
    assert.equal(await ask(COUNTER, "Ctr", "get_counter", '{"channel": "0"}'), '{"counter": "-5"}');
  });
});

Deno.test("identity mismatch, displacement of the device object and its log line", async () => {
  const displaced: [DeviceObject, DeviceObject][] = [];
  const onDisplaced = (old: DeviceObject, replacement: DeviceObject) =>
    displaced.push([old, replacement]);
  await withBench({ engine: { onDisplaced } }, async ({ ask, engine, logs }) => {
    assert.equal(await ask(BUTTON, "Dod", "get_color"), '{"red": 0, "green": 0, "blue": 0}');
    const mismatch =
      '{"temperature": null, "_ERROR": "UID Dod belongs to a RGB LED Button Bricklet instead of the expected Temperature Bricklet 2.0 (call of get_temperature of temperature_v2_bricklet Dod)"}';
    assert.equal(await ask(TEMPERATURE, "Dod", "get_temperature"), mismatch);
    assert.deepEqual(logs, [
      "info Device Dod is already known as rgb_led_button_bricklet, but will be displaced by the new requested temperature_v2_bricklet",
    ]);
    // The mismatch is remembered: no second get_identity, same answer.
    assert.equal(await ask(TEMPERATURE, "Dod", "get_temperature"), mismatch);
    assert.equal(logs.length, 1);
    assert.equal(displaced.length, 1);
    assert.equal(displaced[0][0].spec.name, BUTTON);
    assert.equal(displaced[0][1], engine.deviceByUid(displaced[0][0].uid));
    // Switching back replaces the object again; setters are checked too (no key, no results).
    assert.equal(
      await ask(BUTTON, "Dod", "set_color", '{"red": 1, "green": 1, "blue": 1}'),
      NOTHING,
    );
    assert.equal(logs.length, 2);
    assert.equal(
      await ask(TEMPERATURE, "Dod", "set_status_led_config", '{"config": 0}'),
      '{"_ERROR": "UID Dod belongs to a RGB LED Button Bricklet instead of the expected Temperature Bricklet 2.0 (call of set_status_led_config of temperature_v2_bricklet Dod)"}',
    );
  });
});

Deno.test("identityMatches and deviceObject for the bridge's callback path", async () => {
  await withBench({}, async ({ engine }) => {
    const button = engine.deviceObject("Dod", BUTTON);
    assert.ok("device" in button);
    assert.equal(await engine.identityMatches(button.device), true);
    assert.equal(button.device.identity, "match");
    assert.deepEqual(engine.deviceObject("Dod", BUTTON), button, "reused");
    const wrong = engine.deviceObject("Tmp", BUTTON);
    assert.ok("device" in wrong);
    assert.equal(await engine.identityMatches(wrong.device), false);
    const missing = engine.deviceObject("JxZpR3a5ZrD", BUTTON);
    assert.ok("device" in missing);
    assert.equal(await engine.identityMatches(missing.device), false);
    assert.equal(missing.device.identity, "pending", "a timeout leaves the check pending");
    assert.deepEqual(engine.deviceObject("D0d", BUTTON), {
      error: 'Could not parse UID "D0d": UID "D0d" contains invalid character (-13)',
    });
    assert.deepEqual(engine.deviceObject("Dod", "stream_test_bricklet"), {
      error: "Unknown device type stream_test_bricklet",
    });
  });
});

Deno.test("a missing device times out on function 255, also for setters", async () => {
  await withBench({}, async ({ ask }) => {
    assert.equal(
      await ask(BUTTON, "JxZpR3a5ZrD", "get_color"),
      '{"red": null, "green": null, "blue": null, "_ERROR": "Did not receive response for function 255 in time (call of get_color of rgb_led_button_bricklet JxZpR3a5ZrD)"}',
    );
    assert.equal(
      await ask(BUTTON, "JxZpR3a5ZrD", "set_color", '{"red": 1, "green": 1, "blue": 1}'),
      '{"_ERROR": "Did not receive response for function 255 in time (call of set_color of rgb_led_button_bricklet JxZpR3a5ZrD)"}',
    );
  });
});

Deno.test("_response_expected is sticky per device object until reset", async () => {
  await withBench({}, async ({ ask, brickd, engine, logs }) => {
    const notSupported =
      '{"_ERROR": "Function 248 is not supported (call of write_uid of rgb_led_button_bricklet Dod)"}';
    brickd.failNext("Dod", "write_uid", 2, 3);
    assert.equal(
      await ask(BUTTON, "Dod", "write_uid", '{"uid": 5, "_response_expected": true}'),
      notSupported,
    );
    assert.equal(await ask(BUTTON, "Dod", "write_uid", '{"uid": 5}'), notSupported);
    // Not a bool: ignored (logged at debug level), the flag stays on.
    assert.equal(
      await ask(BUTTON, "Dod", "write_uid", '{"uid": 5, "_response_expected": 1}'),
      notSupported,
    );
    assert.deepEqual(logs, [
      "debug Ignoring _response_expected, it was not of boolean type. (Call of write_uid of device Dod of type rgb_led_button_bricklet.)",
    ]);
    brickd.failNext("Dod", "write_uid", 2, 1);
    assert.equal(
      await ask(BUTTON, "Dod", "write_uid", '{"uid": 5, "_response_expected": false}'),
      NOTHING,
    );
    brickd.failNext("Dod", "write_uid", 2, 1);
    await ask(BUTTON, "Dod", "write_uid", '{"uid": 5, "_response_expected": true}');
    engine.reset(); // bindings/reset_callbacks: flags back to the spec defaults
    brickd.failNext("Dod", "write_uid", 2, 1);
    assert.equal(await ask(BUTTON, "Dod", "write_uid", '{"uid": 5}'), NOTHING);
    // Getters ignore the key (always true); the answer is unchanged.
    assert.equal(
      await ask(BUTTON, "Dod", "get_color", '{"_response_expected": false}'),
      '{"red": 0, "green": 0, "blue": 0}',
    );
  });
});

Deno.test("brickd not connected: 'Not connected (call of ...)', bare for stream calls", async () => {
  await withBench({ connect: false }, async ({ ask }) => {
    assert.equal(
      await ask(BUTTON, "Dod", "set_color", '{"red": 1, "green": 1, "blue": 1}'),
      '{"_ERROR": "Not connected (call of set_color of rgb_led_button_bricklet Dod)"}',
    );
    assert.equal(
      await ask(BUTTON, "Dod", "get_color"),
      '{"red": null, "green": null, "blue": null, "_ERROR": "Not connected (call of get_color of rgb_led_button_bricklet Dod)"}',
    );
    assert.equal(
      await ask("led_strip_v2_bricklet", "Led", "get_led_values", '{"index": 0, "length": 3}'),
      '{"_ERROR": "Not connected"}',
    );
  });
});

Deno.test("call() takes parsed arguments for RPC: Map or plain object", async () => {
  await withBench({}, async ({ engine }) => {
    const set = await engine.call(BUTTON, "Dod", "set_color", { red: 3, green: 2, blue: 1 });
    assert.equal(published(set), NOTHING);
    assert.equal(
      published(await engine.call(BUTTON, "Dod", "get_color")),
      '{"red": 3, "green": 2, "blue": 1}',
    );
    assert.equal(
      published(await engine.call(BUTTON, "Dod", "set_color", new Map([["red", 1]]))),
      "{\"_ERROR\": \"The arguments ['green', 'blue'] where missing for a call of set_color of device Dod of type rgb_led_button_bricklet.\"}",
    );
  });
});

Deno.test("CallEngine keeps at most maxDeviceObjects, evicting the least recently used", () => {
  // deviceObject() never touches the transport, so an unconnected one is enough here.
  const transport = new TfpConnection({ host: "127.0.0.1", port: 1 });
  const keep = new Set<string>(["Keep"]);
  const engine = new CallEngine({
    transport,
    maxDeviceObjects: 3,
    canEvict: (device) => !keep.has(device.uidText),
  });
  const make = (uid: string) => {
    const result = engine.deviceObject(uid, "rgb_led_button_bricklet");
    assert.ok("device" in result);
    return result.device;
  };
  const kept = make("Keep");
  const a = make("Aa");
  make("Bb");
  assert.equal(make("Aa"), a, "reuse refreshes recency");
  make("Cc"); // evicts Bb: Keep is protected, Aa was used more recently
  assert.equal(engine.deviceCount, 3);
  assert.equal(engine.deviceByUid(parseUid("Bb")), undefined);
  assert.equal(engine.deviceByUid(parseUid("Keep")), kept);
  assert.equal(engine.deviceByUid(parseUid("Aa")), a);
  for (let i = 0; i < 1000; i++) make(`Z${i + 1}`.replace(/0/g, "z"));
  assert.equal(engine.deviceCount, 3);
  assert.equal(engine.deviceByUid(parseUid("Keep")), kept);
});
