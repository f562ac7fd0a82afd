/**
 * The bridge's log lines, formatted like the reference's Python `logging` setup:
 * `%(asctime)s <%(levelname)s> %(name)s: %(message)s`, e.g.
 * `2026-11-22 05:59:01,123 <INFO> MQTT bindings: Starting ...`.
 *
 * `asctime` is Python's default: local time, `YYYY-MM-DD HH:MM:SS,mmm`.
 * Level names are Python's (`WARNING`, not `WARN`). The threshold is INFO, or
 * DEBUG with `--debug`; loggers made with {@link BridgeLogger.child} share it,
 * the way Python's named loggers inherit the root level.
 *
 * @module
 */

/** Python `logging` level names, lowest first. */
export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

const LEVEL_RANK: Record<LogLevel, number> = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
};

/** Receives one finished line, without the trailing newline. */
export type LogSink = (line: string) => void;

/** The logger name the reference gives its root logger. */
export const BRIDGE_LOGGER_NAME = "MQTT bindings";

/** Construction options of {@link BridgeLogger}. */
export interface BridgeLoggerOptions {
  /** `%(name)s` of the line; default {@link BRIDGE_LOGGER_NAME} */
  name?: string;
  /** Lower the threshold from INFO to DEBUG */
  debug?: boolean;
  /** Where lines go; default {@link stderrSink} */
  sink?: LogSink;
  /** Clock for `asctime`; tests pass a fixed one */
  now?: () => Date;
}

/** State shared by a logger and its children: one threshold, one sink, one clock. */
interface SharedLogState {
  threshold: number;
  sink: LogSink;
  now: () => Date;
}

/** Formats `date` like Python's default `asctime`: `2026-11-22 05:59:01,123` (local time). */
export function formatAsctime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1, 2)}-${pad(date.getDate(), 2)} ` +
    `${pad(date.getHours(), 2)}:${pad(date.getMinutes(), 2)}:${pad(date.getSeconds(), 2)},` +
    pad(date.getMilliseconds(), 3);
}

/** One complete log line (no newline). */
export function formatLogLine(date: Date, level: LogLevel, name: string, message: string): string {
  return `${formatAsctime(date)} <${level}> ${name}: ${message}`;
}

const encoder = new TextEncoder();

/**
 * Writes `line` and a newline to stderr synchronously, so lines are never
 * reordered. A closed stderr drops the line: logging must not end the bridge.
 */
export function stderrSink(line: string): void {
  const bytes = encoder.encode(line + "\n");
  try {
    let written = 0;
    while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
  } catch {
    // Nowhere left to report it.
  }
}

/** A named logger with Python's levels. */
export class BridgeLogger {
  #state: SharedLogState;

  /** `%(name)s` in this logger's lines. */
  readonly name: string;

  constructor(options: BridgeLoggerOptions = {}) {
    this.name = options.name ?? BRIDGE_LOGGER_NAME;
    this.#state = {
      threshold: options.debug ? LEVEL_RANK.DEBUG : LEVEL_RANK.INFO,
      sink: options.sink ?? stderrSink,
      now: options.now ?? (() => new Date()),
    };
  }

  /**
   * A logger with another name (e.g. `root` for messages the reference logs
   * before it names its logger) sharing this one's threshold, sink and clock.
   */
  child(name: string): BridgeLogger {
    const logger = new BridgeLogger({ name });
    logger.#state = this.#state;
    return logger;
  }

  /** Whether DEBUG lines are written; check it before building an expensive debug message. */
  get debugEnabled(): boolean {
    return this.#state.threshold <= LEVEL_RANK.DEBUG;
  }

  /** Switches DEBUG output on or off (for this logger and all its relatives). */
  set debugEnabled(on: boolean) {
    this.#state.threshold = on ? LEVEL_RANK.DEBUG : LEVEL_RANK.INFO;
  }

  /** Whether a line of `level` would be written. */
  isEnabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= this.#state.threshold;
  }

  /** Writes `message` at `level` if the threshold allows it. */
  log(level: LogLevel, message: string): void {
    const state = this.#state;
    if (LEVEL_RANK[level] < state.threshold) return;
    state.sink(formatLogLine(state.now(), level, this.name, message));
  }

  debug(message: string): void {
    this.log("DEBUG", message);
  }

  info(message: string): void {
    this.log("INFO", message);
  }

  warning(message: string): void {
    this.log("WARNING", message);
  }

  error(message: string): void {
    this.log("ERROR", message);
  }

  critical(message: string): void {
    this.log("CRITICAL", message);
  }
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}
