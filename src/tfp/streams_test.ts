import assert from "node:assert/strict";
import { DeviceHandle } from "./device_calls.ts";
import { TfpDeviceError, TfpError } from "./errors.ts";
import { DeviceStreamOut, FakeDevice, gate } from "./fake_device_test_helper.ts";
import type { Value } from "./payload.ts";
import { deviceByName } from "./registry.ts";
import type { DeviceSpec } from "./spec.ts";

const UID = 42;

function device(name: string): DeviceSpec {
  const found = deviceByName(name);
  assert.ok(found, `device "${name}" exists`);
  return found;
}

const rs232 = device("rs232_v2_bricklet");
const ledStrip = device("led_strip_v2_bricklet");
const thermal = device("thermal_imaging_bricklet");
const can = device("can_v2_bricklet");
const streamTest = device("stream_test_bricklet");

const chars = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => String.fromCharCode(97 + (from + i) % 26));

function isOutOfSync(error: unknown): boolean {
  return error instanceof TfpError && error.code === "stream_out_of_sync" &&
    error.message === "Stream is out-of-sync";
}

/** RS232 2.0 whose send buffer takes `capacity` chars and whose receive buffer holds `incoming`. */
function rs232Device(capacity: number, incoming: Value[] = []) {
  const sent: Value[] = [];
  const readStream = new DeviceStreamOut(60, "\0");
  const fake = new FakeDevice(rs232, {
    write_low_level: ([length, offset, chunk]) => {
      const items = Math.min(60, (length as number) - (offset as number));
      const taken = Math.max(0, Math.min(items, capacity - sent.length));
      sent.push(...(chunk as Value[]).slice(0, taken));
      return [taken];
    },
    read_low_level: ([length]) =>
      readStream.next(() => incoming.splice(0, Math.min(length as number, incoming.length))),
  });
  return { fake, sent, handle: new DeviceHandle(fake.request, UID, rs232) };
}

Deno.test("rs232 write: short write stops after the chunk the device did not take fully", async () => {
  const { fake, sent, handle } = rs232Device(100);
  const message = chars(150);
  assert.deepEqual(await handle.call("write", { message }), { message_written: 100 });
  const calls = fake.calls("write_low_level");
  assert.deepEqual(calls.map((call) => call.values.slice(0, 2)), [[150, 0], [150, 60]]);
  assert.ok(calls.every((call) => call.responseExpected));
  assert.deepEqual(sent, message.slice(0, 100));
});

Deno.test("rs232 write: all chunks taken, last chunk padded with NUL, string accepted", async () => {
  const { fake, sent, handle } = rs232Device(1000);
  const message = chars(130).join("");
  assert.deepEqual(await handle.call("write", { message }), { message_written: 130 });
  const calls = fake.calls("write_low_level");
  assert.deepEqual(calls.map((call) => call.values.slice(0, 2)), [[130, 0], [130, 60], [130, 120]]);
  assert.deepEqual(calls[2].values[2], [...chars(10, 120), ...new Array(50).fill("\0")]);
  assert.equal(sent.join(""), message);
});

Deno.test("rs232 write: empty data sends exactly one all-padding chunk with length 0", async () => {
  const { fake, handle } = rs232Device(1000);
  assert.deepEqual(await handle.call("write", { message: "" }), { message_written: 0 });
  assert.deepEqual(fake.calls("write_low_level").map((call) => call.values), [
    [0, 0, new Array(60).fill("\0")],
  ]);
});

Deno.test("stream data longer than the maximum is a RangeError and sends nothing", async () => {
  const { fake, handle } = rs232Device(1000);
  await assert.rejects(handle.call("write", { message: "x".repeat(65536) }), {
    name: "RangeError",
    message: '"message" of "write" can have at most 65535 items, got 65536',
  });
  await assert.rejects(handle.call("write", { message: 12 }), TypeError);
  await assert.rejects(handle.call("write", {}), TypeError);
  await assert.rejects(handle.call("write", { message: "", extra: 1 }), TypeError);
  assert.equal(fake.received.length, 0);
});

