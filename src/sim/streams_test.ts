import assert from "node:assert/strict";
import type { Value } from "../tfp/payload.ts";
import { callbackByName, deviceByName, functionByName } from "../tfp/registry.ts";
import { createRandom } from "./readings.ts";
import { DeviceStreams, readerNameFor, streamCallbackChunks } from "./streams.ts";

function streams(name: string, deliver: (name: string, data: Value[]) => boolean = () => false) {
  const device = deviceByName(name)!;
  const s = new DeviceStreams(device, {
    random: createRandom(4),
    evaluate: (fn) =>
      Object.fromEntries(
        fn.out.filter((e) => e.role === undefined).map((
          e,
        ) => [e.name, e.type === "bool" ? true : 0]),
      ),
    deliver,
  });
  const call = (fn: string, request: Record<string, Value>) =>
    s.call(functionByName(device, fn)!, request);
  return { s, call, device };
}

Deno.test("readerNameFor pairs writers with readers", () => {
  assert.equal(readerNameFor("write"), "read");
  assert.equal(readerNameFor("set_led_values"), "get_led_values");
  assert.equal(readerNameFor("reader_write_ndef"), "reader_read_ndef");
  assert.equal(readerNameFor("write_frame"), "read_frame");
  assert.equal(readerNameFor("draw"), undefined);
});

Deno.test("fixed-length stream out serves 4800 pixels with increasing offsets", () => {
  const { call, s } = streams("thermal_imaging_bricklet");
  const pixels: Value[] = [];
  for (let i = 0; i < 78; i++) {
    const out = call("get_high_contrast_image_low_level", {});
    assert.equal(out.image_chunk_offset, i * 62);
    pixels.push(...(out.image_chunk_data as Value[]));
  }
  assert.equal(pixels.length, 78 * 62);
  assert.equal(
    call("get_high_contrast_image_low_level", {}).image_chunk_offset,
    0,
    "a new image starts",
  );
  s.setData("get_high_contrast_image", new Array(4800).fill(7));
  for (let i = 0; i < 78; i++) call("get_high_contrast_image_low_level", {}); // finish the running image
  assert.deepEqual(
    (call("get_high_contrast_image_low_level", {}).image_chunk_data as Value[]).slice(0, 3),
    [7, 7, 7],
  );
  assert.throws(() => s.setData("nothing", []), /no stream-out function "nothing"/);
});

Deno.test("stream in: short write counts, out-of-order chunks are dropped", () => {
  const { call, s } = streams("rs232_v2_bricklet");
  const chunk = (text: string) => [...text.padEnd(60, "\0")];
  const first = call("write_low_level", {
    message_length: 70,
    message_chunk_offset: 0,
    message_chunk_data: chunk("a".repeat(60)),
  });
  assert.equal(first.message_chunk_written, 60);
  const wrong = call("write_low_level", {
    message_length: 70,
    message_chunk_offset: 30,
    message_chunk_data: chunk("b"),
  });
  assert.equal(wrong.message_chunk_written, 0);
  const last = call("write_low_level", {
    message_length: 70,
    message_chunk_offset: 60,
    message_chunk_data: chunk("c".repeat(10)),
  });
  assert.equal(last.message_chunk_written, 10);
  assert.equal((s.getData("read") ?? []).join(""), "a".repeat(60) + "c".repeat(10));
});

Deno.test("stream in goes to an enabled callback instead of the FIFO", () => {
  const delivered: [string, Value[]][] = [];
  const { call, s } = streams("rs232_v2_bricklet", (name, data) => {
    delivered.push([name, data]);
    return true;
  });
  call("write_low_level", {
    message_length: 2,
    message_chunk_offset: 0,
    message_chunk_data: [..."hi".padEnd(60, "\0")],
  });
  assert.deepEqual(delivered, [["read", ["h", "i"]]]);
  assert.equal(s.getData("read"), undefined);
});

Deno.test("single-chunk stream in and out (CAN 2.0 frames)", () => {
  const { call, s } = streams("can_v2_bricklet");
  const data = [1, 2, 3, ...new Array(12).fill(0)];
  call("write_frame_low_level", { frame_type: 0, identifier: 5, data_length: 3, data_data: data });
  assert.deepEqual(s.getData("read_frame"), [1, 2, 3]);
  const out = call("read_frame_low_level", {});
  assert.equal(out.data_length, 3);
  assert.deepEqual((out.data_data as Value[]).slice(0, 4), [1, 2, 3, 0]);
});

Deno.test("streamCallbackChunks pads the last chunk and rejects oversized data", () => {
  const device = deviceByName("rs232_v2_bricklet")!;
  const high = callbackByName(device, "read")!;
  const low = callbackByName(device, "read_low_level")!;
  const chunks = streamCallbackChunks(device, high, low, [..."abc"]);
  assert.equal(chunks.length, 1);
  assert.deepEqual((chunks[0].message_chunk_data as Value[]).slice(0, 4), ["a", "b", "c", "\0"]);
  const empty = streamCallbackChunks(device, high, low, []);
  assert.deepEqual([empty.length, empty[0].message_length], [1, 0]);
  assert.throws(
    () => streamCallbackChunks(device, high, low, new Array(70000).fill("x")),
    /at most 65535/,
  );
});
