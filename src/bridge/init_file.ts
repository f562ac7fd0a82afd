/**
 * The `--init-file`: messages the bridge processes at startup as if they had
 * arrived over MQTT.
 *
 * Two formats, as in the reference:
 * - A: `{"<topic>": <payload>, ...}`, all run once brickd is connected;
 * - B: `{"pre_connect": {...}, "post_connect": {...}}`; pre_connect entries run
 *   after the broker connection and before brickd, post_connect ones after.
 *   Repeated `pre_connect`/`post_connect` keys are concatenated.
 *
 * Repeated topics are kept in file order (each one runs). Each payload is
 * re-serialised the way the reference does it (`json.dumps(dict(pairs))`):
 * repeated keys of the payload object collapse (last value, first position),
 * and objects nested *inside* a payload come out as lists of `[key, value]`
 * pairs, because the reference parses the file with a pairs hook.
 *
 * Topic checks (`validateInitTopic`) are the caller's job, when it runs each
 * entry, because the reference checks them at that point.
 *
 * @module
 */

import {
  PyFloat,
  pyJsonDumps,
  PyJsonPairs,
  type PyJsonPairsValue,
  pyJsonParsePairs,
  utf8DecodeStrict,
} from "../calls/py_json.ts";
import { EXIT_INIT_FILE } from "./exit_codes.ts";
import { pyFileErrorText } from "./py_os_error.ts";

/** One startup message: the topic and the payload text to process. */
export interface InitEntry {
  readonly topic: string;
  readonly payload: string;
}

/** The entries to run before and after the Brick Daemon connection, in order. */
export interface InitConfig {
  readonly preConnect: readonly InitEntry[];
  readonly postConnect: readonly InitEntry[];
}

/** Reads and parses the init file, or returns the line to print and exit code 31. */
export function loadInitFile(
  path: string,
  readFile: (path: string) => Uint8Array = Deno.readFileSync,
): { config: InitConfig } | { exitCode: number; stdout: string } {
  try {
    return { config: parseInitFile(utf8DecodeStrict(readFile(path))) };
  } catch (error) {
    const text = pyFileErrorText(error, path);
    return { exitCode: EXIT_INIT_FILE, stdout: `Could not read init file: ${text}\n` };
  }
}

/**
 * Parses the init file's text. Throws `PyJsonError` (message: CPython's
 * `json` text) for invalid JSON, `TypeError` for JSON of the wrong shape.
 */
export function parseInitFile(text: string): InitConfig {
  const root = pyJsonParsePairs(text);
  if (!(root instanceof PyJsonPairs)) {
    throw new TypeError("Expected a JSON object of topics and payloads at the top level");
  }
  const preConnect: InitEntry[] = [];
  const postConnect: InitEntry[] = [];
  const topLevel: InitEntry[] = [];
  for (const [key, value] of root.entries) {
    if (key === "pre_connect" || key === "post_connect") {
      if (!(value instanceof PyJsonPairs)) {
        throw new TypeError(`Expected a JSON object of topics and payloads as "${key}"`);
      }
      const target = key === "pre_connect" ? preConnect : postConnect;
      for (const [topic, payload] of value.entries) target.push(entry(topic, payload));
    } else {
      topLevel.push(entry(key, value));
    }
  }
  // Without post_connect entries the reference runs the top level as format A
  // (the section keys themselves only produce malformed-topic errors there).
  return { preConnect, postConnect: postConnect.length > 0 ? postConnect : topLevel };
}

function entry(topic: string, payload: PyJsonPairsValue): InitEntry {
  return { topic, payload: serialisePayload(topic, payload) };
}

/** `json.dumps(dict(payload) if isinstance(payload, list) else payload)` on the pairs model. */
function serialisePayload(topic: string, payload: PyJsonPairsValue): string {
  if (payload instanceof PyJsonPairs) {
    const byKey = new Map<string, PyJsonPairsValue>();
    for (const [key, value] of payload.entries) byKey.set(key, value);
    return pyJsonDumps(
      new PyJsonPairs([...byKey].map(([key, value]) => [key, pairsAsLists(value)])),
    );
  }
  if (Array.isArray(payload)) return pyJsonDumps(arrayAsDict(topic, payload));
  return pyJsonDumps(payload);
}

/** Inside a payload, objects stay Python lists of pairs, which serialise as arrays. */
function pairsAsLists(value: PyJsonPairsValue): PyJsonPairsValue {
  if (value instanceof PyJsonPairs) {
    return value.entries.map(([key, item]) => [key, pairsAsLists(item)]);
  }
  if (Array.isArray(value)) return value.map(pairsAsLists);
  return value;
}

/**
 * `dict(list)` for a list of `[key, value]` pairs with scalar keys, keeping
 * Python's key equality (`1 == 1.0 == true`).
 * Anything else makes the reference crash with a traceback; here it is an
 * init-file error.
 */
function arrayAsDict(topic: string, items: PyJsonPairsValue[]): PyJsonPairs {
  const slots = new Map<string, number>();
  const entries: Array<[string, PyJsonPairsValue]> = [];
  for (const item of items) {
    if (!Array.isArray(item) || item.length !== 2 || !isScalarKey(item[0])) {
      throw new TypeError(
        `Payload of topic '${topic}' is a JSON array that is not a list of [key, value] pairs`,
      );
    }
    const [key, value] = item;
    const identity = keyIdentity(key);
    const slot = slots.get(identity);
    if (slot === undefined) {
      slots.set(identity, entries.length);
      entries.push([keyText(key), pairsAsLists(value)]);
    } else {
      entries[slot][1] = pairsAsLists(value);
    }
  }
  return new PyJsonPairs(entries);
}

type ScalarKey = string | number | bigint | boolean | null | PyFloat;

function isScalarKey(value: PyJsonPairsValue): value is ScalarKey {
  return !Array.isArray(value) && !(value instanceof PyJsonPairs);
}

/**
 * Equal identities for keys Python's dict treats as equal. Every JSON `NaN`
 * is the same float object in CPython's decoder, so NaN keys collapse too.
 */
function keyIdentity(key: ScalarKey): string {
  if (key === null) return "none";
  if (typeof key === "string") return "s" + key;
  if (typeof key === "boolean") return key ? "i1" : "i0";
  if (typeof key === "bigint") return "i" + key;
  const number = key instanceof PyFloat ? key.value : key;
  if (Number.isNaN(number)) return "nan";
  if (Number.isInteger(number)) return "i" + BigInt(number);
  return "f" + number;
}

/** How `json.dumps` writes a dict key: non-strings as their JSON text (`1`, `1.5`, `NaN`, `true`). */
function keyText(key: ScalarKey): string {
  return typeof key === "string" ? key : pyJsonDumps(key);
}
