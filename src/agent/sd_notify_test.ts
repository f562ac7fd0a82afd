/**
 * sd_notify against real unix datagram sockets made by the test, standing in
 * for systemd's notify socket (SOCK_DGRAM, checked in /proc/net/unix).
 */
import assert from "node:assert/strict";
import {
  type NotifyEnvironment,
  notifySocketAddress,
  SdNotifier,
  startWatchdog,
  watchdogIntervalMs,
} from "./sd_notify.ts";

const decoder = new TextDecoder();
const MODULE = new URL("./sd_notify.ts", import.meta.url).href;

function env(values: Record<string, string>): NotifyEnvironment {
  return { get: (name) => values[name] };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`No ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A receiver like systemd's: a unix datagram socket at a path or an abstract name. */
class Receiver {
  readonly socket: Deno.DatagramConn;
  readonly dir: string | undefined;
  readonly notifySocket: string;

  constructor(abstractName?: string) {
    if (abstractName === undefined) {
      this.dir = Deno.makeTempDirSync({ prefix: "tfedge-notify-test-" });
      this.notifySocket = `${this.dir}/notify`;
      this.socket = Deno.listenDatagram({ transport: "unixpacket", path: this.notifySocket });
    } else {
      this.notifySocket = `@${abstractName}`;
      this.socket = Deno.listenDatagram({ transport: "unixpacket", path: `\0${abstractName}` });
    }
  }

  async next(ms = 5000): Promise<{ text: string; from: string }> {
    const [data, from] = await within(this.socket.receive(), ms, "datagram");
    return { text: decoder.decode(data), from: (from as Deno.UnixAddr).path };
  }

  close(): void {
    this.socket.close();
    if (this.dir !== undefined) Deno.removeSync(this.dir, { recursive: true });
  }
}

/** The socket type /proc/net/unix lists for a bound name (2 = SOCK_DGRAM, 5 = SOCK_SEQPACKET). */
function socketType(path: string): number {
  const name = path.startsWith("\0") ? "@" + path.slice(1) : path;
  const line = Deno.readTextFileSync("/proc/net/unix").split("\n")
    .find((row) => row.trimEnd().endsWith(" " + name));
  assert.ok(line, `"${name}" is not in /proc/net/unix`);
  return parseInt(line.trim().split(/\s+/)[4], 16);
}

Deno.test("sd_notify is a no-op without NOTIFY_SOCKET", async () => {
  const warnings: string[] = [];
  const notifier = new SdNotifier({ env: env({}), warn: (m) => warnings.push(m) });
  assert.equal(notifier.enabled, false);
  assert.equal(await notifier.ready(), false);
  assert.equal(await notifier.watchdog(), false);
  assert.deepEqual(warnings, []);
  assert.equal(startWatchdog(notifier, { intervalMs: 10 }).intervalMs, undefined);
  notifier.close();
});

Deno.test("sd_notify sends READY, STATUS, WATCHDOG and STOPPING as SOCK_DGRAM to a path socket", async () => {
  const receiver = new Receiver();
  const notifier = new SdNotifier({ env: env({ NOTIFY_SOCKET: receiver.notifySocket }) });
  try {
    assert.equal(socketType(receiver.notifySocket), 2);
    assert.equal(await notifier.ready("connected to\nbrickd"), true);
    const ready = await receiver.next();
    assert.equal(ready.text, "READY=1\nSTATUS=connected to brickd");
    assert.equal(socketType(ready.from), 2, "the sender is a datagram socket too");
    assert.equal(await notifier.status("42 devices"), true);
    assert.equal((await receiver.next()).text, "STATUS=42 devices");
    assert.equal(await notifier.watchdog(), true);
    assert.equal((await receiver.next()).text, "WATCHDOG=1");
    assert.equal(await notifier.stopping(), true);
    assert.equal((await receiver.next()).text, "STOPPING=1");
  } finally {
    notifier.close();
    receiver.close();
  }
  assert.equal(notifier.enabled, false);
  assert.equal(await notifier.ready(), false);
});

Deno.test("sd_notify reaches an abstract @name socket", async () => {
  const receiver = new Receiver(`tfedge-test-${Deno.pid}-${crypto.randomUUID()}`);
  const notifier = new SdNotifier({ env: env({ NOTIFY_SOCKET: receiver.notifySocket }) });
  try {
    assert.equal(await notifier.ready(), true);
    assert.equal((await receiver.next()).text, "READY=1");
  } finally {
    notifier.close();
    receiver.close();
  }
});

Deno.test("sd_notify fails softly with one warning when nothing listens", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "tfedge-notify-test-" });
  const warnings: string[] = [];
  const notifier = new SdNotifier({
    env: env({ NOTIFY_SOCKET: `${dir}/gone` }),
    warn: (m) => warnings.push(m),
  });
  try {
    assert.equal(await notifier.ready(), false);
    assert.equal(await notifier.watchdog(), false);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^sd_notify: cannot send to NOTIFY_SOCKET \(NotFound: /);
  } finally {
    notifier.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("sd_notify rejects NOTIFY_SOCKET values it cannot use, with one warning", async () => {
  assert.equal(notifySocketAddress("/run/systemd/notify"), "/run/systemd/notify");
  assert.equal(notifySocketAddress("@abc"), "\0abc");
  for (const bad of ["relative/notify", "@", "vsock:2:1234"]) {
    assert.throws(() => notifySocketAddress(bad), TypeError);
  }
  const warnings: string[] = [];
  const notifier = new SdNotifier({
    env: env({ NOTIFY_SOCKET: "run/notify" }),
    warn: (m) => warnings.push(m),
  });
  assert.equal(notifier.enabled, false);
  assert.equal(await notifier.ready(), false);
  assert.deepEqual(warnings, [
    'sd_notify disabled: NOTIFY_SOCKET "run/notify" is neither an absolute path nor an abstract "@name" socket',
  ]);
});

Deno.test("sd_notify warns once when the unstable datagram API is missing", async () => {
  const script = `import { SdNotifier } from ${JSON.stringify(MODULE)};
    const n = new SdNotifier();
    console.log(await n.ready(), await n.watchdog(), n.enabled);`;
  const output = await new Deno.Command(Deno.execPath(), {
    // --no-config: without deno.json's "unstable": ["net"] the API is absent.
    args: ["eval", "--no-config", script],
    env: { NOTIFY_SOCKET: "/nonexistent/notify", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = decoder.decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  assert.equal(decoder.decode(output.stdout).trim(), "false false false");
  assert.equal(
    stderr.trim(),
    "sd_notify: Deno.listenDatagram is missing (run with --unstable-net); " +
      "systemd will not hear from this service",
  );
});

Deno.test("watchdog interval is half of WATCHDOG_USEC, for this process only", () => {
  assert.equal(watchdogIntervalMs(env({})), undefined);
  assert.equal(watchdogIntervalMs(env({ WATCHDOG_USEC: "60000000" })), 30_000);
  assert.equal(watchdogIntervalMs(env({ WATCHDOG_USEC: "1" })), 1);
  assert.equal(
    watchdogIntervalMs(env({ WATCHDOG_USEC: "60000000", WATCHDOG_PID: "7" }), 7),
    30_000,
  );
  assert.equal(
    watchdogIntervalMs(env({ WATCHDOG_USEC: "60000000", WATCHDOG_PID: "7" }), 8),
    undefined,
  );
  for (const bad of ["abc", "0", "-5", "1e6"]) {
    assert.throws(() => watchdogIntervalMs(env({ WATCHDOG_USEC: bad })), RangeError);
  }
  const warnings: string[] = [];
  const notifier = new SdNotifier({ env: env({ NOTIFY_SOCKET: "/run/unused" }) });
  const watchdog = startWatchdog(notifier, {
    env: env({ WATCHDOG_USEC: "soon" }),
    warn: (m) => warnings.push(m),
  });
  assert.equal(watchdog.intervalMs, undefined);
  assert.deepEqual(warnings, [
    'sd_notify watchdog disabled: WATCHDOG_USEC "soon" is not a positive number of microseconds',
  ]);
  assert.throws(() => startWatchdog(notifier, { intervalMs: 0 }), RangeError);
  notifier.close();
});

Deno.test("watchdog pings from WATCHDOG_USEC only while the agent is healthy", async () => {
  const receiver = new Receiver();
  const values = { NOTIFY_SOCKET: receiver.notifySocket, WATCHDOG_USEC: "40000" };
  const notifier = new SdNotifier({ env: env(values) });
  let checks = 0;
  let healthy = false;
  const watchdog = startWatchdog(notifier, {
    env: env(values),
    isHealthy: () => {
      checks++;
      if (checks === 3) healthy = true; // unhealthy for the first two ticks
      return healthy;
    },
  });
  try {
    assert.equal(watchdog.intervalMs, 20);
    assert.equal((await receiver.next()).text, "WATCHDOG=1");
    assert.ok(checks >= 3, `pinged after ${checks} health checks; the first two said unhealthy`);
    assert.equal((await receiver.next()).text, "WATCHDOG=1");
  } finally {
    watchdog.stop();
    notifier.close();
    receiver.close();
  }
});
