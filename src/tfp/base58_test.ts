import assert from "node:assert/strict";
import { base58Decode, base58Encode, parseUid, UidError } from "./base58.ts";

const VECTORS: [number, string][] = [
  [33688, "b1Q"],
  [3631747890, "6wVE7W"],
  [436811748, "EALV3"],
  [1, "2"],
  [0, "1"],
  [57, "Z"],
  [58, "21"],
  [0xffffffff, "7xwQ9g"],
];

Deno.test("base58Encode: protocol vectors (number and bigint)", () => {
  for (const [value, text] of VECTORS) {
    assert.equal(base58Encode(value), text);
    assert.equal(base58Encode(BigInt(value)), text);
  }
  assert.equal(base58Encode(2289425377), "4uiUpk");
  assert.equal(
    base58Encode(Number.MAX_SAFE_INTEGER),
    base58Encode(BigInt(Number.MAX_SAFE_INTEGER)),
  );
  assert.equal(base58Encode(0xffff_ffff_ffff_ffffn), "JPwcyDCgEup");
});

Deno.test("base58Decode: protocol vectors and 64-bit values", () => {
  for (const [value, text] of VECTORS) assert.equal(base58Decode(text), BigInt(value));
  assert.equal(base58Decode("JPwcyDCgEup"), 0xffff_ffff_ffff_ffffn);
  assert.equal(base58Decode(""), 0n);
  assert.equal(base58Decode("11b1Q"), 33688n, "leading '1's are zero digits");
});

Deno.test("base58 round trip over many values", () => {
  let value = 1n;
  while (value <= 0xffff_ffff_ffff_ffffn) {
    for (const v of [value - 1n, value, value + 7n]) {
      if (v <= 0xffff_ffff_ffff_ffffn) assert.equal(base58Decode(base58Encode(v)), v);
    }
    value = value * 3n + 1n;
  }
});

Deno.test("base58Encode rejects negatives, fractions, unsafe numbers and > 2^64-1", () => {
  assert.throws(() => base58Encode(-1), {
    name: "RangeError",
    message: "Cannot Base58-encode -1: expected a non-negative safe integer",
  });
  assert.throws(() => base58Encode(1.5), RangeError);
  assert.throws(() => base58Encode(2 ** 53), RangeError);
  assert.throws(() => base58Encode(NaN), RangeError);
  assert.throws(() => base58Encode(2n ** 64n), {
    name: "RangeError",
    message: "Cannot Base58-encode 18446744073709551616: expected 0..18446744073709551615",
  });
  assert.throws(() => base58Encode(-1n), RangeError);
  assert.throws(() => base58Encode("5" as unknown as number), TypeError);
});

Deno.test("parseUid: 32-bit vectors", () => {
  assert.equal(parseUid("b1Q"), 33688);
  assert.equal(parseUid("6wVE7W"), 3631747890);
  assert.equal(parseUid("EALV3"), 436811748);
  assert.equal(parseUid("2"), 1);
  assert.equal(parseUid("7xwQ9g"), 0xffffffff);
  assert.equal(parseUid("1111b1Q"), 33688);
});

Deno.test("parseUid: 64-bit UIDs are folded like the Python/C bindings", () => {
  assert.equal(parseUid(base58Encode(0x22e147b58dee8be1n)), 2289425377);
  assert.equal(parseUid("7xwQ9h"), 1 << 16, "2^32 folds to v2 bit 0 → bit 16");
  const long = parseUid("JxZpR3a5ZrD");
  assert.ok(Number.isInteger(long) && long > 0 && long <= 0xffffffff);
  assert.equal(long, 4186195715);
  assert.equal(parseUid("JPwcyDCgEup"), 0xffffffff, "all fold masks together cover 32 bits");
  // 9-digit (fast path) and 10+-digit (bigint path) values fold identically.
  for (const value of [58n ** 9n - 1n, 58n ** 9n, 0x1_0000_0fffn, 0x3f0f_003f_0f00_0fffn]) {
    const v1 = Number(value & 0xffffffffn);
    const v2 = Number(value >> 32n);
    const expected = ((v1 & 0xfff) | ((v1 & 0x0f000000) >>> 12) | ((v2 & 0x3f) << 16) |
      ((v2 & 0x000f0000) << 6) | ((v2 & 0x3f000000) << 2)) >>> 0;
    assert.equal(parseUid(base58Encode(value)), expected, `value ${value}`);
  }
});

function assertUidError(text: string, reason: UidError["reason"], message: string): void {
  assert.throws(() => parseUid(text), (error: unknown) => {
    assert.ok(error instanceof UidError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "UidError");
    assert.equal(error.reason, reason);
    assert.equal(error.uid, text);
    assert.equal(error.message, message);
    return true;
  });
}

Deno.test("parseUid: invalid characters", () => {
  for (const text of ["b0Q", "O", "Il", "b1Q ", "b-1", "é", "😀"]) {
    assertUidError(text, "invalid_character", `UID "${text}" contains invalid character`);
  }
  assert.throws(() => base58Decode("abc0"), {
    name: "UidError",
    message: 'UID "abc0" contains invalid character',
  });
});

Deno.test("parseUid: empty and zero", () => {
  assertUidError("", "empty_or_zero", 'UID "" is empty or maps to zero');
  assertUidError("1", "empty_or_zero", 'UID "1" is empty or maps to zero');
  assertUidError("111111111111", "empty_or_zero", 'UID "111111111111" is empty or maps to zero');
  // A 64-bit value whose folded bits are all outside the fold masks maps to zero.
  const foldsToZero = base58Encode(0x40n << 32n);
  assertUidError(foldsToZero, "empty_or_zero", `UID "${foldsToZero}" is empty or maps to zero`);
});

Deno.test("parseUid: values above 2^64-1 are too big, even absurdly long ones", () => {
  const justOver = base58Encode(0xffff_ffff_ffff_ffffn).replace(/p$/, "q");
  assert.equal(base58Decode(justOver), 2n ** 64n);
  assertUidError(justOver, "too_big", `UID "${justOver}" is too big`);
  const huge = "z".repeat(100_000);
  assert.throws(() => parseUid(huge), { name: "UidError", reason: "too_big" });
  assert.throws(() => parseUid(huge + "0"), { name: "UidError", reason: "invalid_character" });
});
