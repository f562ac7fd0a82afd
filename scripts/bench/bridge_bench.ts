/**
 * The MQTT bridge end to end, through the test broker (mosquitto when
 * installed) and the simulated brickd. Three processes besides the broker:
 * the simulator (bridge_bench_sim.ts), the bridge exactly as users run it
 * (`mod.ts` with tinkerforge_mqtt flags), and the measuring clients here.
 *
 * - request -> response round trips per second, p50/p99 latency: 1 and 6
 *   devices x 1 and 50 requests in flight (`get_color`);
 * - callbacks per second from a flooding simulator to a subscriber, at
 *   several offered rates and flat out;
 * - RSS of the bridge process during `--flood-seconds` (default 60) of
 *   flat-out flood with a subscriber that stops reading, sampled every 5 s,
 *   and the bridge's drop-oldest count (from its log).
 *
 * Targets: >= 10,000 callbacks/s on a 2-core machine; RSS < 150 MB and flat.
 *
 * @module
 */

import mqtt, { type MqttClient } from "mqtt";
import { startTestBroker } from "../../tests/support/broker.ts";
import { formatRate, printTable } from "./measure.ts";
import { BridgeProcess, SimProcess, withDeadline } from "./bench_processes.ts";
import { connectSlowSubscriber } from "./slow_subscriber.ts";
import { SHIPPED_V8_FLAGS } from "../v8_flags.ts";

const P = "tinkerforge/";
const DEVICE = "rgb_led_button_bricklet";
const ROUND_TRIP_MS = 3_000;
const WARM_UP_MS = 500;
const THROUGHPUT_MS = 3_000;
/** Offered callback rates; 0 is flat out */
const OFFERED_RATES = [10_000, 20_000, 50_000, 0];
const SAMPLE_EVERY_MS = 5_000;
/** No answer for this long means the pipeline is stuck: the benchmark fails instead of hanging. */
const STALL_MS = 10_000;
const MB = 2 ** 20;

/** Options of {@link benchBridge}. */
export interface BridgeBenchOptions {
  /** Length of the slow-subscriber flood. @default 60 */
  readonly floodSeconds?: number;
  /** deno --v8-flags for the bridge process; default: the shipped heap cap; "" = V8 defaults */
  readonly bridgeV8Flags?: string;
}

/** The options from `--flood-seconds N` and `--bridge-v8-flags=FLAGS` on the command line. */
export function bridgeBenchOptionsFromArgs(args: readonly string[]): BridgeBenchOptions {
  const options: { floodSeconds?: number; bridgeV8Flags?: string } = {
    bridgeV8Flags: SHIPPED_V8_FLAGS,
  };
  const index = args.indexOf("--flood-seconds");
  if (index >= 0) {
    const value = Number(args[index + 1]);
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`--flood-seconds must be a positive number, got "${args[index + 1]}"`);
    }
    options.floodSeconds = value;
  }
  const flags = args.find((arg) => arg.startsWith("--bridge-v8-flags="));
  if (flags !== undefined) {
    const value = flags.slice("--bridge-v8-flags=".length);
    options.bridgeV8Flags = value === "" ? undefined : value;
  }
  return options;
}

/** Answers to this client by topic, for the round-trip workers. */
function answerRouter(client: MqttClient): Map<string, () => void> {
  const waiting = new Map<string, () => void>();
  client.on("message", (topic) => {
    const wake = waiting.get(topic);
    if (wake !== undefined) {
      waiting.delete(topic);
      wake();
    }
  });
  return waiting;
}

interface RoundTrips {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
}

