import assert from "node:assert/strict";
import { DeviceHandle } from "./device_calls.ts";
import { TfpDeviceError, TfpError } from "./errors.ts";
import { FakeDevice, gate } from "./fake_device_test_helper.ts";
import { deviceByName } from "./registry.ts";
import type { DeviceSpec } from "./spec.ts";

const UID = 0x1234_5678;

function device(name: string): DeviceSpec {
  const found = deviceByName(name);
  assert.ok(found, `device "${name}" exists`);
  return found;
}

const rs232 = device("rs232_v2_bricklet");
const ledStrip = device("led_strip_v2_bricklet");

function rs232Fake() {
  return new FakeDevice(rs232, {
    get_configuration: () => [115200, 2, 1, 8, 0],
    set_configuration: () => [],
    enable_read_callback: () => [],
    get_buffer_status: () => [7, 9],
  });
}

Deno.test("call() encodes named arguments and decodes named results", async () => {
  const fake = rs232Fake();
  const handle = new DeviceHandle(fake.request, UID, rs232);
  const config = await handle.call("get_configuration", {});
  assert.deepEqual(config, {
    baudrate: 115200,
    parity: 2,
    stopbits: 1,
    wordlength: 8,
    flowcontrol: 0,
  });
  assert.deepEqual(fake.received[0], {
    uid: UID,
    name: "get_configuration",
    values: [],
    responseExpected: true,
    timeoutMs: undefined,
  });
});

Deno.test("call() passes timeoutMs to every request", async () => {
  const fake = rs232Fake();
  const handle = new DeviceHandle(fake.request, UID, rs232);
  await handle.call("get_buffer_status", {}, { timeoutMs: 1234 });
  assert.equal(fake.received[0].timeoutMs, 1234);
});

Deno.test("a setter with response expected off (default) resolves undefined and sends R=0", async () => {
  const fake = rs232Fake();
  const handle = new DeviceHandle(fake.request, UID, rs232);
  assert.equal(handle.getResponseExpected("set_configuration"), false);
  const args = { baudrate: 9600, parity: 0, stopbits: 1, wordlength: 8, flowcontrol: 0 };
  assert.equal(await handle.call("set_configuration", args), undefined);
  assert.equal(fake.received[0].responseExpected, false);
  assert.deepEqual(fake.received[0].values, [9600, 0, 1, 8, 0]);
});

Deno.test("a setter with response expected switched on awaits the ack and resolves {}", async () => {
  const held = gate();
  const fake = new FakeDevice(rs232, {
    set_configuration: async () => {
      await held.promise;
      return [];
    },
  });
  const handle = new DeviceHandle(fake.request, UID, rs232);
  handle.setResponseExpected("set_configuration", true);
  assert.equal(handle.getResponseExpected("set_configuration"), true);
  let settled = false;
  const call = handle.call("set_configuration", {
    baudrate: 9600,
    parity: 0,
    stopbits: 1,
    wordlength: 8,
    flowcontrol: 0,
  }).finally(() => settled = true);
  await Promise.resolve();
  assert.equal(settled, false, "the call waits for the ack");
  held.open();
  assert.deepEqual(await call, {});
  assert.equal(fake.received[0].responseExpected, true);
});

Deno.test("an acknowledged setter surfaces device errors", async () => {
  const fake = rs232Fake(); // no handler for set_buffer_config → function not supported
  const handle = new DeviceHandle(fake.request, UID, rs232);
  handle.setResponseExpected("set_buffer_config", true);
  await assert.rejects(
    handle.call("set_buffer_config", { send_buffer_size: 5120, receive_buffer_size: 5120 }),
    (error: unknown) => error instanceof TfpDeviceError && error.code === "function_not_supported",
  );
});

Deno.test("callback configuration functions default to response expected and can be switched off", async () => {
  const fake = rs232Fake();
  const handle = new DeviceHandle(fake.request, UID, rs232);
  assert.equal(handle.getResponseExpected("enable_read_callback"), true);
  assert.deepEqual(await handle.call("enable_read_callback", {}), {});
  handle.setResponseExpected("enable_read_callback", false);
  assert.equal(await handle.call("enable_read_callback", {}), undefined);
  assert.deepEqual(fake.received.map((request) => request.responseExpected), [true, false]);
});

