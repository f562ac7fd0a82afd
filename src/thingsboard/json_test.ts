import assert from "node:assert/strict";
import { isJsonObject, tbJsonParse, tbJsonStringify, utf8Length } from "./json.ts";

Deno.test("tbJsonStringify writes bigints as exact JSON integers", () => {
  const big = 2n ** 62n + 1n;
  assert.equal(tbJsonStringify({ counter: big }), `{"counter":4611686018427387905}`);
  assert.equal(
    tbJsonStringify([-(2n ** 63n), 2n ** 63n - 1n]),
    "[-9223372036854775808,9223372036854775807]",
  );
  assert.equal(
    tbJsonStringify({ a: 1.5, b: "x", c: [true, null] }),
    `{"a":1.5,"b":"x","c":[true,null]}`,
  );
});

Deno.test("tbJsonStringify refuses values plain JSON.stringify would silently change", () => {
  assert.throws(() => tbJsonStringify({ t: NaN }), { name: "RangeError", message: /"t".*NaN/ });
  assert.throws(() => tbJsonStringify({ t: Infinity }), RangeError);
  assert.throws(() => tbJsonStringify({ n: 2n ** 63n }), { name: "RangeError", message: /64-bit/ });
  assert.throws(() => tbJsonStringify({ u: undefined }), { name: "TypeError", message: /"u"/ });
  assert.throws(() => tbJsonStringify({ f: () => 1 }), TypeError);
  assert.throws(() => tbJsonStringify([1, undefined]), TypeError);
  assert.throws(() => tbJsonStringify(undefined), TypeError);
});

Deno.test("tbJsonParse keeps integers beyond 2^53 exact", () => {
  const parsed = tbJsonParse(
    `{"big":9223372036854775807,"neg":-9007199254740993,"safe":9007199254740991,"f":1e20,"d":12345678901234567.5}`,
  ) as Record<string, unknown>;
  assert.equal(parsed.big, 9223372036854775807n);
  assert.equal(parsed.neg, -9007199254740993n);
  assert.equal(parsed.safe, 9007199254740991);
  assert.equal(parsed.f, 1e20);
  assert.equal(typeof parsed.d, "number");
  assert.deepEqual(tbJsonParse(`[1,"2",{"a":null}]`), [1, "2", { a: null }]);
  assert.throws(() => tbJsonParse("{"), SyntaxError);
});

Deno.test("tbJsonParse round-trips tbJsonStringify", () => {
  const value = { a: 2n ** 60n + 7n, b: [1, 2.5, "s"], c: { d: false } };
  assert.deepEqual(tbJsonParse(tbJsonStringify(value)), value);
});

Deno.test("tbJsonParse keeps __proto__ as an own key, not a prototype", () => {
  const parsed = tbJsonParse(`{"__proto__":{"polluted":1}}`) as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.ok(Object.hasOwn(parsed, "__proto__"));
});

Deno.test("utf8Length matches TextEncoder", () => {
  const encoder = new TextEncoder();
  for (const text of ["", "abc", "äöü", "€", "😀x", "\ud800", "a\udc00b", "日本語テキスト"]) {
    assert.equal(utf8Length(text), encoder.encode(text).length, JSON.stringify(text));
  }
});

Deno.test("isJsonObject", () => {
  assert.ok(isJsonObject({}));
  assert.ok(!isJsonObject([]));
  assert.ok(!isJsonObject(null));
  assert.ok(!isJsonObject("x"));
});
