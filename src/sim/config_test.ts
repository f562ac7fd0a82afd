import assert from "node:assert/strict";
import { parseUid } from "../tfp/base58.ts";
import { ConfigError, parseConfig, resolveDevice, resolveDevices } from "./config.ts";
import { DEFAULT_DEVICES } from "./default_devices.ts";

function problemsOf(action: () => unknown): readonly string[] {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
    return error.problems;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("the demo devices are valid", () => {
  const devices = resolveDevices(DEFAULT_DEVICES);
  assert.equal(devices.length, 9);
  assert.equal(devices[0].spec.name, "hat_brick");
  assert.equal(devices[0].identity.position, "i");
});

Deno.test("a full configuration parses, with type by name or identifier and defaults", () => {
  const config = parseConfig({
    devices: [
      {
        type: "temperature_v2_bricklet",
        uid: "Tmp",
        values: { get_temperature: { temperature: 2345 } },
      },
      { type: 13, uid: "6wVE7W", position: "0", hardware_version: [2, 1, 0] },
      {
        type: "do8_tng",
        uid: "Do8",
        values: { get_selected_value: { channel: 2, timestamp: "123" } },
      },
    ],
    secret: "s3cret",
    seed: 7,
  });
  assert.equal(config.seed, 7);
  assert.equal(config.secret, "s3cret");
  const [tmp, master, tng] = config.resolved;
  assert.deepEqual(tmp.identity, {
    uid: parseUid("Tmp"),
    uidText: "Tmp",
    connectedUid: "0",
    position: "a",
    hardwareVersion: [1, 0, 0],
    firmwareVersion: [2, 0, 0],
  });
  assert.deepEqual(tmp.values, [["get_temperature", { temperature: 2345 }]]);
  assert.equal(master.spec.name, "master_brick");
  assert.equal(master.identity.uid, 3631747890);
  assert.deepEqual(master.identity.hardwareVersion, [2, 1, 0]);
  assert.deepEqual(tng.values, [["get_selected_value", { channel: 2, timestamp: 123n }]]);
});

Deno.test("every problem is reported at once with its location", () => {
  const problems = problemsOf(() =>
    parseConfig({
      devices: [
        { type: "no_such_bricklet", uid: "A1" },
        { type: "temperature_v2_bricklet", uid: "0OIl" },
        { type: "temperature_v2_bricklet", uid: "Tmp", colour: "red" },
        { type: "humidity_v2_bricklet", uid: "Tmp" },
        { type: "temperature_v2_bricklet", uid: "T2", position: "ab", firmware_version: [1, 2] },
        {
          type: "temperature_v2_bricklet",
          uid: "T3",
          values: { get_temp: {}, get_temperature: { temperature: 99999, celsius: 1 } },
        },
        { type: "unknown_bricklet", uid: "T4" },
        { type: "temperature_v2_bricklet", uid: "7xwQ9h" },
        { type: "temperature_v2_bricklet", uid: "2" },
      ],
      seed: -1,
      extra: true,
    })
  );
  assert.deepEqual(
    problems,
    [
      'unknown key "extra"',
      "seed: expected a non-negative integer, got -1",
      'devices[0].type: unknown device type "no_such_bricklet"',
      'devices[1].uid: UID "0OIl" contains invalid character',
      'devices[2]: unknown key "colour"',
      'devices[3].uid: duplicate UID "Tmp" (also devices[2])',
      'devices[4].position: expected one character, got "ab"',
      "devices[4].firmware_version: expected three integers 0..255, got [1,2]",
      'devices[5].values.get_temp: "temperature_v2_bricklet" has no getter "get_temp"',
      "devices[5].values.get_temperature.temperature: expected an integer in -32768..32767 (int16), got 99999",
      'devices[5].values.get_temperature.celsius: "get_temperature" has no value "celsius"',
      'devices[6].type: "unknown_bricklet" is a placeholder spec, not a real device',
      'devices[7].uid: UID "7xwQ9h" must be a 32-bit value other than 0 and 1',
      'devices[8].uid: UID "2" must be a 32-bit value other than 0 and 1',
    ],
  );
});

Deno.test("secrets are checked without being echoed", () => {
  const secret = "ünïcode secret";
  const problems = problemsOf(() => parseConfig({ devices: [], secret }));
  assert.equal(problems.length, 1);
  assert.ok(!problems[0].includes(secret));
  assert.match(problems[0], /^secret: /);
  assert.deepEqual(problemsOf(() => parseConfig({ devices: [], secret: "" })), [
    "secret: must not be empty (omit it to disable authentication)",
  ]);
  assert.deepEqual(problemsOf(() => parseConfig([])), ["expected a JSON object, got []"]);
  assert.deepEqual(problemsOf(() => parseConfig({})), ["devices: missing (an array of devices)"]);
});

Deno.test("resolveDevice validates a single device", () => {
  assert.equal(resolveDevice({ type: 2113, uid: "Tmp" }).spec.name, "temperature_v2_bricklet");
  assert.throws(() => resolveDevice({ type: "x", uid: "Tmp" }), /unknown device type "x"/);
});
