/**
 * A real outage of the agent process (as shipped: its own process, the shipped V8 flags, the
 * default buffer of 100,000 records): it samples many sensor Bricklets at 0.1 s, the
 * ThingsBoard test server goes down until the buffer is full (above the high watermark the
 * agent samples 4 times slower; when full it drops the oldest), then comes back.
 *
 * Figures: the agent's RSS with a full buffer (the heap cap must hold a full buffer), the
 * client's reconnect delay (its backoff grew during the outage), and the time from the new
 * session to the arrival of the first record sampled after it: the uplink is ordered, so by
 * then the whole backlog has arrived, while sampling went on.
 *
 * The agent's buffer counters come from its status topic on the local broker
 * (`--status-interval 1`), since ThingsBoard is away.
 *
 * @module
 */

import mqtt from "mqtt";
import {
  agentFlags,
  AgentProcess,
  type Peers,
  type ServerCount,
  startSimProcess,
} from "./agent_processes.ts";
import { withDeadline } from "./bench_processes.ts";
import { formatRate, printTable } from "./measure.ts";

const MB = 2 ** 20;
const FULL_DEADLINE_MS = 60_000;
const CATCH_UP_DEADLINE_MS = 60_000;

interface BufferStatus {
  buffered: number;
  dropped: number;
  capacity: number;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** Runs the outage with `devices` Bricklets and prints its table. */
export async function benchOutage(
  peers: Peers,
  stateDir: string,
  devices: number,
  v8Flags: string,
): Promise<void> {
  const { sim, port } = await startSimProcess(devices);
  const status = await mqtt.connectAsync(peers.broker.url, { reconnectPeriod: 0 });
  let buffer: BufferStatus | undefined;
  status.on("message", (_topic, payload) => buffer = JSON.parse(payload.toString()).buffer);
  await status.subscribeAsync("tfedge/status", { qos: 0 });
  const agent = new AgentProcess(
    agentFlags(peers, port, stateDir, ["--telemetry-interval=0.1", "--status-interval=1"]),
    v8Flags,
  );
  const server = peers.server;
  try {
    await server.request("reset");
    await server.waitForCount((c) => c.records > 0, 30_000);
    await server.request("stop");
    const down = performance.now();
    let rssFull = { rss: 0, anon: 0 };
    for (;;) {
      await delay(500);
      const memory = agent.memory();
      if (memory !== undefined && memory.rss > rssFull.rss) rssFull = memory;
      if (buffer !== undefined && buffer.buffered >= buffer.capacity) break;
      if (performance.now() - down > FULL_DEADLINE_MS) {
        throw new Error(`The buffer did not fill within ${FULL_DEADLINE_MS} ms`);
      }
    }
    const outage = performance.now() - down;
    const full = buffer!;
    await server.request("reset");
    const up = performance.timeOrigin + performance.now();
    await server.request("start");
    const caughtUp = await withDeadline(
      server.waitForCount((c) => c.caughtUpAt > 0, CATCH_UP_DEADLINE_MS, 100),
      CATCH_UP_DEADLINE_MS + 1_000,
      "caught-up uplink",
    );
    printOutage(devices, outage, full, rssFull, up, caughtUp);
    // The watermark and overflow warnings are what the outage is meant to cause.
    const expected = /watermark|buffer full/;
    for (const line of agent.problems().filter((l) => !expected.test(l))) {
      console.log(`  agent log: ${line}`);
    }
  } finally {
    await agent.stop();
    await status.endAsync(true);
    await sim.stop();
  }
}

function printOutage(
  devices: number,
  outageMs: number,
  full: BufferStatus,
  rssFull: { rss: number; anon: number },
  upAt: number,
  count: ServerCount,
): void {
  const deliverMs = count.caughtUpAt - count.connectedAt;
  printTable(
    `Outage of the agent process: ${devices} Bricklets at 0.1 s, ThingsBoard down until the ` +
      `buffer (${formatRate(full.capacity)} records) is full, then back`,
    [
      [
        "outage s",
        "dropped",
        "RSS full (private)",
        "server up -> session ms",
        "backlog",
        "session -> backlog delivered s",
        "records/s",
      ],
      [
        (outageMs / 1000).toFixed(1),
        formatRate(full.dropped),
        `${mb(rssFull.rss)} (${mb(rssFull.anon)})`,
        (count.connectedAt - upAt).toFixed(0),
        formatRate(count.backlog),
        (deliverMs / 1000).toFixed(2),
        formatRate(count.backlog / (deliverMs / 1000)),
      ],
    ],
  );
  console.log(
    "  (the session waits for the client's reconnect backoff, which grew during the outage; " +
      "sampling goes on meanwhile)",
  );
}
