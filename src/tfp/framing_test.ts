import assert from "node:assert/strict";
import { PacketFramer } from "./framing.ts";
import { buildPacket, encodeHeader, type Packet } from "./header.ts";

/** Deterministic PRNG (mulberry32) so failures are reproducible. */
function makeRandom(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function randomPacket(random: (n: number) => number): Uint8Array {
  const payload = new Uint8Array(random(65));
  for (let i = 0; i < payload.length; i++) payload[i] = random(256);
  return buildPacket(random(2 ** 32), random(256), random(16), random(2) === 1, payload, random(4));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Re-serialises a received packet, to compare it with the bytes that were sent.
 * (Not buildPacket: the framer accepts up to 80 bytes, i.e. 72-byte payloads.)
 */
function packetBytes(packet: Packet): Uint8Array {
  assert.equal(packet.header.length, 8 + packet.payload.length);
  const bytes = new Uint8Array(packet.header.length);
  encodeHeader(packet.header, bytes);
  bytes.set(packet.payload, 8);
  return bytes;
}

/** Feeds `stream` in random-sized chunks (1..maxChunk bytes). */
function feedChunked(
  framer: PacketFramer,
  stream: Uint8Array,
  random: (n: number) => number,
  maxChunk: number,
): Packet[] {
  const packets: Packet[] = [];
  for (let offset = 0; offset < stream.length;) {
    const size = 1 + random(maxChunk);
    packets.push(...framer.push(stream.subarray(offset, offset + size)));
    offset += size;
  }
  return packets;
}

/** Obviously-correct oracle: scans the whole stream at once with the same resync rule. */
function referenceFrame(stream: Uint8Array): { packets: Uint8Array[]; dropped: number } {
  const packets: Uint8Array[] = [];
  let dropped = 0;
  let i = 0;
  while (stream.length - i >= 8) {
    const length = stream[i + 4];
    const plausible = length >= 8 && length <= 80 && (stream[i + 6] & 7) === 0 &&
      (stream[i + 7] & 0x3f) === 0;
    if (!plausible) {
      i++;
      dropped++;
    } else if (stream.length - i < length) {
      break;
    } else {
      packets.push(stream.slice(i, i + length));
      i += length;
    }
  }
  return { packets, dropped };
}

const hex = (text: string) => Uint8Array.from(text.split(" "), (h) => parseInt(h, 16));
const HUMIDITY_RESPONSE = hex("98 83 00 00 0a 01 18 00 a5 01");
const IMU_CALLBACK = hex("32 13 78 d8 0e 20 08 00 11 ff 3c 00 21 ff");

Deno.test("PacketFramer: one packet", () => {
  const framer = new PacketFramer();
  const packets = framer.push(HUMIDITY_RESPONSE);
  assert.equal(packets.length, 1);
  assert.equal(packets[0].header.uid, 33688);
  assert.deepEqual(packets[0].payload, hex("a5 01"));
  assert.equal(framer.bufferedBytes, 0);
  assert.equal(framer.droppedBytes, 0);
});

Deno.test("PacketFramer: two packets in one chunk", () => {
  const framer = new PacketFramer();
  const packets = framer.push(concat([HUMIDITY_RESPONSE, IMU_CALLBACK]));
  assert.deepEqual(packets.map(packetBytes), [HUMIDITY_RESPONSE, IMU_CALLBACK]);
  assert.equal(framer.bufferedBytes, 0);
});

Deno.test("PacketFramer: header-only packet has an empty payload", () => {
  const [packet] = new PacketFramer().push(hex("98 83 00 00 08 01 18 00"));
  assert.equal(packet.payload.length, 0);
  assert.equal(packet.header.length, 8);
});

Deno.test("PacketFramer: packet split at every byte boundary (two and three pieces)", () => {
  const stream = concat([HUMIDITY_RESPONSE, IMU_CALLBACK]);
  for (let a = 0; a <= stream.length; a++) {
    for (let b = a; b <= stream.length; b++) {
      const framer = new PacketFramer();
      const packets = [
        ...framer.push(stream.subarray(0, a)),
        ...framer.push(stream.subarray(a, b)),
        ...framer.push(stream.subarray(b)),
      ];
      assert.deepEqual(packets.map(packetBytes), [HUMIDITY_RESPONSE, IMU_CALLBACK], `${a}/${b}`);
      assert.equal(framer.bufferedBytes, 0);
      assert.equal(framer.droppedBytes, 0);
    }
  }
});

Deno.test("PacketFramer: byte-by-byte feeding reports the buffered tail", () => {
  const framer = new PacketFramer();
  for (let i = 0; i < IMU_CALLBACK.length - 1; i++) {
    assert.deepEqual(framer.push(IMU_CALLBACK.subarray(i, i + 1)), []);
    assert.equal(framer.bufferedBytes, i + 1);
  }
  assert.equal(framer.push(IMU_CALLBACK.subarray(-1)).length, 1);
  assert.equal(framer.bufferedBytes, 0);
});

Deno.test("PacketFramer: garbage prefix is dropped byte by byte", () => {
  // 0xff can never be a plausible length, and 0x07 sets reserved bits.
  const garbage = hex("ff ff 07 07 ff ff ff ff ff 00");
  for (const split of [0, 3, 10, 15]) {
    const framer = new PacketFramer();
    const stream = concat([garbage, HUMIDITY_RESPONSE]);
    const packets = [
      ...framer.push(stream.subarray(0, split)),
      ...framer.push(stream.subarray(split)),
    ];
    assert.deepEqual(packets.map(packetBytes), [HUMIDITY_RESPONSE], `split ${split}`);
    assert.equal(framer.droppedBytes, garbage.length);
  }
});

Deno.test("PacketFramer: garbage between packets", () => {
  const garbage = hex("ff 01 02 ff ff ff ff ff ff ff ff");
  const stream = concat([IMU_CALLBACK, garbage, HUMIDITY_RESPONSE, IMU_CALLBACK]);
  for (let split = 0; split <= stream.length; split++) {
    const framer = new PacketFramer();
    const packets = [
      ...framer.push(stream.subarray(0, split)),
      ...framer.push(stream.subarray(split)),
    ];
    assert.deepEqual(packets.map(packetBytes), [IMU_CALLBACK, HUMIDITY_RESPONSE, IMU_CALLBACK]);
    assert.equal(framer.droppedBytes, garbage.length, `split ${split}`);
  }
});

Deno.test("PacketFramer: implausible lengths and reserved bits are rejected", () => {
  const framer = new PacketFramer();
  assert.deepEqual(framer.push(hex("01 00 00 00 07 01 10 00")), []); // length 7
  assert.deepEqual(framer.push(hex("01 00 00 00 51 01 10 00")), []); // length 81
  assert.deepEqual(framer.push(hex("01 00 00 00 08 01 14 00")), []); // byte 6 bit 2
  assert.deepEqual(framer.push(hex("01 00 00 00 08 01 10 01")), []); // byte 7 bit 0
  assert.ok(framer.droppedBytes > 0);
  framer.reset();
  assert.equal(framer.droppedBytes, 0);
  assert.equal(framer.bufferedBytes, 0);
  assert.equal(framer.push(hex("01 00 00 00 08 01 18 c0")).length, 1); // error code 3 is fine
});

Deno.test("PacketFramer: payloads stay valid when the caller reuses its buffer", () => {
  const framer = new PacketFramer();
  const buffer = new Uint8Array(HUMIDITY_RESPONSE.length + 5);
  buffer.set(HUMIDITY_RESPONSE);
  buffer.set(IMU_CALLBACK.subarray(0, 5), HUMIDITY_RESPONSE.length);
  const first = framer.push(buffer);
  buffer.fill(0xee);
  buffer.set(IMU_CALLBACK.subarray(5));
  const second = framer.push(buffer.subarray(0, IMU_CALLBACK.length - 5));
  buffer.fill(0x11);
  framer.push(concat([IMU_CALLBACK, IMU_CALLBACK]).subarray(0, 20));
  assert.deepEqual(first.map(packetBytes), [HUMIDITY_RESPONSE]);
  assert.deepEqual(second.map(packetBytes), [IMU_CALLBACK]);
});

Deno.test("PacketFramer: reset discards a partial packet", () => {
  const framer = new PacketFramer();
  framer.push(IMU_CALLBACK.subarray(0, 9));
  assert.equal(framer.bufferedBytes, 9);
  framer.reset();
  assert.deepEqual(framer.push(HUMIDITY_RESPONSE).map(packetBytes), [HUMIDITY_RESPONSE]);
});

Deno.test("PacketFramer fuzz: 100,000 valid packets in random chunkings are recovered exactly", () => {
  const random = makeRandom(0x7f9);
  const sent = Array.from({ length: 100_000 }, () => randomPacket(random));
  const stream = concat(sent);
  for (const maxChunk of [7, 200, 4096]) {
    const framer = new PacketFramer();
    const received = feedChunked(framer, stream, random, maxChunk);
    assert.equal(received.length, sent.length);
    for (let i = 0; i < sent.length; i++) assert.deepEqual(packetBytes(received[i]), sent[i]);
    assert.equal(framer.droppedBytes, 0);
    assert.equal(framer.bufferedBytes, 0);
  }
});

Deno.test("PacketFramer fuzz: random bytes never throw and chunking never changes the result", () => {
  const random = makeRandom(0xbeef);
  const parts: Uint8Array[] = [];
  let validCount = 0;
  for (let i = 0; i < 100_000; i++) {
    const kind = random(3);
    if (kind === 0) {
      parts.push(randomPacket(random));
      validCount++;
    } else {
      // Random garbage, sometimes biased towards plausible-looking headers.
      const garbage = new Uint8Array(1 + random(kind === 1 ? 4 : 90));
      for (let j = 0; j < garbage.length; j++) garbage[j] = random(kind === 1 ? 256 : 81);
      parts.push(garbage);
    }
  }
  const stream = concat(parts);
  const expected = referenceFrame(stream);
  assert.ok(expected.packets.length > validCount / 4, "the oracle recovers a fair share");
  for (const maxChunk of [1, 13, 1000]) {
    const framer = new PacketFramer();
    const received = feedChunked(framer, stream, random, maxChunk);
    assert.equal(received.length, expected.packets.length, `maxChunk ${maxChunk}`);
    for (let i = 0; i < received.length; i++) {
      assert.deepEqual(packetBytes(received[i]), expected.packets[i]);
    }
    assert.equal(framer.droppedBytes, expected.dropped);
    // Every byte is accounted for: in a packet, dropped, or still buffered.
    const inPackets = received.reduce((sum, p) => sum + p.header.length, 0);
    assert.equal(inPackets + framer.droppedBytes + framer.bufferedBytes, stream.length);
    assert.ok(framer.bufferedBytes < 80);
  }
});

Deno.test("PacketFramer: the stream resyncs onto valid packets after garbage", () => {
  // Garbage made of bytes that can never start a plausible header anywhere near it
  // (0xff as length, 0x07/0xff reserved bits) must not swallow the following packets.
  const random = makeRandom(42);
  const sent: Uint8Array[] = [];
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 2_000; i++) {
    parts.push(new Uint8Array(1 + random(30)).fill(0xff));
    const packet = randomPacket(random);
    // Keep the packet's own early bytes implausible as a header start, too.
    packet[3] = 0xff;
    packet[2] = 0xff;
    packet[1] = 0xff;
    packet[0] = 0xff;
    sent.push(packet);
    parts.push(packet);
  }
  const framer = new PacketFramer();
  const received = feedChunked(framer, concat(parts), random, 50);
  // Element-wise: a failing deepEqual over 2,000 arrays would spend minutes rendering its diff.
  assert.equal(received.length, sent.length);
  for (let i = 0; i < sent.length; i++) {
    assert.deepEqual(packetBytes(received[i]), sent[i], `#${i}`);
  }
});
