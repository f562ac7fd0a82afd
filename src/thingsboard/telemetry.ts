/**
 * Telemetry and attribute payloads: validation, JSON, and splitting into
 * messages that fit the server's packet limit and data-point rate limit.
 *
 * ThingsBoard closes the session on a packet larger than its Netty limit
 * (64 KiB by default) and drops the message; so a payload that does not fit
 * is cut at key boundaries into several messages. A timestamped group may be
 * spread over several messages with the same `ts` (keys are disjoint). A group
 * without `ts` that must be split gets one client timestamp, so its parts are
 * stored at the same time instead of at the slightly different server times
 * of each part. A single key whose value alone does not fit is refused with a
 * `RangeError` before anything is sent.
 *
 * @module
 */
import { isJsonObject, tbJsonStringify, utf8Length } from "./json.ts";

/** Flat key → value telemetry or attributes. */
export type TelemetryValues = Readonly<Record<string, unknown>>;
/** Values with a client timestamp (milliseconds since the epoch). */
export interface TimedTelemetry {
  readonly ts: number;
  readonly values: TelemetryValues;
}
/** The shapes ThingsBoard accepts on the telemetry topic (arrays may mix both forms). */
export type TelemetryData =
  | TelemetryValues
  | TimedTelemetry
  | ReadonlyArray<TelemetryValues | TimedTelemetry>;

/** One MQTT message body. */
export interface Payload {
  readonly text: string;
  readonly bytes: number;
  /** Key-value pairs ThingsBoard counts against the data-point rate limit */
  readonly dataPoints: number;
}

/** Limits a single message must respect. */
export interface SplitLimits {
  /** Largest payload in bytes */
  maxBytes: number;
  /** Most key-value pairs in one message (from the data-point rate limit) */
  maxDataPoints: number;
}

interface Group {
  ts: number | undefined;
  values: TelemetryValues;
  keys: string[];
}

function toGroup(item: unknown, what: string, index?: number): Group {
  const at = index === undefined ? "" : ` (item ${index})`;
  if (!isJsonObject(item)) {
    throw new TypeError(`Cannot send ${what}${at}: expected an object, got ${describe(item)}`);
  }
  if (Object.hasOwn(item, "ts") || Object.hasOwn(item, "values")) {
    const { ts, values } = item as { ts?: unknown; values?: unknown };
    if (!Object.hasOwn(item, "ts") || !Object.hasOwn(item, "values")) {
      throw new TypeError(
        `Cannot send ${what}${at}: a timestamped entry needs both "ts" and "values"`,
      );
    }
    const extra = Object.keys(item).filter((k) => k !== "ts" && k !== "values");
    if (extra.length > 0) {
      throw new TypeError(
        `Cannot send ${what}${at}: unexpected key "${extra[0]}" next to "ts" and "values"`,
      );
    }
    if (typeof ts !== "number" || !Number.isSafeInteger(ts) || ts < 0) {
      throw new TypeError(
        `Cannot send ${what}${at}: "ts" must be milliseconds since the epoch, got ${describe(ts)}`,
      );
    }
    if (!isJsonObject(values)) {
      throw new TypeError(
        `Cannot send ${what}${at}: "values" must be an object, got ${describe(values)}`,
      );
    }
    return { ts, values, keys: checkedKeys(values, what, at) };
  }
  return { ts: undefined, values: item, keys: checkedKeys(item, what, at) };
}

