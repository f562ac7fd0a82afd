import assert from "node:assert/strict";
import {
  PY_JSON_MAX_DEPTH,
  PyFloat,
  pyFloat,
  pyFloatRepr,
  pyJsonDumps,
  PyJsonError,
  PyJsonPairs,
  pyJsonParse,
  pyJsonParsePairs,
} from "./py_json.ts";
import {
  FLOAT_VECTORS,
  INT_VECTORS,
  PARSE_VECTORS,
  STRING_VECTORS,
} from "./testdata/cpython_json_vectors.ts";

function parseError(text: string, pairs = false): PyJsonError {
  try {
    if (pairs) pyJsonParsePairs(text);
    else pyJsonParse(text);
  } catch (error) {
    assert.ok(error instanceof PyJsonError, `not a PyJsonError: ${error}`);
    return error;
  }
  assert.fail(`parsed without error: ${JSON.stringify(text)}`);
}

function doubleFromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt("0x" + hex));
  return view.getFloat64(0);
}

Deno.test("pyJsonParse matches CPython json.loads on the vector table", () => {
  assert.ok(PARSE_VECTORS.length > 300);
  for (const [input, outcome, expected] of PARSE_VECTORS) {
    const label = JSON.stringify(input);
    if (outcome === "ok") {
      assert.equal(pyJsonDumps(pyJsonParse(input)), expected, label);
      assert.doesNotThrow(() => pyJsonParsePairs(input), label);
    } else {
      assert.equal(parseError(input).message, expected, label);
      assert.equal(parseError(input, true).message, expected, label);
    }
  }
});

Deno.test("pyJsonParse reports the texts quoted by the bridge spec", () => {
  assert.equal(parseError("not json").message, "Expecting value: line 1 column 1 (char 0)");
  assert.equal(
    parseError("{oops").message,
    "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
  );
  assert.equal(parseError(" ").message, "Expecting value: line 1 column 2 (char 1)");
  assert.equal(parseError("[1] x").pos, 4);
});

Deno.test("pyJsonParse counts positions in code points, not UTF-16 units", () => {
  const error = parseError('["\u{1F600}\u{1F600}",\n\u{1F600} x]');
  assert.equal(error.message, "Expecting value: line 2 column 1 (char 7)");
  assert.equal(error.pos, 7);
});

Deno.test("pyJsonParse applies CPython's 4300-digit limit to integers only", () => {
  assert.equal(pyJsonParse("1".repeat(4300)), BigInt("1".repeat(4300)));
  const limit = (digits: number) =>
    `Exceeds the limit (4300 digits) for integer string conversion: value has ${digits} ` +
    "digits; use sys.set_int_max_str_digits() to increase the limit";
  assert.equal(parseError("1".repeat(4301)).message, limit(4301));
  assert.equal(parseError("-" + "9".repeat(4301)).message, limit(4301));
  assert.equal(parseError("[" + "1".repeat(5000) + "]").message, limit(5000));
  assert.equal(parseError("1".repeat(4301) + "x").message, limit(4301));
  assert.equal(parseError("1".repeat(4301)).pos, undefined);
  assert.deepEqual(pyJsonParse("1".repeat(4301) + ".5"), new PyFloat(Infinity));
});

Deno.test("pyJsonParse keeps Python's int/float distinction", () => {
  assert.equal(pyJsonParse("5"), 5);
  assert.ok(Object.is(pyJsonParse("-0"), 0), "int -0 is 0");
  assert.equal(pyJsonParse("9007199254740991"), 9007199254740991);
  assert.equal(pyJsonParse("9007199254740992"), 9007199254740992n);
  assert.equal(pyJsonParse("-123456789012345678901"), -123456789012345678901n);
  assert.deepEqual(pyJsonParse("5.0"), new PyFloat(5));
  assert.deepEqual(pyJsonParse("1e2"), new PyFloat(100));
  assert.deepEqual(pyJsonParse("-0.0"), new PyFloat(-0));
  assert.ok(Object.is((pyJsonParse("-0.0") as PyFloat).value, -0));
  assert.deepEqual(pyJsonParse("[NaN, Infinity, -Infinity]"), [
    new PyFloat(NaN),
    new PyFloat(Infinity),
    new PyFloat(-Infinity),
  ]);
  assert.deepEqual(pyJsonParse('[true, false, null, "x"]'), [true, false, null, "x"]);
});

Deno.test("pyJsonParse objects are Maps: last duplicate wins at the first position", () => {
  const value = pyJsonParse('{"a": 1, "b": 2, "a": 3, "__proto__": {"x": []}}');
  assert.ok(value instanceof Map);
  assert.deepEqual([...value.keys()], ["a", "b", "__proto__"]);
  assert.equal(value.get("a"), 3);
  assert.deepEqual(value.get("__proto__"), new Map([["x", []]]));
  assert.equal(pyJsonDumps(value), '{"a": 3, "b": 2, "__proto__": {"x": []}}');
});

