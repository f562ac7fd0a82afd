/**
 * The processes of the agent benchmark: its peers (simulated brickd, ThingsBoard test server),
 * each speaking JSON lines on stdin/stdout, and the agent itself, started as `deno task start`
 * starts it (`mod.ts`, the shipped V8 flags) and watched from outside: RSS from /proc,
 * readiness from the sd_notify datagram it sends to `$NOTIFY_SOCKET`.
 *
 * @module
 */

import { fromFileUrl } from "../../src/deps/path.ts";
import type { TestBroker } from "../../tests/support/broker.ts";
import { forEachLine, withDeadline } from "./bench_processes.ts";

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

function script(relative: string): string {
  return fromFileUrl(new URL(relative, import.meta.url));
}

/** USER_HZ of /proc/<pid>/stat: 100 on every Linux architecture we ship for */
const CLOCK_TICKS_PER_SECOND = 100;

/** The project root: children run there so deno.json (imports, unstable net) applies. */
const ROOT = script("../../");

/** A helper process answering one JSON line per command (agent_bench_sim/_tb.ts). */
export class PeerProcess {
  readonly #process: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #waiters: ((record: Record<string, unknown> | undefined) => void)[] = [];
  readonly #done: Promise<unknown>;
  #ended = false;
  readonly stderr: string[] = [];

  constructor(scriptName: string, args: readonly string[]) {
    this.#process = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", "--allow-read", "--allow-env", script(scriptName), ...args],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#process.stdin.getWriter();
    const stdout = forEachLine(this.#process.stdout, (line) => {
      this.#waiters.shift()?.(JSON.parse(line));
    }).finally(() => {
      // A process that is gone answers nothing: waiters learn it at once, not at a deadline.
      this.#ended = true;
      for (const wake of this.#waiters.splice(0)) wake(undefined);
    });
    this.#done = Promise.all([
      stdout,
      forEachLine(this.#process.stderr, (line) => this.stderr.push(line)),
      this.#process.status,
    ]);
  }

  /** The next JSON line (in order). */
  next(ms = 30_000): Promise<Record<string, unknown>> {
    const line = new Promise<Record<string, unknown>>((resolve, reject) => {
      if (this.#ended) return reject(new Error("The process has exited"));
      this.#waiters.push((record) =>
        record === undefined ? reject(new Error("The process has exited")) : resolve(record)
      );
    });
    return withDeadline(line, ms, `line from ${this.constructor.name}`).catch((error) => {
      throw new Error(`${error.message}; its stderr: ${this.stderr.slice(-5).join(" | ")}`);
    });
  }

  /** Sends `command` and returns its answer line. */
  async request(command: string): Promise<Record<string, unknown>> {
    const answer = this.next();
    await this.#writer.write(new TextEncoder().encode(command + "\n"));
    return await answer;
  }

  async stop(): Promise<void> {
    try {
      await this.#writer.write(new TextEncoder().encode("quit\n"));
      await this.#writer.close();
    } catch {
      // it is gone already
    }
    await this.#done;
  }
}

/** What the ThingsBoard process reports on `count`. */
export interface ServerCount {
  records: number;
  /** Epoch ms of the first and last record's arrival (0 before any) */
  firstAt: number;
  lastAt: number;
  /** Record time -> stored, ms: [p50, p99, max] (empty before any) */
  latency: number[];
  /** The agent's last status telemetry (`tfedge_buffer_enqueued`, ...) */
  status: Record<string, number | boolean>;
  /** Epoch ms: the agent's last session start, and the arrival of its first record sampled
   * after that (0 before); records sampled before the session arrived in between */
  connectedAt: number;
  caughtUpAt: number;
  backlog: number;
}

/** The ThingsBoard test server process (agent_bench_tb.ts). */
export class ServerProcess extends PeerProcess {
  static readonly DEVICE = "tfedge-bench";
  static readonly TOKEN = "AgentBenchToken1";
  port = 0;

  static async start(): Promise<ServerProcess> {
    const server = new ServerProcess("./agent_bench_tb.ts", [
      `--device=${ServerProcess.DEVICE}`,
      `--token=${ServerProcess.TOKEN}`,
    ]);
    server.port = (await server.next()).port as number;
    return server;
  }

  async count(): Promise<ServerCount> {
    return await this.request("count") as unknown as ServerCount;
  }