Deno.test("rs232 read: collects a variable-length stream over several chunks", async () => {
  const incoming = chars(150);
  const { fake, handle } = rs232Device(0, [...incoming]);
  assert.deepEqual(await handle.call("read", { length: 200 }), { message: incoming });
  assert.equal(fake.calls("read_low_level").length, 3);
  assert.deepEqual(await handle.call("read", { length: 200 }), { message: [] });
});

Deno.test("rs232 read: out-of-sync offsets drain the device stream, then fail", async () => {
  // The device skips a chunk: offsets 0, 120, 180, 240 of a 300-item stream.
  const offsets = [0, 120, 180, 240, 0];
  const fake = new FakeDevice(rs232, {
    read_low_level: () => [300, offsets.shift()!, new Array(60).fill("z")],
  });
  const handle = new DeviceHandle(fake.request, UID, rs232);
  await assert.rejects(handle.call("read", { length: 300 }), isOutOfSync);
  // Draining stops at the chunk with offset + 60 >= length (offset 240).
  assert.equal(fake.calls("read_low_level").length, 4);
});

Deno.test("stream out: a first chunk with offset != 0 is out of sync", async () => {
  const offsets = [60, 120];
  const fake = new FakeDevice(rs232, {
    read_low_level: () => [180, offsets.shift()!, new Array(60).fill("z")],
  });
  const handle = new DeviceHandle(fake.request, UID, rs232);
  await assert.rejects(handle.call("read", { length: 300 }), isOutOfSync);
  assert.equal(fake.calls("read_low_level").length, 2);
});

Deno.test("stream out: a device that never ends its stream cannot make draining hang", async () => {
  let call = 0;
  const fake = new FakeDevice(rs232, {
    read_low_level: () => [65535, call++ === 1 ? 7 : 0, new Array(60).fill("z")],
  });
  const handle = new DeviceHandle(fake.request, UID, rs232);
  await assert.rejects(handle.call("read", { length: 300 }), isOutOfSync);
  assert.ok(fake.received.length <= 2 + Math.ceil(65536 / 60));
});

Deno.test("led strip: set_led_values chunks with its index argument and awaits each ack", async () => {
  const leds: number[] = new Array(300).fill(0);
  const readStream = new DeviceStreamOut(60, 0);
  const fake = new FakeDevice(ledStrip, {
    set_led_values_low_level: ([index, length, offset, chunk]) => {
      const n = Math.min(58, (length as number) - (offset as number));
      const at = (index as number) + (offset as number);
      leds.splice(at, n, ...(chunk as number[]).slice(0, n));
      return [];
    },
    get_led_values_low_level: ([index, length]) =>
      readStream.next(() => leds.slice(index as number, (index as number) + (length as number))),
  });
  const handle = new DeviceHandle(fake.request, UID, ledStrip);
  const value = Array.from({ length: 130 }, (_, i) => (i * 7) % 256);
  assert.deepEqual(await handle.call("set_led_values", { index: 3, value }), {});
  const sets = fake.calls("set_led_values_low_level");
  assert.deepEqual(sets.map((call) => call.values.slice(0, 3)), [[3, 130, 0], [3, 130, 58], [
    3,
    130,
    116,
  ]]);
  assert.ok(sets.every((call) => call.responseExpected));
  assert.deepEqual(sets[2].values[3], [...value.slice(116), ...new Array(44).fill(0)]);

  assert.deepEqual(await handle.call("get_led_values", { index: 3, length: 130 }), { value });
  assert.deepEqual(
    fake.calls("get_led_values_low_level").map((call) => call.values),
    [[3, 130], [3, 130], [3, 130]],
  );

  handle.setResponseExpected("set_led_values", false);
  assert.equal(await handle.call("set_led_values", { index: 0, value: [] }), undefined);
  const last = fake.received.at(-1)!;
  assert.equal(last.responseExpected, false);
  assert.deepEqual(last.values, [0, 0, 0, new Array(58).fill(0)]);
});