Deno.test("pyJsonParsePairs keeps every pair in order, and dumps writes them all", () => {
  const value = pyJsonParsePairs('{"t/1": "", "t/2": {"x": 1, "x": 2}, "t/1": true}');
  assert.ok(value instanceof PyJsonPairs);
  assert.deepEqual(value.entries.map(([key]) => key), ["t/1", "t/2", "t/1"]);
  assert.deepEqual(value.entries[1][1], new PyJsonPairs([["x", 1], ["x", 2]]));
  assert.equal(pyJsonDumps(value.entries[0][1]), '""');
  assert.equal(pyJsonDumps(value), '{"t/1": "", "t/2": {"x": 1, "x": 2}, "t/1": true}');
});

Deno.test("pyJsonParse gives up on deep nesting with CPython's RecursionError text", () => {
  const nested = (depth: number, open: string, close: string) =>
    open.repeat(depth) + close.repeat(depth);
  assert.doesNotThrow(() => pyJsonParse(nested(PY_JSON_MAX_DEPTH, "[", "]")));
  assert.equal(
    parseError(nested(PY_JSON_MAX_DEPTH + 1, "[", "]")).message,
    "maximum recursion depth exceeded while decoding a JSON array from a unicode string",
  );
  assert.equal(
    parseError('{"a":'.repeat(PY_JSON_MAX_DEPTH + 1)).message,
    "maximum recursion depth exceeded while decoding a JSON object from a unicode string",
  );
  // Far beyond the limit: still a clear error, and no stack overflow.
  assert.match(parseError("[".repeat(1_000_000)).message, /^maximum recursion depth exceeded/);
});

Deno.test("pyJsonDumps prints floats like CPython's float repr", () => {
  assert.ok(FLOAT_VECTORS.length > 300);
  for (const [bits, expected] of FLOAT_VECTORS) {
    const x = doubleFromBits(bits);
    assert.equal(pyJsonDumps(new PyFloat(x)), expected, bits);
    if (!Number.isInteger(x)) assert.equal(pyJsonDumps(x), expected, bits);
  }
  const samples: [number, string][] = [
    [23, "23.0"],
    [Math.fround(23.1), "23.100000381469727"],
    [1e-5, "1e-05"],
    [1e-4, "0.0001"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [1.5e-7, "1.5e-07"],
    [2.5e20, "2.5e+20"],
    [-0, "-0.0"],
    [5e-324, "5e-324"],
  ];
  for (const [x, expected] of samples) assert.equal(pyJsonDumps(new PyFloat(x)), expected);
  assert.equal(pyFloatRepr(NaN), "nan");
  assert.equal(pyFloatRepr(-Infinity), "-inf");
  assert.equal(pyJsonDumps([NaN, Infinity, -Infinity]), "[NaN, Infinity, -Infinity]");
});

Deno.test("pyJsonDumps prints ints like CPython", () => {
  for (const [decimal, expected] of INT_VECTORS) {
    assert.equal(pyJsonDumps(BigInt(decimal)), expected, decimal);
    const n = Number(decimal);
    if (Number.isSafeInteger(n)) assert.equal(pyJsonDumps(n), expected, decimal);
  }
  assert.equal(pyJsonDumps(-0), "0");
  assert.equal(pyJsonDumps(1e21), "1000000000000000000000");
  assert.equal(pyJsonDumps(2 ** 64), "18446744073709551616");
});

Deno.test("pyJsonDumps escapes strings like ensure_ascii=True", () => {
  assert.equal(STRING_VECTORS.length, 49);
  for (const [text, expected] of STRING_VECTORS) {
    assert.equal(pyJsonDumps(text), expected, JSON.stringify(text));
  }
  assert.equal(pyJsonDumps("a\0\u00e9\u{1F600}"), '"a\\u0000\\u00e9\\ud83d\\ude00"');
});

Deno.test("pyJsonDumps serialises containers with Python's separators", () => {
  const value = {
    uid: "Dod",
    hardware_version: [1, 0, 0],
    temperature: new PyFloat(23),
    nested: new Map<string, unknown>([["1", null], ["b", [true, false]]]),
    empty: {},
    list: [],
  };
  assert.equal(
    pyJsonDumps(value),
    '{"uid": "Dod", "hardware_version": [1, 0, 0], "temperature": 23.0, ' +
      '"nested": {"1": null, "b": [true, false]}, "empty": {}, "list": []}',
  );
  assert.equal(pyJsonDumps(Object.assign(Object.create(null), { a: 1 })), '{"a": 1}');
});

Deno.test("pyFloat marks scalars and nested arrays as floats", () => {
  assert.equal(pyJsonDumps({ v: pyFloat(2) }), '{"v": 2.0}');
  assert.equal(pyJsonDumps(pyFloat([1, [2.5, 3]])), "[1.0, [2.5, 3.0]]");
});

Deno.test("pyJsonDumps rejects what JSON cannot hold", () => {
  assert.throws(() => pyJsonDumps(undefined), {
    name: "TypeError",
    message: "Object of type undefined is not JSON serializable",
  });
  assert.throws(() => pyJsonDumps([new Date(0)]), {
    name: "TypeError",
    message: "Object of type Date is not JSON serializable",
  });
  assert.throws(() => pyJsonDumps(new Map([[1, 2]])), {
    name: "TypeError",
    message: 'Object key "1" is not a string',
  });
  const cycle: unknown[] = [];
  cycle.push(cycle);
  assert.throws(() => pyJsonDumps(cycle), { name: "RangeError" });
});
