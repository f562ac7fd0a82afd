import assert from "node:assert/strict";
import { join, toFileUrl } from "../src/deps/path.ts";
import type { DeviceSpec } from "../src/tfp/spec.ts";
import { checkDevice, checkDevices, elementsSize } from "./codec_checks.ts";
import { mapDevice, snakeCase } from "./codec_mapping.ts";
import { GENERATED_HEADER } from "./codec_render.ts";
import { readSourceDevice } from "./codec_source.ts";
import { generateCodecs } from "./gen_codecs.ts";

type Json = Record<string, unknown>;

/** One extra entry in the spec's JSON shape; fields override the defaults */
function extra(fields: Json = {}): Json {
  return {
    index: null,
    name: "X",
    scale: { numerator: 1, denominator: 1 },
    unit: null,
    range: "type",
    default: null,
    constant_group: null,
    ...fields,
  };
}

function element(
  name: string,
  type: string,
  cardinality: number,
  direction: "in" | "out",
  fields: Json = {},
): Json {
  return { name, type, cardinality, direction, role: null, extra: [extra({ name })], ...fields };
}

function packet(name: string, id: number, elements: Json[], fields: Json = {}): Json {
  return {
    type: "function",
    level: "normal",
    name,
    function_id: id,
    response_expected: "always_true",
    doc: { type: "bf", text: "" },
    elements,
    ...fields,
  };
}

function deviceJson(packets: Json[], fields: Json = {}): Json {
  return {
    device_identifier: 4242,
    name: "Test Thing",
    display_name: { short: "Test Thing", long: "Test Thing Bricklet" },
    category: "Bricklet",
    released: true,
    api_version: [2, 0, 1],
    packets,
    ...fields,
  };
}

function map(packets: Json[], fields: Json = {}): DeviceSpec {
  return mapDevice(readSourceDevice(deviceJson(packets, fields)));
}

const onOff = (names: [string, string]) => ({
  name: "Switch State",
  constants: [{ name: names[0], value: 0 }, { name: names[1], value: 1 }],
});

Deno.test("snakeCase() lowercases and joins words with underscores", () => {
  assert.equal(snakeCase("Show Heartbeat"), "show_heartbeat");
  assert.equal(snakeCase("64000Lux"), "64000lux");
  assert.equal(snakeCase("2G"), "2g");
  assert.equal(snakeCase("Industrial Dual 0 20mA"), "industrial_dual_0_20ma");
  assert.throws(() => snakeCase("Foo-Bar"), { name: "SyntaxError", message: /"Foo-Bar"/ });
});

Deno.test("mapDevice() maps device fields and element metadata", () => {
  const temperature = element("Temperature", "int16", 1, "out");
  temperature.extra = [extra({
    name: "Temperature",
    scale: { numerator: 1, denominator: 100 },
    unit: { title: "Degree Celsius", symbol: "°C", usage: "Temperature", sequence: "" },
    range: [{ minimum: -4500, maximum: 0 }, { minimum: 10, maximum: 13000 }],
  })];
  const state = element("State", "uint8", 1, "in");
  state.extra = [extra({ name: "State", default: 1, constant_group: onOff(["Off", "On"]) })];
  const option = element("Option", "char", 1, "in");
  option.extra = [extra({ name: "Option", range: [{ minimum: "a", maximum: "h" }] })];
  const device = map([packet("Get Temperature", 1, [state, option, temperature])]);
  assert.equal(device.name, "test_thing_bricklet");
  assert.equal(device.displayName, "Test Thing Bricklet");
  assert.deepEqual(device.apiVersion, [2, 0, 1]);
  assert.deepEqual(device.constants, { switch_state: { off: 0, on: 1 } });
  const [fn] = device.functions;
  assert.deepEqual(fn.in, [
    { name: "state", type: "uint8", count: 1, symbols: "switch_state", default: 1 },
    { name: "option", type: "char", count: 1 },
  ]);
  assert.deepEqual(fn.out, [{
    name: "temperature",
    type: "int16",
    count: 1,
    scale: [1, 100],
    unit: "°C",
    unitTitle: "Degree Celsius",
    range: [-4500, 13000],
  }]);
});

