import assert from "node:assert/strict";
import { RPC_REQUEST_PREFIX, topicId } from "./topics.ts";

Deno.test("topicId reads decimal ids that fit a Java int", () => {
  assert.equal(topicId(RPC_REQUEST_PREFIX + "0", RPC_REQUEST_PREFIX), 0);
  assert.equal(topicId(RPC_REQUEST_PREFIX + "2147483647", RPC_REQUEST_PREFIX), 2147483647);
  for (const bad of ["", "01", "-1", "1.5", "x", "2147483648", "99999999999"]) {
    assert.equal(topicId(RPC_REQUEST_PREFIX + bad, RPC_REQUEST_PREFIX), undefined, bad);
  }
});
