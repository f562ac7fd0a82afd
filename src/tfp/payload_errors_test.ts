import assert from "node:assert/strict";
import { decodePayload, encodePayload, payloadSize } from "./payload.ts";
import type { ElementSpec, WireType } from "./spec.ts";

function el(name: string, type: WireType, count = 1): ElementSpec {
  return { name, type, count };
}

type Case = readonly [element: ElementSpec, value: unknown, message: string];

function assertEncodeErrors(name: "RangeError" | "TypeError", cases: readonly Case[]): void {
  for (const [element, value, message] of cases) {
    assert.throws(() => encodePayload([element], [value]), { name, message });
  }
}

Deno.test("integer encode errors: out of range and non-integer are RangeErrors", () => {
  assertEncodeErrors("RangeError", [
    [el("red", "uint8"), 256, 'Cannot encode "red": 256 is out of range for uint8 (0..255)'],
    [el("red", "uint8"), -1, 'Cannot encode "red": -1 is out of range for uint8 (0..255)'],
    [el("x", "int8"), 128, 'Cannot encode "x": 128 is out of range for int8 (-128..127)'],
    [el("x", "int8"), -129, 'Cannot encode "x": -129 is out of range for int8 (-128..127)'],
    [
      el("x", "int16"),
      -32769,
      'Cannot encode "x": -32769 is out of range for int16 (-32768..32767)',
    ],
    [el("x", "uint16"), 65536, 'Cannot encode "x": 65536 is out of range for uint16 (0..65535)'],
    [
      el("x", "int32"),
      2 ** 31,
      'Cannot encode "x": 2147483648 is out of range for int32 (-2147483648..2147483647)',
    ],
    [
      el("x", "uint32"),
      2 ** 32,
      'Cannot encode "x": 4294967296 is out of range for uint32 (0..4294967295)',
    ],
    [el("x", "uint8"), 1.5, 'Cannot encode "x": 1.5 is not an integer'],
    [el("x", "uint8"), NaN, 'Cannot encode "x": NaN is not an integer'],
    [el("x", "int32"), Infinity, 'Cannot encode "x": Infinity is not an integer'],
  ]);
});

Deno.test("integer encode errors: wrong JS types are TypeErrors", () => {
  assertEncodeErrors("TypeError", [
    [el("x", "uint8"), "1", 'Cannot encode "x": expected a number, got string "1"'],
    [el("x", "uint16"), 1n, 'Cannot encode "x": expected a number, got bigint 1'],
    [el("x", "int8"), null, 'Cannot encode "x": expected a number, got null'],
    [el("x", "int8"), undefined, 'Cannot encode "x": expected a number, got undefined'],
    [el("x", "int8"), [1], 'Cannot encode "x": expected a number, got an array'],
    [el("x", "int8"), {}, 'Cannot encode "x": expected a number, got object'],
  ]);
});

Deno.test("int64/uint64 encode errors never lose precision silently", () => {
  const int64Range = "(-9223372036854775808..9223372036854775807)";
  const uint64Range = "(0..18446744073709551615)";
  assertEncodeErrors("RangeError", [
    [
      el("t", "uint64"),
      2 ** 53,
      'Cannot encode "t": 9007199254740992 is not a safe integer, pass a bigint for uint64',
    ],
    [el("t", "int64"), 0.5, 'Cannot encode "t": 0.5 is not an integer'],
    [el("t", "uint64"), -1, `Cannot encode "t": -1 is out of range for uint64 ${uint64Range}`],
    [el("t", "uint64"), -1n, `Cannot encode "t": -1 is out of range for uint64 ${uint64Range}`],
    [
      el("t", "uint64"),
      2n ** 64n,
      `Cannot encode "t": 18446744073709551616 is out of range for uint64 ${uint64Range}`,
    ],
    [
      el("t", "int64"),
      2n ** 63n,
      `Cannot encode "t": 9223372036854775808 is out of range for int64 ${int64Range}`,
    ],
    [
      el("t", "int64"),
      -(2n ** 63n) - 1n,
      `Cannot encode "t": -9223372036854775809 is out of range for int64 ${int64Range}`,
    ],
  ]);
  assertEncodeErrors("TypeError", [
    [el("t", "int64"), "5", 'Cannot encode "t": expected a bigint or safe integer, got string "5"'],
  ]);
});

