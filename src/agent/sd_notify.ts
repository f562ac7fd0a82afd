/**
 * systemd's `sd_notify` protocol, spoken directly: one datagram of
 * `KEY=value` lines to the unix socket named by `$NOTIFY_SOCKET`, which tells
 * a `Type=notify` unit that the service is ready (`READY=1`), alive
 * (`WATCHDOG=1`), stopping (`STOPPING=1`), or what it is doing (`STATUS=`).
 *
 * Not under systemd (no `$NOTIFY_SOCKET`), everything here is a no-op. A
 * failure to send never stops the agent: it gives one warning per notifier
 * and later failures stay quiet, because a service that crashes over its
 * status line is worse than one whose status is stale.
 *
 * Deno needs its unstable datagram API for this (`"unstable": ["net"]` in
 * deno.json, or `--unstable-net`). Permissions: `--allow-env` to read the
 * variables, `--allow-net` to bind the sending socket (an abstract name),
 * `--allow-write` to send to a path socket.
 *
 * @module
 */

/** Where the notifier reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`. */
export interface NotifyEnvironment {
  get(name: string): string | undefined;
}

/** Options of {@link SdNotifier}. */
export interface SdNotifierOptions {
  /** Default: the process environment (read only where `--allow-env` grants it, never prompting). */
  readonly env?: NotifyEnvironment;
  /** Receives the one warning; default: `console.warn`. */
  readonly warn?: (message: string) => void;
  /** A send that takes longer than this is abandoned (its socket closed); default 1000 ms. */
  readonly sendTimeoutMs?: number;
}

/** The unstable part of the Deno namespace that sending needs. */
type ListenDatagram = (options: { transport: "unixpacket"; path: string }) => Deno.DatagramConn;

const encoder = new TextEncoder();
let senderCount = 0;

/** The process environment, read without prompting and without throwing. */
const processEnvironment: NotifyEnvironment = {
  get(name: string): string | undefined {
    try {
      if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
        return undefined;
      }
      return Deno.env.get(name);
    } catch {
      return undefined;
    }
  },
};

/**
 * Turns a `$NOTIFY_SOCKET` value into a socket path for Deno: an absolute
 * path stays as it is; `@name` (systemd's spelling of an abstract socket)
 * becomes `\0name`. Throws a `TypeError` for anything else (systemd's other
 * forms, such as `vsock:`, are not supported).
 */
export function notifySocketAddress(value: string): string {
  if (value.startsWith("/")) return value;
  if (value.startsWith("@") && value.length > 1) return "\0" + value.slice(1);
  throw new TypeError(
    `NOTIFY_SOCKET "${value}" is neither an absolute path nor an abstract "@name" socket`,
  );
}

/**
 * How often to send `WATCHDOG=1`: half of `$WATCHDOG_USEC`, in milliseconds,
 * as systemd recommends. `undefined` when the unit has no watchdog or when
 * `$WATCHDOG_PID` names another process. Throws a `RangeError` for a value
 * that is not a positive integer.
 */
export function watchdogIntervalMs(
  env: NotifyEnvironment = processEnvironment,
  pid: number = Deno.pid,
): number | undefined {
  const usec = env.get("WATCHDOG_USEC");
  if (usec === undefined || usec === "") return undefined;
  const watchdogPid = env.get("WATCHDOG_PID");
  if (watchdogPid !== undefined && watchdogPid !== "" && watchdogPid !== String(pid)) {
    return undefined;
  }
  if (!/^[0-9]+$/.test(usec) || Number(usec) <= 0) {
    throw new RangeError(`WATCHDOG_USEC "${usec}" is not a positive number of microseconds`);
  }
  return Math.max(1, Math.floor(Number(usec) / 2000));
}

/** Sends sd_notify datagrams to `$NOTIFY_SOCKET`; a no-op when it is unset. */
export class SdNotifier {
  /** The socket in Deno's spelling (`\0` for abstract), or undefined when disabled. */
  readonly socketPath: string | undefined;
  #warn: (message: string) => void;
  #warned = false;
  #sendTimeoutMs: number;
  #socket: Deno.DatagramConn | undefined;
  #closed = false;

