/**
 * The demo (`deno task demo`, `tfedge --demo`): the whole agent on embedded defaults, no
 * hardware, no broker, no ThingsBoard to install.
 *
 * Starts, on free loopback ports: the simulated brickd with the demo set (a HAT Brick with
 * eight Bricklets), an embedded MQTT broker (aedes), and the ThingsBoard test server with a
 * provisioning profile. Then it runs the agent exactly as `tfedge` would with these flags
 * (printed), from an empty state directory, so the first boot provisions a device. It prints
 * the agent's events from the local broker, what ThingsBoard receives, one RPC round trip, and
 * commands to try. Runs until SIGINT/SIGTERM, or for `seconds` after the first telemetry (smoke
 * tests).
 *
 * @module
 */
import mqtt from "mqtt";
import { Agent } from "../agent/agent.ts";
import { BridgeLogger } from "../bridge/log.ts";
import { resolveAgentConfig } from "../config/load.ts";
import { startSimulatedBrickd } from "./brickd.ts";
import { DEFAULT_DEVICES } from "./default_devices.ts";
import { startEmbeddedBroker } from "./embedded_broker.ts";
import { startThingsBoardServer } from "./thingsboard/mod.ts";

/** How {@link runDemo} runs. */
export interface DemoOptions {
  /** Stop this many seconds after the first telemetry was shown; default: run until stopped */
  readonly seconds?: number;
  /** Receives each printed line (without newline); default: stdout */
  readonly out?: (line: string) => void;
  /** Resolves when the demo should stop; default: SIGINT or SIGTERM */
  readonly stopSignal?: Promise<void>;
  /** The agent's log; default: tinkerforge_mqtt's log format on stderr */
  readonly logger?: BridgeLogger;
}

/** The device name the demo provisions on the ThingsBoard test server. */
export const DEMO_DEVICE_NAME = "tfedge-demo";
// Public test values of the embedded test server, not secrets of any real ThingsBoard.
const PROVISIONING = { key: "demo-provision-key", secret: "demo-provision-secret" };
const decoder = new TextDecoder();

