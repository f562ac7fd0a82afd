import assert from "node:assert/strict";
import {
  decodeNamed,
  decodePayload,
  encodeNamed,
  encodePayload,
  encodePayloadInto,
  payloadSize,
  type Value,
} from "./payload.ts";
import type { ElementSpec, WireType } from "./spec.ts";

function el(name: string, type: WireType, count = 1): ElementSpec {
  return { name, type, count };
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

/** Encodes one element, checks the bytes, decodes them back. */
function roundTrip(element: ElementSpec, value: Value, expectedHex: string, decoded = value): void {
  const elements = [element];
  const bytes = encodePayload(elements, [value]);
  assert.equal(hex(bytes), expectedHex, `${element.type} ${String(value)}`);
  assert.equal(bytes.length, payloadSize(elements));
  assert.deepEqual(decodePayload(elements, bytes), [decoded]);
}

Deno.test("payloadSize: scalars, arrays, packed bools, strings and chars", () => {
  assert.equal(payloadSize([]), 0);
  assert.equal(
    payloadSize([el("a", "uint8"), el("b", "int16"), el("c", "uint32"), el("d", "uint64")]),
    15,
  );
  assert.equal(payloadSize([el("f", "float", 3), el("i", "int64", 2)]), 28);
  assert.equal(payloadSize([el("b", "bool")]), 1);
  assert.equal(payloadSize([el("b", "bool", 8)]), 1);
  assert.equal(payloadSize([el("b", "bool", 9)]), 2);
  assert.equal(payloadSize([el("b", "bool", 64)]), 8);
  assert.equal(payloadSize([el("s", "string", 5), el("c", "char"), el("cs", "char", 60)]), 66);
});

Deno.test("integer types round-trip their min and max values", () => {
  roundTrip(el("v", "int8"), -128, "80");
  roundTrip(el("v", "int8"), 127, "7f");
  roundTrip(el("v", "int8"), -1, "ff");
  roundTrip(el("v", "uint8"), 0, "00");
  roundTrip(el("v", "uint8"), 255, "ff");
  roundTrip(el("v", "int16"), -32768, "00 80");
  roundTrip(el("v", "int16"), 32767, "ff 7f");
  roundTrip(el("v", "uint16"), 65535, "ff ff");
  roundTrip(el("v", "uint16"), 421, "a5 01");
  roundTrip(el("v", "int32"), -2147483648, "00 00 00 80");
  roundTrip(el("v", "int32"), 2147483647, "ff ff ff 7f");
  roundTrip(el("v", "uint32"), 4294967295, "ff ff ff ff");
  roundTrip(el("v", "uint32"), 0x12345678, "78 56 34 12");
});

Deno.test("int64/uint64 decode as bigint and accept bigint or safe integers", () => {
  roundTrip(el("v", "int64"), -2n, "fe ff ff ff ff ff ff ff");
  roundTrip(el("v", "int64"), -2, "fe ff ff ff ff ff ff ff", -2n);
  roundTrip(el("v", "int64"), -(2n ** 63n), "00 00 00 00 00 00 00 80");
  roundTrip(el("v", "int64"), 2n ** 63n - 1n, "ff ff ff ff ff ff ff 7f");
  roundTrip(
    el("v", "int64"),
    Number.MIN_SAFE_INTEGER,
    "01 00 00 00 00 00 e0 ff",
    -(2n ** 53n) + 1n,
  );
  roundTrip(el("v", "uint64"), 2n ** 64n - 1n, "ff ff ff ff ff ff ff ff");
  roundTrip(el("v", "uint64"), 0, "00 00 00 00 00 00 00 00", 0n);
  roundTrip(el("v", "uint64"), Number.MAX_SAFE_INTEGER, "ff ff ff ff ff ff 1f 00", 2n ** 53n - 1n);
  roundTrip(el("v", "uint64"), 0x1_0000_0001, "01 00 00 00 01 00 00 00", 0x1_0000_0001n);
});

Deno.test("float is binary32 little-endian", () => {
  roundTrip(el("v", "float"), 1.5, "00 00 c0 3f");
  roundTrip(el("v", "float"), -0.1, "cd cc cc bd", Math.fround(-0.1));
  roundTrip(el("v", "float"), Infinity, "00 00 80 7f");
  roundTrip(el("v", "float"), 3.4028234663852886e38, "ff ff 7f 7f");
  const [nan] = decodePayload([el("v", "float")], encodePayload([el("v", "float")], [NaN]));
  assert.ok(Number.isNaN(nan));
});

Deno.test("bool: writer emits 0/1, reader treats any non-zero as true", () => {
  roundTrip(el("v", "bool"), true, "01");
  roundTrip(el("v", "bool"), false, "00");
  assert.deepEqual(decodePayload([el("v", "bool")], Uint8Array.of(0x80)), [true]);
});

Deno.test("bool arrays are bit-packed LSB first", () => {
  const bits = [true, false, true, true, false, false, false, false, true, true];
  roundTrip(el("v", "bool", 10), bits, "0d 03");
  roundTrip(el("v", "bool", 8), Array(8).fill(true), "ff");
  roundTrip(el("v", "bool", 2), [false, true], "02");
  // Unused high bits are ignored on decode.
  assert.deepEqual(decodePayload([el("v", "bool", 3)], Uint8Array.of(0xfa)), [[
    false,
    true,
    false,
  ]]);
});

Deno.test("char and char arrays are Latin-1 bytes", () => {
  roundTrip(el("v", "char"), "a", "61");
  roundTrip(el("v", "char"), "é", "e9");
  roundTrip(el("v", "char"), "\0", "00");
  roundTrip(el("v", "char", 4), ["a", "\0", "ÿ", "Z"], "61 00 ff 5a");
});

Deno.test("strings are NUL padded, truncated, and cut at the first NUL", () => {
  roundTrip(el("v", "string", 5), "ab", "61 62 00 00 00");
  roundTrip(el("v", "string", 5), "", "00 00 00 00 00");
  roundTrip(el("v", "string", 3), "abc", "61 62 63");
  roundTrip(el("v", "string", 3), "abcdef", "61 62 63", "abc");
  roundTrip(el("v", "string", 4), "café", "63 61 66 e9");
  roundTrip(el("v", "string", 4), "a\0b", "61 00 62 00", "a");
  assert.deepEqual(decodePayload([el("v", "string", 4)], Uint8Array.of(0x61, 0, 0x62, 0x63)), [
    "a",
  ]);
});

Deno.test("numeric arrays and mixed layouts round trip", () => {
  roundTrip(el("v", "int16", 3), [-239, 60, -223], "11 ff 3c 00 21 ff");
  roundTrip(
    el("v", "uint64", 2),
    [1n, 2n ** 64n - 1n],
    "01 00 00 00 00 00 00 00 ff ff ff ff ff ff ff ff",
  );
  roundTrip(el("v", "float", 2), [1.5, -2], "00 00 c0 3f 00 00 00 c0");
  const elements = [
    el("uid", "string", 8),
    el("connected_uid", "string", 8),
    el("position", "char"),
    el("hardware_version", "uint8", 3),
    el("firmware_version", "uint8", 3),
    el("device_identifier", "uint16"),
    el("enumeration_type", "uint8"),
  ];
  const values = ["6wVE7W", "0", "a", [1, 0, 0], [2, 0, 7], 16, 0];
  const bytes = encodePayload(elements, values);
  assert.equal(bytes.length, 26);
  assert.deepEqual(decodePayload(elements, bytes), values);
});

Deno.test("typed arrays are accepted as array values", () => {
  const bytes = encodePayload([el("v", "uint8", 4)], [Uint8Array.of(1, 2, 3, 4)]);
  assert.equal(hex(bytes), "01 02 03 04");
  const big = encodePayload([el("v", "int64", 2)], [BigInt64Array.of(-1n, 1n)]);
  assert.deepEqual(decodePayload([el("v", "int64", 2)], big), [[-1n, 1n]]);
});

Deno.test("decodePayload honours the offset, ignores trailing bytes, rejects short input", () => {
  const elements = [el("a", "uint8"), el("b", "uint16")];
  assert.deepEqual(decodePayload(elements, Uint8Array.of(9, 9, 1, 2, 3, 4), 2), [1, 0x0302]);
  assert.throws(() => decodePayload(elements, Uint8Array.of(1, 2)), {
    name: "RangeError",
    message: "Payload too short: need 3 bytes at offset 0, got 2",
  });
  assert.throws(() => decodePayload(elements, Uint8Array.of(1, 2, 3), 1), RangeError);
  assert.deepEqual(decodePayload([], new Uint8Array(0)), []);
});

Deno.test("decoding a subarray at a non-zero byteOffset reads the right bytes", () => {
  const backing = Uint8Array.of(0xaa, 0xbb, 0xcc, 0x00, 0x00, 0xc0, 0x3f, 0x01, 0x02);
  const elements = [el("f", "float"), el("w", "uint16")];
  assert.deepEqual(decodePayload(elements, backing.subarray(3)), [1.5, 0x0201]);
  assert.deepEqual(decodeNamed(elements, backing.subarray(3)), { f: 1.5, w: 0x0201 });
});

Deno.test("encodePayloadInto writes at an offset and clears stale bytes", () => {
  const elements = [el("s", "string", 4), el("b", "bool", 9), el("v", "uint16")];
  const target = new Uint8Array(12).fill(0xee);
  assert.equal(
    encodePayloadInto(elements, ["x", [true, ...Array(8).fill(false)], 7], target, 2),
    8,
  );
  assert.equal(hex(target), "ee ee 78 00 00 00 01 00 07 00 ee ee");
  assert.throws(() => encodePayloadInto(elements, ["x", Array(9).fill(true), 7], target, 5), {
    name: "RangeError",
    message: "Payload of 8 bytes does not fit at offset 5",
  });
});

Deno.test("encodeNamed / decodeNamed use element names", () => {
  const elements = [el("red", "uint8"), el("green", "uint8"), el("blue", "uint8")];
  const bytes = encodeNamed(elements, { blue: 3, red: 1, green: 2, extra: "ignored" });
  assert.equal(hex(bytes), "01 02 03");
  assert.deepEqual(decodeNamed(elements, bytes), { red: 1, green: 2, blue: 3 });
  assert.throws(() => encodeNamed(elements, { red: 1 }), {
    name: "TypeError",
    message: 'Missing values for "green", "blue"',
  });
  assert.throws(() => encodeNamed(elements, { red: 1, green: undefined, blue: 3 }), {
    name: "TypeError",
    message: 'Missing value for "green"',
  });
  const inherited = Object.create({ red: 1, green: 2, blue: 3 });
  assert.throws(() => encodeNamed(elements, inherited), TypeError, "only own properties count");
  assert.deepEqual(encodeNamed([], {}), new Uint8Array(0));
});

Deno.test("random round trips over every wire type", () => {
  let seed = 12345;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const types: WireType[] = [
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
    "float",
    "bool",
    "char",
  ];
  const randomItem = (type: WireType): Value => {
    switch (type) {
      case "int8":
        return Math.floor(random() * 256) - 128;
      case "uint8":
        return Math.floor(random() * 256);
      case "int16":
        return Math.floor(random() * 65536) - 32768;
      case "uint16":
        return Math.floor(random() * 65536);
      case "int32":
        return Math.floor(random() * 2 ** 32) - 2 ** 31;
      case "uint32":
        return Math.floor(random() * 2 ** 32);
      case "int64":
        return BigInt.asIntN(
          64,
          (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32)),
        );
      case "uint64":
        return (BigInt(Math.floor(random() * 2 ** 32)) << 32n) |
          BigInt(Math.floor(random() * 2 ** 32));
      case "float":
        return Math.fround((random() - 0.5) * 1e6);
      case "bool":
        return random() < 0.5;
      default:
        return String.fromCharCode(Math.floor(random() * 256));
    }
  };
  for (let round = 0; round < 2_000; round++) {
    const elements: ElementSpec[] = [];
    const values: Value[] = [];
    for (let i = 0; i < 1 + Math.floor(random() * 5); i++) {
      const type = types[Math.floor(random() * types.length)];
      const count = random() < 0.5 ? 1 : 2 + Math.floor(random() * 9);
      elements.push(el(`e${i}`, type, count));
      values.push(
        count === 1 ? randomItem(type) : Array.from({ length: count }, () => randomItem(type)),
      );
    }
    const bytes = encodePayload(elements, values);
    assert.equal(bytes.length, payloadSize(elements));
    assert.deepEqual(decodePayload(elements, bytes), values);
  }
});
