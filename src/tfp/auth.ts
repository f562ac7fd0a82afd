/**
 * Client side of the TFP authentication handshake (tfp-protocol.md §5).
 *
 * digest = HMAC-SHA1(key = secret as ASCII, message = serverNonce ‖ clientNonce).
 *
 * @module
 */
import { createHmac, randomBytes } from "node:crypto";

/** Highest secret length brickd accepts. */
export const MAX_SECRET_LENGTH = 64;

/**
 * Checks a secret the way the official bindings do (ASCII only, brickd's length limit).
 * The message never contains the secret itself.
 */
export function validateSecret(secret: string): void {
  // deno-lint-ignore no-control-regex
  if (!/^[\x00-\x7f]*$/.test(secret)) {
    throw new TypeError("Authentication secret contains non-ASCII characters");
  }
  if (secret.length > MAX_SECRET_LENGTH) {
    throw new RangeError(
      `Authentication secret is ${secret.length} characters long; brickd accepts at most ${MAX_SECRET_LENGTH}`,
    );
  }
}

/** HMAC-SHA1 digest of serverNonce ‖ clientNonce keyed with the secret (20 bytes). */
export function authenticationDigest(
  secret: string,
  serverNonce: Uint8Array,
  clientNonce: Uint8Array,
): Uint8Array {
  const hmac = createHmac("sha1", new TextEncoder().encode(secret));
  hmac.update(serverNonce);
  hmac.update(clientNonce);
  return new Uint8Array(hmac.digest());
}

/**
 * Client nonces: random the first time, then +1 for every further handshake on the
 * same connection object, as the Python reference does, so two handshakes never reuse one.
 */
export class ClientNonceSource {
  #next: number = new DataView(randomBytes(4).buffer).getUint32(0, true);

  /** Next nonce as 4 little-endian bytes. */
  next(): Uint8Array {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, this.#next, true);
    this.#next = (this.#next + 1) >>> 0;
    return bytes;
  }
}
