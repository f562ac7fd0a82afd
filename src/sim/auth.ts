/**
 * Server side of the TFP authentication handshake (tfp-protocol.md §5), as
 * brickd does it: a per-daemon random nonce, +1 for every new client; the
 * client proves it knows the secret with
 * HMAC-SHA1(key = secret, message = server_nonce ‖ client_nonce).
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto";
import { authenticationDigest } from "../tfp/auth.ts";
import type { Random } from "./readings.ts";

/** Where a client stands in the handshake. */
export type AuthState = "disabled" | "enabled" | "nonce_sent" | "done";

/** Function ids on UID 1 (the connection manager). */
export const FUNCTION_GET_AUTHENTICATION_NONCE = 1;
export const FUNCTION_AUTHENTICATE = 2;
/** Request payload sizes brickd insists on (anything else: disconnect). */
export const NONCE_REQUEST_SIZE = 0;
export const AUTHENTICATE_REQUEST_SIZE = 24;

/** Hands out server nonces: random start per daemon, then +1 per client connection. */
export class ServerNonces {
  #next: number;

  constructor(random: Random) {
    this.#next = Math.floor(random() * 2 ** 32) >>> 0;
  }

  /** The next nonce as 4 little-endian bytes. */
  next(): Uint8Array {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, this.#next, true);
    this.#next = (this.#next + 1) >>> 0;
    return bytes;
  }
}

/** HMAC-SHA1 digest the client must send. */
export function expectedDigest(
  secret: string,
  serverNonce: Uint8Array,
  clientNonce: Uint8Array,
): Uint8Array {
  return authenticationDigest(secret, serverNonce, clientNonce);
}

/**
 * Checks an authenticate payload (client_nonce[4] ‖ digest[20]) against the
 * server nonce; constant-time comparison so timing reveals nothing about the secret.
 */
export function verifyAuthenticate(
  secret: string,
  serverNonce: Uint8Array,
  payload: Uint8Array,
): boolean {
  if (payload.length !== AUTHENTICATE_REQUEST_SIZE) return false;
  const clientNonce = payload.subarray(0, 4);
  const digest = payload.subarray(4, 24);
  return timingSafeEqual(expectedDigest(secret, serverNonce, clientNonce), digest);
}