Deno.test("always_true functions cannot be switched off; unknown names are rejected", async () => {
  const fake = rs232Fake();
  const handle = new DeviceHandle(fake.request, UID, rs232);
  assert.equal(handle.getResponseExpected("get_configuration"), true);
  assert.throws(
    () => handle.setResponseExpected("get_configuration", false),
    (error: unknown) =>
      error instanceof TypeError &&
      error.message === 'Response expected cannot be changed for function "get_configuration"',
  );
  // Refused even when switching "on", like the reference bindings.
  assert.throws(() => handle.setResponseExpected("get_configuration", true), TypeError);
  assert.equal(handle.getResponseExpected("get_configuration"), true);
  assert.throws(() => handle.getResponseExpected("nope"), RangeError);
  assert.throws(() => handle.setResponseExpected("nope", true), RangeError);
  await assert.rejects(handle.call("nope", {}), {
    name: "RangeError",
    message: 'Unknown function "nope" of device "rs232_v2_bricklet"',
  });
  assert.equal(fake.received.length, 0);
});

Deno.test("setResponseExpectedAll() flips every switchable function, never always_true ones", () => {
  const handle = new DeviceHandle(rs232Fake().request, UID, rs232);
  handle.setResponseExpectedAll(true);
  assert.equal(handle.getResponseExpected("set_configuration"), true);
  assert.equal(handle.getResponseExpected("enable_read_callback"), true);
  handle.setResponseExpectedAll(false);
  assert.equal(handle.getResponseExpected("set_configuration"), false);
  assert.equal(handle.getResponseExpected("enable_read_callback"), false);
  assert.equal(handle.getResponseExpected("get_configuration"), true);
  assert.equal(handle.getResponseExpected("write"), true); // short write: always_true
});

Deno.test("a high-level function shares the response-expected flag of its low-level twin", () => {
  const handle = new DeviceHandle(() => Promise.resolve(undefined), UID, ledStrip);
  assert.equal(handle.getResponseExpected("set_led_values"), true);
  handle.setResponseExpected("set_led_values_low_level", false);
  assert.equal(handle.getResponseExpected("set_led_values"), false);
  handle.setResponseExpected("set_led_values", true);
  assert.equal(handle.getResponseExpected("set_led_values_low_level"), true);
});

Deno.test("bad arguments are rejected before anything is sent", async () => {
  const fake = rs232Fake();
  const handle = new DeviceHandle(fake.request, UID, rs232);
  await assert.rejects(handle.call("set_configuration", { baudrate: 9600 }), TypeError);
  await assert.rejects(
    handle.call("set_configuration", {
      baudrate: -1,
      parity: 0,
      stopbits: 1,
      wordlength: 8,
      flowcontrol: 0,
    }),
    RangeError,
  );
  assert.equal(fake.received.length, 0);
});

Deno.test("a response of the wrong length fails with wrong_response_length", async () => {
  const handle = new DeviceHandle(() => Promise.resolve(new Uint8Array(3)), UID, rs232);
  await assert.rejects(
    handle.call("get_buffer_status", {}),
    (error: unknown) =>
      error instanceof TfpError && error.code === "wrong_response_length" &&
      error.message === "Expected response of 4 bytes for function 10, got 3",
  );
});

Deno.test("the request function gets the expected response length", async () => {
  const seen: (number | undefined)[] = [];
  const handle = new DeviceHandle(
    (_uid, _fid, _payload, options) => {
      seen.push(options.expectedLength);
      return Promise.resolve(new Uint8Array(options.expectedLength ?? 0));
    },
    UID,
    rs232,
  );
  await handle.call("get_configuration", {});
  await handle.call("enable_read_callback", {});
  assert.deepEqual(seen, [8, 0]);
});

Deno.test("normal calls are not held up by a stream call in progress", async () => {
  const held = gate();
  const chunk = new Array(60).fill("a");
  const fake = new FakeDevice(rs232, {
    read_low_level: async () => {
      await held.promise;
      return [60, 0, chunk];
    },
    get_buffer_status: () => [1, 2],
  });
  const handle = new DeviceHandle(fake.request, UID, rs232);
  const read = handle.call("read", { length: 60 });
  assert.deepEqual(await handle.call("get_buffer_status", {}), {
    send_buffer_used: 1,
    receive_buffer_used: 2,
  });
  held.open();
  assert.deepEqual(await read, { message: chunk });
});
