/**
 * The processes of the bridge benchmark: the simulated brickd
 * (bridge_bench_sim.ts, a JSON-lines protocol on stdin/stdout) and the
 * bridge itself, started exactly as users start it (`mod.ts` with
 * tinkerforge_mqtt's flags), watched from outside: RSS from /proc, drop
 * counts from its log.
 *
 * @module
 */

import { fromFileUrl } from "../../src/deps/path.ts";

/** Resolves like `promise`, or rejects with "No <what> within <ms> ms". */
export async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`No ${what} within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Calls `onLine` for every line of `stream` (without the newline). */
export async function forEachLine(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
) {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      onLine(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
    }
  }
}

function script(relative: string): string {
  return fromFileUrl(new URL(relative, import.meta.url));
}

/** The simulator process. */
export class SimProcess {
  readonly #process: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #waiters: ((record: Record<string, unknown>) => void)[] = [];
  readonly #done: Promise<unknown>;
  readonly stderr: string[] = [];

  constructor(devices: number) {
    this.#process = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-net", script("./bridge_bench_sim.ts"), "--devices", String(devices)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#process.stdin.getWriter();
    this.#done = Promise.all([
      forEachLine(this.#process.stdout, (line) => this.#waiters.shift()?.(JSON.parse(line))),
      forEachLine(this.#process.stderr, (line) => this.stderr.push(line)),
      this.#process.status,
    ]);
  }

  /** The next JSON line (in order). */
  next(): Promise<Record<string, unknown>> {
    const line = new Promise<Record<string, unknown>>((resolve) => this.#waiters.push(resolve));
    return withDeadline(line, 30_000, "line from the simulator process");
  }

  async send(command: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(command + "\n"));
  }

  /** Callbacks fired so far. */
  async fired(): Promise<number> {
    const reply = this.next();
    await this.send("sample");
    return (await reply).fired as number;
  }

  async stop(): Promise<void> {
    try {
      await this.send("quit");
      await this.#writer.close();
    } catch {
      // it is gone already
    }
    await this.#done;
  }
}

const DROPPED_SINCE_START = /\((\d+) dropped since start\)/;

/** The bridge as a process: `deno run mod.ts <tinkerforge_mqtt flags>`. */
export class BridgeProcess {
  readonly #process: Deno.ChildProcess;
  readonly #done: Promise<unknown>;
  readonly log: string[] = [];
  /** The last "N dropped since start" the bridge logged (it reports at most every 10 s) */
  dropped = 0;

  /** `v8Flags`: e.g. "--max-old-space-size=48,--max-semi-space-size=4" (deno's --v8-flags) */
  constructor(brokerPort: number, ipconPort: number, v8Flags?: string) {
    this.#process = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-read",
        "--allow-env",
        "--allow-sys",
        ...(v8Flags === undefined ? [] : [`--v8-flags=${v8Flags}`]),
        script("../../mod.ts"),
        "--broker-host",
        "127.0.0.1",
        "--broker-port",
        String(brokerPort),
        "--ipcon-host",
        "127.0.0.1",
        "--ipcon-port",
        String(ipconPort),
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#done = Promise.all([
      forEachLine(this.#process.stderr, (line) => {
        this.log.push(line);
        const dropped = DROPPED_SINCE_START.exec(line);
        if (dropped !== null) this.dropped = Number(dropped[1]);
      }),
      this.#process.status,
    ]);
  }

  /** Resident set size in bytes (Linux /proc), or undefined where unavailable. */
  rss(): number | undefined {
    try {
      const status = Deno.readTextFileSync(`/proc/${this.#process.pid}/status`);
      const kb = /VmRSS:\s+(\d+) kB/.exec(status);
      return kb === null ? undefined : Number(kb[1]) * 1024;
    } catch {
      return undefined;
    }
  }

  /** SIGTERM, as a service manager stops it; resolves when it exited and its log is read. */
  async stop(): Promise<void> {
    try {
      this.#process.kill("SIGTERM");
    } catch {
      // it exited already
    }
    await this.#done;
  }
}
