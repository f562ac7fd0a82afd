import assert from "node:assert/strict";
import { DIFFERENCES_FROM_REFERENCE } from "./differences.ts";

Deno.test("differences from the reference: one distinct, complete sentence each", () => {
  assert.ok(DIFFERENCES_FROM_REFERENCE.length > 0);
  assert.equal(new Set(DIFFERENCES_FROM_REFERENCE).size, DIFFERENCES_FROM_REFERENCE.length);
  for (const sentence of DIFFERENCES_FROM_REFERENCE) {
    assert.match(sentence, /^[A-Z].*\.$/, sentence);
    assert.ok(!sentence.includes("\n"), sentence);
  }
});
