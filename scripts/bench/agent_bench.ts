/**
 * The agent end to end: simulated brickd -> sampling -> telemetry buffer -> uplink -> the
 * ThingsBoard test server, with the local broker (mosquitto when installed) for the bridge.
 *
 * - throughput: the agent (its own process, started like `deno task start`: mod.ts, the
 *   shipped V8 flags) sampling 400 and 900 sensor Bricklets at 0.1 s: records per second
 *   stored by the server, record time -> stored latency;
 * - outage (agent_outage_bench.ts): the same process while the server is down until its
 *   100,000-record buffer is full: RSS, then the delivery of the backlog;
 * - drain (agent_drain_bench.ts): a 100,000-record backlog pushed into an agent in this
 *   process while the server is down, delivered once it is back, without and with rate
 *   limits, and with the disk spool across a restart;
 * - startup: the agent process spawned with `$NOTIFY_SOCKET` set: spawn -> `READY=1`, and
 *   spawn -> first record stored by the server (20 devices, sampling at 0.1 s);
 * - RSS: the agent process with 20 devices sampled at the default 10 s and at 0.1 s.
 *
 * The simulator and the ThingsBoard server run in processes of their own (agent_bench_sim.ts,
 * agent_bench_tb.ts), so what is measured is the agent, not its peers sharing its event loop.
 * Targets: >= 5,000 records/s; RSS with 20 devices < 80 MB and flat. The whole section takes
 * about 2 minutes (`--agent-seconds` shortens the throughput and RSS windows).
 *
 * @module
 */

import { startTestBroker } from "../../tests/support/broker.ts";
import { SHIPPED_V8_FLAGS } from "../v8_flags.ts";
import { benchDrain } from "./agent_drain_bench.ts";
import { benchOutage } from "./agent_outage_bench.ts";
import {
  agentFlags,
  AgentProcess,
  NotifySocket,
  type Peers,
  type ServerCount,
  ServerProcess,
  startSimProcess,
} from "./agent_processes.ts";
import { formatRate, printTable } from "./measure.ts";

const MB = 2 ** 20;
/** Devices of the RSS and startup runs (the issue's figure) */
const RSS_DEVICES = 20;
const STARTUP_RUNS = 3;
/**
 * Sensor Bricklets of the throughput runs: about 6,000 and 13,500 records/s offered (1.5
 * records per device and period: humidity and air pressure Bricklets send two values by two
 * callbacks). `--agent-devices 1500` runs one larger stack (~22,000 records/s on 2 cores).
 */
const THROUGHPUT_DEVICES = [400, 900];
/** Devices of the outage run: enough to fill the 100,000-record buffer in about 13 s */
const OUTAGE_DEVICES = 900;

/** Options of {@link benchAgent}. */
export interface AgentBenchOptions {
  /** Length of the throughput window; the RSS windows are 3 times as long. @default 10 */
  readonly seconds?: number;
  /** Sensor Bricklets of the throughput run; default two runs, 400 and 900 */
  readonly devices?: number;
  /** deno --v8-flags of the agent process; default the shipped heap cap; "" = V8 defaults */
  readonly v8Flags?: string;
}

