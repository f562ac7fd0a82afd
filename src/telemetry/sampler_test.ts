import assert from "node:assert/strict";
import { TfpError } from "../tfp/errors.ts";
import { TfpConnection } from "../tfp/connection.ts";
import { Sampler } from "./sampler.ts";
import {
  expectPeriod,
  readBackPeriod,
  sampledGetter,
  setPeriodAsOtherClient,
  startRig,
  waitForEvents,
  waitForRecords,
} from "./sampler_test_helper.ts";

const TEMPERATURE = sampledGetter("temperature_v2_bricklet", "get_temperature");
const HUMIDITY = sampledGetter("humidity_v2_bricklet", "get_humidity");
const HUMIDITY_TEMPERATURE = sampledGetter("humidity_v2_bricklet", "get_temperature");
const ILLUMINANCE = sampledGetter("ambient_light_v3_bricklet", "get_illuminance");
const AIR_PRESSURE = sampledGetter("barometer_v2_bricklet", "get_air_pressure");

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]);
}

Deno.test("sampler: SI values of the demo sensors, polled from the simulated brickd", async () => {
  const rig = await startRig({ intervalMs: 10_000, useCallbacks: false });
  try {
    rig.sim.setValues("Tmp", "get_temperature", { temperature: 2345 });
    rig.sim.setValues("Hum", "get_humidity", { humidity: 4512 });
    rig.sim.setValues("Hum", "get_temperature", { temperature: -1205 });
    rig.sim.setValues("Lux", "get_illuminance", { illuminance: 1234567 });
    rig.sim.setValues("Baro", "get_air_pressure", { air_pressure: 1013250 });
    rig.sim.setValues("Baro", "get_temperature", { temperature: 2100 });
    rig.sim.setValues("HAT1", "get_voltages", { voltage_usb: 5012, voltage_dc: 0 });
    rig.sim.setValues("Led", "get_supply_voltage", { voltage: 4980 });
    // Button, relay and RS232 have no telemetry; the LED strip reports its supply voltage.
    assert.deepEqual(rig.sampler.uids.sort(), ["Baro", "HAT1", "Hum", "Led", "Lux", "Tmp"]);
    const before = Date.now();
    const records = await rig.sampler.sampleNow();
    const byUid = Object.fromEntries(records.map((r) => [r.uid, r.values]));
    assert.deepEqual(byUid, {
      HAT1: { voltage_usb: 5.012, voltage_dc: 0 },
      Tmp: { temperature: 23.45 },
      Hum: { humidity: 45.12, temperature: -12.05 },
      Lux: { illuminance: 12345.67 },
      Baro: { air_pressure: 1013.25, temperature: 21 },
      Led: { supply_voltage: 4.98 },
    });
    for (const record of records) assert.ok(record.ts >= before && record.ts <= Date.now());
    const byUidOrder = (a: { uid: string }, b: { uid: string }) => a.uid.localeCompare(b.uid);
    assert.deepEqual(
      [...rig.records].sort(byUidOrder),
      [...records].sort(byUidOrder),
      "sampleNow emits what it returns",
    );
    assert.deepEqual(rig.errors, []);
  } finally {
    await rig.close();
  }
});

Deno.test("sampler: polling timer reads every device each interval, spread over it", async () => {
  const rig = await startRig({ intervalMs: 40, useCallbacks: false });
  try {
    rig.sampler.start();
    const waits = ["Tmp", "Hum", "Lux", "Baro"].map((uid) => waitForRecords(rig.sampler, uid, 3));
    const [tmp] = await Promise.all(waits);
    // Ticks stay on a 40 ms grid: three of them span at least one period.
    const span = tmp[2].ts - tmp[0].ts;
    assert.ok(span >= 35, `3 samples in ${span} ms`);
    const firsts = new Map<string, number>();
    for (const record of rig.records) {
      if (!firsts.has(record.uid)) firsts.set(record.uid, record.ts);
    }
    assert.ok(new Set(firsts.values()).size >= 3, `first samples ${[...firsts.values()]}`);
    assert.equal(await readBackPeriod(rig.connection, "Tmp", TEMPERATURE), 0, "no callback");
  } finally {
    await rig.close();
  }
});

Deno.test("sampler: callback mode configures the period and turns callbacks into records", async () => {
  const rig = await startRig({ intervalMs: 50, useCallbacks: true });
  try {
    rig.sim.setValues("Tmp", "get_temperature", { temperature: 2345 });
    rig.sampler.start();
    const records = await waitForRecords(rig.sampler, "Tmp", 4);
    assert.deepEqual(records.map((r) => r.values), Array(4).fill({ temperature: 23.45 }));
    const intervals = gaps(records.map((r) => r.ts)).sort((a, b) => a - b);
    assert.ok(intervals[0] >= 37, `gaps ${intervals}`);
    assert.ok(intervals[1] <= 150, `median gap of ${intervals} ms`);
    for (
      const [uid, entry] of [
        ["Tmp", TEMPERATURE],
        ["Hum", HUMIDITY],
        ["Hum", HUMIDITY_TEMPERATURE],
        ["Lux", ILLUMINANCE],
        ["Baro", AIR_PRESSURE],
      ] as const
    ) {
      assert.equal(await readBackPeriod(rig.connection, uid, entry), 50, uid);
    }
    assert.ok(rig.sim.stats.callbacks >= 4);
  } finally {
    await rig.close();
  }
});

