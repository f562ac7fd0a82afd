import assert from "node:assert/strict";
import { pyBytesRepr, pyListRepr, pyRepr, Utf8DecodeError, utf8DecodeStrict } from "./py_json.ts";
import {
  BYTES_REPR_VECTORS,
  LIST_REPR_VECTORS,
  STR_REPR_VECTORS,
} from "./testdata/cpython_repr_vectors.ts";
import { UTF8_VECTORS } from "./testdata/cpython_utf8_vectors.ts";

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

Deno.test("pyRepr matches CPython 3.11 repr(str) on the vector table", () => {
  assert.ok(STR_REPR_VECTORS.length > 100);
  for (const [text, expected] of STR_REPR_VECTORS) {
    assert.equal(pyRepr(text), expected, JSON.stringify(text));
  }
});

Deno.test("pyRepr follows Unicode 14 like CPython 3.11, not the engine's newer tables", () => {
  // U+1FA75 (assigned in Unicode 15) and U+0897 (Unicode 16) are unassigned for CPython 3.11.
  assert.equal(pyRepr("\u{1FA75}\u0897"), "'\\U0001fa75\\u0897'");
  assert.equal(pyRepr("\u00e9\u{1F600}"), "'\u00e9\u{1F600}'");
  assert.equal(pyRepr("\ud800"), "'\\ud800'");
  assert.equal(pyRepr("payload\n\t'x'"), `"payload\\n\\t'x'"`);
  assert.equal(pyRepr(`it's "x"`), `'it\\'s "x"'`);
});

Deno.test("pyBytesRepr matches CPython repr(bytes)", () => {
  for (const [hex, expected] of BYTES_REPR_VECTORS) {
    assert.equal(pyBytesRepr(fromHex(hex)), expected, hex);
  }
  assert.equal(pyBytesRepr(new Uint8Array([0xff, 0x41])), "b'\\xffA'");
});

Deno.test("pyListRepr matches CPython repr(list of str)", () => {
  for (const [items, expected] of LIST_REPR_VECTORS) assert.equal(pyListRepr(items), expected);
  assert.equal(pyListRepr(["red", "green", "blue"]), "['red', 'green', 'blue']");
});

Deno.test("utf8DecodeStrict matches CPython bytes.decode('utf-8') on the vector table", () => {
  assert.ok(UTF8_VECTORS.length > 80);
  for (const [hex, outcome, expected] of UTF8_VECTORS) {
    const bytes = fromHex(hex);
    if (outcome === "ok") {
      assert.equal(utf8DecodeStrict(bytes), expected, hex);
    } else {
      assert.throws(() => utf8DecodeStrict(bytes), { name: "Utf8DecodeError", message: expected });
    }
  }
});

Deno.test("utf8DecodeStrict reports CPython's texts and byte ranges", () => {
  const failure = (bytes: number[]): Utf8DecodeError => {
    try {
      utf8DecodeStrict(new Uint8Array(bytes));
    } catch (error) {
      assert.ok(error instanceof Utf8DecodeError);
      return error;
    }
    assert.fail("decoded without error");
  };
  assert.equal(
    failure([0xff, 0x41]).message,
    "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
  );
  assert.equal(
    failure([0x41, 0xe2, 0x82]).message,
    "'utf-8' codec can't decode bytes in position 1-2: unexpected end of data",
  );
  const surrogate = failure([0xed, 0xa0, 0x80]);
  assert.equal(
    surrogate.message,
    "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte",
  );
  assert.deepEqual([surrogate.start, surrogate.end], [0, 1]);
  assert.equal(
    failure([0xc0, 0x80]).message,
    "'utf-8' codec can't decode byte 0xc0 in position 0: invalid start byte",
  );
  assert.equal(
    failure([0xf0, 0x90, 0x41]).message,
    "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte",
  );
  // A BOM is kept, as bytes.decode("utf-8") keeps it.
  assert.equal(utf8DecodeStrict(new Uint8Array([0xef, 0xbb, 0xbf, 0x31])), "\ufeff1");
  assert.equal(utf8DecodeStrict(new Uint8Array()), "");
});