/** `inFlight` workers, each with one `get_color` in flight, spread over `uids`. */
async function roundTrips(
  client: MqttClient,
  waiting: Map<string, () => void>,
  uids: readonly string[],
  inFlight: number,
  ms: number,
): Promise<RoundTrips> {
  const latencies: number[] = [];
  let lastProgress = performance.now();
  let stalled: (error: Error) => void = () => {};
  const stall = new Promise<never>((_, reject) => stalled = reject);
  stall.catch(() => {});
  const watchdog = setInterval(() => {
    if (performance.now() - lastProgress > STALL_MS) {
      stalled(new Error(`No answer for ${STALL_MS} ms (${inFlight} in flight)`));
    }
  }, 1_000);
  const start = performance.now();
  const deadline = start + ms;
  const worker = async (k: number) => {
    const uid = uids[k % uids.length];
    const request = `${P}request/${DEVICE}/${uid}/get_color/w${k}`;
    const answer = `${P}response/${DEVICE}/${uid}/get_color/w${k}`;
    while (performance.now() < deadline) {
      const sent = performance.now();
      const answered = new Promise<void>((resolve) => waiting.set(answer, resolve));
      client.publish(request, "");
      await Promise.race([answered, stall]);
      const now = performance.now();
      latencies.push(now - sent);
      lastProgress = now;
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, (_, k) => worker(k)));
  } finally {
    clearInterval(watchdog);
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rate: latencies.length / elapsed, p50: at(0.5), p99: at(0.99) };
}

