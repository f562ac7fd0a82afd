/**
 * Client-side rate limiting that keeps under ThingsBoard's transport limits.
 *
 * The server's limits are strings of `capacity:seconds` pairs, all enforced
 * at once (`"100:1,3000:60"`), for three counters: `messages` (everything
 * that is not telemetry: subscriptions, requests, RPC replies, claims, RPC
 * delivery acks, the session open), `telemetryMessages` and
 * `telemetryDataPoints` (telemetry and client-attribute publishes: one message
 * plus one data point per key-value). Exceeding one closes the session.
 *
 * Each pair is modelled as a sliding window log: never more than `capacity`
 * in any `seconds` long window. That is safe against both refill styles a
 * server may use (greedy token buckets as in ThingsBoard, or fixed windows),
 * while a client-side token bucket is only safe against the former. Two
 * margins absorb network jitter (messages sent apart can arrive together):
 * the capacity is scaled by `safetyFraction` and the window is lengthened by
 * `marginMs`.
 *
 * @module
 */

/** One `capacity:seconds` pair. */
export interface RateWindowSpec {
  readonly capacity: number;
  readonly seconds: number;
}

/** Limits as `getSessionLimits` reports them (`rateLimits`). Empty or absent = no limit. */
export interface RateLimitStrings {
  messages?: string;
  telemetryMessages?: string;
  telemetryDataPoints?: string;
}

/** What one message costs in each counter. */
export interface RateCost {
  messages: number;
  telemetryMessages: number;
  dataPoints: number;
}

/** Tuning of {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Fraction of each capacity to use. @default 0.9 */
  safetyFraction?: number;
  /** Added to each window length. @default 100 */
  marginMs?: number;
  /** Clock in milliseconds; tests pass a fake one. @default performance.now */
  now?: () => number;
}

const PAIR = /^\s*(\d+)\s*:\s*(\d+)\s*$/;

/** Parses `"100:1,3000:60"`; `""` means no limit. Throws a `SyntaxError` naming the bad part. */
export function parseRateLimit(spec: string): RateWindowSpec[] {
  if (spec.trim() === "") return [];
  return spec.split(",").map((part) => {
    const match = PAIR.exec(part);
    const capacity = match ? Number(match[1]) : NaN;
    const seconds = match ? Number(match[2]) : NaN;
    if (!(capacity > 0) || !(seconds > 0)) {
      throw new SyntaxError(
        `Invalid rate limit "${part.trim()}" in "${spec}": expected capacity:seconds, both positive integers`,
      );
    }
    return { capacity, seconds };
  });
}

/** At most `capacity` units in any window of `windowMs`. */
export class SlidingWindow {
  readonly capacity: number;
  readonly windowMs: number;
  #times: number[] = [];
  #counts: number[] = [];
  #head = 0;
  #sum = 0;

  constructor(capacity: number, windowMs: number) {
    this.capacity = capacity;
    this.windowMs = windowMs;
  }

  /** Units counted in the window ending at `now`. */
  used(now: number): number {
    this.#expire(now);
    return this.#sum;
  }