Deno.test("stream calls on one device are serialised", async () => {
  const leds = Array.from({ length: 200 }, (_, i) => i);
  const readStream = new DeviceStreamOut(60, 0);
  const fake = new FakeDevice(ledStrip, {
    get_led_values_low_level: async ([index, length]) => {
      await Promise.resolve(); // answer later, so unserialised calls would interleave
      return readStream.next(() =>
        leds.slice(index as number, (index as number) + (length as number))
      );
    },
  });
  const handle = new DeviceHandle(fake.request, UID, ledStrip);
  const [a, b] = await Promise.all([
    handle.call("get_led_values", { index: 0, length: 150 }),
    handle.call("get_led_values", { index: 10, length: 100 }),
  ]);
  assert.deepEqual(a, { value: leds.slice(0, 150) });
  assert.deepEqual(b, { value: leds.slice(10, 110) });
  assert.deepEqual(fake.received.map((call) => call.values[0]), [0, 0, 0, 10, 10]);
});

Deno.test("a failing stream call releases the stream lock", async () => {
  const offsets = [0, -1, 0, 60]; // -1: the device answers with an error code
  const fake = new FakeDevice(rs232, {
    read_low_level: () => {
      const offset = offsets.shift()!;
      if (offset < 0) throw new TfpDeviceError(UID, 2, 1);
      return [100, offset, new Array(60).fill("q")];
    },
  });
  const handle = new DeviceHandle(fake.request, UID, rs232);
  await assert.rejects(handle.call("read", { length: 100 }), TfpDeviceError);
  const next = await handle.call("read", { length: 100 });
  assert.deepEqual(next, { message: new Array(100).fill("q") });
});

function thermalDevice(noData = false) {
  const image = Array.from({ length: 4800 }, (_, i) => i % 251);
  const stream = new DeviceStreamOut(62, 0);
  const fake = new FakeDevice(thermal, {
    get_high_contrast_image_low_level: () => {
      if (noData) return [0xffff, new Array(62).fill(0)];
      const [, offset, chunk] = stream.next(() => image);
      return [offset, chunk];
    },
  });
  return { fake, image, handle: new DeviceHandle(fake.request, UID, thermal) };
}

Deno.test("thermal imaging: a fixed-length image arrives in 78 chunks", async () => {
  const { fake, image, handle } = thermalDevice();
  const result = await handle.call("get_high_contrast_image", {});
  assert.deepEqual(result, { image });
  assert.equal(fake.received.length, 78);
});

Deno.test("thermal imaging: first offset 0xFFFF means no data: an empty image", async () => {
  const { fake, handle } = thermalDevice(true);
  assert.deepEqual(await handle.call("get_high_contrast_image", {}), { image: [] });
  assert.equal(fake.received.length, 1);
});

Deno.test("fixed-length stream in: data must have exactly the fixed length", async () => {
  const fake = new FakeDevice(streamTest, { fixed_write_low_level: () => [] });
  const handle = new DeviceHandle(fake.request, UID, streamTest);
  await assert.rejects(handle.call("fixed_write", { message: "x".repeat(999) }), {
    name: "RangeError",
    message: '"message" of "fixed_write" must have exactly 1000 items, got 999',
  });
  assert.equal(fake.received.length, 0);
  const message = chars(1000);
  assert.deepEqual(await handle.call("fixed_write", { message }), {});
  const calls = fake.calls("fixed_write_low_level");
  const chunkSize = (calls[0].values[1] as Value[]).length;
  assert.equal(calls.length, Math.ceil(1000 / chunkSize));
  assert.deepEqual(calls.map((call) => call.values[0]), calls.map((_, i) => i * chunkSize));
  const joined = calls.flatMap((call) => call.values[1] as Value[]).slice(0, 1000);
  assert.deepEqual(joined, message);
});

Deno.test("can v2: write_frame is one single-chunk call with the real length", async () => {
  const fake = new FakeDevice(can, { write_frame_low_level: () => [true] });
  const handle = new DeviceHandle(fake.request, UID, can);
  const result = await handle.call("write_frame", {
    frame_type: 1,
    identifier: 0x123,
    data: [1, 2, 3],
  });
  assert.deepEqual(result, { success: true });
  assert.deepEqual(fake.received.map((call) => call.values), [
    [1, 0x123, 3, [1, 2, 3, ...new Array(12).fill(0)]],
  ]);
  await assert.rejects(
    handle.call("write_frame", { frame_type: 1, identifier: 1, data: new Array(16).fill(0) }),
    RangeError,
  );
  assert.equal(fake.received.length, 1);
});