function checkedKeys(values: TelemetryValues, what: string, at: string): string[] {
  const keys = Object.keys(values);
  if (keys.length === 0) throw new TypeError(`Cannot send ${what}${at}: no keys`);
  for (const key of keys) {
    if (key === "") throw new TypeError(`Cannot send ${what}${at}: empty key`);
  }
  return keys;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `"${value.slice(0, 40)}"`;
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

/** Validates telemetry input; groups in input order. */
function telemetryGroups(data: TelemetryData): Group[] {
  if (Array.isArray(data)) {
    if (data.length === 0) throw new TypeError("Cannot send telemetry: empty array");
    return data.map((item, i) => toGroup(item, "telemetry", i));
  }
  return [toGroup(data, "telemetry")];
}

/** JSON payloads for `v1/devices/me/telemetry`, split to fit `limits`. */
export function telemetryPayloads(
  data: TelemetryData,
  limits: SplitLimits,
  now: () => number = Date.now,
): Payload[] {
  const groups = telemetryGroups(data);
  let dataPoints = 0;
  for (const group of groups) dataPoints += group.keys.length;
  if (dataPoints <= limits.maxDataPoints) {
    const text = tbJsonStringify(data);
    const bytes = utf8Length(text);
    if (bytes <= limits.maxBytes) return [{ text, bytes, dataPoints }];
  }
  return split(groups, limits, now());
}

/** JSON payloads for `v1/devices/me/attributes` (flat object only), split to fit `limits`. */
export function attributePayloads(data: TelemetryValues, limits: SplitLimits): Payload[] {
  if (!isJsonObject(data)) {
    throw new TypeError(`Cannot send attributes: expected an object, got ${describe(data)}`);
  }
  const keys = checkedKeys(data, "attributes", "");
  if (keys.length <= limits.maxDataPoints) {
    const text = tbJsonStringify(data);
    const bytes = utf8Length(text);
    if (bytes <= limits.maxBytes) return [{ text, bytes, dataPoints: keys.length }];
  }
  return split([{ ts: undefined, values: data, keys }], limits, undefined);
}

/**
 * Greedy packing of `"key":value` fragments. Messages are arrays of groups
 * (ThingsBoard accepts arrays on the telemetry topic); attributes (stampTs
 * undefined) are bare objects.
 */
function split(groups: Group[], limits: SplitLimits, stampTs: number | undefined): Payload[] {
  const attributes = stampTs === undefined;
  const arrayBytes = attributes ? 0 : 2; // "[" and "]"
  const out: Payload[] = [];
  // The message under construction: finished groups, then the open group's fragments.
  let parts: string[] = [];
  let partsBytes = 0; // bytes of parts.join(",")
  let partsPoints = 0;
  let frags: string[] = [];
  let fragsBytes = 0; // bytes of frags.join(",")
  let openTs: number | undefined;

  const overhead = (ts: number | undefined) =>
    ts === undefined ? 2 : 2 + `"ts":${ts},"values":{}`.length;
  const closeGroup = () => {
    if (frags.length === 0) return;
    const body = frags.join(",");
    const text = openTs === undefined ? `{${body}}` : `{"ts":${openTs},"values":{${body}}}`;
    partsBytes += overhead(openTs) + fragsBytes + (parts.length > 0 ? 1 : 0);
    partsPoints += frags.length;
    parts.push(text);
    frags = [];
    fragsBytes = 0;
  };
  const flush = () => {
    closeGroup();
    if (parts.length === 0) return;
    const text = attributes ? parts[0] : `[${parts.join(",")}]`;
    out.push({ text, bytes: arrayBytes + partsBytes, dataPoints: partsPoints });
    parts = [];
    partsBytes = 0;
    partsPoints = 0;
  };

  for (const group of groups) {
    closeGroup();
    const ts = group.ts ?? stampTs;
    openTs = ts;
    for (const key of group.keys) {
      const frag = `${JSON.stringify(key)}:${valueText(group.values[key], key)}`;
      const fragBytes = utf8Length(frag);
      const alone = arrayBytes + overhead(ts) + fragBytes;
      if (alone > limits.maxBytes) {
        throw new RangeError(
          `Cannot send "${key}": it needs ${alone} bytes alone, more than the server's limit of ${limits.maxBytes}`,
        );
      }
      const wouldBe = arrayBytes + partsBytes + (parts.length > 0 ? 1 : 0) + overhead(ts) +
        fragsBytes + (frags.length > 0 ? 1 : 0) + fragBytes;
      const points = partsPoints + frags.length + 1;
      if (wouldBe > limits.maxBytes || points > limits.maxDataPoints) {
        flush();
        openTs = ts;
      }
      fragsBytes += frags.length > 0 ? fragBytes + 1 : fragBytes;
      frags.push(frag);
    }
  }
  flush();
  return out;
}

function valueText(value: unknown, key: string): string {
  try {
    return tbJsonStringify(value);
  } catch (error) {
    const message = (error as Error).message.replace("value", `value of "${key}"`);
    throw error instanceof RangeError ? new RangeError(message) : new TypeError(message);
  }
}
