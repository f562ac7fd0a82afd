import assert from "node:assert/strict";
import { authenticationDigest, ClientNonceSource, validateSecret } from "./auth.ts";

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");

Deno.test("authenticationDigest() matches the official test vector", () => {
  const digest = authenticationDigest(
    "My Authentication Secret!",
    new Uint8Array([0x50, 0xc0, 0x29, 0xd1]),
    new Uint8Array([0xdc, 0x42, 0x57, 0x4d]),
  );
  assert.equal(hex(digest), "61 3d 62 ec 24 6e eb e3 08 f7 95 60 56 0d a7 ee 29 06 40 01");
});

Deno.test("validateSecret() rejects non-ASCII and over-long secrets without echoing them", () => {
  assert.throws(() => validateSecret("pässword"), (e: Error) => {
    assert.ok(e instanceof TypeError);
    assert.ok(!e.message.includes("pässword"));
    return true;
  });
  assert.throws(() => validateSecret("x".repeat(65)), RangeError);
  validateSecret("My Authentication Secret!");
});

Deno.test("ClientNonceSource.next() counts up from a random start", () => {
  const source = new ClientNonceSource();
  const a = new DataView(source.next().buffer).getUint32(0, true);
  const b = new DataView(source.next().buffer).getUint32(0, true);
  assert.equal(b, (a + 1) >>> 0);
});
