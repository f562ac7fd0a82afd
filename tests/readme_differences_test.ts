/**
 * The README's "Differences from tinkerforge_mqtt" section must list every
 * deliberate difference recorded in code, so the two cannot drift apart.
 */
import assert from "node:assert/strict";
import { DIFFERENCES_FROM_REFERENCE } from "../src/calls/differences.ts";
import { BRIDGE_DIFFERENCES } from "../src/bridge/differences.ts";

Deno.test("README lists every deliberate difference from tinkerforge_mqtt", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const start = readme.indexOf("## Differences from tinkerforge_mqtt");
  assert.ok(start >= 0, "README has no 'Differences from tinkerforge_mqtt' section");
  // deno fmt may re-wrap list items; compare with whitespace folded.
  const section = readme.slice(start).replace(/\s+/g, " ");
  const missing = [...DIFFERENCES_FROM_REFERENCE, ...BRIDGE_DIFFERENCES]
    .filter((sentence) => !section.includes(sentence.replace(/\s+/g, " ")));
  assert.deepEqual(missing, []);
});
