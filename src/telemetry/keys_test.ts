import assert from "node:assert/strict";
import {
  deviceModeKey,
  gatewayDeviceName,
  MAX_ALIAS_LENGTH,
  unitKey,
  validateAlias,
  validateAliases,
} from "./keys.ts";

Deno.test("deviceModeKey: alias or uid, then the value key", () => {
  assert.equal(deviceModeKey("ZQv", undefined, "temperature"), "ZQv_temperature");
  assert.equal(deviceModeKey("ZQv", "greenhouse", "humidity"), "greenhouse_humidity");
  assert.equal(deviceModeKey("ZQv", "greenhouse", unitKey("humidity")), "greenhouse_humidity_unit");
});

Deno.test("gatewayDeviceName: alias, else display name and uid", () => {
  assert.equal(
    gatewayDeviceName("ZQv", "Temperature Bricklet 2.0", undefined),
    "Temperature Bricklet 2.0 ZQv",
  );
  assert.equal(gatewayDeviceName("ZQv", "Temperature Bricklet 2.0", "Greenhouse"), "Greenhouse");
});

Deno.test("validateAlias: accepts readable names, rejects bad ones with a clear error", () => {
  assert.equal(validateAlias("ZQv", "greenhouse 1 – süd"), "greenhouse 1 – süd");
  assert.equal(validateAlias("ZQv", "x".repeat(MAX_ALIAS_LENGTH)), "x".repeat(MAX_ALIAS_LENGTH));
  assert.equal(validateAlias("ZQv", "🌡".repeat(MAX_ALIAS_LENGTH)).length, 2 * MAX_ALIAS_LENGTH);
  assert.throws(() => validateAlias("ZQv", ""), {
    name: "RangeError",
    message: 'Alias of device "ZQv" must not be empty',
  });
  assert.throws(() => validateAlias("ZQv", "   "), RangeError);
  assert.throws(() => validateAlias("ZQv", 42), {
    name: "TypeError",
    message: 'Alias of device "ZQv" must be a string, got number',
  });
  assert.throws(() => validateAlias("ZQv", "bad\nalias"), {
    name: "RangeError",
    message: 'Alias "bad\\nalias" of device "ZQv" must not contain control characters',
  });
  assert.throws(() => validateAlias("ZQv", "a\u0085b"), RangeError);
  assert.throws(() => validateAlias("ZQv", " padded"), /white space/);
  assert.throws(() => validateAlias("ZQv", "x".repeat(MAX_ALIAS_LENGTH + 1)), {
    name: "RangeError",
    message: 'Alias of device "ZQv" is 65 characters long, at most 64 are allowed',
  });
});

Deno.test("validateAliases: validates every entry and refuses duplicates", () => {
  assert.deepEqual(validateAliases({ Tmp: "inside", Hum: "outside" }), {
    Tmp: "inside",
    Hum: "outside",
  });
  assert.deepEqual(validateAliases({}), {});
  assert.throws(() => validateAliases({ Tmp: "same", Hum: "same" }), {
    name: "RangeError",
    message: 'Alias "same" is given to both "Tmp" and "Hum"',
  });
  assert.throws(() => validateAliases({ Tmp: "" }), /"Tmp" must not be empty/);
  assert.throws(() => validateAliases({ "": "x" }), /empty uid/);
});
