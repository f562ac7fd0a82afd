import assert from "node:assert/strict";
import { convertNumber, parseJsonPayload, PayloadError, toJson } from "./kv_json.ts";
import { parseAttributeRequest, parseRequestId, parseTelemetry } from "./payloads.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const telemetry = (text: string, typeCast = true) =>
  parseTelemetry(parseJsonPayload(bytes(text)), 99, typeCast);

Deno.test("numbers follow ThingsBoard's long/double/string rules", () => {
  assert.equal(convertNumber("73", true), 73);
  assert.equal(convertNumber("42.0", true), 42); // a simple double stays a double
  assert.equal(convertNumber("1e3", true), 1000); // exponent without fraction: long
  assert.equal(convertNumber("-9223372036854775808", true), -(2n ** 63n));
  assert.equal(convertNumber("9223372036854775807", true), 2n ** 63n - 1n);
  assert.equal(convertNumber("9223372036854775808", true), "9223372036854775808");
  assert.throws(() => convertNumber("9223372036854775808", false), PayloadError);
  assert.equal(convertNumber("0.1234567890123456", true), 0.1234567890123456);
  assert.equal(convertNumber("0.12345678901234567", true), "0.12345678901234567");
  assert.equal(convertNumber("1.5e-20", true), "0.000000000000000000015");
  assert.equal(convertNumber("-2.5E-1", true), -0.25);
});

Deno.test("telemetry shapes: ts only with both ts and values; nulls skipped", () => {
  assert.deepEqual(telemetry('{"a":1,"b":null}'), [{ ts: 99, values: { a: 1 } }]);
  assert.deepEqual(telemetry('{"ts":5,"other":1}'), [{ ts: 99, values: { ts: 5, other: 1 } }]);
  assert.deepEqual(telemetry('[{"ts":"7","values":{"v":"x"}},{"w":false}]'), [
    { ts: 7, values: { v: "x" } },
    { ts: 99, values: { w: false } },
  ]);
  assert.deepEqual(telemetry('{"s":"12","t":"1.50","u":"1e3","v":" 1"}'), [
    { ts: 99, values: { s: 12, t: 1.5, u: "1e3", v: " 1" } },
  ]);
  assert.deepEqual(telemetry('{"s":"12"}', false), [{ ts: 99, values: { s: "12" } }]);
  // Nested JSON keeps plain numbers, even where the top level would keep digits.
  assert.deepEqual(telemetry('{"j":{"n":[1,2.5,12345678901234567890]}}'), [
    { ts: 99, values: { j: { n: [1, 2.5, 12345678901234567890] } } },
  ]);
});

Deno.test("telemetry rejects what ThingsBoard rejects", () => {
  for (const text of ["42", '"x"', "[1]", '{"ts":1,"values":5}', '{"ts":"x","values":{}}', "{"]) {
    assert.throws(() => telemetry(text), PayloadError, text);
  }
  assert.throws(() => parseJsonPayload(new Uint8Array([0x7b, 0xff, 0x7d])), PayloadError);
});

Deno.test("attribute requests: comma strings, one-element arrays, ids as ints", () => {
  assert.deepEqual(parseAttributeRequest(bytes('{"clientKeys":"a, b,,c","sharedKeys":["d"]}')), {
    clientKeys: ["a", "b", "c"],
    sharedKeys: ["d"],
  });
  assert.deepEqual(parseAttributeRequest(bytes("")), {
    clientKeys: undefined,
    sharedKeys: undefined,
  });
  assert.throws(() => parseAttributeRequest(bytes('{"clientKeys":["a","b"]}')), PayloadError);
  assert.equal(parseRequestId("42"), 42);
  assert.throws(() => parseRequestId("abc"), PayloadError);
  assert.throws(() => parseRequestId("2147483648"), PayloadError);
});

Deno.test("toJson writes bigints as exact integers", () => {
  assert.equal(toJson({ big: 2n ** 63n - 1n, n: 1 }), '{"big":9223372036854775807,"n":1}');
});
