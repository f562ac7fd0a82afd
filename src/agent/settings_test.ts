import assert from "node:assert/strict";
import { MAX_INTERVAL_MS, MIN_INTERVAL_MS, parseSettingsUpdate } from "./settings.ts";

Deno.test("settings: interval in seconds, number or numeric string", () => {
  assert.deepEqual(parseSettingsUpdate({ tfedge_telemetry_interval: 5 }), {
    intervalMs: 5_000,
    deleted: [],
    warnings: [],
  });
  assert.equal(parseSettingsUpdate({ tfedge_telemetry_interval: 0.25 }).intervalMs, 250);
  assert.equal(parseSettingsUpdate({ tfedge_telemetry_interval: " 2.5 " }).intervalMs, 2_500);
  assert.equal(parseSettingsUpdate({ tfedge_telemetry_interval: "1e1" }).intervalMs, 10_000);
  assert.equal(parseSettingsUpdate({ tfedge_telemetry_interval: 30n }).intervalMs, 30_000);
});

Deno.test("settings: an invalid interval is ignored with a warning", () => {
  const cases: [unknown, string][] = [
    [0, "0"],
    [-1, "-1"],
    ["abc", '"abc"'],
    ["", '""'],
    ["5s", '"5s"'],
    [null, "null"],
    [true, "true"],
    [{ seconds: 5 }, '{"seconds":5}'],
    [NaN, "null"],
    [Infinity, "null"],
  ];
  for (const [value, shown] of cases) {
    const update = parseSettingsUpdate({ tfedge_telemetry_interval: value });
    assert.equal(update.intervalMs, undefined, `accepted ${shown}`);
    assert.deepEqual(update.warnings, [
      `Ignoring tfedge_telemetry_interval ${shown}: expected a number of seconds greater than 0`,
    ]);
  }
});

Deno.test("settings: an interval out of range is clamped with a warning", () => {
  const fast = parseSettingsUpdate({ tfedge_telemetry_interval: 0.001 });
  assert.equal(fast.intervalMs, MIN_INTERVAL_MS);
  assert.deepEqual(fast.warnings, [
    "tfedge_telemetry_interval 0.001 is below the minimum: using 0.1 s",
  ]);
  const slow = parseSettingsUpdate({ tfedge_telemetry_interval: 1e9 });
  assert.equal(slow.intervalMs, MAX_INTERVAL_MS);
  assert.deepEqual(slow.warnings, [
    "tfedge_telemetry_interval 1000000000 is above the maximum: using 86400 s",
  ]);
});

Deno.test("settings: aliases as an object or a JSON string; whitespace trimmed", () => {
  assert.deepEqual(parseSettingsUpdate({ tfedge_aliases: { Tmp: "greenhouse", Hum: " hall " } }), {
    aliases: { Tmp: "greenhouse", Hum: "hall" },
    deleted: [],
    warnings: [],
  });
  assert.deepEqual(
    parseSettingsUpdate({ tfedge_aliases: '{"Tmp": "greenhouse"}' }).aliases,
    { Tmp: "greenhouse" },
  );
  // An empty map is valid: it removes every alias.
  assert.deepEqual(parseSettingsUpdate({ tfedge_aliases: {} }).aliases, {});
});

Deno.test("settings: invalid alias entries are left out, the valid ones apply", () => {
  const update = parseSettingsUpdate({
    tfedge_aliases: {
      Tmp: "greenhouse",
      "0l": "bad uid",
      Hum: 7,
      Lux: "   ",
      Baro: "x".repeat(65),
      Btn: "tab\there",
      RLY: "greenhouse",
    },
  });
  assert.deepEqual(update.aliases, { Tmp: "greenhouse" });
  assert.deepEqual(update.warnings, [
    'Ignoring alias "bad uid" of uid "0l": the uid is not a Base58 device uid',
    'Ignoring alias 7 of uid "Hum": expected a string',
    'Ignoring alias "   " of uid "Lux": the alias is empty',
    `Ignoring alias "${"x".repeat(56)}... of uid "Baro": longer than 64 characters`,
    'Ignoring alias "tab\\there" of uid "Btn": control characters are not allowed',
    'Ignoring alias "greenhouse" of uid "RLY": uid "Tmp" already uses it',
  ]);
});

Deno.test("settings: aliases that are not a map are ignored with a warning", () => {
  const notJson = parseSettingsUpdate({ tfedge_aliases: "{Tmp" });
  assert.equal(notJson.aliases, undefined);
  assert.equal(notJson.warnings.length, 1);
  assert.match(notJson.warnings[0], /^Ignoring tfedge_aliases: the text is not JSON \(.+\)$/);
  for (const value of [["Tmp"], 5, null, '"x"']) {
    const update = parseSettingsUpdate({ tfedge_aliases: value });
    assert.equal(update.aliases, undefined);
    assert.match(update.warnings[0], /: expected an object of uid -> alias$/);
  }
  // A "__proto__" key from JSON text is not a uid: it must not touch the prototype.
  const proto = parseSettingsUpdate({ tfedge_aliases: '{"__proto__": "x", "Tmp": "t"}' });
  assert.deepEqual(proto.aliases, { Tmp: "t" });
  assert.equal(Object.getPrototypeOf(proto.aliases), Object.prototype);
});

Deno.test("settings: other keys are ignored, unknown tfedge_ keys warned about", () => {
  assert.deepEqual(parseSettingsUpdate({ targetTemperature: 21, tfedge_intervall: 5 }), {
    deleted: [],
    warnings: [
      'Ignoring unknown setting "tfedge_intervall": known settings are tfedge_telemetry_interval, tfedge_aliases',
    ],
  });
});

Deno.test("settings: deleted settings are reported, other deleted keys are not", () => {
  assert.deepEqual(
    parseSettingsUpdate({ deleted: ["tfedge_aliases", "other", "tfedge_telemetry_interval"] }),
    { deleted: ["tfedge_aliases", "tfedge_telemetry_interval"], warnings: [] },
  );
});

Deno.test("settings: both settings in one update", () => {
  assert.deepEqual(
    parseSettingsUpdate({ tfedge_telemetry_interval: 60, tfedge_aliases: { Tmp: "t" } }),
    { intervalMs: 60_000, aliases: { Tmp: "t" }, deleted: [], warnings: [] },
  );
});

Deno.test("settings: a non-object update is a warning, not a crash", () => {
  const update = parseSettingsUpdate(null as unknown as Record<string, unknown>);
  assert.deepEqual(update, {
    deleted: [],
    warnings: ["Ignoring settings update null: expected an object"],
  });
});