Deno.test("can v2: read_frame returns data cut to its length plus the other results", async () => {
  const data = [9, 8, 7, 6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const fake = new FakeDevice(can, { read_frame_low_level: () => [true, 2, 0x7ff, 5, data] });
  const handle = new DeviceHandle(fake.request, UID, can);
  assert.deepEqual(await handle.call("read_frame", {}), {
    success: true,
    frame_type: 2,
    identifier: 0x7ff,
    data: [9, 8, 7, 6, 5],
  });
});

Deno.test("stream in with extra arguments and results: results come from the last response", async () => {
  let chunk = 0;
  const fake = new FakeDevice(streamTest, {
    short_write_extra_full_low_level: ([, length, , offset]) => {
      chunk++;
      return [10 + chunk, Math.min(56, (length as number) - (offset as number)), 20 + chunk];
    },
  });
  const handle = new DeviceHandle(fake.request, UID, streamTest);
  const result = await handle.call("short_write_extra_full", {
    extra_1: 1,
    extra_2: 2,
    extra_3: 3,
    extra_4: 4,
    message: chars(120),
  });
  assert.deepEqual(result, { extra_5: 13, message_written: 120, extra_6: 23 });
  const first = fake.calls("short_write_extra_full_low_level")[0].values;
  assert.deepEqual([first[0], first[1], first[2], first[3], first[4], first[6]], [
    1,
    120,
    2,
    0,
    3,
    4,
  ]);
});

Deno.test("stream out with extra results: non-stream results come from the last response", async () => {
  const message = chars(100);
  const stream = new DeviceStreamOut(56, "\0");
  let chunk = 0;
  const fake = new FakeDevice(streamTest, {
    normal_read_extra_out_full_low_level: () => {
      chunk++;
      const [length, offset, data] = stream.next(() => message);
      return [chunk, length, chunk * 2, offset, chunk * 3, data, chunk * 4];
    },
  });
  const handle = new DeviceHandle(fake.request, UID, streamTest);
  assert.deepEqual(await handle.call("normal_read_extra_out_full", {}), {
    extra_1: 2,
    extra_2: 4,
    extra_3: 6,
    message,
    extra_4: 8,
  });
});

Deno.test("short single-chunk write reports the device's written count", async () => {
  const fake = new FakeDevice(streamTest, {
    short_single_write_extra_full_low_level: () => [7, 33, 8],
  });
  const handle = new DeviceHandle(fake.request, UID, streamTest);
  const result = await handle.call("short_single_write_extra_full", {
    extra_1: 1,
    extra_2: 2,
    extra_3: 3,
    message: chars(50),
  });
  assert.deepEqual(result, { extra_4: 7, message_written: 33, extra_5: 8 });
  const [values] = fake.received.map((call) => call.values);
  assert.deepEqual(values.slice(0, 3), [1, 50, 2]);
  assert.deepEqual(values[3], [...chars(50), ...new Array(10).fill("\0")]);
});

Deno.test("stream calls wait for each other even while one is held by the device", async () => {
  const held = gate();
  let first = true;
  const fake = new FakeDevice(rs232, {
    read_low_level: async () => {
      if (first) {
        first = false;
        await held.promise;
      }
      return [10, 0, new Array(60).fill("r")];
    },
    write_low_level: ([length]) => [length],
  });
  const handle = new DeviceHandle(fake.request, UID, rs232);
  const read = handle.call("read", { length: 10 });
  const write = handle.call("write", { message: "abc" });
  // Plenty of microtask turns for an unserialised write to reach the device.
  for (let i = 0; i < 50; i++) await Promise.resolve();
  assert.deepEqual(fake.received.map((call) => call.name), ["read_low_level"]);
  held.open();
  assert.deepEqual(await read, { message: new Array(10).fill("r") });
  assert.deepEqual(await write, { message_written: 3 });
  assert.deepEqual(fake.received.map((call) => call.name), ["read_low_level", "write_low_level"]);
});
