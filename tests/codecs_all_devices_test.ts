/**
 * Every device codec at once: structural invariants of the generated tables,
 * a round trip of every packet through the generic payload codec, and every
 * function of every device called over a real socket against the simulated
 * Brick Daemon.
 */
import assert from "node:assert/strict";
import { allDevices, deviceByIdentifier, deviceByName } from "../src/tfp/registry.ts";
import { type CodecEntry, codecs } from "../codecs/mod.ts";
import { decodePayload, encodePayload, payloadSize, type Value } from "../src/tfp/payload.ts";
import type { DeviceSpec, ElementSpec, PacketSpec, WireType } from "../src/tfp/spec.ts";
import { base58Encode, parseUid } from "../src/tfp/base58.ts";
import { TfpConnection } from "../src/tfp/connection.ts";
import { DeviceHandle, type RequestFn } from "../src/tfp/device_calls.ts";
import { TfpError } from "../src/tfp/errors.ts";
import { startSimulatedBrickd } from "../src/sim/mod.ts";
import {
  sample,
  seededRandom,
  type StringLength,
  typeRange,
  validArgs,
  type Variant,
} from "./support/element_values.ts";

const DEVICE_NAME = /^[a-z0-9]+(_[a-z0-9]+)*_(brick|bricklet|tng)$/;
const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
/** Constant symbols may start with a digit ("50hz", "2") */
const SYMBOL = /^[a-z0-9]+(_[a-z0-9]+)*$/;
const WIRE_TYPES: ReadonlySet<WireType> = new Set<WireType>([
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
  "string",
]);
const MAX_PAYLOAD = 64;
/**
 * Ranges the upstream specs give wider than the wire type (e.g. int16 with -40000..40000);
 * the codecs copy them verbatim. Any new one fails the test.
 */
const FUNCTION_GET_IDENTITY = 255;

/** Normal and low-level packets: the ones with a wire layout */
function wirePackets(packets: readonly PacketSpec[]): PacketSpec[] {
  return packets.filter((packet) => packet.level !== "high");
}

function allPackets(device: DeviceSpec): PacketSpec[] {
  return [...device.functions, ...device.callbacks];
}

function duplicates<T>(items: readonly T[]): T[] {
  const seen = new Set<T>();
  return items.filter((item) => seen.has(item) || !seen.add(item));
}

Deno.test("codecs: device identifiers and names are unique and well-formed", () => {
  assert.ok(allDevices().length > 100, `only ${allDevices().length} devices`);
  assert.deepEqual(duplicates(allDevices().map((d) => d.identifier)), []);
  assert.deepEqual(duplicates(allDevices().map((d) => d.name)), []);
  for (const device of allDevices()) {
    assert.match(device.name, DEVICE_NAME);
    const id = device.identifier;
    // The upstream "unknown" placeholders carry negative ids that never appear on the wire.
    const placeholder = id < 0 && !device.released && device.name.startsWith("unknown_");
    assert.ok(Number.isInteger(id) && (placeholder || (id > 0 && id <= 0xffff)), device.name);
  }
});

Deno.test("codecs: packet, element and constant names are snake_case", () => {
  for (const device of allDevices()) {
    for (const [group, symbols] of Object.entries(device.constants)) {
      assert.match(group, SNAKE_CASE, `${device.name} constant group`);
      for (const symbol of Object.keys(symbols)) {
        assert.match(symbol, SYMBOL, `${device.name}.${group}`);
      }
    }
    for (const packet of allPackets(device)) {
      assert.match(packet.name, SNAKE_CASE, device.name);
      for (const element of [...packet.in, ...packet.out]) {
        assert.match(element.name, SNAKE_CASE, `${device.name}.${packet.name}`);
        for (const item of element.items ?? []) {
          assert.match(item.name, SNAKE_CASE, `${device.name}.${packet.name}.${element.name}`);
        }
      }
    }
  }
});

Deno.test("codecs: wire ids are unique and every high-level packet has its low-level twin", () => {
  for (const device of allDevices()) {
    for (
      const [kind, packets] of [["function", device.functions], [
        "callback",
        device.callbacks,
      ]] as const
    ) {
      const wire = wirePackets(packets);
      assert.deepEqual(duplicates(wire.map((p) => p.id)), [], `${device.name} ${kind} ids`);
      assert.deepEqual(duplicates(packets.map((p) => p.name)), [], `${device.name} ${kind} names`);
      for (const packet of packets) {
        assert.equal(packet.kind, kind, `${device.name}.${packet.name}`);
        if (packet.kind === "callback") assert.deepEqual(packet.in, [], packet.name);
        if (packet.level !== "high") {
          assert.equal(packet.stream, undefined, `${device.name}.${packet.name}`);
          continue;
        }
        const label = `${device.name}.${packet.name}`;
        assert.ok(packet.stream, `${label} is high-level without stream metadata`);
        const twin = packets.find((p) => p.name === packet.stream!.lowLevel);
        assert.ok(twin, `${label} has no twin "${packet.stream.lowLevel}"`);
        assert.equal(twin.level, "low", label);
        assert.equal(twin.id, packet.id, label);
      }
    }
    const identity = device.functions.find((p) => p.id === FUNCTION_GET_IDENTITY);
    assert.equal(identity?.name, "get_identity", device.name);
  }
});

