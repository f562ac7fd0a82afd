/**
 * `deno task demo`: tfedge on its embedded defaults.
 *
 * Starts the simulated brickd with the demo set (a HAT Brick with eight
 * Bricklets) on a free loopback port, connects a TFP client to it, lists the
 * devices, prints a few readings every few seconds and the button callbacks,
 * and runs until Ctrl-C (or for `--seconds N`, used by smoke tests).
 *
 * @module
 */
import { parseArgs } from "../src/deps/cli.ts";
import { startSimulatedBrickd } from "../src/sim/brickd.ts";
import { DEFAULT_DEVICES } from "../src/sim/default_devices.ts";
import { TfpConnection } from "../src/tfp/connection.ts";
import { DeviceHandle } from "../src/tfp/device_calls.ts";
import { parseUid } from "../src/tfp/base58.ts";
import { deviceByName } from "../src/tfp/registry.ts";
import { describeEnumerate } from "../src/cli/main.ts";
import { decodeNamed } from "../src/tfp/payload.ts";

const { values } = parseArgs({ args: Deno.args, options: { seconds: { type: "string" } } });
const seconds = values.seconds === undefined ? undefined : Number(values.seconds);

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 23)} ${line}`);
const brickd = await startSimulatedBrickd({ devices: DEFAULT_DEVICES });
log(
  `simulated brickd listening on 127.0.0.1:${brickd.port} with ${DEFAULT_DEVICES.length} devices`,
);

const connection = new TfpConnection({ host: "127.0.0.1", port: brickd.port });
connection.on("enumerate", (event) => log(describeEnumerate(event)));
connection.on("connected", (reason) => log(`connected to brickd (${reason})`));
connection.on("disconnected", (reason) => log(`disconnected from brickd (${reason})`));
await connection.connect();
await connection.enumerate();

const request = connection.request.bind(connection);
const sensors = [
  ["temperature_v2_bricklet", "Tmp", "get_temperature", "temperature", 100, "°C"],
  ["humidity_v2_bricklet", "Hum", "get_humidity", "humidity", 100, "%RH"],
  ["ambient_light_v3_bricklet", "Lux", "get_illuminance", "illuminance", 100, "lx"],
  ["barometer_v2_bricklet", "Baro", "get_air_pressure", "air_pressure", 1000, "hPa"],
] as const;

// Show a callback too: the button reports presses; the demo presses it now and then.
const button = deviceByName("rgb_led_button_bricklet")!;
const buttonCallback = button.callbacks.find((c) => c.name === "button_state_changed")!;
connection.on("callback", (uid, fid, payload) => {
  if (uid !== parseUid("Btn") || fid !== buttonCallback.id) return;
  const { state } = decodeNamed(buttonCallback.out, payload);
  log(
    `callback rgb_led_button_bricklet/Btn/button_state_changed: state ${
      state === 0 ? "pressed" : "released"
    }`,
  );
});

async function printReadings(): Promise<void> {
  const parts: string[] = [];
  for (const [type, uid, fn, key, divisor, unit] of sensors) {
    try {
      const result = await new DeviceHandle(request, parseUid(uid), deviceByName(type)!).call(
        fn,
        {},
      );
      parts.push(`${key} ${(Number(result?.[key]) / divisor).toFixed(2)} ${unit}`);
    } catch (error) {
      parts.push(`${key} failed: ${(error as Error).message}`);
    }
  }
  log(parts.join(" | "));
}

let pressed = false;
const timer = setInterval(() => {
  void printReadings();
  pressed = !pressed;
  brickd.fireCallback("Btn", "button_state_changed", { state: pressed ? 0 : 1 });
}, 2000);
await printReadings();
log(
  seconds === undefined
    ? `try: deno task start --ipcon-host 127.0.0.1 --ipcon-port ${brickd.port}   (Ctrl-C stops the demo)`
    : `demo runs for ${seconds} s`,
);

const stop = Promise.withResolvers<void>();
Deno.addSignalListener("SIGINT", stop.resolve);
Deno.addSignalListener("SIGTERM", stop.resolve);
const deadline = seconds === undefined ? undefined : setTimeout(stop.resolve, seconds * 1000);
await stop.promise;
clearTimeout(deadline);
clearInterval(timer);
Deno.removeSignalListener("SIGINT", stop.resolve);
Deno.removeSignalListener("SIGTERM", stop.resolve);
await connection.close();
await brickd.stop();
log("demo stopped");