Deno.test("sampler: setSlowdown reconfigures the callback periods and restores them", async () => {
  const rig = await startRig({ intervalMs: 50, useCallbacks: true });
  try {
    rig.sampler.start();
    await waitForRecords(rig.sampler, "Tmp", 1);
    rig.sampler.setSlowdown(4);
    assert.equal(rig.sampler.periodMs, 200);
    await expectPeriod(rig.connection, "Tmp", TEMPERATURE, 200);
    await expectPeriod(rig.connection, "Hum", HUMIDITY_TEMPERATURE, 200);
    rig.sampler.setSlowdown(1);
    assert.equal(rig.sampler.periodMs, 50);
    await expectPeriod(rig.connection, "Tmp", TEMPERATURE, 50);
    await expectPeriod(rig.connection, "Baro", AIR_PRESSURE, 50);
    rig.sampler.setIntervalMs(70);
    await expectPeriod(rig.connection, "Lux", ILLUMINANCE, 70);
    assert.equal(rig.sampler.intervalMs, 70);
    await waitForRecords(rig.sampler, "Tmp", 2);
  } finally {
    await rig.close();
  }
});

Deno.test("sampler: removeDevice stops its sampling and its callback", async () => {
  const rig = await startRig({ intervalMs: 30, useCallbacks: true });
  try {
    rig.sampler.start();
    await waitForRecords(rig.sampler, "Tmp", 1);
    assert.equal(rig.sampler.removeDevice("Tmp"), true);
    assert.equal(rig.sampler.removeDevice("Tmp"), false);
    const removedAt = rig.records.length;
    await expectPeriod(rig.connection, "Tmp", TEMPERATURE, 0);
    await waitForRecords(rig.sampler, "Hum", 4);
    assert.equal(rig.records.slice(removedAt).filter((r) => r.uid === "Tmp").length, 0);
    assert.ok(!rig.sampler.uids.includes("Tmp"));
  } finally {
    await rig.close();
  }
});

Deno.test("sampler: stop turns off every callback it set, clears its timers; start resumes", async () => {
  const rig = await startRig({ intervalMs: 30, useCallbacks: true });
  try {
    rig.sampler.start();
    await waitForRecords(rig.sampler, "Baro", 1);
    await expectPeriod(rig.connection, "Hum", HUMIDITY, 30);
    await rig.sampler.stop();
    assert.equal(rig.sampler.running, false);
    const stoppedAt = rig.records.length;
    for (
      const [uid, entry] of [
        ["Tmp", TEMPERATURE],
        ["Hum", HUMIDITY],
        ["Hum", HUMIDITY_TEMPERATURE],
        ["Lux", ILLUMINANCE],
        ["Baro", AIR_PRESSURE],
      ] as const
    ) {
      assert.equal(await readBackPeriod(rig.connection, uid, entry), 0, uid);
    }
    assert.equal(rig.records.length, stoppedAt, "no records after stop");
    rig.sampler.start();
    await waitForRecords(rig.sampler, "Tmp", 2);
    await rig.sampler.stop();
    await rig.sampler.stop(); // idempotent
  } finally {
    await rig.close(); // the test sanitizers fail on any timer the sampler left behind
  }
});

Deno.test("sampler: a failing getter emits errors while the other devices keep sampling", async () => {
  const rig = await startRig({ intervalMs: 15, useCallbacks: false });
  try {
    rig.sim.failNext("Tmp", "get_temperature", 3, 1_000_000);
    rig.sampler.start();
    const errors = waitForEvents<[string, Error]>(
      (listener) => rig.sampler.on("error", listener),
      (uid) => uid === "Tmp",
      3,
    );
    await Promise.all([errors, waitForRecords(rig.sampler, "Hum", 5)]);
    const { error } = rig.errors.find((e) => e.uid === "Tmp")!;
    assert.match(error.message, /^Sampling get_temperature of device "Tmp" failed: /);
    assert.ok(error.cause instanceof TfpError && error.cause.code === "unknown_error");
    assert.ok(!rig.records.some((r) => r.uid === "Tmp"));
  } finally {
    await rig.close();
  }
});

Deno.test("sampler: a device that does not answer is backed off, not hammered", async () => {
  const rig = await startRig({
    intervalMs: 10,
    useCallbacks: false,
    timeoutMs: 20,
    failuresBeforeBackoff: 2,
  });
  try {
    // Known type, but no such device behind brickd: every request times out.
    assert.equal(rig.sampler.addDevice("Ghost", 2113), true);
    rig.sampler.start();
    await waitForRecords(rig.sampler, "Tmp", 40, 5000);
    const ghost = rig.errors.filter((e) => e.uid === "Ghost");
    assert.ok(ghost.length >= 2, `ghost errors: ${ghost.length}`);
    // Without back-off (one request at a time) it would be about one per 20 ms timeout.
    const elapsed = rig.records.at(-1)!.ts - rig.records[0].ts;
    assert.ok(ghost.length <= Math.max(8, elapsed / 60), `${ghost.length} errors in ${elapsed} ms`);
    for (const { error } of ghost) {
      assert.ok(error.cause instanceof TfpError && error.cause.code === "timeout");
    }
    assert.ok(!rig.errors.some((e) => e.uid !== "Ghost"), "other devices keep working");
  } finally {
    await rig.close();
  }
});

