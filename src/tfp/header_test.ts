import assert from "node:assert/strict";
import {
  buildPacket,
  decodeHeader,
  encodeHeader,
  HEADER_SIZE,
  MAX_PACKET_SIZE,
  MAX_PAYLOAD_SIZE,
  type PacketHeader,
} from "./header.ts";

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.split(" "), (h) => parseInt(h, 16));
}

// Official vectors from the TFP protocol page (tfp-protocol.md §1.2).
const HUMIDITY_REQUEST = hex("98 83 00 00 08 01 18 00");
const HUMIDITY_RESPONSE = hex("98 83 00 00 0a 01 18 00 a5 01");
const IMU_CALLBACK = hex("32 13 78 d8 0e 20 08 00 11 ff 3c 00 21 ff");

Deno.test("header constants", () => {
  assert.equal(HEADER_SIZE, 8);
  assert.equal(MAX_PAYLOAD_SIZE, 64);
  assert.equal(MAX_PACKET_SIZE, 80);
});

Deno.test("decodeHeader: humidity request vector", () => {
  assert.deepEqual(decodeHeader(HUMIDITY_REQUEST), {
    uid: 33688,
    length: 8,
    functionId: 1,
    sequence: 1,
    responseExpected: true,
    errorCode: 0,
  });
});

Deno.test("decodeHeader: humidity response vector", () => {
  const header = decodeHeader(HUMIDITY_RESPONSE);
  assert.deepEqual(header, {
    uid: 33688,
    length: 10,
    functionId: 1,
    sequence: 1,
    responseExpected: true,
    errorCode: 0,
  });
  assert.equal(HUMIDITY_RESPONSE[8] | (HUMIDITY_RESPONSE[9] << 8), 421);
});

Deno.test("decodeHeader: IMU callback vector (uid above 2^31 stays unsigned)", () => {
  assert.deepEqual(decodeHeader(IMU_CALLBACK), {
    uid: 3631747890,
    length: 14,
    functionId: 32,
    sequence: 0,
    responseExpected: true,
    errorCode: 0,
  });
});

Deno.test("buildPacket reproduces the official vectors", () => {
  assert.deepEqual(buildPacket(33688, 1, 1, true), HUMIDITY_REQUEST);
  assert.deepEqual(buildPacket(33688, 1, 1, true, hex("a5 01")), HUMIDITY_RESPONSE);
  assert.deepEqual(buildPacket(3631747890, 32, 0, true, IMU_CALLBACK.subarray(8)), IMU_CALLBACK);
});

Deno.test("encodeHeader writes at an offset and round-trips all bit fields", () => {
  const header: PacketHeader = {
    uid: 0xffffffff,
    length: 80,
    functionId: 255,
    sequence: 15,
    responseExpected: false,
    errorCode: 3,
  };
  const target = new Uint8Array(12).fill(0xaa);
  encodeHeader(header, target, 2);
  assert.deepEqual(target, hex("aa aa ff ff ff ff 50 ff f0 c0 aa aa"));
  assert.deepEqual(decodeHeader(target, 2), header);
});

Deno.test("buildPacket sets the error code and leaves reserved bits zero", () => {
  const packet = buildPacket(1, 2, 3, false, undefined, 2);
  assert.deepEqual(packet, hex("01 00 00 00 08 02 30 80"));
  assert.equal(decodeHeader(packet).errorCode, 2);
});

Deno.test("buildPacket accepts a 64-byte payload and rejects 65 bytes", () => {
  assert.equal(buildPacket(5, 1, 1, true, new Uint8Array(64)).length, 72);
  assert.throws(
    () => buildPacket(5, 1, 1, true, new Uint8Array(65)),
    { name: "RangeError", message: "Payload of 65 bytes exceeds the maximum of 64 bytes" },
  );
});

Deno.test("encodeHeader rejects out-of-range fields", () => {
  const good: PacketHeader = {
    uid: 1,
    length: 8,
    functionId: 1,
    sequence: 1,
    responseExpected: true,
    errorCode: 0,
  };
  const target = new Uint8Array(8);
  const cases: [Partial<PacketHeader>, string][] = [
    [{ uid: -1 }, "Header field uid must be an integer in 0..4294967295, got -1"],
    [{ uid: 2 ** 32 }, "Header field uid must be an integer in 0..4294967295, got 4294967296"],
    [{ uid: 1.5 }, "Header field uid must be an integer in 0..4294967295, got 1.5"],
    [{ length: 256 }, "Header field length must be an integer in 0..255, got 256"],
    [{ functionId: 256 }, "Header field functionId must be an integer in 0..255, got 256"],
    [{ sequence: 16 }, "Header field sequence must be an integer in 0..15, got 16"],
    [{ errorCode: 4 }, "Header field errorCode must be an integer in 0..3, got 4"],
    [{ errorCode: NaN }, "Header field errorCode must be an integer in 0..3, got NaN"],
  ];
  for (const [patch, message] of cases) {
    assert.throws(() => encodeHeader({ ...good, ...patch }, target), {
      name: "RangeError",
      message,
    });
  }
  assert.throws(() => encodeHeader(good, target, 1), {
    name: "RangeError",
    message: "Header does not fit into 8 bytes at offset 1",
  });
});

Deno.test("decodeHeader rejects short input", () => {
  assert.throws(() => decodeHeader(new Uint8Array(7)), {
    name: "RangeError",
    message: "Need 8 header bytes at offset 0, got 7",
  });
  assert.throws(() => decodeHeader(new Uint8Array(10), 3), RangeError);
});