  /** Polls `count` every `everyMs` until `done` says so; rejects after `ms`. */
  async waitForCount(
    done: (count: ServerCount) => boolean,
    ms: number,
    everyMs = 50,
  ): Promise<ServerCount> {
    const deadline = performance.now() + ms;
    for (;;) {
      const count = await this.count();
      if (done(count)) return count;
      if (performance.now() > deadline) {
        throw new Error(`The server's count did not get there within ${ms} ms: ${count.records}`);
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}

/** The simulated brickd process (agent_bench_sim.ts) with `devices` sensor Bricklets. */
export async function startSimProcess(
  devices: number,
): Promise<{ sim: PeerProcess; port: number }> {
  const sim = new PeerProcess("./agent_bench_sim.ts", [`--devices=${devices}`]);
  const ready = await sim.next();
  return { sim, port: ready.port as number };
}

/** Everything the agent runs against. */
export interface Peers {
  readonly broker: TestBroker;
  readonly server: ServerProcess;
}

/** The agent's flags for `brickdPort` and the peers; `extra` after them (last one wins). */
export function agentFlags(
  peers: Peers,
  brickdPort: number,
  stateDir: string,
  extra: readonly string[],
): string[] {
  return [
    "--ipcon-host=127.0.0.1",
    `--ipcon-port=${brickdPort}`,
    "--broker-host=127.0.0.1",
    `--broker-port=${peers.broker.port}`,
    "--tb-host=127.0.0.1",
    `--tb-port=${peers.server.port}`,
    `--tb-token=${ServerProcess.TOKEN}`,
    `--state-dir=${stateDir}`,
    ...extra,
  ];
}

/** A unix datagram socket standing in for systemd's notify socket. */
export class NotifySocket {
  readonly path: string;
  readonly #socket: Deno.DatagramConn;

  private constructor(path: string) {
    this.path = path;
    this.#socket = Deno.listenDatagram({ transport: "unixpacket", path });
  }

  static async open(): Promise<NotifySocket> {
    const dir = await Deno.makeTempDir({ prefix: "tfedge-bench-notify-" });
    return new NotifySocket(`${dir}/notify.sock`);
  }

  /** Resolves at the first datagram containing `READY=1` (performance.now() of its arrival). */
  async ready(ms: number): Promise<number> {
    const decoder = new TextDecoder();
    const wait = async () => {
      for (;;) {
        const [data] = await this.#socket.receive();
        if (decoder.decode(data).split("\n").includes("READY=1")) return performance.now();
      }
    };
    const waiting = wait();
    // After a deadline, close() ends the pending receive: that rejection is nobody's concern.
    waiting.catch(() => {});
    return await withDeadline(waiting, ms, "READY=1 from the agent");
  }

  async close(): Promise<void> {
    this.#socket.close();
    await Deno.remove(this.path.slice(0, this.path.lastIndexOf("/")), { recursive: true });
  }
}

/** The agent as users start it: `deno run <start task permissions> --v8-flags=... mod.ts`. */
export class AgentProcess {
  readonly #process: Deno.ChildProcess;
  readonly #done: Promise<unknown>;
  /** performance.now() and epoch ms just before the spawn */
  readonly spawnedAt: number;
  readonly spawnedAtEpoch: number;
  readonly log: string[] = [];

  /** `entry`: the module to run, default mod.ts (e.g. the bundle, dist/tfedge.js) */
  constructor(flags: readonly string[], v8Flags: string, notifySocket?: string, entry?: string) {
    this.spawnedAtEpoch = epochNow();
    this.spawnedAt = performance.now();
    this.#process = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-sys",
        ...(v8Flags === "" ? [] : [`--v8-flags=${v8Flags}`]),
        entry ?? script("../../mod.ts"),
        ...flags,
      ],
      cwd: ROOT,
      env: notifySocket === undefined ? {} : { NOTIFY_SOCKET: notifySocket },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#done = Promise.all([
      forEachLine(this.#process.stderr, (line) => this.log.push(line)),
      this.#process.status,
    ]);
  }

  /** Resident set size in bytes (Linux /proc), or undefined where unavailable. */
  rss(): number | undefined {
    return this.memory()?.rss;
  }

  /**
   * VmRSS and its anonymous part (RssAnon: the process's own memory; the rest is mostly
   * the `deno` executable's pages, shared with every other Deno process) in bytes.
   */
  memory(): { rss: number; anon: number } | undefined {
    try {
      const status = Deno.readTextFileSync(`/proc/${this.#process.pid}/status`);
      const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]);
      const rss = kb("VmRSS") * 1024;
      const anon = kb("RssAnon") * 1024;
      return Number.isFinite(rss) ? { rss, anon } : undefined;
    } catch {
      return undefined;
    }
  }

  /** CPU seconds (user + system) the process has used so far (Linux /proc), or undefined. */
  cpuSeconds(): number | undefined {
    try {
      const stat = Deno.readTextFileSync(`/proc/${this.#process.pid}/stat`);
      // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      return Number.isFinite(ticks) ? ticks / CLOCK_TICKS_PER_SECOND : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Distinct log messages at WARNING or worse (the first few, with how often each came), to
   * show next to the figures.
   */
  problems(): string[] {
    const counts = new Map<string, number>();
    for (const line of this.log) {
      const at = line.search(/<(WARNING|ERROR|CRITICAL)>/);
      if (at < 0) continue;
      const message = line.slice(at);
      counts.set(message, (counts.get(message) ?? 0) + 1);
    }
    return [...counts].slice(0, 5).map(([message, n]) => n > 1 ? `${message} (x${n})` : message);
  }

  /** SIGTERM, as systemd stops it; resolves when it exited and its log is read. */
  async stop(): Promise<void> {
    try {
      this.#process.kill("SIGTERM");
    } catch {
      // it exited already
    }
    await this.#done;
  }
}