  /** Milliseconds until `cost` fits (0 = now). A cost above capacity fits an empty window. */
  delay(cost: number, now: number): number {
    this.#expire(now);
    if (cost <= 0 || this.#sum + Math.min(cost, this.capacity) <= this.capacity) return 0;
    const need = Math.min(cost, this.capacity);
    let remaining = this.#sum;
    for (let i = this.#head; i < this.#times.length; i++) {
      remaining -= this.#counts[i];
      if (remaining + need <= this.capacity) {
        return Math.max(1, Math.ceil(this.#times[i] + this.windowMs - now));
      }
    }
    return 1; // unreachable: an empty window always fits
  }

  /** Records `cost` units at `now` (also beyond capacity: the window then stays closed longer). */
  add(cost: number, now: number): void {
    if (cost <= 0) return;
    const last = this.#times.length - 1;
    if (last >= this.#head && this.#times[last] === now) {
      this.#counts[last] += cost;
    } else {
      this.#times.push(now);
      this.#counts.push(cost);
    }
    this.#sum += cost;
  }

  /** Fills the window at `now` (after the server signalled a rate limit). */
  fill(now: number): void {
    this.#expire(now);
    this.add(Math.max(0, this.capacity - this.#sum), now);
  }

  #expire(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.#head < this.#times.length && this.#times[this.#head] <= cutoff) {
      this.#sum -= this.#counts[this.#head];
      this.#head++;
    }
    if (this.#head > 256 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head);
      this.#counts = this.#counts.slice(this.#head);
      this.#head = 0;
    }
  }
}

type Counter = keyof RateCost;
const COUNTERS: readonly Counter[] = ["messages", "telemetryMessages", "dataPoints"];

/** Windows for the three ThingsBoard counters. */
export class RateLimiter {
  #windows: Record<Counter, SlidingWindow[]> = {
    messages: [],
    telemetryMessages: [],
    dataPoints: [],
  };
  #specs: Record<Counter, string> = { messages: "", telemetryMessages: "", dataPoints: "" };
  #fraction: number;
  #marginMs: number;
  #now: () => number;

  constructor(options: RateLimiterOptions = {}) {
    const fraction = options.safetyFraction ?? 0.9;
    const margin = options.marginMs ?? 100;
    if (!(fraction > 0 && fraction <= 1)) {
      throw new RangeError(`Invalid safetyFraction "${fraction}": expected 0 < fraction <= 1`);
    }
    if (!(margin >= 0)) throw new RangeError(`Invalid marginMs "${margin}": expected >= 0`);
    this.#fraction = fraction;
    this.#marginMs = margin;
    this.#now = options.now ?? (() => performance.now());
  }

  /** True when at least one limit is set. */
  get limited(): boolean {
    return COUNTERS.some((c) => this.#windows[c].length > 0);
  }

  /**
   * Applies limits (e.g. from `getSessionLimits` after every connect). A counter
   * whose string did not change keeps its history, so a reconnect does not
   * reset what was already sent.
   */
  configure(limits: RateLimitStrings): void {
    const next: Record<Counter, string> = {
      messages: limits.messages ?? "",
      telemetryMessages: limits.telemetryMessages ?? "",
      dataPoints: limits.telemetryDataPoints ?? "",
    };
    for (const counter of COUNTERS) {
      if (next[counter] === this.#specs[counter]) continue;
      const parsed = parseRateLimit(next[counter]);
      this.#windows[counter] = parsed.map(({ capacity, seconds }) =>
        new SlidingWindow(
          Math.max(1, Math.floor(capacity * this.#fraction)),
          seconds * 1000 + this.#marginMs,
        )
      );
      this.#specs[counter] = next[counter];
    }
  }

  /** Most data points one message may carry and still pass the data-point limit. */
  get maxDataPointsPerMessage(): number {
    let max = Infinity;
    for (const w of this.#windows.dataPoints) max = Math.min(max, w.capacity);
    return max;
  }

  /**
   * Most telemetry messages one MQTT message may count as (a gateway message
   * counts one per sub-device it names).
   */
  get maxTelemetryMessagesPerMessage(): number {
    let max = Infinity;
    for (const w of this.#windows.telemetryMessages) max = Math.min(max, w.capacity);
    return max;
  }

  /** Milliseconds until a message of this cost may be sent (0 = now). */
  delayFor(cost: RateCost): number {
    const now = this.#now();
    let delay = 0;
    for (const counter of COUNTERS) {
      const amount = cost[counter];
      if (amount <= 0) continue;
      for (const w of this.#windows[counter]) delay = Math.max(delay, w.delay(amount, now));
    }
    return delay;
  }

  /** Records a message. Also used, without asking first, for traffic that cannot wait. */
  consume(cost: RateCost): void {
    const now = this.#now();
    for (const counter of COUNTERS) {
      const amount = cost[counter];
      if (amount <= 0) continue;
      for (const w of this.#windows[counter]) w.add(amount, now);
    }
  }

  /**
   * The server closed the session for a rate limit (certain: MQTT 5 reason
   * code) or probably did (`certain` false: a 3.1.1 close while telemetry was in
   * flight). Certain: every window fills; probable: only the shortest window of
   * each counter, so a server restart does not stall sending for a minute.
   */
  penalize(certain: boolean): void {
    const now = this.#now();
    for (const counter of COUNTERS) {
      const windows = this.#windows[counter];
      if (windows.length === 0) continue;
      if (certain) {
        for (const w of windows) w.fill(now);
      } else {
        windows.reduce((a, b) => (b.windowMs < a.windowMs ? b : a)).fill(now);
      }
    }
  }
}

/** Cost of a telemetry or client-attribute message with `dataPoints` key-values. */
export function dataCost(dataPoints: number): RateCost {
  return { messages: 0, telemetryMessages: 1, dataPoints };
}

/** Cost of any other message. */
export const MESSAGE_COST: Readonly<RateCost> = Object.freeze({
  messages: 1,
  telemetryMessages: 0,
  dataPoints: 0,
});
