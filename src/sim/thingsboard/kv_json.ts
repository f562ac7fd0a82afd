/**
 * ThingsBoard's key-value JSON rules (`JsonConverter`): how a JSON value becomes a stored
 * LONG / DOUBLE / BOOLEAN / STRING / JSON entry.
 *
 * JSON numbers are parsed from their source text (`JSON.parse` reviver context), because the
 * rules depend on the exact digits: an integer that fits a signed 64-bit long is a long (a
 * bigint here beyond 2^53-1), one that does not becomes a string with type cast on; a decimal
 * with more than 16 fraction digits becomes a string.
 *
 * @module
 */

import type { TbJson, TbValue } from "./types.ts";

/** A payload the server cannot convert (ThingsBoard's `JsonSyntaxException` / adaptor error). */
export class PayloadError extends Error {
  override name = "PayloadError";
}

/** A JSON number whose digits matter: kept as text until the key-value rules see it. */
class NumberSource {
  constructor(readonly source: string) {}
}

interface ReviverContext {
  source?: string;
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const NUMBER_SYNTAX = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** commons-lang `NumberUtils.isParsable`: plain decimal, no exponent, no hex. */
const PARSABLE_STRING = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function reviver(_key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value !== "number") return value;
  const source = context?.source;
  if (source === undefined) return value;
  // Fast path: safe integers and short plain decimals need nothing beyond the JS number.
  if (Number.isSafeInteger(value) && !/[.eE]/.test(source)) return value;
  const dot = source.indexOf(".");
  if (dot >= 0 && source.length - dot - 1 <= 16 && !/[eE]/.test(source)) return value;
  return new NumberSource(source);
}

/**
 * Parses a UTF-8 payload as JSON, keeping the source text of numbers the key-value rules care
 * about. Throws {@link PayloadError} on bad UTF-8 or bad JSON.
 */
export function parseJsonPayload(payload: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new PayloadError("Payload is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, reviver as (key: string, value: unknown) => unknown);
  } catch (error) {
    throw new PayloadError(`Payload is not valid JSON: ${(error as Error).message}`);
  }
  return parsed;
}

/** Converts one JSON number text by ThingsBoard's rules (`buildNumericKeyValueProto`). */
export function convertNumber(source: string, typeCast: boolean): number | bigint | string {
  const m = NUMBER_SYNTAX.exec(source);
  if (!m) throw new PayloadError(`Cannot parse number "${source}"`);
  const [, sign, intDigits, fracDigits = "", expText = "0"] = m;
  const scale = fracDigits.length - Number(expText);
  const digits = (intDigits + fracDigits).replace(/^0+(?=\d)/, "");
  const trailingZeros = digits === "0" ? 0 : digits.length - digits.replace(/0+$/, "").length;
  const isSimpleDouble = source.includes(".") && !/[eE]/.test(source);
  if (scale - trailingZeros <= 0 && !isSimpleDouble) {
    let unscaled = BigInt(sign + digits);
    unscaled = scale <= 0 ? unscaled * 10n ** BigInt(-scale) : unscaled / 10n ** BigInt(scale);
    if (unscaled >= LONG_MIN && unscaled <= LONG_MAX) {
      const asNumber = Number(unscaled);
      return Number.isSafeInteger(asNumber) ? asNumber : unscaled;
    }
    if (typeCast) return unscaled.toString();
    throw new PayloadError("Big integer values are not supported!");
  }
  if (scale <= 16) return Number(source);
  if (typeCast) return plainString(sign, digits, scale);
  throw new PayloadError("Big integer values are not supported!");
}

/** `BigDecimal.toPlainString` for a positive scale. */
function plainString(sign: string, digits: string, scale: number): string {
  const padded = digits.padStart(scale + 1, "0");
  const point = padded.length - scale;
  return `${sign}${padded.slice(0, point)}.${padded.slice(point)}`;
}

/** Converts one JSON value into a stored value; `undefined` means "skip" (JSON null). */
export function convertValue(value: unknown, typeCast: boolean): TbValue | undefined {
  if (value === null) return undefined;
  switch (typeof value) {
    case "boolean":
      return value;
    case "number":
      return value;
    case "string":
      if (typeCast && PARSABLE_STRING.test(value)) {
        try {
          return convertNumber(value.startsWith(".") ? `0${value}` : value, true);
        } catch {
          return value;
        }
      }
      return value;
    case "object":
      if (value instanceof NumberSource) return convertNumber(value.source, typeCast);
      return plainJson(value) as TbJson;
  }
  throw new PayloadError(`Cannot parse value ${String(value)}`);
}

/** Replaces kept number texts inside nested JSON by plain numbers. */
function plainJson(value: unknown): unknown {
  if (value instanceof NumberSource) return Number(value.source);
  if (Array.isArray(value)) return value.map(plainJson);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainJson(v);
    return out;
  }
  return value;
}

/** True for a plain JSON object (not an array, not a kept number). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    !(value instanceof NumberSource);
}

/** Reads a JSON value as a JS string the way Gson's `getAsString` does for primitives. */
export function asString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value instanceof NumberSource) return value.source;
  // Gson reads a one-element array as its element.
  if (Array.isArray(value) && value.length === 1) return asString(value[0]);
  return undefined;
}

/** Reads a JSON value as an integer (Gson `getAsLong`); undefined if it is not one. */
export function asInteger(value: unknown): number | undefined {
  let n: number;
  if (typeof value === "number") n = value;
  else if (value instanceof NumberSource) n = Number(value.source);
  else if (typeof value === "string" && PARSABLE_STRING.test(value)) n = Number(value);
  else return undefined;
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

/** Converts a flat JSON object into stored key-values (nulls skipped). */
export function convertKvObject(
  object: Record<string, unknown>,
  typeCast: boolean,
): Record<string, TbValue> {
  const values: Record<string, TbValue> = {};
  for (const key in object) {
    const value = convertValue(object[key], typeCast);
    if (value !== undefined) values[key] = value;
  }
  return values;
}

/** Parsed JSON back to plain JS (kept number texts become numbers), for handler params. */
export function toPlain(value: unknown): unknown {
  return plainJson(value);
}

/** `JSON.rawJSON` (ES2026; in V8, missing from this TypeScript lib). */
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? rawJson(value.toString()) : value;
}

/** JSON text of a downlink body; bigints are written as exact JSON integers. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, bigintReplacer) ?? "null";
}