function positiveOption(args: readonly string[], name: string): number | undefined {
  const index = args.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
  if (index < 0) return undefined;
  const text = args[index].includes("=") ? args[index].split("=")[1] : args[index + 1];
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive number, got "${text}"`);
  }
  return value;
}

/** `--agent-seconds N`, `--agent-devices N`, `--agent-v8-flags=FLAGS` from the command line. */
export function agentBenchOptionsFromArgs(args: readonly string[]): AgentBenchOptions {
  const flags = args.find((arg) => arg.startsWith("--agent-v8-flags="));
  return {
    seconds: positiveOption(args, "--agent-seconds"),
    devices: positiveOption(args, "--agent-devices"),
    v8Flags: flags === undefined ? SHIPPED_V8_FLAGS : flags.slice("--agent-v8-flags=".length),
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number | undefined) =>
  bytes === undefined ? "n/a" : `${(bytes / MB).toFixed(1)} MB`;
const ms = (value: number | undefined) => value === undefined ? "n/a" : value.toFixed(0);

/** Runs the agent benchmark and prints its tables. */
export async function benchAgent(options: AgentBenchOptions = {}): Promise<void> {
  const seconds = options.seconds ?? 10;
  const v8Flags = options.v8Flags ?? SHIPPED_V8_FLAGS;
  const broker = await startTestBroker();
  const server = await ServerProcess.start();
  const stateDir = await Deno.makeTempDir({ prefix: "tfedge-bench-agent-" });
  const peers = { broker, server };
  console.log(
    `\nAgent (its own process${v8Flags === "" ? "" : `, --v8-flags=${v8Flags}`}, bridge on ` +
      `through ${broker.kind}) -> ThingsBoard test server (another process); simulated brickd ` +
      "in a third",
  );
  try {
    const loads = options.devices === undefined ? THROUGHPUT_DEVICES : [options.devices];
    for (const devices of loads) await benchThroughput(peers, stateDir, devices, seconds, v8Flags);
    await benchOutage(peers, stateDir, OUTAGE_DEVICES, v8Flags);
    await benchDrain(server);
    const { sim, port } = await startSimProcess(RSS_DEVICES);
    try {
      await benchStartup(peers, port, stateDir, v8Flags);
      await benchRss(peers, port, stateDir, seconds * 3, v8Flags);
    } finally {
      await sim.stop();
    }
  } finally {
    await server.stop();
    await broker.stop();
    await Deno.remove(stateDir, { recursive: true });
  }
}

/** Records/s stored by the server from `devices` Bricklets sampled at 0.1 s. */
async function benchThroughput(
  peers: Peers,
  stateDir: string,
  devices: number,
  seconds: number,
  v8Flags: string,
): Promise<void> {
  const { sim, port } = await startSimProcess(devices);
  const agent = new AgentProcess(
    agentFlags(peers, port, stateDir, ["--telemetry-interval=0.1", "--status-interval=1"]),
    v8Flags,
  );
  const server = peers.server;
  try {
    await server.request("reset");
    // Warm-up: every device found and configured, the rate settled.
    await server.waitForCount((c) => c.records > 0, 30_000);
    await delay(3_000);
    await server.request("reset");
    const before = await server.count();
    const cpuBefore = agent.cpuSeconds();
    const started = performance.now();
    let peakRss = 0;
    while (performance.now() - started < seconds * 1000) {
      await delay(500);
      peakRss = Math.max(peakRss, agent.rss() ?? 0);
    }
    const after = await server.count();
    const elapsed = (performance.now() - started) / 1000;
    const cpuAfter = agent.cpuSeconds();
    const cpu = cpuBefore === undefined || cpuAfter === undefined
      ? "n/a"
      : `${((cpuAfter - cpuBefore) / elapsed * 100).toFixed(0)} %`;
    const rate = after.records / elapsed;
    const sampled = sampledRate(before, after, elapsed);
    printTable(
      `Telemetry from ${devices} sensor Bricklets sampled every 0.1 s (callbacks) to the ` +
        `server, ${elapsed.toFixed(1)} s`,
      [
        [
          "sampled/s",
          "stored/s",
          "latency p50 / p99 / max ms",
          "backlog at end",
          "agent RSS max",
          "agent CPU",
        ],
        [
          sampled === undefined ? "n/a" : formatRate(sampled),
          formatRate(rate),
          after.latency.map((v) => v.toFixed(0)).join(" / "),
          String(after.status.tfedge_buffer_buffered ?? "n/a"),
          mb(peakRss),
          cpu,
        ],
      ],
    );
    console.log(
      `  target: >= 5,000 records/s stored: ${rate >= 5_000 ? "met" : "MISSED"}` +
        " (latency: record timestamp -> stored by the server; CPU: % of one core)",
    );
    for (const line of agent.problems()) console.log(`  agent log: ${line}`);
  } finally {
    await agent.stop();
    await sim.stop();
  }
}

/** Records/s the agent put into its buffer, from its status telemetry (1 s resolution). */
function sampledRate(before: ServerCount, after: ServerCount, elapsed: number) {
  const start = before.status.tfedge_buffer_enqueued;
  const end = after.status.tfedge_buffer_enqueued;
  if (typeof start !== "number" || typeof end !== "number") return undefined;
  return (end - start) / elapsed;
}

/** spawn -> READY=1 and spawn -> first record stored, over {@link STARTUP_RUNS} spawns. */
async function benchStartup(peers: Peers, brickdPort: number, stateDir: string, v8Flags: string) {
  const rows = [["run", "spawn -> READY=1 ms", "spawn -> first record stored ms"]];
  for (let run = 1; run <= STARTUP_RUNS; run++) {
    const started = await startWatched(peers, brickdPort, stateDir, "0.1", v8Flags);
    try {
      const first = await peers.server.waitForCount((c) => c.records > 0, 30_000, 10);
      rows.push([
        String(run),
        ms(started.readyMs),
        ms(first.firstAt - started.agent.spawnedAtEpoch),
      ]);
    } finally {
      await started.agent.stop();
    }
  }
  printTable(
    `Startup of the agent process (${RSS_DEVICES} devices sampled at 0.1 s; READY=1 is sent ` +
      "once the parts run, not when peers answer)",
    rows,
  );
}

/** An agent process with NOTIFY_SOCKET set, after its READY=1; the server's count reset. */
async function startWatched(
  peers: Peers,
  brickdPort: number,
  stateDir: string,
  interval: string,
  v8Flags: string,
): Promise<{ agent: AgentProcess; readyMs: number }> {
  await peers.server.request("reset");
  const notify = await NotifySocket.open();
  try {
    const agent = new AgentProcess(
      agentFlags(peers, brickdPort, stateDir, [`--telemetry-interval=${interval}`]),
      v8Flags,
      notify.path,
    );
    try {
      return { agent, readyMs: await notify.ready(30_000) - agent.spawnedAt };
    } catch (error) {
      await agent.stop();
      throw new Error(`${error}; agent log: ${agent.log.slice(-3).join(" | ")}`);
    }
  } finally {
    await notify.close();
  }
}

/** RSS of the agent process over `seconds`, sampled every second after READY. */
async function benchRss(
  peers: Peers,
  brickdPort: number,
  stateDir: string,
  seconds: number,
  v8Flags: string,
): Promise<void> {
  const rows = [["sampling", "RSS start", "min", "max", "end", "private max", "records stored"]];
  const problems: string[] = [];
  let peak = 0;
  for (const interval of ["10", "0.1"]) {
    const { agent } = await startWatched(peers, brickdPort, stateDir, interval, v8Flags);
    try {
      const rss: number[] = [];
      let privateMax = 0;
      const started = performance.now();
      for (let t = 0; t <= seconds; t++) {
        await delay(Math.max(0, started + t * 1000 - performance.now()));
        const now = agent.memory();
        if (now === undefined) continue;
        rss.push(now.rss);
        privateMax = Math.max(privateMax, now.anon);
      }
      const count = await peers.server.count();
      const stored = formatRate(count.records);
      if (rss.length === 0) {
        rows.push([`every ${interval} s`, "n/a", "n/a", "n/a", "n/a", "n/a", stored]);
        continue;
      }
      peak = Math.max(peak, ...rss);
      rows.push([
        `every ${interval} s`,
        mb(rss[0]),
        mb(Math.min(...rss)),
        mb(Math.max(...rss)),
        mb(rss[rss.length - 1]),
        mb(privateMax),
        stored,
      ]);
      problems.push(...agent.problems());
    } finally {
      await agent.stop();
    }
  }
  printTable(
    `Agent process RSS with ${RSS_DEVICES} devices, ThingsBoard reachable, ${seconds} s from ` +
      "READY, sampled every second",
    rows,
  );
  console.log(
    `  target: RSS < 80 MB: ${peak === 0 ? "n/a" : peak < 80 * MB ? "met" : "MISSED"}` +
      " (VmRSS; private = RssAnon, without the pages of the deno executable, which every " +
      "Deno process shares)",
  );
  for (const line of problems) console.log(`  agent log: ${line}`);
}