Deno.test("sampler: after brickd comes back, devices sample again at once", async () => {
  const rig = await startRig({
    intervalMs: 20,
    useCallbacks: false,
    autoReconnect: true,
    failuresBeforeBackoff: 1,
    maxBackoffMs: 60_000,
  });
  try {
    rig.sampler.start();
    await waitForRecords(rig.sampler, "Tmp", 1);
    const reconnected = waitForEvents<[string]>(
      (listener) => rig.connection.on("connected", listener),
      (reason) => reason === "auto-reconnect",
      1,
    );
    await rig.sim.dropAllConnections();
    await reconnected;
    // Failures while brickd was away must not have backed the devices off (60 s).
    await waitForRecords(rig.sampler, "Tmp", 2);
    assert.deepEqual(rig.errors, []);
  } finally {
    await rig.close();
  }
});

Deno.test("sampler: a callback turned off by someone else is configured again", async () => {
  const rig = await startRig({ intervalMs: 30, useCallbacks: true });
  try {
    rig.sampler.start();
    await waitForRecords(rig.sampler, "Tmp", 1);
    await setPeriodAsOtherClient(rig.connection, "Tmp", TEMPERATURE, 0);
    await waitForRecords(rig.sampler, "Tmp", 3);
    await expectPeriod(rig.connection, "Tmp", TEMPERATURE, 30);
  } finally {
    await rig.close();
  }
});

Deno.test("sampler: callbacks much faster than the period are thinned out", async () => {
  const rig = await startRig({ intervalMs: 100, useCallbacks: true });
  try {
    rig.sampler.start();
    await waitForRecords(rig.sampler, "Tmp", 1);
    await setPeriodAsOtherClient(rig.connection, "Tmp", TEMPERATURE, 5);
    const records = await waitForRecords(rig.sampler, "Tmp", 4);
    for (const gap of gaps(records.map((r) => r.ts))) assert.ok(gap >= 75, `gap ${gap} ms`);
  } finally {
    await rig.close();
  }
});

Deno.test("sampler: channel getters, one callback per channel", async () => {
  const rig = await startRig({
    intervalMs: 30,
    useCallbacks: true,
    devices: [{ type: "industrial_dual_analog_in_v2_bricklet", uid: "Dua" }],
  });
  try {
    rig.sim.setValues("Dua", "get_voltage", { channel: 0, voltage: 1234 });
    rig.sim.setValues("Dua", "get_voltage", { channel: 1, voltage: -5678 });
    const polled = await rig.sampler.sampleNow();
    assert.deepEqual(polled.map((r) => r.values), [{ voltage_0: 1.234, voltage_1: -5.678 }]);
    rig.sampler.start();
    const records = await waitForRecords(rig.sampler, "Dua", 6);
    const seen = new Map(records.flatMap((r) => Object.entries(r.values)));
    assert.deepEqual(Object.fromEntries(seen), { voltage_0: 1.234, voltage_1: -5.678 });
  } finally {
    await rig.close();
  }
});

Deno.test("sampler: bad arguments give clear errors", async () => {
  const connection = new TfpConnection({ host: "127.0.0.1", port: 1 });
  assert.throws(
    () => new Sampler({ connection, intervalMs: 0, useCallbacks: true }),
    {
      name: "RangeError",
      message: 'Sampling interval must be an integer from 1 to 2147483647 ms, got "0"',
    },
  );
  const sampler = new Sampler({ connection, intervalMs: 1000, useCallbacks: true });
  assert.throws(() => sampler.setIntervalMs(1.5), RangeError);
  assert.throws(() => sampler.setSlowdown(0.5), {
    name: "RangeError",
    message: 'Slowdown factor must be a finite number >= 1, got "0.5"',
  });
  assert.throws(() => sampler.setSlowdown(Number.NaN), RangeError);
  assert.throws(() => sampler.addDevice("0OIl", 2113), /invalid|character/i);
  assert.equal(sampler.addDevice("Btn", 282), false, "RGB LED Button has no telemetry");
  assert.equal(sampler.addDevice("Btn", 99999), false, "unknown device type");
  assert.deepEqual(sampler.uids, []);
  // Not connected: no records, and no per-device errors (the connection reports that).
  assert.equal(sampler.addDevice("Tmp", 2113), true);
  const errors: string[] = [];
  sampler.on("error", (_uid, error) => errors.push(error.message));
  assert.deepEqual(await sampler.sampleNow(), []);
  assert.deepEqual(errors, []);
  await sampler.stop();
});
