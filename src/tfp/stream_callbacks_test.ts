import assert from "node:assert/strict";
import type { Value } from "./payload.ts";
import { callbackByName, deviceByName } from "./registry.ts";
import type { DeviceSpec } from "./spec.ts";
import { StreamCallbackAssembler } from "./stream_callbacks.ts";

function device(name: string): DeviceSpec {
  const found = deviceByName(name);
  assert.ok(found, `device "${name}" exists`);
  return found;
}

function assembler(deviceName: string, callbackName: string): StreamCallbackAssembler {
  const spec = device(deviceName);
  const callback = callbackByName(spec, callbackName);
  assert.ok(callback, `callback "${callbackName}" exists`);
  return new StreamCallbackAssembler(spec, callback);
}

const chars = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => String.fromCharCode(97 + (from + i) % 26));

/** One RS232 2.0 `read_low_level` callback: chunk of `message` at `offset`, padded to 60. */
function rs232Chunk(message: Value[], offset: number) {
  const data = message.slice(offset, offset + 60);
  while (data.length < 60) data.push("\0");
  return { message_length: message.length, message_chunk_offset: offset, message_chunk_data: data };
}

Deno.test("chunks in order complete the stream on the last chunk", () => {
  const rs232 = assembler("rs232_v2_bricklet", "read");
  const message = chars(150);
  assert.equal(rs232.push(rs232Chunk(message, 0)), undefined);
  assert.equal(rs232.inProgress, true);
  assert.equal(rs232.push(rs232Chunk(message, 60)), undefined);
  assert.deepEqual(rs232.push(rs232Chunk(message, 120)), { complete: { message } });
  assert.equal(rs232.inProgress, false);
  // The next stream starts from scratch.
  assert.equal(rs232.push(rs232Chunk(message, 0)), undefined);
});

Deno.test("a stream that fits one chunk is delivered at once, also when empty", () => {
  const rs232 = assembler("rs232_v2_bricklet", "read");
  const message = chars(60);
  assert.deepEqual(rs232.push(rs232Chunk(message, 0)), { complete: { message } });
  assert.deepEqual(rs232.push(rs232Chunk([], 0)), { complete: { message: [] } });
  assert.deepEqual(rs232.push(rs232Chunk(chars(5), 0)), { complete: { message: chars(5) } });
});

Deno.test("chunks of a stream whose start was missed are ignored", () => {
  const rs232 = assembler("rs232_v2_bricklet", "read");
  const missed = chars(180);
  assert.equal(rs232.push(rs232Chunk(missed, 60)), undefined);
  assert.equal(rs232.push(rs232Chunk(missed, 120)), undefined);
  assert.equal(rs232.inProgress, false);
  const next = chars(70, 3);
  assert.equal(rs232.push(rs232Chunk(next, 0)), undefined);
  assert.deepEqual(rs232.push(rs232Chunk(next, 60)), { complete: { message: next } });
});

Deno.test("an offset jump is reported out of sync and the offending chunk is discarded", () => {
  const rs232 = assembler("rs232_v2_bricklet", "read");
  const message = chars(200);
  assert.equal(rs232.push(rs232Chunk(message, 0)), undefined);
  assert.deepEqual(rs232.push(rs232Chunk(message, 120)), { outOfSync: true });
  assert.equal(rs232.inProgress, false);
  // The rest of the broken stream is a tail now.
  assert.equal(rs232.push(rs232Chunk(message, 180)), undefined);
  assert.equal(rs232.inProgress, false);
});

Deno.test("a new start while a stream is in progress is out of sync and not started", () => {
  const rs232 = assembler("rs232_v2_bricklet", "read");
  const first = chars(150);
  const second = chars(100, 5);
  assert.equal(rs232.push(rs232Chunk(first, 0)), undefined);
  assert.deepEqual(rs232.push(rs232Chunk(second, 0)), { outOfSync: true });
  assert.equal(rs232.push(rs232Chunk(second, 60)), undefined); // tail of the discarded start
  assert.equal(rs232.inProgress, false);
});

Deno.test("fixed-length streams use the constant length (thermal image, 78 chunks)", () => {
  const thermal = assembler("thermal_imaging_bricklet", "high_contrast_image");
  const image = Array.from({ length: 4800 }, (_, i) => i % 256);
  let result;
  for (let offset = 0; offset < 4800; offset += 62) {
    assert.equal(result, undefined, `nothing delivered before offset ${offset}`);
    const chunk = image.slice(offset, offset + 62);
    while (chunk.length < 62) chunk.push(0);
    result = thermal.push({ image_chunk_offset: offset, image_chunk_data: chunk });
  }
  assert.deepEqual(result, { complete: { image } });
});

Deno.test("single-chunk callbacks have an implicit offset 0 and keep their other values", () => {
  const can = assembler("can_v2_bricklet", "frame_read");
  const data = [1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const values = { frame_type: 1, identifier: 0x55, data_length: 4, data_data: data };
  assert.deepEqual(can.push(values), {
    complete: { frame_type: 1, identifier: 0x55, data: [1, 2, 3, 4] },
  });
  assert.deepEqual(can.push({ ...values, data_length: 0 }), {
    complete: { frame_type: 1, identifier: 0x55, data: [] },
  });
});

Deno.test("non-stream values come from the chunk that completed the stream", () => {
  const extras = assembler("stream_test_bricklet", "normal_read_extra_full");
  const message = chars(100);
  const chunk = (offset: number, extra: number) => {
    const data = message.slice(offset, offset + 56);
    while (data.length < 56) data.push("\0");
    return {
      extra_1: extra,
      message_length: 100,
      extra_2: extra + 1,
      message_chunk_offset: offset,
      extra_3: extra + 2,
      message_chunk_data: data,
      extra_4: extra + 3,
    };
  };
  assert.equal(extras.push(chunk(0, 10)), undefined);
  assert.deepEqual(extras.push(chunk(56, 20)), {
    complete: { extra_1: 20, extra_2: 21, extra_3: 22, message, extra_4: 23 },
  });
});

Deno.test("reset() drops a stream in progress", () => {
  const rs232 = assembler("rs232_v2_bricklet", "read");
  const message = chars(100);
  rs232.push(rs232Chunk(message, 0));
  rs232.reset();
  assert.equal(rs232.push(rs232Chunk(message, 60)), undefined);
  assert.equal(rs232.inProgress, false);
});

Deno.test("bad construction and malformed values give clear errors", () => {
  const rs232 = device("rs232_v2_bricklet");
  const lowLevel = callbackByName(rs232, "read_low_level")!;
  assert.throws(() => new StreamCallbackAssembler(rs232, lowLevel), {
    name: "TypeError",
    message: '"read_low_level" is not a high-level callback',
  });
  const assembled = assembler("rs232_v2_bricklet", "read");
  assert.throws(() => assembled.push({ message_length: 3 }), TypeError);
});