/** Runs the demo until stopped; resolves with the process exit code. */
export async function runDemo(options: DemoOptions = {}): Promise<number> {
  const seconds = options.seconds;
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0)) {
    throw new RangeError(`Demo seconds must be a positive number, got ${seconds}`);
  }
  const out = options.out ?? ((line: string) => console.log(line));
  const log = (line: string) => out(`${new Date().toISOString().slice(11, 23)} ${line}`);
  const cleanup: Array<() => Promise<unknown> | void> = [];
  const signals = options.stopSignal === undefined ? stopSignals() : undefined;
  if (signals !== undefined) cleanup.push(signals.remove);
  try {
    const brickd = await startSimulatedBrickd({ devices: DEFAULT_DEVICES });
    cleanup.push(() => brickd.stop());
    const broker = await startEmbeddedBroker();
    cleanup.push(() => broker.close());
    const thingsboard = await startThingsBoardServer({ port: 0, provisioning: PROVISIONING });
    cleanup.push(() => thingsboard.stop());
    const stateDir = await Deno.makeTempDir({ prefix: "tfedge-demo-" });
    cleanup.push(() => Deno.remove(stateDir, { recursive: true }));
    log(`simulated brickd        127.0.0.1:${brickd.port} (${DEFAULT_DEVICES.length} devices)`);
    log(`embedded MQTT broker    127.0.0.1:${broker.port}`);
    log(`ThingsBoard test server 127.0.0.1:${thingsboard.port} (provisioning enabled)`);

    const argv = [
      "--ipcon-host=127.0.0.1",
      `--ipcon-port=${brickd.port}`,
      "--broker-host=127.0.0.1",
      `--broker-port=${broker.port}`,
      "--tb-host=127.0.0.1",
      `--tb-port=${thingsboard.port}`,
      `--tb-provision-key=${PROVISIONING.key}`,
      `--tb-provision-secret=${PROVISIONING.secret}`,
      `--tb-device-name=${DEMO_DEVICE_NAME}`,
      "--telemetry-interval=2",
      "--status-interval=10",
      `--state-dir=${stateDir}`,
    ];
    const resolved = resolveAgentConfig({ argv, env: {} });
    if (!("config" in resolved)) {
      out((resolved.stderr ?? resolved.stdout ?? "").trimEnd());
      return resolved.exitCode;
    }
    log(`agent: tfedge ${argv.join(" ")}`);
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    cleanup.push(() => client.endAsync());
    client.on("message", (topic, bytes) => {
      if (topic.startsWith("tfedge/event/")) log(`local broker ${topic} ${decoder.decode(bytes)}`);
    });
    await client.subscribeAsync("tfedge/#");

    // The agent logs like tinkerforge_mqtt, on stderr.
    const agent = new Agent(resolved.config, { logger: options.logger ?? new BridgeLogger() });
    cleanup.push(() => agent.stop());
    agent.fatal.catch(() => {}); // handled by the race below; this covers a failing start
    const firstTelemetry = thingsboard.waitFor(
      "publish",
      (event) =>
        event.device === DEMO_DEVICE_NAME && event.topic === "v1/devices/me/telemetry" &&
        decoder.decode(event.payload).includes("Tmp_temperature"),
      15_000,
    );
    await agent.start();

    let rpcShown = false;
    const showThingsBoard = async (): Promise<void> => {
      const device = thingsboard.devices().find((d) => d.name === DEMO_DEVICE_NAME);
      if (device === undefined) return log("ThingsBoard: device not provisioned yet");
      const latest: Record<string, unknown> = {};
      for (const entry of thingsboard.telemetry(DEMO_DEVICE_NAME)) {
        Object.assign(latest, entry.values);
      }
      const shown = Object.entries(latest)
        .filter(([key]) => /_(temperature|humidity|illuminance|air_pressure)$/.test(key))
        .map(([key, value]) => `${key}=${value}`);
      const attributes = Object.keys(thingsboard.clientAttributes(DEMO_DEVICE_NAME)).length;
      log(`ThingsBoard has ${DEMO_DEVICE_NAME}: ${shown.join(" ")} (+ ${attributes} attributes)`);
      if (rpcShown || shown.length === 0) return;
      rpcShown = true;
      const method = "rgb_led_button_bricklet/Btn/set_color";
      const color = { red: 255, green: 127, blue: 0 };
      const reply = await thingsboard.pushRpc(DEMO_DEVICE_NAME, method, color);
      log(`ThingsBoard RPC ${method} -> ${JSON.stringify(reply)}`);
      const getter = "rgb_led_button_bricklet/Btn/get_color";
      log(
        `ThingsBoard RPC ${getter} -> ${
          JSON.stringify(await thingsboard.pushRpc(DEMO_DEVICE_NAME, getter))
        }`,
      );
    };
    // Show the first telemetry (and an RPC round trip) as soon as it arrives.
    await firstTelemetry.then(showThingsBoard).catch((e) => log(`no telemetry yet: ${e}`));
    const timer = setInterval(() => showThingsBoard().catch((e) => log(`RPC failed: ${e}`)), 5000);
    cleanup.push(() => clearInterval(timer));

    const where = `-h 127.0.0.1 -p ${broker.port}`;
    log("try in another terminal:");
    log(`  mosquitto_sub ${where} -t 'tfedge/#' -t 'tinkerforge/#' -v`);
    log(
      `  mosquitto_pub ${where} -t tinkerforge/request/temperature_v2_bricklet/Tmp/get_temperature -m ''`,
    );
    log(seconds === undefined ? "Ctrl-C stops the demo" : `demo runs for ${seconds} s`);

    const stopped = options.stopSignal ?? signals!.promise;
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const timeUp = new Promise<void>((resolve) => {
      if (seconds !== undefined) deadline = setTimeout(resolve, seconds * 1000);
    });
    cleanup.push(() => clearTimeout(deadline));
    try {
      await Promise.race([stopped, timeUp, agent.fatal]);
    } catch (error) {
      log(`the agent stopped: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
    await showThingsBoard().catch(() => {});
    return 0;
  } finally {
    // Last started, first stopped: the agent before the servers it talks to.
    for (const step of cleanup.reverse()) {
      await Promise.resolve().then(step).catch((e) => log(`while stopping: ${e}`));
    }
    log("demo stopped");
  }
}

/** SIGINT or SIGTERM, whichever comes first; `remove` unregisters both. */
function stopSignals(): { promise: Promise<void>; remove: () => void } {
  const { promise, resolve } = Promise.withResolvers<void>();
  const onSignal = () => resolve();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  return {
    promise,
    remove: () => {
      Deno.removeSignalListener("SIGINT", onSignal);
      Deno.removeSignalListener("SIGTERM", onSignal);
    },
  };
}