function checkElement(device: DeviceSpec, packet: PacketSpec, element: ElementSpec): void {
  const label = `${device.name}.${packet.name}.${element.name}`;
  assert.ok(WIRE_TYPES.has(element.type), `${label} has type "${element.type}"`);
  assert.ok(Number.isInteger(element.count) && element.count !== 0, `${label} count`);
  if (element.symbols !== undefined) {
    assert.ok(
      Object.hasOwn(device.constants, element.symbols),
      `${label} refers to missing constant group "${element.symbols}"`,
    );
  }
  const bounds = typeRange(element.type);
  if (element.range !== undefined && bounds !== undefined) {
    const [min, max] = element.range;
    assert.ok(min <= max, `${label} range ${min}..${max}`);
    const inType = bounds[0] <= min && max <= bounds[1];
    assert.ok(inType, `${label} range ${min}..${max} exceeds type`);
  }
}

Deno.test("codecs: element types, constant references and payload sizes", () => {
  for (const device of allDevices()) {
    for (const packet of allPackets(device)) {
      for (const element of [...packet.in, ...packet.out]) checkElement(device, packet, element);
      if (packet.level === "high") continue;
      for (const elements of [packet.in, packet.out]) {
        const size = payloadSize(elements);
        assert.ok(size <= MAX_PAYLOAD, `${device.name}.${packet.name}: ${size} byte payload`);
      }
    }
  }
});

Deno.test("codecs: every module in codecs/ is listed in codecs/mod.ts, under its own identity", async () => {
  const dir = new URL("../codecs/", import.meta.url);
  const listed = new Map<() => DeviceSpec, CodecEntry>(codecs.map((entry) => [entry.load, entry]));
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ts") && entry.name !== "mod.ts") {
      files.push(entry.name);
    }
  }
  assert.equal(files.length, codecs.length, "one module per device in codecs/mod.ts");
  for (const file of files) {
    const module = await import(new URL(file, dir).href);
    const entry = listed.get(module.default);
    assert.ok(entry !== undefined, `codecs/${file} is not listed in codecs/mod.ts`);
    const device = entry.load();
    assert.equal(`${device.name}.ts`, file, "module file is named after its device");
    assert.deepEqual([entry.identifier, entry.name], [device.identifier, device.name]);
    assert.equal(deviceByIdentifier(device.identifier), deviceByName(device.name));
    assert.equal(deviceByName(device.name), deviceByName(device.name), "one spec per device");
  }
});

const ROUND_TRIPS: readonly (readonly [Variant, StringLength])[] = [
  ["min", "exact"],
  ["max", "exact"],
  ["random", "short"],
  ["random", "exact"],
  ["random", "long"],
  ["random", "short"],
];

Deno.test("codecs: every normal and low-level packet round-trips through the payload codec", () => {
  const random = seededRandom(0x7f3a_2c11);
  let packets = 0, lists = 0, samples = 0;
  for (const device of allDevices()) {
    for (const packet of wirePackets(allPackets(device))) {
      packets++;
      for (const elements of [packet.in, packet.out]) {
        if (elements.length === 0) continue;
        lists++;
        for (const [variant, strings] of ROUND_TRIPS) {
          samples++;
          const { values, expected } = sample(elements, variant, strings, random);
          const label = `${device.name}.${packet.name} (${variant}, ${strings} strings)`;
          const bytes = encodePayload(elements, values);
          assert.equal(bytes.length, payloadSize(elements), label);
          const decoded = decodePayload(elements, bytes);
          assert.deepStrictEqual(decoded, expected, label);
          // Decoded values re-encode to the same bytes: no bit of the payload is lost or invented.
          assert.deepStrictEqual(encodePayload(elements, decoded), bytes, label);
        }
      }
    }
  }
  console.log(
    `round trip: ${allDevices().length} devices, ${packets} packets, ${lists} element lists, ` +
      `${samples} samples`,
  );
  assert.ok(packets > 3000, `only ${packets} packets`);
});

/**
 * On real hardware these reboot the device, replace its firmware or change its UID, so any
 * later call in the sweep would go to a device that is gone or different.
 */
