/**
 * Lossless JSON for ThingsBoard payloads.
 *
 * ThingsBoard stores integers as signed 64-bit longs; a JS `number` is exact
 * only up to 2^53. So:
 *
 * - {@link tbJsonStringify} writes `bigint` values as plain JSON integers
 *   (via `JSON.rawJSON`) and refuses what plain `JSON.stringify` would silently
 *   change: `NaN`/`Infinity` (would become `null`, which ThingsBoard skips),
 *   `undefined`/functions/symbols (would vanish), and bigints outside the signed
 *   64-bit range (ThingsBoard would store them as strings or drop the session).
 * - {@link tbJsonParse} returns integers beyond 2^53 as `bigint` (exact), all
 *   other numbers as `number`, objects as plain objects. The reviver that does
 *   this only runs when the text contains a run of 16+ digits, so ordinary
 *   payloads parse at native speed.
 *
 * Chosen over `src/calls/py_json.ts` because that parser models Python (Maps,
 * float wrappers) while this API hands values to application code.
 *
 * @module
 */

/** A JSON value as the client hands it out or accepts it. */
export type TbJsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | TbJsonValue[]
  | { [key: string]: TbJsonValue };

/** A JSON object. */
export type TbJsonObject = { [key: string]: TbJsonValue };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Integers with fewer digits are always safe: 2^53 has 16 digits. */
const MAYBE_UNSAFE_INT = /\d{16}/;
const INTEGER_SOURCE = /^-?\d+$/;

// `JSON.rawJSON` and the reviver's `context` argument are ES2026 (V8 ships both).
type RawJson = (text: string) => unknown;
const rawJSON = (JSON as unknown as { rawJSON: RawJson }).rawJSON;

function replacer(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) {
        throw new RangeError(`Cannot send ${where(key)}: ${value} is not a JSON number`);
      }
      return value;
    case "bigint":
      if (value < INT64_MIN || value > INT64_MAX) {
        throw new RangeError(
          `Cannot send ${where(key)}: ${value} does not fit a signed 64-bit integer`,
        );
      }
      return rawJSON(value.toString());
    case "undefined":
    case "function":
    case "symbol":
      // Array holes and undefined object values would be dropped or become null.
      throw new TypeError(`Cannot send ${where(key)}: ${typeof value} is not a JSON value`);
    default:
      return value;
  }
}

function where(key: string): string {
  return key === "" ? "value" : `value of "${key}"`;
}

/** `JSON.stringify` that keeps bigints exact and throws instead of silently changing data. */
export function tbJsonStringify(value: unknown): string {
  const text = JSON.stringify(value, replacer);
  // Only reachable for a top-level value the replacer let through as-is, e.g. a bare symbol.
  if (text === undefined) throw new TypeError("Cannot send value: not representable as JSON");
  return text;
}

function reviver(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (
    typeof value === "number" && !Number.isSafeInteger(value) && context?.source !== undefined &&
    INTEGER_SOURCE.test(context.source)
  ) {
    return BigInt(context.source);
  }
  return value;
}

/** `JSON.parse` keeping integers beyond 2^53 exact as `bigint`; throws `SyntaxError`. */
export function tbJsonParse(text: string): TbJsonValue {
  if (!MAYBE_UNSAFE_INT.test(text)) return JSON.parse(text);
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown);
}

/** True for a non-null, non-array object. */
export function isJsonObject(value: unknown): value is TbJsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** UTF-8 length of a string without encoding it (payload size checks run per message). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A surrogate pair: two UTF-16 units, four UTF-8 bytes.
        bytes += 2;
        i++;
        continue;
      }
      bytes += 2; // lone surrogate: encoded as U+FFFD (3 bytes)
    } else {
      bytes += 2;
    }
  }
  return bytes;
}
