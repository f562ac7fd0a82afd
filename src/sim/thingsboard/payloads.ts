/**
 * Uplink payload shapes of the device API (ThingsBoard `JsonConverter` / `JsonMqttAdaptor`).
 * Every function throws {@link PayloadError} for a payload ThingsBoard would reject.
 *
 * @module
 */

import {
  asInteger,
  asString,
  convertKvObject,
  isJsonObject,
  parseJsonPayload,
  PayloadError,
  toPlain,
} from "./kv_json.ts";
import type { TbValue, TelemetryEntry } from "./types.ts";

/**
 * Telemetry: a flat object, an array of flat objects, `{"ts":..,"values":{..}}`, or an array of
 * those (mixed). Only an object with both `ts` and `values` is timestamped; the rest get
 * `serverTs`. Nulls are skipped.
 */
export function parseTelemetry(json: unknown, serverTs: number, typeCast: boolean) {
  const entries: TelemetryEntry[] = [];
  if (Array.isArray(json)) {
    for (const item of json) {
      if (!isJsonObject(item)) throw new PayloadError("Can't parse value: telemetry item");
      entries.push(telemetryEntry(item, serverTs, typeCast));
    }
  } else if (isJsonObject(json)) {
    entries.push(telemetryEntry(json, serverTs, typeCast));
  } else {
    throw new PayloadError("Can't parse value: telemetry must be an object or an array");
  }
  return entries;
}

function telemetryEntry(
  item: Record<string, unknown>,
  serverTs: number,
  typeCast: boolean,
): TelemetryEntry {
  if ("ts" in item && "values" in item) {
    const ts = asInteger(item.ts);
    if (ts === undefined) throw new PayloadError("Telemetry ts is not a number");
    if (!isJsonObject(item.values)) throw new PayloadError("Telemetry values is not an object");
    return { ts, values: convertKvObject(item.values, typeCast) };
  }
  return { ts: serverTs, values: convertKvObject(item, typeCast) };
}

/** Number of key-values (data points) in parsed telemetry. */
export function countDataPoints(entries: readonly TelemetryEntry[]): number {
  let n = 0;
  for (const entry of entries) n += Object.keys(entry.values).length;
  return n;
}

/** Client attributes: one flat object. */
export function parseAttributes(json: unknown, typeCast: boolean): Record<string, TbValue> {
  if (!isJsonObject(json)) throw new PayloadError("Attributes must be a JSON object");
  return convertKvObject(json, typeCast);
}

/** Requested attribute keys; a scope is undefined when the request does not name it. */
export interface AttributeRequest {
  clientKeys?: string[];
  sharedKeys?: string[];
}

/** `{"clientKeys":"a,b","sharedKeys":"c"}`: comma-separated strings (a one-element array works). */
export function parseAttributeRequest(payload: Uint8Array): AttributeRequest {
  const json = payload.length === 0 ? {} : parseJsonPayload(payload);
  if (!isJsonObject(json)) throw new PayloadError("Attribute request must be a JSON object");
  return { clientKeys: keyList(json, "clientKeys"), sharedKeys: keyList(json, "sharedKeys") };
}

function keyList(json: Record<string, unknown>, field: string): string[] | undefined {
  if (!(field in json) || json[field] === null) return undefined;
  const text = asString(json[field]);
  if (text === undefined) throw new PayloadError(`Attribute request "${field}" is not a string`);
  return text.split(",").map((key) => key.trim()).filter((key) => key !== "");
}

/** `{"secretKey":"s","durationMs":60000}`, both optional; an empty payload is allowed. */
export function parseClaim(payload: Uint8Array): { secretKey: string; durationMs: number } {
  return claimFromJson(payload.length === 0 ? null : parseJsonPayload(payload));
}

/** A claim body already parsed (the gateway form carries one per device). */
export function claimFromJson(json: unknown): { secretKey: string; durationMs: number } {
  if (json === null || json === undefined) return { secretKey: "", durationMs: 0 };
  if (!isJsonObject(json)) throw new PayloadError("Claim must be a JSON object");
  const secretKey = json.secretKey === undefined ? "" : asString(json.secretKey);
  const durationMs = json.durationMs === undefined ? 0 : asInteger(json.durationMs);
  if (secretKey === undefined) throw new PayloadError("Claim secretKey is not a string");
  if (durationMs === undefined) throw new PayloadError("Claim durationMs is not a number");
  return { secretKey, durationMs };
}

/** `{"method":"m","params":...}`; a missing `params` becomes null. */
export function parseRpcRequest(payload: Uint8Array): { method: string; params: unknown } {
  const json = parseJsonPayload(payload);
  if (!isJsonObject(json)) throw new PayloadError("RPC request must be a JSON object");
  const method = asString(json.method);
  if (method === undefined) throw new PayloadError("RPC request has no method");
  return { method, params: toPlain(json.params ?? null) };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A server-side RPC reply: parsed JSON, or the raw text when it is not JSON. */
export function parseRpcReply(payload: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new PayloadError("Payload is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Parses a topic's request id suffix (Java `Integer.parseInt`). */
export function parseRequestId(text: string): number {
  if (!/^[-+]?\d{1,10}$/.test(text)) throw new PayloadError(`Request id "${text}" is not an int`);
  const id = Number(text);
  if (id < -(2 ** 31) || id > 2 ** 31 - 1) {
    throw new PayloadError(`Request id "${text}" is not an int`);
  }
  return id;
}
