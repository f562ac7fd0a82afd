/**
 * ThingsBoard transport rate limits: `capacity:seconds` bandwidths with greedy refill
 * (bucket4j `Refill.greedy`), several per bucket, all checked at once.
 *
 * @module
 */

import type { RateLimits } from "./types.ts";

interface Bandwidth {
  capacity: number;
  /** Tokens added per millisecond */
  refillPerMs: number;
  tokens: number;
}

/** Parses `"100:1,3000:60"`; an empty or absent string means no limit. */
export function parseRateLimit(spec: string | undefined): { capacity: number; seconds: number }[] {
  if (spec === undefined || spec.trim() === "") return [];
  if (typeof spec !== "string") {
    throw new TypeError(`Rate limit must be a "capacity:seconds" string, got "${spec}"`);
  }
  return spec.split(",").map((part) => {
    const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(part);
    const capacity = m ? Number(m[1]) : NaN;
    const seconds = m ? Number(m[2]) : NaN;
    if (!(capacity > 0) || !(seconds > 0)) {
      throw new RangeError(`Rate limit "${part}" is not "capacity:seconds" with positive numbers`);
    }
    return { capacity, seconds };
  });
}

/** A token bucket with one or more bandwidths. */
export class TokenBucket {
  #bandwidths: Bandwidth[];
  #last: number;

  constructor(spec: string | undefined, now = performance.now()) {
    this.#bandwidths = parseRateLimit(spec).map(({ capacity, seconds }) => ({
      capacity,
      refillPerMs: capacity / (seconds * 1000),
      tokens: capacity,
    }));
    this.#last = now;
  }

  /** Takes `n` tokens from every bandwidth if all have them; false (nothing taken) otherwise. */
  tryConsume(n: number, now = performance.now()): boolean {
    if (this.#bandwidths.length === 0 || n <= 0) return true;
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    let ok = true;
    for (const b of this.#bandwidths) {
      b.tokens = Math.min(b.capacity, b.tokens + elapsed * b.refillPerMs);
      if (b.tokens < n) ok = false;
    }
    if (ok) { for (const b of this.#bandwidths) b.tokens -= n; }
    return ok;
  }
}

/** The three buckets of one device (or of all devices behind one gateway). */
export class DeviceRateLimiter {
  readonly config: Readonly<Required<RateLimits>>;
  #messages: TokenBucket;
  #telemetryMessages: TokenBucket;
  #telemetryDataPoints: TokenBucket;

  constructor(limits: RateLimits = {}) {
    this.config = {
      messages: limits.messages ?? "",
      telemetryMessages: limits.telemetryMessages ?? "",
      telemetryDataPoints: limits.telemetryDataPoints ?? "",
    };
    this.#messages = new TokenBucket(this.config.messages);
    this.#telemetryMessages = new TokenBucket(this.config.telemetryMessages);
    this.#telemetryDataPoints = new TokenBucket(this.config.telemetryDataPoints);
  }

  /** A message without data points: one "messages" token. */
  tryMessage(): boolean {
    return this.#messages.tryConsume(1);
  }

  /** Telemetry or client attributes: one telemetry message plus one token per data point. */
  tryTelemetry(dataPoints: number): boolean {
    // Like ThingsBoard, the message token stays spent when the data points are refused.
    return this.#telemetryMessages.tryConsume(1) &&
      this.#telemetryDataPoints.tryConsume(dataPoints);
  }
}
