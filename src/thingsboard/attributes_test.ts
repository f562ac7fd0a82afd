import assert from "node:assert/strict";
import {
  attributeRequestBody,
  attributeResponse,
  AttributeSubscriptions,
  type AttributeUpdate,
  parseAttributeUpdate,
} from "./attributes.ts";

Deno.test("attributeRequestBody joins keys with commas, as the server splits them", () => {
  assert.equal(
    attributeRequestBody({ clientKeys: ["a", "b"], sharedKeys: ["c"] }),
    `{"clientKeys":"a,b","sharedKeys":"c"}`,
  );
  assert.equal(attributeRequestBody({}), "{}");
  assert.equal(attributeRequestBody({ sharedKeys: [] }), "{}");
  assert.throws(() => attributeRequestBody({ clientKeys: ["a,b"] }), /"a,b"/);
  assert.throws(() => attributeRequestBody({ clientKeys: [""] }), TypeError);
  assert.throws(() => attributeRequestBody({ clientKeys: "a" as never }), /array/);
});

Deno.test("attributeResponse fills missing scopes with {}", () => {
  assert.deepEqual(attributeResponse({}), { client: {}, shared: {} });
  assert.deepEqual(attributeResponse({ shared: { a: 1 } }), { client: {}, shared: { a: 1 } });
  assert.throws(() => attributeResponse([]), TypeError);
});

Deno.test("parseAttributeUpdate separates deleted keys and keeps big integers", () => {
  assert.deepEqual(parseAttributeUpdate(`{"a":1,"deleted":["b","c"]}`), {
    values: { a: 1 },
    deleted: ["b", "c"],
  });
  assert.deepEqual(parseAttributeUpdate(`{"n":12345678901234567890}`).values, {
    n: 12345678901234567890n,
  });
  assert.throws(() => parseAttributeUpdate("[1]"), TypeError);
  assert.throws(() => parseAttributeUpdate("{"), SyntaxError);
});

Deno.test("AttributeSubscriptions dispatch by key and to all; a throwing callback is contained", () => {
  const subs = new AttributeSubscriptions();
  const seen: string[] = [];
  const errors: unknown[] = [];
  const all = subs.add(undefined, (u) => seen.push(`all:${JSON.stringify(u)}`));
  subs.add("a", (u) => seen.push(`a:${JSON.stringify(u)}`));
  subs.add("a", () => {
    throw new Error("boom");
  });
  subs.add("z", (u) => seen.push(`z:${JSON.stringify(u)}`));
  const update: AttributeUpdate = { values: { a: 1, b: 2 }, deleted: ["z"] };
  subs.dispatch(update, (e) => errors.push(e));
  assert.deepEqual(seen, [
    `all:{"values":{"a":1,"b":2},"deleted":["z"]}`,
    `a:{"values":{"a":1},"deleted":[]}`,
    `z:{"values":{},"deleted":["z"]}`,
  ]);
  assert.equal(errors.length, 1);
  assert.equal(subs.size, 4);
  assert.equal(subs.remove(all), true);
  assert.equal(subs.remove(all), false);
  assert.throws(() => subs.add("", () => {}), TypeError);
  assert.throws(() => subs.add("k", 5 as never), TypeError);
});