Deno.test("float, char and string range errors", () => {
  assertEncodeErrors("RangeError", [
    [el("f", "float"), 1e39, 'Cannot encode "f": 1e+39 is out of range for float'],
    [el("f", "float"), -1e39, 'Cannot encode "f": -1e+39 is out of range for float'],
    [el("c", "char"), "€", 'Cannot encode "c": "€" contains a non-Latin-1 character'],
    [el("s", "string", 4), "a€", 'Cannot encode "s": "a€" contains a non-Latin-1 character'],
  ]);
});

Deno.test("float, bool, char and string type errors", () => {
  assertEncodeErrors("TypeError", [
    [el("f", "float"), "1", 'Cannot encode "f": expected a number, got string "1"'],
    [el("b", "bool"), 1, 'Cannot encode "b": expected a boolean, got number 1'],
    [el("b", "bool"), "true", 'Cannot encode "b": expected a boolean, got string "true"'],
    [el("c", "char"), "ab", 'Cannot encode "c": expected a 1-character string, got string "ab"'],
    [el("c", "char"), "", 'Cannot encode "c": expected a 1-character string, got string ""'],
    [el("c", "char"), 65, 'Cannot encode "c": expected a 1-character string, got number 65'],
    [el("s", "string", 4), 5, 'Cannot encode "s": expected a string, got number 5'],
    [el("s", "string", 4), ["a"], 'Cannot encode "s": expected a string, got an array'],
  ]);
});

Deno.test("array encode errors name the element and the index", () => {
  assertEncodeErrors("TypeError", [
    [el("rgb", "uint8", 3), [1, 2], 'Cannot encode "rgb": expected an array of 3 items, got 2'],
    [
      el("rgb", "uint8", 3),
      5,
      'Cannot encode "rgb": expected an array of 3 items, got number 5',
    ],
    [
      el("led", "bool", 10),
      Array(10).fill(0),
      'Cannot encode "led[0]": expected a boolean, got number 0',
    ],
    [
      el("cs", "char", 2),
      ["a", "bc"],
      'Cannot encode "cs[1]": expected a 1-character string, got string "bc"',
    ],
    [
      el("v", "uint8", 2),
      new DataView(new ArrayBuffer(2)),
      'Cannot encode "v": expected an array of 2 items, got object',
    ],
  ]);
  assertEncodeErrors("RangeError", [
    [
      el("rgb", "uint8", 3),
      [1, 2, 300],
      'Cannot encode "rgb[2]": 300 is out of range for uint8 (0..255)',
    ],
    [el("t", "int64", 2), [1n, 0.5], 'Cannot encode "t[1]": 0.5 is not an integer'],
  ]);
});

Deno.test("value count mismatch is a TypeError", () => {
  const elements = [el("a", "uint8"), el("b", "uint8")];
  assert.throws(() => encodePayload(elements, [1]), {
    name: "TypeError",
    message: "Expected 2 values, got 1",
  });
  assert.throws(() => encodePayload(elements, [1, 2, 3]), {
    name: "TypeError",
    message: "Expected 2 values, got 3",
  });
});

Deno.test("invalid element specs are TypeErrors (stream data, bad count, unknown type)", () => {
  const stream = [el("data", "uint8", -65535)];
  const message =
    'Cannot pack "data": count -65535 marks high-level stream data, which has no wire layout';
  assert.throws(() => payloadSize(stream), { name: "TypeError", message });
  assert.throws(() => encodePayload(stream, [[]]), { name: "TypeError", message });
  assert.throws(() => decodePayload(stream, new Uint8Array(64)), { name: "TypeError", message });
  assert.throws(() => payloadSize([el("z", "uint8", 0)]), {
    name: "TypeError",
    message: 'Element "z" has invalid count 0',
  });
  assert.throws(() => payloadSize([el("z", "uint8", 1.5)]), {
    name: "TypeError",
    message: 'Element "z" has invalid count 1.5',
  });
  assert.throws(() => payloadSize([{ name: "d", type: "double" as WireType, count: 1 }]), {
    name: "TypeError",
    message: 'Element "d" has unknown wire type "double"',
  });
});
