/**
 * Drain of a telemetry backlog: while the ThingsBoard test server (its own process) is down,
 * 100,000 synthetic records (20 devices, two values each) are pushed into the buffer of an
 * agent running in this process (the push needs `agent.pipeline`; brickd is an empty simulated
 * one, the bridge is off: only the pipeline and the ThingsBoard client work). Then the server
 * comes back and the clock runs until the buffer is empty and the server stored every record.
 *
 * Cases: in memory without rate limits (the uplink flat out), in memory under rate limits
 * (the client paces itself by the limits the server announces), and with the disk spool
 * (`--buffer-dir`, fsync every 1 s) across an agent restart: the backlog is read back from disk
 * by a fresh agent before the server returns.
 *
 * @module
 */

import { Agent } from "../../src/agent/agent.ts";
import { BridgeLogger } from "../../src/bridge/log.ts";
import { resolveAgentConfig } from "../../src/config/load.ts";
import { type SimulatedBrickd, startSimulatedBrickd } from "../../src/sim/brickd.ts";
import type { TelemetryRecord } from "../../src/telemetry/types.ts";
import { withDeadline } from "./bench_processes.ts";
import { ServerProcess } from "./agent_processes.ts";
import { formatRate, printTable } from "./measure.ts";

/** The rate limits of the limited case: [telemetry messages, telemetry data points]. */
export const DRAIN_LIMITS = ["200:1", "20000:1"] as const;
const VALUES_PER_RECORD = 2;
const DRAIN_DEADLINE_MS = 120_000;

interface DrainCase {
  readonly name: string;
  readonly limits?: readonly [string, string];
  readonly spool?: boolean;
}

const CASES: readonly DrainCase[] = [
  { name: "memory, no rate limits" },
  { name: "memory, rate limits (below)", limits: DRAIN_LIMITS },
  { name: "disk spool (fsync 1 s), agent restarted", spool: true },
];

interface DrainResult {
  /** Records per second into the buffer (and, with the spool, onto the disk) */
  pushRate: number;
  /** Agent restart reading the backlog back from disk (spool case) */
  replayMs?: number;
  /** Server start -> the agent's ThingsBoard session is up */
  connectMs: number;
  /** Server start -> buffer empty and every record stored */
  drainMs: number;
  /** Records stored by the server (more than pushed: duplicates after a resend) */
  stored: number;
}

