/**
 * Our client against our simulated brickd: authentication, re-authentication
 * after a simulator restart, wrong secrets, error codes injected by the
 * simulator, stream calls, callbacks, and a silent daemon.
 */
import assert from "node:assert/strict";
import { TfpConnection } from "../src/tfp/connection.ts";
import { DeviceHandle } from "../src/tfp/device_calls.ts";
import { TfpError } from "../src/tfp/errors.ts";
import { parseUid } from "../src/tfp/base58.ts";
import { deviceByName } from "../src/tfp/registry.ts";
import { startSimulatedBrickd } from "../src/sim/brickd.ts";
import type { DeviceConfig } from "../src/sim/config.ts";
import { nextEvent } from "./support/deadline.ts";

const SECRET = "My Authentication Secret!";
const DEVICES: DeviceConfig[] = [
  { type: "rgb_led_button_bricklet", uid: "Dod", position: "a" },
  { type: "temperature_v2_bricklet", uid: "Tmp", position: "b" },
  { type: "rs232_v2_bricklet", uid: "Rs2", position: "c" },
];

function handle(connection: TfpConnection, type: string, uid: string): DeviceHandle {
  return new DeviceHandle(connection.request.bind(connection), parseUid(uid), deviceByName(type)!);
}

Deno.test("client authenticates, and re-authenticates after the simulator restarts", async () => {
  const brickd = await startSimulatedBrickd({ devices: DEVICES, secret: SECRET, seed: 7 });
  const connection = new TfpConnection({
    host: "127.0.0.1",
    port: brickd.port,
    secret: SECRET,
    reconnectDelayMs: [20, 200],
  });
  try {
    await connection.connect();
    const button = handle(connection, "rgb_led_button_bricklet", "Dod");
    await button.call("set_color", { red: 1, green: 2, blue: 3 });
    assert.deepEqual(await button.call("get_color", {}), { red: 1, green: 2, blue: 3 });

    const disconnected = nextEvent(connection, "disconnected");
    const reconnected = nextEvent(connection, "connected", 10_000);
    await brickd.stop();
    assert.equal((await disconnected)[0], "shutdown");
    await brickd.start();
    assert.deepEqual(await reconnected, ["auto-reconnect"]);
    // An unauthenticated client gets no answers from brickd, so this proves re-authentication.
    assert.deepEqual(await button.call("get_color", {}), { red: 1, green: 2, blue: 3 });
  } finally {
    await connection.close();
    await brickd.stop();
  }
});

Deno.test("a wrong secret fails with authentication_failed and never leaks the secret", async () => {
  const brickd = await startSimulatedBrickd({ devices: DEVICES, secret: SECRET });
  const wrong = "not-the-secret-42";
  const connection = new TfpConnection({ host: "127.0.0.1", port: brickd.port, secret: wrong });
  try {
    await assert.rejects(connection.connect(), (error: TfpError) => {
      assert.equal(error.code, "authentication_failed");
      assert.ok(!error.message.includes(wrong), "secret in the error text");
      assert.ok(!error.message.includes(SECRET));
      return true;
    });
    assert.equal(connection.state, "disconnected");
  } finally {
    await connection.close();
    await brickd.stop();
  }
});

Deno.test("error codes injected by the simulator reach the caller as typed errors", async () => {
  const brickd = await startSimulatedBrickd({ devices: DEVICES });
  const connection = new TfpConnection({ host: "127.0.0.1", port: brickd.port });
  try {
    await connection.connect();
    const sensor = handle(connection, "temperature_v2_bricklet", "Tmp");
    for (
      const [code, name] of [[1, "invalid_parameter"], [2, "function_not_supported"], [
        3,
        "unknown_error",
      ]] as const
    ) {
      brickd.failNext("Tmp", "get_temperature", code);
      await assert.rejects(
        sensor.call("get_temperature", {}),
        (error: TfpError) => error.code === name,
      );
    }
    const reading = await sensor.call("get_temperature", {});
    assert.equal(typeof reading?.temperature, "number");
  } finally {
    await connection.close();
    await brickd.stop();
  }
});

Deno.test("a silent daemon makes requests time out; an unknown uid gets no answer either", async () => {
  const brickd = await startSimulatedBrickd({ devices: DEVICES });
  const connection = new TfpConnection({ host: "127.0.0.1", port: brickd.port, timeoutMs: 200 });
  try {
    await connection.connect();
    await assert.rejects(
      connection.getIdentity(parseUid("Zzz")),
      (e: TfpError) => e.code === "timeout",
    );
    brickd.setSilent(true);
    await assert.rejects(
      connection.getIdentity(parseUid("Tmp")),
      (e: TfpError) => e.code === "timeout",
    );
    brickd.setSilent(false);
    const identity = await connection.getIdentity(parseUid("Tmp"));
    assert.equal(identity.uid, "Tmp");
    assert.equal(identity.deviceIdentifier, deviceByName("temperature_v2_bricklet")!.identifier);
  } finally {
    await connection.close();
    await brickd.stop();
  }
});

Deno.test("high-level stream calls and periodic callbacks work end to end", async () => {
  const brickd = await startSimulatedBrickd({ devices: DEVICES });
  const connection = new TfpConnection({ host: "127.0.0.1", port: brickd.port });
  try {
    await connection.connect();
    const rs232 = handle(connection, "rs232_v2_bricklet", "Rs2");
    const message = [..."hello, stream! ".repeat(10)];
    const written = await rs232.call("write", { message });
    assert.equal(written?.message_written, message.length);

    const sensor = handle(connection, "temperature_v2_bricklet", "Tmp");
    const temperatureCallback = deviceByName("temperature_v2_bricklet")!.callbacks
      .find((c) => c.name === "temperature")!;
    const received = new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no temperature callback in 3 s")), 3000);
      const off = connection.on("callback", (uid, fid, payload) => {
        if (uid !== parseUid("Tmp") || fid !== temperatureCallback.id) return;
        clearTimeout(timer);
        off();
        resolve(payload);
      });
    });
    await sensor.call("set_temperature_callback_configuration", {
      period: 20,
      value_has_to_change: false,
      option: "x",
      min: 0,
      max: 0,
    });
    assert.equal((await received).length, 2);
    await sensor.call("set_temperature_callback_configuration", {
      period: 0,
      value_has_to_change: false,
      option: "x",
      min: 0,
      max: 0,
    });
  } finally {
    await connection.close();
    await brickd.stop();
  }
});
