/**
 * Value model shared by the CPython-compatible JSON parser and serialiser.
 *
 * Python tells `5` (int) from `5.0` (float) and the bridge's argument checks
 * depend on it, while JavaScript has one number type. The model keeps the
 * distinction where it is cheap to ask about:
 *
 * - JSON integers are `number` when they are safe integers and `bigint`
 *   otherwise (Python ints are unbounded). `typeof v === "number"` on a parsed
 *   value therefore always means "was an integer in the JSON text".
 * - JSON floats (a fraction or an exponent, plus `NaN`, `Infinity`,
 *   `-Infinity`) are wrapped in {@link PyFloat}. Floats are rare in requests,
 *   so the wrapper costs nothing on the common path.
 * - Objects are `Map`s: no prototype keys (`__proto__`), insertion order, and
 *   a repeated key overwrites the value in place like a Python dict.
 *
 * The serialiser accepts the same model, so parse → dump round-trips exactly.
 *
 * @module
 */

/** A Python float. Wrap a number in it to make the serialiser print float syntax (`23.0`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Wraps numbers (also nested in arrays) in {@link PyFloat}; the bridge calls it on float32 results. */
export function pyFloat(value: number): PyFloat;
export function pyFloat(value: readonly unknown[]): unknown[];
export function pyFloat(value: number | readonly unknown[]): PyFloat | unknown[] {
  if (typeof value === "number") return new PyFloat(value);
  return value.map((item) =>
    typeof item === "number" ? new PyFloat(item) : Array.isArray(item) ? pyFloat(item) : item
  );
}

/** A JSON object with every key/value pair kept in text order, repeated keys included. */
export class PyJsonPairs {
  constructor(readonly entries: ReadonlyArray<readonly [string, PyJsonPairsValue]>) {}
}

/** JSON scalars in the Python value model. */
export type PyJsonScalar = null | boolean | number | bigint | string | PyFloat;

/** What {@link pyJsonParse} returns: `json.loads` with a dict per object. */
export type PyJsonValue = PyJsonScalar | PyJsonValue[] | PyJsonObject;

/** A parsed JSON object (a Python dict). */
export type PyJsonObject = Map<string, PyJsonValue>;

/** What `pyJsonParsePairs` returns: objects keep duplicate keys (for the init file). */
export type PyJsonPairsValue = PyJsonScalar | PyJsonPairsValue[] | PyJsonPairs;

/**
 * A failed `json.loads`. `message` is CPython's text byte for byte, e.g.
 * `Expecting value: line 1 column 1 (char 0)`.
 */
export class PyJsonError extends Error {
  /**
   * @param message the full CPython text
   * @param pos the Python character (code point) index of the error, when the
   *   error is a `JSONDecodeError`; undefined for CPython's `ValueError` on
   *   over-long integers and its `RecursionError` on deep nesting
   */
  constructor(message: string, readonly pos?: number) {
    super(message);
    this.name = "PyJsonError";
  }
}