Deno.test("mapDevice() gives per-index items only where they differ", () => {
  const stats = element("Stats", "uint16", 2, "out");
  stats.extra = [
    extra({
      index: 0,
      name: "Mean Temperature",
      scale: "dynamic",
      unit: { title: "K", symbol: "K" },
    }),
    extra({ index: 1, name: "Pixel Count" }),
  ];
  const [fn] = map([packet("Get Stats", 1, [stats])]).functions;
  assert.deepEqual(fn.out[0].items, [
    { name: "mean_temperature" },
    { name: "pixel_count", scale: [1, 1], unit: "" },
  ]);
  assert.equal(fn.out[0].scale, "dynamic");
});

function streamPackets(lowRoles: [string, string, number][], dataCount: number): Json[] {
  const low = lowRoles.map(([name, role, count]) =>
    element(name, role === "stream_chunk_data" ? "uint8" : "uint16", count, "in", { role })
  );
  const data = element("Data", "uint8", dataCount, "in", { role: "stream_data" });
  return [
    packet("Send Low Level", 3, low, { level: "low" }),
    packet("Send", 3, [data], { level: "high" }),
  ];
}

Deno.test("mapDevice() derives the three stream variants from the low-level twin", () => {
  const variable = map(streamPackets([
    ["Data Length", "stream_length", 1],
    ["Data Chunk Offset", "stream_chunk_offset", 1],
    ["Data Chunk Data", "stream_chunk_data", 60],
    ["Data Chunk Written", "stream_chunk_written", 1],
  ], -1000)).functions[1];
  assert.deepEqual(variable.stream, {
    direction: "in",
    variant: "variable",
    data: "data",
    chunkSize: 60,
    maxLength: 1000,
    shortWrite: true,
    lowLevel: "send_low_level",
  });
  const fixed = map(streamPackets([
    ["Data Chunk Offset", "stream_chunk_offset", 1],
    ["Data Chunk Data", "stream_chunk_data", 62],
  ], 4800)).functions[1];
  assert.equal(fixed.stream?.variant, "fixed_length");
  assert.equal(fixed.stream?.fixedLength, 4800);
  assert.deepEqual(Object.keys(fixed.stream ?? {}).slice(4, 6), ["maxLength", "fixedLength"]);
  const single = map(streamPackets([
    ["Data Length", "stream_length", 1],
    ["Data Chunk Data", "stream_chunk_data", 15],
  ], -15)).functions[1];
  assert.equal(single.stream?.variant, "single_chunk");
  assert.equal(single.stream?.shortWrite, false);
});

Deno.test("mapDevice() fails when a high-level packet has no low-level twin", () => {
  const [, high] = streamPackets([["Data Chunk Data", "stream_chunk_data", 15]], 15);
  assert.throws(() => map([high]), /Packet "Send": High-level packet has 0 low-level twins/);
});

Deno.test("mapDevice() fails when constants of one group collide after lowercasing", () => {
  const state = element("State", "uint8", 1, "out");
  state.extra = [extra({ constant_group: onOff(["On", "ON"]) })];
  assert.throws(() => map([packet("Get State", 1, [state])]), /symbol "on" twice/);
});

Deno.test("mapDevice() fails when a constant group is defined twice differently", () => {
  const a = element("State", "uint8", 1, "out");
  a.extra = [extra({ constant_group: onOff(["Off", "On"]) })];
  const b = element("State", "uint8", 1, "out");
  b.extra = [extra({ constant_group: onOff(["Low", "High"]) })];
  assert.throws(
    () => map([packet("Get A", 1, [a]), packet("Get B", 2, [b])]),
    /"Switch State" is defined twice with different content/,
  );
});

