/**
 * MQTT brokers for end-to-end tests and benchmarks: a real mosquitto child
 * process when the binary is installed, else the in-process aedes broker.
 * Both listen on 127.0.0.1 only, on a port nobody else picked, and can be
 * stopped and restarted on the same port to test reconnects.
 *
 * @module
 */

import { type EmbeddedBroker, startEmbeddedBroker } from "../../src/sim/embedded_broker.ts";

/** Which broker implementation runs. */
export type BrokerKind = "mosquitto" | "aedes";

/** A running test broker. */
export interface TestBroker {
  readonly kind: BrokerKind;
  readonly host: "127.0.0.1";
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the broker and frees everything it holds; safe to call twice */
  stop(): Promise<void>;
  /** Stops (if running) and starts again on the same port, with no sessions kept */
  restart(): Promise<void>;
}

/** Options for {@linkcode startTestBroker}. */
export interface TestBrokerOptions {
  /** Default: mosquitto when installed, else aedes */
  kind?: BrokerKind;
}

const HOST = "127.0.0.1";
const READY_DEADLINE_MS = 5_000;
const STOP_DEADLINE_MS = 5_000;
const BIND_ATTEMPTS = 5;
/** mosquitto logs this once every listener is open. */
const RUNNING_LINE = /mosquitto version \S+ running/;
/** Keep the tail of mosquitto's stderr for error messages, not all of it. */
const STDERR_KEEP_CHARS = 4_096;

let mosquittoPath: string | null | undefined;
let noteShown = false;

/**
 * The mosquitto binary on PATH, /usr/sbin or /sbin, or undefined.
 * `TFEDGE_TEST_BROKER=aedes` hides it, to run the suite the way a machine without mosquitto does.
 */
export function findMosquitto(): string | undefined {
  if (Deno.env.get("TFEDGE_TEST_BROKER") === "aedes") return undefined;
  if (mosquittoPath === undefined) {
    const dirs = (Deno.env.get("PATH") ?? "").split(":").filter((dir) => dir !== "");
    mosquittoPath = null;
    for (const dir of [...dirs, "/usr/sbin", "/sbin"]) {
      const candidate = `${dir}/mosquitto`;
      try {
        if (Deno.statSync(candidate).isFile) {
          mosquittoPath = candidate;
          break;
        }
      } catch {
        // not in this directory
      }
    }
  }
  return mosquittoPath ?? undefined;
}

/** The broker kinds this machine can run, mosquitto first. */
export function brokerKinds(): BrokerKind[] {
  return findMosquitto() === undefined ? ["aedes"] : ["mosquitto", "aedes"];
}

/** Starts a broker on 127.0.0.1 and returns once it accepts connections. */
export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const kind = options.kind ?? defaultKind();
  if (kind === "aedes") return await startAedes();
  if (kind === "mosquitto") return await startMosquitto();
  throw new TypeError(`Cannot start broker: unknown kind "${kind}"`);
}

function defaultKind(): BrokerKind {
  if (findMosquitto() !== undefined) return "mosquitto";
  if (!noteShown) {
    noteShown = true;
    console.error(
      "note: mosquitto not found on PATH; broker tests run on the embedded aedes broker",
    );
  }
  return "aedes";
}

async function startAedes(): Promise<TestBroker> {
  let broker: EmbeddedBroker | undefined = await startEmbeddedBroker({ host: HOST, port: 0 });
  const port = broker.port;
  const stop = async () => {
    const running = broker;
    broker = undefined;
    await running?.close();
  };
  return {
    kind: "aedes",
    host: HOST,
    port,
    url: `mqtt://${HOST}:${port}`,
    stop,
    async restart() {
      await stop();
      broker = await startEmbeddedBroker({ host: HOST, port });
    },
  };
}

/** One mosquitto process and what it needs cleaned up. */
interface MosquittoRun {
  child: Deno.ChildProcess;
  status: Promise<Deno.CommandStatus>;
  drained: Promise<void>;
  stderr: () => string;
}

