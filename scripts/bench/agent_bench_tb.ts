/**
 * The ThingsBoard test server of the agent benchmark, in a process of its own so that parsing
 * and storing the agent's telemetry does not share an event loop with the agent under test.
 *
 * One access-token device (`--device`, `--token`). Protocol: one JSON object per stdout line.
 * First `{"event": "ready", "port": ...}`; then these stdin commands, each answered by one line
 * (`{"event": "ok"}` unless stated):
 * - `count` -> `{"event": "count", "records", "firstAt", "lastAt", "latency": [p50, p99, max],
 *   "status": {...}, "connectedAt", "caughtUpAt", "backlog"}`: telemetry entries of the
 *   agent's records stored since `reset` (the agent's own `tfedge_*` status entries are not
 *   records; the last one is `status`), epoch ms of the first and last arrival (high
 *   resolution), record time -> stored latency in ms; the device's last session start, the
 *   arrival of the first record sampled after it (the uplink is ordered: every older record
 *   arrived before it) and how many older records arrived in between (0s before);
 * - `reset`: forgets stored telemetry and latencies;
 * - `stop` / `start`: the server goes down / comes back on the same port (data stays);
 * - `limits <telemetryMessages> <telemetryDataPoints>` (`-` for none): re-registers the device
 *   with these rate limits (its session, if any, is closed);
 * - `quit` (or the end of stdin): stops the server.
 *
 * @module
 */

import { parseArgs } from "../../src/deps/cli.ts";
import { startThingsBoardServer, type TelemetryEntry } from "../../src/sim/thingsboard/mod.ts";

const args = parseArgs({
  args: Deno.args,
  options: { device: { type: "string" }, token: { type: "string" } },
}).values;
const DEVICE = args.device ?? "tfedge-bench";
const TOKEN = args.token ?? "AgentBenchToken1";

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

function emit(record: Record<string, unknown>): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(record) + "\n"));
}

const server = await startThingsBoardServer({ port: 0 });
server.addDevice(DEVICE, { accessToken: TOKEN });

let records = 0;
let firstAt = 0;
let lastAt = 0;
let latencies: number[] = [];
let status: Record<string, unknown> = {};
/** Entries of the device's telemetry already looked at */
let seen = 0;
let connectedAt = 0;
let caughtUpAt = 0;
let backlog = 0;

server.on("connect", (event) => {
  if (event.device !== DEVICE) return;
  connectedAt = now();
  caughtUpAt = 0;
  backlog = 0;
});

function storedTelemetry(): TelemetryEntry[] {
  return server.deviceRecords.get(DEVICE)!.telemetry;
}

// Every accepted publish stored its entries before the event: the new ones are its records.
server.on("publish", (event) => {
  if (event.device !== DEVICE || event.outcome !== "accepted") return;
  const telemetry = storedTelemetry();
  if (telemetry.length === seen) return;
  const at = now();
  for (; seen < telemetry.length; seen++) {
    const entry = telemetry[seen];
    if ("tfedge_buffer_enqueued" in entry.values) {
      status = entry.values;
      continue;
    }
    if (records === 0) firstAt = at;
    records++;
    latencies.push(at - entry.ts);
    if (connectedAt > 0 && caughtUpAt === 0) {
      if (entry.ts >= connectedAt) caughtUpAt = at;
      else backlog++;
    }
  }
  lastAt = at;
  // The server keeps every entry; the benchmark only needs the counts (memory of this process).
  telemetry.length = 0;
  seen = 0;
});

function percentiles(values: number[]): number[] {
  if (values.length === 0) return [];
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return [at(0.5), at(0.99), sorted[sorted.length - 1]];
}

async function handle(command: string, params: string[]): Promise<boolean> {
  switch (command) {
    case "count":
      emit({
        event: "count",
        records,
        firstAt,
        lastAt,
        latency: percentiles(latencies),
        status,
        connectedAt,
        caughtUpAt,
        backlog,
      });
      return true;
    case "reset":
      records = 0;
      firstAt =
        lastAt =
        connectedAt =
        caughtUpAt =
        backlog =
          0;
      latencies = [];
      storedTelemetry().length = 0;
      seen = 0;
      break;
    case "stop":
      await server.stop();
      break;
    case "start":
      await server.start();
      break;
    case "limits": {
      const limit = (text: string | undefined) => text === undefined || text === "-" ? "" : text;
      server.removeDevice(DEVICE);
      server.addDevice(DEVICE, { accessToken: TOKEN }, {
        rateLimits: { telemetryMessages: limit(params[0]), telemetryDataPoints: limit(params[1]) },
      });
      seen = 0;
      break;
    }
    case "quit":
      return false;
    default:
      emit({ event: "error", message: `Unknown command "${command}"` });
      return true;
  }
  emit({ event: "ok" });
  return true;
}

emit({ event: "ready", port: server.port });
let buffered = "";
commands: for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  buffered += chunk;
  let newline: number;
  while ((newline = buffered.indexOf("\n")) >= 0) {
    const [command, ...params] = buffered.slice(0, newline).trim().split(/\s+/);
    buffered = buffered.slice(newline + 1);
    if (!await handle(command, params)) break commands;
  }
}
await server.stop();