Deno.test("readSourceDevice() names the malformed field", () => {
  assert.throws(
    () => readSourceDevice(deviceJson([packet("Get X", "1" as unknown as number, [])])),
    {
      name: "SyntaxError",
      message: 'Field "packets[0].function_id" must be an integer, got "1"',
    },
  );
  assert.throws(() => map([packet("Get X", 1, [element("X", "int128", 1, "out")])]), {
    message: /Unknown element type "int128"/,
  });
});

Deno.test("elementsSize() packs bool arrays into bits", () => {
  const size = elementsSize(
    map([packet("Get X", 1, [
      element("Flags", "bool", 13, "out"),
      element("Flag", "bool", 1, "out"),
      element("Name", "string", 10, "out"),
      element("Values", "int64", 2, "out"),
      element("Ratio", "float", 1, "out"),
    ])]).functions[0].out,
  );
  assert.equal(size, 2 + 1 + 10 + 16 + 4);
});

Deno.test("checkDevice() fails on reused wire ids and oversized payloads", () => {
  const reused = map([packet("Get A", 1, []), packet("Get B", 1, [])]);
  assert.throws(() => checkDevice(reused), /function "get_b" reuses id 1/);
  const big = map([packet("Get Big", 1, [element("Data", "uint8", 65, "out")])]);
  assert.throws(() => checkDevice(big), /65-byte response, limit is 64/);
  const fits = map([packet("Get Big", 1, [element("Data", "uint8", 64, "in")])]);
  checkDevice(fits);
});

Deno.test("checkDevices() fails on a shared device identifier", () => {
  const a = map([], { name: "A" });
  const b = map([], { name: "B" });
  assert.throws(() => checkDevices([a, b]), /"a_bricklet" and "b_bricklet" share identifier 4242/);
});

Deno.test("generateCodecs() writes modules and removes only stale generated files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tfedge_gen_" });
  try {
    const specDir = join(dir, "specs");
    const outDir = join(dir, "out");
    await Deno.mkdir(specDir);
    await Deno.mkdir(outDir);
    await Deno.writeTextFile(join(specDir, "README.md"), "not a spec");
    await Deno.writeTextFile(
      join(specDir, "bricklet_test_thing.json"),
      JSON.stringify(deviceJson([packet("Get Value", 1, [element("Value", "uint8", 1, "out")])])),
    );
    await Deno.writeTextFile(join(outDir, "gone_bricklet.ts"), `${GENERATED_HEADER}\n`);
    await Deno.writeTextFile(join(outDir, "hand_written.ts"), "export {};\n");
    const result = await generateCodecs(specDir, outDir);
    assert.deepEqual(result.files, ["test_thing_bricklet.ts", "mod.ts"]);
    assert.deepEqual(result.removed, ["gone_bricklet.ts"]);
    const names = [...Deno.readDirSync(outDir)].map((entry) => entry.name).sort();
    assert.deepEqual(names, ["hand_written.ts", "mod.ts", "test_thing_bricklet.ts"]);
    const module = await Deno.readTextFile(join(outDir, "test_thing_bricklet.ts"));
    assert.match(module, /^\/\/ Generated by scripts\/gen_codecs\.ts/);
    assert.match(
      module,
      /export default function device\(\): DeviceSpec \{\n {2}return \{\n {4}identifier: 4242,/,
    );
    const index = await import(toFileUrl(join(outDir, "mod.ts")).href);
    const [entry, ...more] = index.codecs;
    assert.deepEqual([entry.identifier, entry.name, more.length], [4242, "test_thing_bricklet", 0]);
    assert.equal(entry.load().functions[0].name, "get_value", "the index builds the spec");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generateCodecs() fails clearly when the spec directory is missing", async () => {
  await assert.rejects(
    () => generateCodecs("does/not/exist", "unused"),
    { message: 'Spec directory "does/not/exist" does not exist' },
  );
});
