/**
 * What the bridge must do with a fuzz message (tests/support/fuzz_messages.ts),
 * following spec §2-§8 in the reference's order of checks: topic, UTF-8,
 * device type, function or callback, UID, JSON, arguments, device. The JSON
 * oracle is the project's CPython-compatible parser.
 *
 * @module
 */

import { PyFloat, pyJsonParse, type PyJsonValue } from "../../src/calls/py_json.ts";
import { parseUid, UidError } from "../../src/tfp/base58.ts";
import { callbackByName, deviceByName, functionByName } from "../../src/tfp/registry.ts";
import type { DeviceSpec } from "../../src/tfp/spec.ts";

/** What the bridge must do with a message. */
export type Expectation =
  /** At least one answer on the answer topic; `error` is the expected `_ERROR` prefix, if known */
  | { readonly kind: "answer"; readonly error?: string }
  /** No answer at all (enumerate, reset_callbacks) */
  | { readonly kind: "silent" }
  /** No `_ERROR` answer (a registration that worked; its callbacks may come) */
  | { readonly kind: "no_error" }
  /** Either (a setter to a present device of the right type) */
  | { readonly kind: "any" }
  /** Malformed topic: logged, never answered */
  | { readonly kind: "malformed" };

/** The IP connection's callbacks. */
export const IPCON_CALLBACKS: ReadonlySet<string> = new Set([
  "enumerate",
  "connected",
  "disconnected",
]);

/**
 * What the bridge must do with one message. `present`: the simulated devices,
 * 32-bit UID → device type name.
 */
export function expectationOf(
  present: ReadonlyMap<number, string>,
  op: string,
  device: string,
  uid: string | undefined,
  fn: string,
  bytes: Uint8Array,
): Expectation {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return answer("Could not decode payload as utf-8: ");
  }
  if (device === "ip_connection") return ipconExpectation(op, fn, text);
  if (device === "bindings") {
    return op === "request" && fn === "reset_callbacks" ? { kind: "silent" } : answer();
  }
  const spec = deviceByName(device);
  if (spec === undefined || !spec.released) return answer(`Unknown device type ${device}`);
  return op === "request"
    ? requestExpectation(present, spec, uid!, fn, text)
    : registrationExpectation(spec, uid!, fn, text);
}

function requestExpectation(
  present: ReadonlyMap<number, string>,
  spec: DeviceSpec,
  uid: string,
  fnName: string,
  text: string,
): Expectation {
  const fn = functionByName(spec, fnName);
  if (fn === undefined) return answer(`Unknown function ${fnName} for device ${uid}`);
  const parsed = parseUidOrError(uid);
  if (typeof parsed === "string") return answer(parsed);
  let payload: PyJsonValue = new Map();
  if (text.length > 0) {
    try {
      payload = pyJsonParse(text);
    } catch {
      return answer(`Could not parse payload for ${fnName} call of ${spec.name} ${uid} as JSON`);
    }
  }
  if (fn.out.length > 0) return answer();
  const names = fn.in.map((e) => e.name);
  const missing = !(payload instanceof Map) ? names.length > 0 : names.some((n) => !payload.has(n));
  if (missing) return answer("The arguments [");
  // Absent or of another type: the identity check fails (timeout or mismatch) if nothing else does.
  return present.get(parsed) === spec.name ? { kind: "any" } : answer();
}

function answer(error?: string): Expectation {
  return error === undefined ? { kind: "answer" } : { kind: "answer", error };
}

/** The UID's 32-bit value, or the start of the `_ERROR` text the bridge answers with. */
function parseUidOrError(uid: string): number | string {
  try {
    return parseUid(uid);
  } catch (error) {
    if (!(error instanceof UidError)) throw error;
    return error.reason === "invalid_character"
      ? `Could not parse UID "${uid}"`
      : "Could not create device object: ";
  }
}

function parseOrUndefined(text: string): PyJsonValue | undefined {
  try {
    return pyJsonParse(text);
  } catch {
    return undefined;
  }
}

function ipconExpectation(op: string, fn: string, text: string): Expectation {
  if (op === "request") {
    if (fn === "enumerate") return { kind: "silent" };
    return fn === "get_connection_state" ? answer() : answer("Unknown ip connection function");
  }
  if (!IPCON_CALLBACKS.has(fn)) return answer("Unknown ip connection callback");
  const value = parseOrUndefined(text);
  if (value === undefined) return answer(`Could not parse payload for ${fn} callback registration`);
  const flag = value instanceof Map && value.has("register") ? value.get("register") : value;
  return typeof flag === "boolean" ? { kind: "no_error" } : answer("Expected bool as parameter");
}

function registrationExpectation(
  spec: DeviceSpec,
  uid: string,
  fn: string,
  text: string,
): Expectation {
  if (callbackByName(spec, fn) === undefined) return answer(`Unknown callback ${fn} for device`);
  const value = parseOrUndefined(text);
  if (value === undefined) return answer(`Could not parse payload for ${fn} callback registration`);
  let on: boolean;
  if (typeof value === "boolean") on = value;
  else if (value instanceof Map && value.has("register")) on = truthy(value.get("register")!);
  else return answer("Expected bool as parameter");
  const parsed = parseUidOrError(uid);
  if (typeof parsed === "number") return { kind: "no_error" };
  // Deregistering an empty or too big UID: nothing was registered, nothing to say.
  if (!on && !parsed.startsWith("Could not parse UID")) return { kind: "no_error" };
  return answer(parsed);
}

/** Python's truth value of a parsed JSON value. */
function truthy(value: PyJsonValue): boolean {
  if (value === null) return false;
  if (value instanceof PyFloat) return value.value !== 0; // NaN is true, as in Python
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  return Boolean(value);
}
