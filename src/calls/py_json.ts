/**
 * Python-compatible JSON and `repr()` for the MQTT bridge: CPython 3.11's
 * `json.loads` / `json.dumps` defaults, error texts included, `repr()` of
 * str/bytes/lists and strict UTF-8 decoding with `UnicodeDecodeError` texts.
 *
 * @module
 */

export {
  PyFloat,
  pyFloat,
  PyJsonError,
  type PyJsonObject,
  PyJsonPairs,
  type PyJsonPairsValue,
  type PyJsonScalar,
  type PyJsonValue,
} from "./py_json_types.ts";
export { PY_JSON_MAX_DEPTH, pyJsonParse, pyJsonParsePairs } from "./py_json_parse.ts";
export { pyFloatRepr, pyJsonDumps, pyJsonString } from "./py_json_dumps.ts";
export { pyBytesRepr, pyListRepr, pyRepr } from "./py_repr.ts";
export { Utf8DecodeError, utf8DecodeStrict } from "./utf8_strict.ts";