/** Counts messages under `filter` on a client of its own. */
async function countingSubscriber(url: string, filter: string) {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  let count = 0;
  client.on("message", () => count++);
  await client.subscribeAsync(filter, { qos: 0 });
  return {
    client,
    get count() {
      return count;
    },
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const rssText = (bytes: number | undefined) => bytes === undefined ? "n/a" : mb(bytes);

/** Asks `get_connection_state` until the bridge says "connected" (it subscribes only once up). */
async function waitBridgeConnected(client: MqttClient): Promise<void> {
  const answer = `${P}response/ip_connection/get_connection_state/bench`;
  const connected = new Promise<void>((resolve) => {
    client.on("message", (topic, payload) => {
      if (topic === answer && payload.toString() === '{"connection_state": "connected"}') resolve();
    });
  });
  let done = false;
  void connected.then(() => done = true);
  const ask = async () => {
    while (!done) {
      client.publish(`${P}request/ip_connection/get_connection_state/bench`, "");
      await delay(100);
    }
  };
  await Promise.all([withDeadline(connected, 30_000, "connected bridge"), ask()]);
}

/** Runs the bridge benchmark and prints its tables. */
export async function benchBridge(options: BridgeBenchOptions = {}): Promise<void> {
  const floodSeconds = options.floodSeconds ?? 60;
  const broker = await startTestBroker();
  const sim = new SimProcess(6);
  let bridge: BridgeProcess | undefined;
  let client: MqttClient | undefined;
  try {
    const ready = await sim.next();
    const uids = ready.uids as string[];
    bridge = new BridgeProcess(broker.port, ready.port as number, options.bridgeV8Flags);
    console.log(
      `\nMQTT bridge (its own process${
        options.bridgeV8Flags === undefined ? "" : `, --v8-flags=${options.bridgeV8Flags}`
      }) through ${broker.kind} against the simulated brickd (another process); ` +
        "measuring clients in a third",
    );
    client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await client.subscribeAsync(`${P}response/#`, { qos: 0 });
    await waitBridgeConnected(client);
    const idleRss = bridge.rss();
    const waiting = answerRouter(client);

    const rows = [["case", "round trips/s", "p50 ms", "p99 ms"]];
    for (const devices of [1, 6]) {
      for (const inFlight of [1, 50]) {
        const targets = uids.slice(0, devices);
        await roundTrips(client, waiting, targets, inFlight, WARM_UP_MS);
        const r = await roundTrips(client, waiting, targets, inFlight, ROUND_TRIP_MS);
        rows.push([
          `${devices} device${devices > 1 ? "s" : ""}, ${inFlight} in flight`,
          formatRate(r.rate),
          r.p50.toFixed(2),
          r.p99.toFixed(2),
        ]);
      }
    }
    printTable("Request -> response round trips (get_color) through the broker", rows);

    for (const uid of uids) {
      client.publish(`${P}register/${DEVICE}/${uid}/button_state_changed`, "true");
    }
    const fast = await countingSubscriber(broker.url, `${P}callback/#`);
    try {
      await throughput(sim, bridge, fast);
      const slow = await connectSlowSubscriber(broker.port, `${P}callback/#`);
      try {
        await floodWithSlowSubscriber(sim, bridge, fast, floodSeconds, idleRss);
      } finally {
        slow.close();
      }
    } finally {
      await fast.client.endAsync(true);
    }
  } finally {
    await client?.endAsync(true);
    await bridge?.stop();
    await sim.stop();
    await broker.stop();
  }
  if (bridge !== undefined) {
    console.log(
      `  drop-oldest total (the bridge's last report, at shutdown): ${formatRate(bridge.dropped)}`,
    );
    const problems = bridge.log.filter((line) => /<(ERROR|CRITICAL)>/.test(line));
    for (const line of problems.slice(-5)) console.log(`  bridge log: ${line}`);
  }
}

/** Callbacks received per second at several offered rates. */
async function throughput(
  sim: SimProcess,
  bridge: BridgeProcess,
  fast: { readonly count: number },
): Promise<void> {
  const rows = [["offered/s", "fired/s", "received/s", "bridge RSS after"]];
  let best = 0;
  for (const rate of OFFERED_RATES) {
    await sim.send(`flood ${rate}`);
    await delay(1_000); // warm-up
    const before = { received: fast.count, fired: await sim.fired() };
    await delay(THROUGHPUT_MS);
    const after = { received: fast.count, fired: await sim.fired() };
    await sim.send("stop");
    const seconds = THROUGHPUT_MS / 1000;
    const received = (after.received - before.received) / seconds;
    best = Math.max(best, received);
    rows.push([
      rate === 0 ? "flat out" : formatRate(rate),
      formatRate((after.fired - before.fired) / seconds),
      formatRate(received),
      rssText(bridge.rss()),
    ]);
    await delay(1_000); // let the pipeline drain
  }
  printTable("Callbacks from a flooding simulator to a subscriber", rows);
  console.log(`  target: >= 10,000 callbacks/s received: ${best >= 10_000 ? "met" : "MISSED"}`);
}

async function floodWithSlowSubscriber(
  sim: SimProcess,
  bridge: BridgeProcess,
  fast: { readonly count: number },
  floodSeconds: number,
  idleRss: number | undefined,
): Promise<void> {
  const rows = [["t (s)", "bridge RSS", "fired", "received", "dropped (logged)"]];
  const rss: number[] = [];
  const start = { received: fast.count, fired: await sim.fired() };
  const row = async (t: number) => {
    const now = bridge.rss();
    if (now !== undefined) rss.push(now);
    rows.push([
      String(t),
      rssText(now),
      formatRate((await sim.fired()) - start.fired),
      formatRate(fast.count - start.received),
      formatRate(bridge.dropped),
    ]);
  };
  await row(0);
  await sim.send("flood 0");
  const started = performance.now();
  for (let t = SAMPLE_EVERY_MS; t <= floodSeconds * 1000; t += SAMPLE_EVERY_MS) {
    await delay(Math.max(0, started + t - performance.now()));
    await row(Math.round(t / 1000));
  }
  await sim.send("stop");
  printTable(
    `Bridge process during ${floodSeconds} s of flat-out flood, one subscriber stopped reading` +
      ` (idle RSS before any load: ${rssText(idleRss)})`,
    rows,
  );
  if (rss.length === 0) {
    console.log("  RSS: not available on this system (no /proc)");
    return;
  }
  const peak = Math.max(...rss);
  const later = rss.slice(Math.floor(rss.length / 2));
  console.log(
    `  target: RSS < 150 MB and flat: peak ${mb(peak)} (${peak < 150 * MB ? "met" : "MISSED"}), ` +
      `spread over the second half ${mb(Math.max(...later) - Math.min(...later))}`,
  );
}