async function startMosquitto(): Promise<TestBroker> {
  const binary = findMosquitto();
  if (binary === undefined) {
    throw new Error("Cannot start mosquitto: binary not found on PATH, /usr/sbin or /sbin");
  }
  let run: MosquittoRun | undefined;
  let port = 0;
  // mosquitto cannot bind port 0, so we pick a free port and hand it over; another
  // process may take it in between, hence the retries with a fresh port.
  for (let attempt = 1; run === undefined; attempt++) {
    port = freePort();
    try {
      run = await launchMosquitto(binary, port);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= BIND_ATTEMPTS) throw error;
    }
  }
  const stop = async () => {
    const running = run;
    run = undefined;
    if (running !== undefined) await stopMosquitto(running);
  };
  return {
    kind: "mosquitto",
    host: HOST,
    port,
    url: `mqtt://${HOST}:${port}`,
    stop,
    async restart() {
      await stop();
      run = await launchMosquitto(binary, port);
    },
  };
}

class PortTakenError extends Error {}

function freePort(): number {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function mosquittoConfig(port: number): string {
  return [
    `listener ${port} ${HOST}`,
    "allow_anonymous true",
    // Without it, small windows of QoS 1 stall on Nagle's algorithm (peers-and-anchors §2.3).
    "set_tcp_nodelay true",
    "persistence false",
    "log_dest stderr",
    "log_type error",
    // Only start and stop lines ("... running" is the readiness signal), no per-client lines.
    "log_type information",
    // The default 1,000 silently drops QoS 1 bursts to a slow subscriber in benchmarks.
    "max_queued_messages 100000",
    "",
  ].join("\n");
}

async function launchMosquitto(binary: string, port: number): Promise<MosquittoRun> {
  const dir = await Deno.makeTempDir({ prefix: "tfedge-mosquitto-" });
  const config = `${dir}/mosquitto.conf`;
  await Deno.writeTextFile(config, mosquittoConfig(port));
  const child = new Deno.Command(binary, {
    args: ["-c", config],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderrTail = "";
  let announceRunning = () => {};
  const running = new Promise<void>((resolve) => announceRunning = resolve);
  // Both pipes are read to the end so mosquitto never blocks on a full pipe.
  const drained = Promise.all([
    child.stdout.pipeTo(new WritableStream()),
    child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write(text) {
          stderrTail = (stderrTail + text).slice(-STDERR_KEEP_CHARS);
          if (RUNNING_LINE.test(stderrTail)) announceRunning();
        },
      }),
    ),
  ]).then(() => {});
  const run: MosquittoRun = { child, status: child.status, drained, stderr: () => stderrTail };

  let outcome: string;
  try {
    outcome = await waitRunning(running, run.status);
  } finally {
    // mosquitto reads its config only at start, so nothing is left on disk even
    // if this process dies without calling stop().
    await Deno.remove(dir, { recursive: true });
  }
  if (outcome === "ready") return run;
  await stopMosquitto(run);
  const stderr = run.stderr().trim();
  const detail = `${outcome}${stderr === "" ? "" : `; stderr: ${stderr}`}`;
  if (/address already in use/i.test(stderr)) {
    throw new PortTakenError(`Cannot start mosquitto on port ${port}: ${detail}`);
  }
  throw new Error(`Cannot start mosquitto on port ${port}: ${detail}`);
}

/**
 * Waits for mosquitto's "running" line, its exit or the deadline; returns "ready" or why not.
 *
 * A TCP connect is no proof of readiness: the port was free only a moment ago,
 * and while a mosquitto that lost the bind race is still exiting, the connect
 * reaches whoever took the port.
 */
async function waitRunning(
  running: Promise<void>,
  status: Promise<Deno.CommandStatus>,
): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      running.then(() => "ready"),
      status.then((s) => `it exited with code ${s.code}`),
      new Promise<string>((resolve) => {
        timer = setTimeout(
          () => resolve(`it did not report running within ${READY_DEADLINE_MS} ms`),
          READY_DEADLINE_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for the promise to settle or `ms` to pass, whichever comes first. */
async function settledOrTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      promise.then(() => {}, () => {}),
      new Promise<void>((resolve) => timer = setTimeout(resolve, ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function stopMosquitto(run: MosquittoRun): Promise<void> {
  let exited = false;
  run.status.then(() => exited = true, () => exited = true);
  try {
    run.child.kill("SIGTERM");
  } catch {
    // it already exited
  }
  await settledOrTimeout(run.status, STOP_DEADLINE_MS);
  if (!exited) {
    try {
      run.child.kill("SIGKILL");
    } catch {
      // it exited in the meantime
    }
  }
  await run.status;
  await run.drained;
}
