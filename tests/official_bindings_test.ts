/**
 * Tinkerforge's official JavaScript bindings (npm:tinkerforge, CC0) against
 * our simulated brickd over real TCP: if the reference client is happy, the
 * simulator speaks TFP like brickd.
 */
import assert from "node:assert/strict";
import Tinkerforge from "tinkerforge";
import { DEFAULT_DEVICES, type SimulatedBrickd, startSimulatedBrickd } from "../src/sim/mod.ts";
import { within } from "./support/deadline.ts";

// deno-lint-ignore no-explicit-any
type Js = any;
const { IPConnection } = Tinkerforge as Js;

/** Resolves with the return-callback arguments of an official binding call, rejects on its error code. */
function call(target: Js, method: string, ...args: unknown[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    target[method](
      ...args,
      (...results: unknown[]) => resolve(results),
      (code: number) => reject(new Error(`${method} failed with binding error ${code}`)),
    );
  });
}

interface Session {
  sim: SimulatedBrickd;
  ipcon: Js;
  /** Resolves with the reason of the next CALLBACK_DISCONNECTED */
  disconnected: Promise<number>;
}

async function withOfficialClient(
  options: { secret?: string; autoReconnect?: boolean },
  body: (session: Session) => Promise<void>,
): Promise<void> {
  const sim = await startSimulatedBrickd({
    devices: DEFAULT_DEVICES,
    seed: 5,
    secret: options.secret,
  });
  const ipcon = new IPConnection();
  ipcon.setAutoReconnect(options.autoReconnect ?? false);
  const disconnected = new Promise<number>((resolve) =>
    ipcon.on(IPConnection.CALLBACK_DISCONNECTED, resolve)
  );
  try {
    const connected = new Promise<number>((resolve, reject) => {
      ipcon.on(IPConnection.CALLBACK_CONNECTED, resolve);
      ipcon.connect(
        "127.0.0.1",
        sim.port,
        (code: number) => reject(new Error(`connect failed: ${code}`)),
      );
    });
    assert.equal(await within(connected, 5000, "connect"), IPConnection.CONNECT_REASON_REQUEST);
    await body({ sim, ipcon, disconnected });
  } finally {
    if (ipcon.getConnectionState() !== IPConnection.CONNECTION_STATE_DISCONNECTED) {
      ipcon.disconnect();
      await within(disconnected, 5000, "disconnect");
    }
    await sim.stop();
  }
}

Deno.test("official bindings: enumerate sees every simulated device", async () => {
  await withOfficialClient({}, async ({ ipcon }) => {
    const seen = new Map<string, unknown[]>();
    const all = new Promise<void>((resolve) => {
      ipcon.on(IPConnection.CALLBACK_ENUMERATE, (...args: unknown[]) => {
        seen.set(args[0] as string, args);
        if (seen.size === DEFAULT_DEVICES.length) resolve();
      });
    });
    ipcon.enumerate();
    await within(all, 5000, "enumerate callbacks");
    const [, connectedUid, position, hardware, firmware, identifier, type] = seen.get("Btn")!;
    assert.deepEqual(
      [connectedUid, position, hardware, firmware, identifier, type],
      ["HAT1", "e", [1, 0, 0], [2, 0, 0], 282, IPConnection.ENUMERATION_TYPE_AVAILABLE],
    );
    assert.equal(seen.get("HAT1")![5], 111);
  });
});

Deno.test("official bindings: getter, setter and an event callback", async () => {
  await withOfficialClient({}, async ({ sim, ipcon }) => {
    const button = new Tinkerforge.BrickletRGBLEDButton("Btn", ipcon);
    assert.deepEqual(await call(button, "getColor"), [0, 64, 255]);
    await call(button, "setColor", 12, 34, 56);
    assert.deepEqual(await call(button, "getColor"), [12, 34, 56]);
    const pressed = new Promise<unknown[]>((resolve) => {
      button.on(
        Tinkerforge.BrickletRGBLEDButton.CALLBACK_BUTTON_STATE_CHANGED,
        (...a: unknown[]) => resolve(a),
      );
    });
    assert.equal(sim.fireCallback("Btn", "button_state_changed", { state: 0 }), true);
    assert.deepEqual(await within(pressed, 2000, "button callback"), [
      Tinkerforge.BrickletRGBLEDButton.BUTTON_STATE_PRESSED,
    ]);
    assert.deepEqual(await call(button, "getButtonState"), [0]);
  });
});

Deno.test("official bindings: Temperature 2.0 periodic callback", async () => {
  await withOfficialClient({}, async ({ ipcon }) => {
    const sensor = new Tinkerforge.BrickletTemperatureV2("Tmp", ipcon);
    const temperatures: number[] = [];
    const two = new Promise<void>((resolve) => {
      sensor.on(Tinkerforge.BrickletTemperatureV2.CALLBACK_TEMPERATURE, (t: number) => {
        temperatures.push(t);
        if (temperatures.length === 2) resolve();
      });
    });
    await call(sensor, "setTemperatureCallbackConfiguration", 50, false, "x", 0, 0);
    await within(two, 3000, "two temperature callbacks");
    for (const t of temperatures) assert.ok(t >= -4500 && t <= 13000, `temperature ${t}`);
    assert.deepEqual(await call(sensor, "getTemperatureCallbackConfiguration"), [
      50,
      false,
      "x",
      0,
      0,
    ]);
    await call(sensor, "setTemperatureCallbackConfiguration", 0, false, "x", 0, 0);
  });
});

Deno.test("official bindings: high-level streams (RS232 2.0 write/read, LED Strip 2.0)", async () => {
  await withOfficialClient({}, async ({ ipcon }) => {
    const serial = new Tinkerforge.BrickletRS232V2("Ser", ipcon);
    const message = "x".repeat(70) + " hello from the official bindings " + "y".repeat(50);
    assert.deepEqual(await call(serial, "write", message.split("")), [message.length]);
    const [read] = await call(serial, "read", 1000);
    assert.equal((read as string[]).join(""), message);

    const strip = new Tinkerforge.BrickletLEDStripV2("Led", ipcon);
    const values = Array.from({ length: 3 * 50 }, (_, i) => (i * 5) % 256);
    await call(strip, "setLEDValues", 0, values);
    assert.deepEqual(await call(strip, "getLEDValues", 0, values.length), [values]);
  });
});

Deno.test("official bindings: authenticate with the right secret", async () => {
  await withOfficialClient({ secret: "open sesame" }, async ({ ipcon }) => {
    await within(call(ipcon, "authenticate", "open sesame"), 5000, "authentication");
    const button = new Tinkerforge.BrickletRGBLEDButton("Btn", ipcon);
    assert.deepEqual(await call(button, "getColor"), [0, 64, 255]);
  });
});

Deno.test("official bindings: a wrong secret ends the connection", async () => {
  await withOfficialClient({ secret: "open sesame" }, async ({ ipcon, disconnected }) => {
    ipcon.setTimeout(500);
    const result = call(ipcon, "authenticate", "wrong secret").then(() => "ok", (e) => String(e));
    assert.notEqual(
      await within(disconnected, 5000, "disconnect"),
      IPConnection.DISCONNECT_REASON_REQUEST,
    );
    assert.match(await within(result, 5000, "authenticate result"), /failed with binding error/);
  });
});