/** 20 devices in turn, one record per device and 100 ms, values changing a little. */
function syntheticRecord(i: number, start: number): TelemetryRecord {
  return {
    ts: start + Math.floor(i / 20) * 100,
    uid: `S${"abcdefghijkmnopqrstu"[i % 20]}`,
    deviceIdentifier: 283, // Humidity Bricklet 2.0: humidity and temperature
    values: { temperature: 20 + (i % 100) / 10, humidity: 40 + (i % 50) / 10 },
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` holds, polled every 10 ms; rejects after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`No ${what} within ${ms} ms`);
    await delay(10);
  }
}

/** Runs the drain cases against `server` and prints their table. */
export async function benchDrain(server: ServerProcess, records = 100_000): Promise<void> {
  const brickd = await startSimulatedBrickd({ devices: [] });
  const log: string[] = [];
  const rows = [["case", "push/s", "replay s", "connect ms", "drain s", "records/s", "stored"]];
  try {
    for (const drainCase of CASES) {
      const result = await drainOnce(server, brickd, drainCase, records, log);
      rows.push([
        drainCase.name,
        formatRate(result.pushRate),
        result.replayMs === undefined ? "-" : (result.replayMs / 1000).toFixed(2),
        result.connectMs.toFixed(0),
        (result.drainMs / 1000).toFixed(2),
        formatRate(records / ((result.drainMs - result.connectMs) / 1000)),
        formatRate(result.stored),
      ]);
    }
  } finally {
    await brickd.stop();
    // Later sections expect the server up and unlimited.
    await server.request("start");
    await server.request("limits - -");
  }
  printTable(
    `Drain of a ${formatRate(records)}-record backlog (agent in this process, server in ` +
      "another, client reconnect delay 50-200 ms; drain = server start -> buffer empty and all " +
      "stored; records/s after connect)",
    rows,
  );
  const floor = (records * VALUES_PER_RECORD) / Number(DRAIN_LIMITS[1].split(":")[0]);
  console.log(
    `  rate limits: telemetry messages "${DRAIN_LIMITS[0]}", data points "${DRAIN_LIMITS[1]}" ` +
      `(capacity:seconds): at best ~${floor.toFixed(1)} s for ${VALUES_PER_RECORD} data ` +
      "points a record; the client keeps a margin under them",
  );
  console.log("  push/s: into the buffer; with the spool until every record is written to disk");
  // Warnings about the watermarks are expected here (the backlog fills the buffer).
  for (const line of log.filter((l) => /<(ERROR|CRITICAL)>/.test(l)).slice(-5)) {
    console.log(`  agent log: ${line}`);
  }
}

async function drainOnce(
  server: ServerProcess,
  brickd: SimulatedBrickd,
  drainCase: DrainCase,
  records: number,
  log: string[],
): Promise<DrainResult> {
  const stateDir = await Deno.makeTempDir({ prefix: "tfedge-bench-drain-" });
  const flags = [
    "--no-bridge",
    "--ipcon-host=127.0.0.1",
    `--ipcon-port=${brickd.port}`,
    "--tb-host=127.0.0.1",
    `--tb-port=${server.port}`,
    `--tb-token=${ServerProcess.TOKEN}`,
    `--state-dir=${stateDir}`,
    `--buffer-capacity=${records}`,
    "--buffer-max-bytes=256M",
    ...(drainCase.spool ? [`--buffer-dir=${stateDir}/buffer`, "--buffer-fsync=interval"] : []),
  ];
  const resolved = resolveAgentConfig({ argv: flags, env: {} });
  if (!("config" in resolved)) throw new Error(`Invalid agent flags: ${resolved.stderr}`);
  const newAgent = () =>
    new Agent(resolved.config, {
      logger: new BridgeLogger({ sink: (line) => log.push(line) }),
      // The client's first reconnect delay (1 s by default) would be measured, not the drain.
      cloudReconnectDelayMs: [50, 200],
    });
  await server.request("stop");
  await server.request(`limits ${drainCase.limits?.join(" ") ?? "- -"}`);
  await server.request("reset");
  let agent = newAgent();
  try {
    await agent.start();
    const pipeline = agent.pipeline!;
    const start = Date.now() - 3_600_000;
    const pushStart = performance.now();
    for (let i = 0; i < records; i++) pipeline.push(syntheticRecord(i, start));
    if (drainCase.spool) {
      await until(() => pipeline.counters().spooled >= records, 60_000, "spooled backlog");
    }
    const pushRate = records / ((performance.now() - pushStart) / 1000);
    if (pipeline.ring.buffered !== records) {
      throw new Error(`The buffer holds ${pipeline.ring.buffered} records, not ${records}`);
    }
    let replayMs: number | undefined;
    if (drainCase.spool) {
      await agent.stop();
      const replayStart = performance.now();
      agent = newAgent();
      await agent.start();
      replayMs = performance.now() - replayStart;
      const replayed = agent.pipeline!.counters().replayed;
      if (replayed !== records) throw new Error(`Replayed ${replayed} records, not ${records}`);
    }
    const connected = new Promise<number>((resolve) =>
      agent.cloud!.once("connected", () => resolve(performance.now()))
    );
    const serverStart = performance.now();
    await server.request("start");
    const connectMs = await withDeadline(connected, 10_000, "ThingsBoard session") - serverStart;
    const ring = agent.pipeline!.ring;
    await until(() => ring.buffered === 0, DRAIN_DEADLINE_MS, "empty buffer");
    const count = await server.waitForCount((c) => c.records >= records, 10_000, 10);
    const drainMs = count.lastAt - (performance.timeOrigin + serverStart);
    return { pushRate, replayMs, connectMs, drainMs, stored: count.records };
  } finally {
    await agent.stop();
    await Deno.remove(stateDir, { recursive: true });
  }
}
