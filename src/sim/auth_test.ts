import assert from "node:assert/strict";
import { expectedDigest, ServerNonces, verifyAuthenticate } from "./auth.ts";
import { createRandom } from "./readings.ts";

const SECRET = "My Authentication Secret!";
const SERVER_NONCE = Uint8Array.of(0x50, 0xc0, 0x29, 0xd1);
const CLIENT_NONCE = Uint8Array.of(0xdc, 0x42, 0x57, 0x4d);
const DIGEST = Uint8Array.of(
  0x61,
  0x3d,
  0x62,
  0xec,
  0x24,
  0x6e,
  0xeb,
  0xe3,
  0x08,
  0xf7,
  0x95,
  0x60,
  0x56,
  0x0d,
  0xa7,
  0xee,
  0x29,
  0x06,
  0x40,
  0x01,
);

Deno.test("expectedDigest matches the official test vector", () => {
  assert.deepEqual(expectedDigest(SECRET, SERVER_NONCE, CLIENT_NONCE), DIGEST);
});

Deno.test("verifyAuthenticate accepts the right digest and rejects others", () => {
  const payload = new Uint8Array(24);
  payload.set(CLIENT_NONCE, 0);
  payload.set(DIGEST, 4);
  assert.equal(verifyAuthenticate(SECRET, SERVER_NONCE, payload), true);
  assert.equal(verifyAuthenticate("wrong secret", SERVER_NONCE, payload), false);
  payload[10] ^= 1;
  assert.equal(verifyAuthenticate(SECRET, SERVER_NONCE, payload), false);
  assert.equal(verifyAuthenticate(SECRET, SERVER_NONCE, payload.subarray(0, 20)), false);
});

Deno.test("ServerNonces counts up by one per client from a random start", () => {
  const nonces = new ServerNonces(createRandom(7));
  const view = (bytes: Uint8Array) => new DataView(bytes.buffer).getUint32(0, true);
  const first = view(nonces.next());
  const second = view(nonces.next());
  assert.equal(second, (first + 1) >>> 0);
});