  constructor(options: SdNotifierOptions = {}) {
    this.#warn = options.warn ?? ((message) => console.warn(message));
    this.#sendTimeoutMs = options.sendTimeoutMs ?? 1000;
    if (!(this.#sendTimeoutMs > 0)) {
      throw new RangeError(`sendTimeoutMs must be positive, got "${options.sendTimeoutMs}"`);
    }
    const value = (options.env ?? processEnvironment).get("NOTIFY_SOCKET");
    let path: string | undefined;
    if (value !== undefined && value !== "") {
      try {
        path = notifySocketAddress(value);
      } catch (error) {
        this.#warnOnce(`sd_notify disabled: ${(error as Error).message}`);
      }
    }
    this.socketPath = path;
  }

  /** Whether datagrams are sent at all (`$NOTIFY_SOCKET` is set and usable). */
  get enabled(): boolean {
    return this.socketPath !== undefined && !this.#closed;
  }

  /** `READY=1` (plus `STATUS=` when given): the unit becomes active. */
  ready(status?: string): Promise<boolean> {
    return this.notify(withStatus("READY=1", status));
  }

  /** `WATCHDOG=1`: the service is alive; see {@link startWatchdog}. */
  watchdog(): Promise<boolean> {
    return this.notify("WATCHDOG=1");
  }

  /** `STOPPING=1` (plus `STATUS=` when given): the service is shutting down. */
  stopping(status?: string): Promise<boolean> {
    return this.notify(withStatus("STOPPING=1", status));
  }

  /** `STATUS=text`: a one-line status that `systemctl status` shows. */
  status(text: string): Promise<boolean> {
    return this.notify(withStatus(undefined, text));
  }

  /**
   * Sends `state` (newline-separated `KEY=value` lines) as one datagram.
   * Resolves with whether it was sent; never rejects.
   */
  async notify(state: string): Promise<boolean> {
    if (!this.enabled) return false;
    const socket = this.#sender();
    if (socket === undefined) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.#sendTimeoutMs);
    });
    try {
      const sent = socket.send(encoder.encode(state), {
        transport: "unixpacket",
        path: this.socketPath!,
      });
      const outcome = await Promise.race([sent, timeout]);
      if (outcome === "timeout") {
        // A full receive queue would block forever; closing the socket ends the pending send.
        this.#dropSocket(socket);
        sent.catch(() => {});
        this.#warnOnce(
          `sd_notify: no send to NOTIFY_SOCKET within ${this.#sendTimeoutMs} ms; ` +
            "further failures are not reported",
        );
        return false;
      }
      return true;
    } catch (error) {
      if (this.#closed) return false; // close() ended the send on purpose
      this.#warnOnce(
        `sd_notify: cannot send to NOTIFY_SOCKET (${describe(error)}); ` +
          "further failures are not reported",
      );
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the sending socket; later calls are no-ops. */
  close(): void {
    this.#closed = true;
    if (this.#socket !== undefined) this.#dropSocket(this.#socket);
  }

  /** The sending socket, bound on first use to a fresh abstract name (no file to clean up). */
  #sender(): Deno.DatagramConn | undefined {
    if (this.#socket !== undefined) return this.#socket;
    const listenDatagram = (Deno as unknown as { listenDatagram?: ListenDatagram }).listenDatagram;
    if (typeof listenDatagram !== "function") {
      this.#warnOnce(
        "sd_notify: Deno.listenDatagram is missing (run with --unstable-net); " +
          "systemd will not hear from this service",
      );
      this.#closed = true;
      return undefined;
    }
    try {
      this.#socket = listenDatagram({
        transport: "unixpacket",
        path: `\0tfedge-notify-${Deno.pid}-${++senderCount}`,
      });
    } catch (error) {
      this.#warnOnce(
        `sd_notify: cannot open a datagram socket (${describe(error)}); ` +
          "further failures are not reported",
      );
    }
    return this.#socket;
  }

  #dropSocket(socket: Deno.DatagramConn): void {
    if (this.#socket === socket) this.#socket = undefined;
    try {
      socket.close();
    } catch {
      // already closed
    }
  }

  #warnOnce(message: string): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#warn(message);
  }
}

/** Options of {@link startWatchdog}. */
export interface WatchdogOptions {
  /** Default: half of `$WATCHDOG_USEC` (see {@link watchdogIntervalMs}). */
  readonly intervalMs?: number;
  /**
   * Asked before each ping; `false` skips it, so that a wedged agent is
   * restarted by systemd instead of being kept alive by a bare timer.
   * Default: always healthy (the timer firing proves the event loop runs).
   */
  readonly isHealthy?: () => boolean;
  /** Read for `WATCHDOG_USEC`/`WATCHDOG_PID` when no interval is given. */
  readonly env?: NotifyEnvironment;
  /** Receives a warning about a malformed `$WATCHDOG_USEC`; default: `console.warn`. */
  readonly warn?: (message: string) => void;
}

/** A running watchdog; {@link stop} ends it. */
export interface Watchdog {
  /** The ping interval, or undefined when no watchdog runs. */
  readonly intervalMs: number | undefined;
  stop(): void;
}

/**
 * Sends `WATCHDOG=1` every `intervalMs` while `isHealthy()` says so. Does
 * nothing when the notifier is disabled or the unit has no watchdog. The
 * timer does not keep the process alive, and a ping still in flight is not
 * doubled.
 */
export function startWatchdog(notifier: SdNotifier, options: WatchdogOptions = {}): Watchdog {
  let intervalMs = options.intervalMs;
  if (intervalMs === undefined) {
    try {
      intervalMs = watchdogIntervalMs(options.env);
    } catch (error) {
      (options.warn ?? ((message: string) => console.warn(message)))(
        `sd_notify watchdog disabled: ${(error as Error).message}`,
      );
    }
  } else if (!(intervalMs > 0)) {
    throw new RangeError(`Watchdog interval must be positive, got "${intervalMs}"`);
  }
  if (intervalMs === undefined || !notifier.enabled) {
    return { intervalMs: undefined, stop() {} };
  }
  const isHealthy = options.isHealthy ?? (() => true);
  let pinging = false;
  const timer = setInterval(() => {
    if (pinging || !isHealthy()) return;
    pinging = true;
    notifier.watchdog().finally(() => pinging = false);
  }, intervalMs);
  Deno.unrefTimer(timer);
  return { intervalMs, stop: () => clearInterval(timer) };
}

/** Joins a state line and a status line; newlines in the status would start new keys. */
function withStatus(state: string | undefined, status: string | undefined): string {
  if (status === undefined) return state ?? "";
  const line = `STATUS=${status.replace(/[\r\n]+/g, " ")}`;
  return state === undefined ? line : `${state}\n${line}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
