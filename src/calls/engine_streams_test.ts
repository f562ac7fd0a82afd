/**
 * High-level (streamed) calls of spec §5 and the engine's concurrency rules,
 * against the simulated brickd over a real TfpConnection.
 */
import assert from "node:assert/strict";
import { withBench } from "./engine_test_helper.ts";

const LED = "led_strip_v2_bricklet";
const RS232 = "rs232_v2_bricklet";
const BUTTON = "rgb_led_button_bricklet";
const NOTHING = "<nothing>";

/** 150 LED values: i % 256. */
const LED_VALUES = Array.from({ length: 150 }, (_, i) => i % 256);

Deno.test("stream in with short write: message-written, also for an empty list", async () => {
  await withBench({}, async ({ ask }) => {
    assert.equal(
      await ask(RS232, "Rs2", "write", '{"message": ["a", "b", "c", "d"]}'),
      '{"message-written": 4}',
    );
    assert.equal(await ask(RS232, "Rs2", "write", '{"message": []}'), '{"message-written": 0}');
    const long = JSON.stringify({ message: Array.from({ length: 130 }, () => "x") });
    assert.equal(await ask(RS232, "Rs2", "write", long), '{"message-written": 130}');
    // The simulator loops RS232 back: read collects what was written, as a list of chars.
    assert.equal(
      await ask(RS232, "Rs2", "read", '{"length": 4}'),
      '{"message": ["a", "b", "c", "d"]}',
    );
  });
});

Deno.test("LED strip: set_led_values publishes nothing, get_led_values collects 3 chunks", async () => {
  await withBench({}, async ({ ask }) => {
    const set = JSON.stringify({ index: 0, value: LED_VALUES });
    assert.equal(await ask(LED, "Led", "set_led_values", set), NOTHING);
    assert.equal(
      await ask(LED, "Led", "get_led_values", '{"index": 0, "length": 150}'),
      `{"value": [${LED_VALUES.join(", ")}]}`,
    );
    assert.equal(
      await ask(LED, "Led", "get_led_values", '{"length": 9, "index": 3}'),
      `{"value": [${LED_VALUES.slice(3, 12).join(", ")}]}`,
    );
    assert.equal(
      await ask(LED, "Led", "get_led_values", '{"index": 0, "length": 0}'),
      '{"value": []}',
    );
    // Integers as strings and symbols work for non-stream arguments (the reference fails here).
    assert.equal(
      await ask(LED, "Led", "get_led_values", '{"index": "0", "length": "0x3"}'),
      '{"value": [0, 1, 2]}',
    );
    // Strings inside the stream list are converted too.
    await ask(LED, "Led", "set_led_values", '{"index": 0, "value": ["7", "0x8", 9]}');
    assert.equal(
      await ask(LED, "Led", "get_led_values", '{"index": 0, "length": 3}'),
      '{"value": [7, 8, 9]}',
    );
  });
});

Deno.test("out-of-sync stream: the rest is drained, result keys null, no tail", async () => {
  await withBench({}, async ({ ask, brickd }) => {
    await ask(LED, "Led", "set_led_values", JSON.stringify({ index: 0, value: LED_VALUES }));
    // A low-level read moves the device's stream position, so the next high-level read
    // starts at offset 60 instead of 0.
    const first = JSON.parse(
      await ask(LED, "Led", "get_led_values_low_level", '{"index": 0, "length": 150}'),
    );
    assert.equal(first.value_chunk_offset, 0);
    const before = brickd.stats.requests;
    assert.equal(
      await ask(LED, "Led", "get_led_values", '{"index": 0, "length": 150}'),
      '{"value": null, "_ERROR": "Stream is out-of-sync"}',
    );
    assert.equal(brickd.stats.requests - before, 2, "chunk at 60, then the drain read at 120");
    // Drained: the next read is in sync again.
    assert.equal(
      await ask(LED, "Led", "get_led_values", '{"index": 0, "length": 150}'),
      `{"value": [${LED_VALUES.join(", ")}]}`,
    );
  });
});

Deno.test("calls to different UIDs run concurrently (no global serialisation)", async () => {
  await withBench({}, async ({ start }) => {
    let missingDone = false;
    const missing = start(BUTTON, "JxZpR3a5ZrD", "get_color").then((answer) => {
      missingDone = true;
      return answer;
    });
    assert.equal(await start(BUTTON, "Dod", "get_color"), '{"red": 0, "green": 0, "blue": 0}');
    assert.equal(missingDone, false, "the present device answered while the missing one waited");
    assert.match(await missing, /function 255 in time/);
  });
});

Deno.test("calls to the same UID run in arrival order", async () => {
  await withBench({}, async ({ start }) => {
    // The write takes three acknowledged chunks; the low-level read of the last chunk's
    // LEDs must not overtake it.
    const write = start(
      LED,
      "Led",
      "set_led_values",
      JSON.stringify({ index: 0, value: LED_VALUES }),
    );
    const read = start(LED, "Led", "get_led_values_low_level", '{"index": 120, "length": 30}');
    const setColors = [1, 2, 3].map((n) =>
      start(BUTTON, "Dod", "set_color", `{"red": ${n}, "green": 0, "blue": 0}`)
    );
    const color = start(BUTTON, "Dod", "get_color");
    assert.equal(await write, NOTHING);
    const chunk = JSON.parse(await read);
    assert.deepEqual(chunk.value_chunk_data.slice(0, 30), LED_VALUES.slice(120));
    assert.deepEqual(await Promise.all(setColors), [NOTHING, NOTHING, NOTHING]);
    assert.equal(await color, '{"red": 3, "green": 0, "blue": 0}');
  });
});

Deno.test("stream calls: response expected off for the chunks still sends all data", async () => {
  await withBench({}, async ({ ask, brickd }) => {
    const before = brickd.stats.responses;
    const set = JSON.stringify({ index: 0, value: LED_VALUES, _response_expected: false });
    assert.equal(await ask(LED, "Led", "set_led_values", set), NOTHING);
    assert.equal(brickd.stats.responses - before, 1, "only the identity check was answered");
    assert.equal(
      await ask(LED, "Led", "get_led_values", '{"index": 140, "length": 10}'),
      `{"value": [${LED_VALUES.slice(140).join(", ")}]}`,
    );
  });
});
