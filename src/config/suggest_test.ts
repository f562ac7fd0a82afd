import assert from "node:assert/strict";
import { closest, editDistance } from "./suggest.ts";

Deno.test("editDistance counts single-character edits", () => {
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("port", "port"), 0);
  assert.equal(editDistance("prot", "port"), 1);
});

Deno.test("closest: spelling variants, the same key elsewhere, small typos, else nothing", () => {
  const known = ["bridge.ipconHost", "thingsboard.host", "thingsboard.port", "buffer.maxBytes"];
  assert.equal(closest("bridge.ipcon-host", known), "bridge.ipconHost");
  assert.equal(closest("bridge.IPCON_HOST", known), "bridge.ipconHost");
  assert.equal(closest("spool.maxBytes", known), "buffer.maxBytes");
  assert.equal(closest("thingsboard.prot", known), "thingsboard.port");
  assert.equal(closest("thingsboard.something", known), undefined);
  assert.equal(closest("X", ["TB", "TB_HOST"]), undefined);
});
