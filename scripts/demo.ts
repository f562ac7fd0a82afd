/**
 * `deno task demo`: tfedge on its embedded defaults, no hardware, no broker
 * to install.
 *
 * Starts the simulated brickd with the demo set (a HAT Brick with eight
 * Bricklets), an embedded MQTT broker (aedes) and the tinkerforge_mqtt
 * bridge between them, all on free loopback ports. Then it acts as an MQTT
 * client of the bridge: it lists the devices (ip_connection/enumerate),
 * prints a few readings every two seconds (request/response topics) and the
 * button callbacks (register/callback topics), and prints commands to try
 * with mosquitto_pub/mosquitto_sub. Runs until Ctrl-C, or for `--seconds N`
 * (used by smoke tests).
 *
 * @module
 */
import mqtt from "mqtt";
import { BridgeLogger } from "../src/bridge/log.ts";
import { startBridge } from "../src/bridge/start.ts";
import { parseArgs } from "../src/deps/cli.ts";
import { startSimulatedBrickd } from "../src/sim/brickd.ts";
import { DEFAULT_DEVICES } from "../src/sim/default_devices.ts";
import { startEmbeddedBroker } from "../src/sim/embedded_broker.ts";

const { values } = parseArgs({ args: Deno.args, options: { seconds: { type: "string" } } });
const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
const T = "tinkerforge/";

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 23)} ${line}`);
const brickd = await startSimulatedBrickd({ devices: DEFAULT_DEVICES });
const broker = await startEmbeddedBroker();
log(`simulated brickd on 127.0.0.1:${brickd.port} with ${DEFAULT_DEVICES.length} devices`);
log(`embedded MQTT broker on 127.0.0.1:${broker.port}`);
// The bridge logs like tinkerforge_mqtt, on stderr.
const bridge = await startBridge(
  { brokerPort: broker.port, ipconPort: brickd.port },
  { logger: new BridgeLogger() },
);
log("tinkerforge_mqtt bridge running");

const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
const pending = new Map<string, (payload: Record<string, unknown>) => void>();
client.on("message", (topic, bytes) => {
  const text = new TextDecoder().decode(bytes);
  const payload = JSON.parse(text);
  if (topic === `${T}callback/ip_connection/enumerate`) {
    const { uid, enumeration_type: type, _display_name: name, position, connected_uid } = payload;
    log(`device ${uid} ${type}: ${name} at ${position} of ${connected_uid}`);
  } else if (topic === `${T}callback/rgb_led_button_bricklet/Btn/button_state_changed`) {
    log(`callback rgb_led_button_bricklet/Btn/button_state_changed ${text}`);
  } else {
    pending.get(topic)?.(payload);
    pending.delete(topic);
  }
});
await client.subscribeAsync([`${T}callback/#`, `${T}response/#`]);
await client.publishAsync(`${T}register/ip_connection/enumerate`, "true");
await client.publishAsync(`${T}register/rgb_led_button_bricklet/Btn/button_state_changed`, "true");
await client.publishAsync(`${T}request/ip_connection/enumerate`, "");

/** One request over MQTT; resolves with the answer, or undefined after a second. */
function request(path: string): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 1000);
    pending.set(`${T}response/${path}`, (payload) => {
      clearTimeout(timer);
      resolve(payload);
    });
    client.publish(`${T}request/${path}`, "");
  });
}

const sensors = [
  ["temperature_v2_bricklet/Tmp/get_temperature", "temperature", 100, "°C"],
  ["humidity_v2_bricklet/Hum/get_humidity", "humidity", 100, "%RH"],
  ["ambient_light_v3_bricklet/Lux/get_illuminance", "illuminance", 100, "lx"],
  ["barometer_v2_bricklet/Baro/get_air_pressure", "air_pressure", 1000, "hPa"],
] as const;

async function printReadings(): Promise<void> {
  const parts: string[] = [];
  for (const [path, key, divisor, unit] of sensors) {
    const answer = await request(path);
    const value = answer?.[key];
    parts.push(
      typeof value === "number"
        ? `${key} ${(value / divisor).toFixed(2)} ${unit}`
        : `${key} failed: ${answer?._ERROR ?? "no answer"}`,
    );
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

const where = `-h 127.0.0.1 -p ${broker.port}`;
log("try in another terminal:");
log(`  mosquitto_sub ${where} -t 'tinkerforge/#' -v`);
log(
  `  mosquitto_pub ${where} -t tinkerforge/request/rgb_led_button_bricklet/Btn/set_color -m '{"red": 255, "green": 127, "blue": 0}'`,
);
log(`  mosquitto_pub ${where} -t tinkerforge/request/rgb_led_button_bricklet/Btn/get_color -m ''`);
log(
  `  deno task start --broker-host 127.0.0.1 --broker-port ${broker.port} --ipcon-host 127.0.0.1 --ipcon-port ${brickd.port} --global-topic-prefix second`,
);
log(
  seconds === undefined ? "Ctrl-C stops the demo" : `demo runs for ${seconds} s`,
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
await client.endAsync();
await bridge.stop();
await broker.close();
await brickd.stop();
log("demo stopped");