const EXCLUDED_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ["reset", "reboots the device"],
  ["set_bootloader_mode", "switches to the bootloader: normal functions stop answering"],
  ["copy_firmware", "copies a firmware image and reboots (TNG)"],
  ["set_write_firmware_pointer", "part of a firmware upload"],
  ["write_firmware", "overwrites the firmware"],
  ["write_uid", "changes the UID every later request is addressed to"],
  ["factory_reset", "wipes the configuration and reboots"],
  ["start_wifi2_bootloader", "puts the WIFI Extension 2.0 into its bootloader"],
  ["write_bricklet_plugin", "overwrites a Bricklet's plugin firmware"],
]);
const CONCURRENCY = 15;
const SWEEP_TIMEOUT_MS = 5000;

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `tasks` with at most `limit` in flight. */
async function runBounded(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

interface Call {
  readonly device: DeviceSpec;
  readonly handle: DeviceHandle;
  readonly uidText: string;
  readonly fn: PacketSpec;
  readonly args: Record<string, Value>;
}

Deno.test("codecs: every function of every device answers a simulated brickd over TCP", async () => {
  // The "unknown_*" placeholders have no wire identifier, so no brickd can host them.
  const devices = allDevices().filter((device) => device.identifier > 0);
  const uids = devices.map((_, index) => base58Encode(1000 + index));
  const brickd = await startSimulatedBrickd({
    seed: 0x5eed,
    devices: devices.map((device, index) => ({ type: device.name, uid: uids[index] })),
  });
  const connection = new TfpConnection({ host: "127.0.0.1", port: brickd.port });
  const started = performance.now();
  try {
    await connection.connect();
    const enumerated = new Map<string, number>();
    let allEnumerated!: () => void;
    const complete = new Promise<void>((resolve) => allEnumerated = resolve);
    const off = connection.on("enumerate", (event) => {
      enumerated.set(event.uid, event.deviceIdentifier);
      if (enumerated.size === devices.length) allEnumerated();
    });
    await connection.enumerate();
    await withDeadline(complete, SWEEP_TIMEOUT_MS, `${devices.length} enumerate callbacks`);
    off();
    devices.forEach((device, i) => assert.equal(enumerated.get(uids[i]), device.identifier));

    const request: RequestFn = (uid, fid, payload, options) =>
      connection.request(uid, fid, payload, options);
    // Arguments are drawn up front so they do not depend on the order responses arrive in.
    const random = seededRandom(0x1dea_5eed);
    const calls: Call[] = [];
    const excluded = new Set<string>();
    devices.forEach((device, i) => {
      const handle = new DeviceHandle(request, parseUid(uids[i]), device);
      handle.setResponseExpectedAll(true);
      for (const fn of wirePackets(device.functions)) {
        if (EXCLUDED_FUNCTIONS.has(fn.name)) {
          excluded.add(fn.name);
          continue;
        }
        const args = validArgs(device, fn.in, random);
        calls.push({ device, handle, uidText: uids[i], fn, args });
      }
    });
    const invalid: string[] = [];
    const failures: string[] = [];
    await runBounded(
      calls.map(({ device, handle, uidText, fn, args }) => async () => {
        const label = `${device.name}.${fn.name}`;
        try {
          const result = await handle.call(fn.name, args, { timeoutMs: SWEEP_TIMEOUT_MS });
          // call() already rejects a response whose length is not payloadSize(fn.out).
          if (result === undefined) failures.push(`${label}: no response`);
          else if (fn.id === FUNCTION_GET_IDENTITY) {
            assert.equal(result.uid, uidText, label);
            assert.equal(result.device_identifier, device.identifier, label);
          }
        } catch (error) {
          if (error instanceof TfpError && error.code === "invalid_parameter") {
            invalid.push(`${label} ${showArgs(args)}`);
          } else failures.push(`${label}: ${error instanceof Error ? error.message : error}`);
        }
      }),
      CONCURRENCY,
    );
    const ms = Math.round(performance.now() - started);
    console.log(
      `end to end: ${devices.length} devices, ${calls.length} functions called in ${ms} ms, ` +
        `${failures.length} failures, ${invalid.length} answered invalid parameter; ` +
        `excluded: ${[...excluded].map((n) => `${n} (${EXCLUDED_FUNCTIONS.get(n)})`).join(", ")}`,
    );
    for (const line of invalid) console.log(`  invalid parameter: ${line}`);
    assert.deepEqual(failures, []);
    assert.equal(connection.inFlight, 0);
    // Exactly one response per call: nothing answered twice, nothing lost.
    assert.equal(brickd.stats.responses, calls.length);
  } finally {
    await connection.close();
    await brickd.stop();
  }
});

function showArgs(args: Record<string, unknown>): string {
  return JSON.stringify(args, (_, v) => typeof v === "bigint" ? `${v}n` : v);
}
