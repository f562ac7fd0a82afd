/**
 * `deno task demo`: the whole agent on embedded defaults, no hardware, no broker, no
 * ThingsBoard to install.
 *
 * Starts, on free loopback ports: the simulated brickd with the demo set (a HAT Brick with
 * eight Bricklets), an embedded MQTT broker (aedes), and the ThingsBoard test server with a
 * provisioning profile. Then it runs the agent exactly as `tfedge` would with these flags
 * (printed), from an empty state directory, so the first boot provisions a device. It prints
 * the agent's events from the local broker, what ThingsBoard receives, one RPC round trip, and
 * commands to try. Runs until Ctrl-C, or for `--seconds N` (smoke tests).
 *
 * @module
 */
import mqtt from "mqtt";
import { Agent } from "../src/agent/agent.ts";
import { BridgeLogger } from "../src/bridge/log.ts";
import { resolveAgentConfig } from "../src/config/load.ts";
import { parseArgs } from "../src/deps/cli.ts";
import { startSimulatedBrickd } from "../src/sim/brickd.ts";
import { DEFAULT_DEVICES } from "../src/sim/default_devices.ts";
import { startEmbeddedBroker } from "../src/sim/embedded_broker.ts";
import { startThingsBoardServer } from "../src/sim/thingsboard/mod.ts";

const { values } = parseArgs({ args: Deno.args, options: { seconds: { type: "string" } } });
const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
const DEVICE_NAME = "tfedge-demo";

const log = (line: string) => console.log(`${new Date().toISOString().slice(11, 23)} ${line}`);
const brickd = await startSimulatedBrickd({ devices: DEFAULT_DEVICES });
const broker = await startEmbeddedBroker();
// The demo's provisioning key and secret are public test values of the embedded test server.
const provisioning = { key: "demo-provision-key", secret: "demo-provision-secret" };
const thingsboard = await startThingsBoardServer({ port: 0, provisioning });
const stateDir = await Deno.makeTempDir({ prefix: "tfedge-demo-" });
log(`simulated brickd       127.0.0.1:${brickd.port} (${DEFAULT_DEVICES.length} devices)`);
log(`embedded MQTT broker   127.0.0.1:${broker.port}`);
log(`ThingsBoard test server 127.0.0.1:${thingsboard.port} (provisioning enabled)`);

const argv = [
  "--ipcon-host=127.0.0.1",
  `--ipcon-port=${brickd.port}`,
  "--broker-host=127.0.0.1",
  `--broker-port=${broker.port}`,
  "--tb-host=127.0.0.1",
  `--tb-port=${thingsboard.port}`,
  `--tb-provision-key=${provisioning.key}`,
  `--tb-provision-secret=${provisioning.secret}`,
  `--tb-device-name=${DEVICE_NAME}`,
  "--telemetry-interval=2",
  "--status-interval=10",
  `--state-dir=${stateDir}`,
];
const resolved = resolveAgentConfig({ argv, env: {} });
if (!("config" in resolved)) {
  console.error(resolved.stderr ?? resolved.stdout);
  Deno.exit(resolved.exitCode);
}
log(`agent: tfedge ${argv.join(" ")}`);
const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
client.on("message", (topic, bytes) => {
  if (topic.startsWith("tfedge/event/")) {
    log(`local broker ${topic} ${new TextDecoder().decode(bytes)}`);
  }
});
await client.subscribeAsync("tfedge/#");

// The agent logs like tinkerforge_mqtt, on stderr.
const agent = new Agent(resolved.config, { logger: new BridgeLogger() });
const firstTelemetry = thingsboard.waitFor(
  "publish",
  (event) =>
    event.device === DEVICE_NAME && event.topic === "v1/devices/me/telemetry" &&
    new TextDecoder().decode(event.payload).includes("Tmp_temperature"),
  15_000,
);
await agent.start();

let rpcShown = false;
async function showThingsBoard(): Promise<void> {
  const device = thingsboard.devices().find((d) => d.name === DEVICE_NAME);
  if (device === undefined) return log("ThingsBoard: device not provisioned yet");
  const latest: Record<string, unknown> = {};
  for (const entry of thingsboard.telemetry(DEVICE_NAME)) Object.assign(latest, entry.values);
  const shown = Object.entries(latest)
    .filter(([key]) => /_(temperature|humidity|illuminance|air_pressure)$/.test(key))
    .map(([key, value]) => `${key}=${value}`);
  const attributes = Object.keys(thingsboard.clientAttributes(DEVICE_NAME)).length;
  log(`ThingsBoard has ${DEVICE_NAME}: ${shown.join(" ")} (+ ${attributes} attributes)`);
  if (rpcShown || shown.length === 0) return;
  rpcShown = true;
  const method = "rgb_led_button_bricklet/Btn/set_color";
  const reply = await thingsboard.pushRpc(DEVICE_NAME, method, { red: 255, green: 127, blue: 0 });
  log(`ThingsBoard RPC ${method} -> ${JSON.stringify(reply)}`);
  const color = await thingsboard.pushRpc(DEVICE_NAME, "rgb_led_button_bricklet/Btn/get_color");
  log(`ThingsBoard RPC rgb_led_button_bricklet/Btn/get_color -> ${JSON.stringify(color)}`);
}
// Show the first telemetry (and an RPC round trip) as soon as it arrives.
await firstTelemetry.then(() => showThingsBoard()).catch((e) => log(`no telemetry yet: ${e}`));
const timer = setInterval(() => showThingsBoard().catch((e) => log(`RPC failed: ${e}`)), 5000);

const where = `-h 127.0.0.1 -p ${broker.port}`;
log("try in another terminal:");
log(`  mosquitto_sub ${where} -t 'tfedge/#' -t 'tinkerforge/#' -v`);
log(
  `  mosquitto_pub ${where} -t tinkerforge/request/temperature_v2_bricklet/Tmp/get_temperature -m ''`,
);
log(seconds === undefined ? "Ctrl-C stops the demo" : `demo runs for ${seconds} s`);

const stop = Promise.withResolvers<void>();
Deno.addSignalListener("SIGINT", stop.resolve);
Deno.addSignalListener("SIGTERM", stop.resolve);
const deadline = seconds === undefined ? undefined : setTimeout(stop.resolve, seconds * 1000);
await Promise.race([stop.promise, agent.fatal]);
clearTimeout(deadline);
clearInterval(timer);
Deno.removeSignalListener("SIGINT", stop.resolve);
Deno.removeSignalListener("SIGTERM", stop.resolve);
await showThingsBoard().catch(() => {});
await client.endAsync();
await agent.stop();
await thingsboard.stop();
await broker.close();
await brickd.stop();
await Deno.remove(stateDir, { recursive: true });
log("demo stopped");
