/**
 * Base58 UIDs as printed on Tinkerforge devices and used in MQTT topics.
 *
 * On the wire a UID is a uint32. Newer devices may print 64-bit UIDs; like the
 * Python and C bindings, {@link parseUid} folds those to the 32-bit wire UID.
 *
 * @module
 */

const ALPHABET = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
const MAX_UINT64 = 0xffff_ffff_ffff_ffffn;

/** Digit value per char code, -1 for characters outside the alphabet. */
const DIGITS = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGITS[ALPHABET.charCodeAt(i)] = i;

function digitAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? DIGITS[code] : -1;
}

/** Why a UID text was rejected. */
export type UidErrorReason = "invalid_character" | "empty_or_zero" | "too_big";

const UID_MESSAGES: Record<UidErrorReason, string> = {
  invalid_character: "contains invalid character",
  empty_or_zero: "is empty or maps to zero",
  too_big: "is too big",
};

/** A UID text that cannot be used; callers map it to "invalid UID" (-13 in the MQTT bridge). */
export class UidError extends Error {
  readonly reason: UidErrorReason;
  readonly uid: string;

  constructor(reason: UidErrorReason, uid: string) {
    super(`UID "${uid}" ${UID_MESSAGES[reason]}`);
    this.name = "UidError";
    this.reason = reason;
    this.uid = uid;
  }
}

/** Encodes a non-negative integer (up to 2^64-1) as Base58; 0 encodes as "1". */
export function base58Encode(value: number | bigint): string {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Cannot Base58-encode ${value}: expected a non-negative safe integer`);
    }
    let text = "";
    do {
      text = ALPHABET[value % 58] + text;
      value = Math.floor(value / 58);
    } while (value > 0);
    return text;
  }
  if (typeof value !== "bigint") {
    throw new TypeError(`Cannot Base58-encode a ${typeof value}: expected a number or bigint`);
  }
  if (value < 0n || value > MAX_UINT64) {
    throw new RangeError(`Cannot Base58-encode ${value}: expected 0..${MAX_UINT64}`);
  }
  let text = "";
  do {
    text = ALPHABET[Number(value % 58n)] + text;
    value /= 58n;
  } while (value > 0n);
  return text;
}

/** Decodes Base58 text; "" decodes to 0n. Throws UidError("invalid_character") on bad chars */
export function base58Decode(text: string): bigint {
  checkCharacters(text);
  let value = 0n;
  for (let i = 0; i < text.length; i++) value = value * 58n + BigInt(digitAt(text, i));
  return value;
}

function checkCharacters(text: string): void {
  for (let i = 0; i < text.length; i++) {
    if (digitAt(text, i) < 0) throw new UidError("invalid_character", text);
  }
}

/** The uid64 → uid32 mapping of the Python/C bindings (value1 = low half, value2 = high half). */
function foldUid64(value: bigint): number {
  const v1 = Number(value & 0xffff_ffffn);
  const v2 = Number(value >> 32n);
  return ((v1 & 0x00000fff) | ((v1 & 0x0f000000) >>> 12) | ((v2 & 0x0000003f) << 16) |
    ((v2 & 0x000f0000) << 6) | ((v2 & 0x3f000000) << 2)) >>> 0;
}

/** Base58 UID text → uint32 wire UID; values > 2^32-1 (up to 2^64-1) are folded to 32 bits with the uid64→uid32 mapping of tfp-protocol.md §2; "" or 0 → UidError empty_or_zero; > 2^64-1 → too_big */
export function parseUid(text: string): number {
  checkCharacters(text);
  // Up to 9 digits stay below 2^53, so plain numbers are exact (the common case: 3..7 digits).
  let value = 0;
  let i = 0;
  const fast = Math.min(text.length, 9);
  for (; i < fast; i++) value = value * 58 + digitAt(text, i);
  let uid: number;
  if (i === text.length) {
    uid = value <= 0xffffffff ? value : foldUid64(BigInt(value));
  } else {
    let big = BigInt(value);
    for (; i < text.length; i++) {
      big = big * 58n + BigInt(digitAt(text, i));
      // Stop early so an absurdly long UID cannot make the bigint grow without bound.
      if (big > MAX_UINT64) throw new UidError("too_big", text);
    }
    uid = big <= 0xffffffffn ? Number(big) : foldUid64(big);
  }
  if (uid === 0) throw new UidError("empty_or_zero", text);
  return uid;
}
