/**
 * The body of a claim request, shared by the device API (`v1/devices/me/claim`) and the
 * gateway API (`v1/gateway/claim`, one body per device).
 *
 * Claiming lets a customer take a device over in ThingsBoard with its name and this secret
 * key, while the claim is open (`durationMs`, else the server's `device.claim.duration`).
 * Error texts never contain the secret.
 *
 * @module
 */

/** `{secretKey, durationMs?}` as ThingsBoard reads it */
export interface ClaimBody {
  readonly secretKey: string;
  readonly durationMs?: number;
}

/** A checked claim body; throws `TypeError`/`RangeError` for bad input. */
export function claimBody(secretKey: unknown, durationMs?: unknown): ClaimBody {
  if (typeof secretKey !== "string") {
    throw new TypeError("Invalid claim secret key: expected a string");
  }
  if (durationMs === undefined) return { secretKey };
  if (typeof durationMs !== "number" || !Number.isSafeInteger(durationMs) || durationMs <= 0) {
    throw new RangeError(
      `Invalid claim duration "${durationMs}": expected a positive integer of milliseconds`,
    );
  }
  return { secretKey, durationMs };
}
