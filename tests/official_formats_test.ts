/**
 * Cross-check of our generated codecs against Tinkerforge's official
 * JavaScript bindings (npm:tinkerforge, CC0). Every device class of the
 * package is instantiated with a recording stand-in for its IPConnection, every
 * method is called once, and the function ids, request pack formats, response
 * lengths/unpack formats, response-expected flags, callback ids/formats and
 * stream variants the bindings use are compared with what our codecs imply.
 *
 * This reads the official formats; it does not talk to any device.
 */
import assert from "node:assert/strict";
import Tinkerforge from "tinkerforge";
import { payloadSize } from "../src/tfp/payload.ts";
import { callbackByName, deviceByIdentifier, functionByName } from "../src/tfp/registry.ts";
import type { DeviceSpec, ElementSpec, PacketSpec } from "../src/tfp/spec.ts";

const LETTERS: Record<string, string> = {
  int8: "b",
  uint8: "B",
  int16: "h",
  uint16: "H",
  int32: "i",
  uint32: "I",
  int64: "q",
  uint64: "Q",
  float: "f",
  bool: "?",
  char: "c",
  string: "s",
};

/** The JS bindings' format string for an element list ('B B B', 's8 s8 c B3 B3 H', ...). */
function jsFormat(elements: readonly ElementSpec[]): string {
  return elements
    .map((e) => LETTERS[e.type] + (e.count > 1 || e.type === "string" ? String(e.count) : ""))
    .join(" ");
}

const RESPONSE_EXPECTED = { always_true: 1, true: 2, false: 3 } as const;

interface RecordedRequest {
  fid: number;
  format: string;
  responseLength: number;
  unpackFormat: string;
}

// deno-lint-ignore no-explicit-any
type AnyRecord = Record<string, any>;
// deno-lint-ignore no-explicit-any
type DeviceClass = (new (uid: string, ipcon: AnyRecord) => AnyRecord) & Record<string, any>;

/** The parts of an IPConnection a device object touches while building requests. */
function recordingIpcon(calls: RecordedRequest[]): AnyRecord {
  return {
    addDevice() {},
    sendRequest(
      _device: unknown,
      fid: number,
      _data: unknown,
      format: string,
      responseLength: number,
      unpackFormat: string,
    ) {
      calls.push({ fid, format, responseLength, unpackFormat });
    },
  };
}

/** Base-class methods of Device.js that are not device functions. */
const BASE_METHODS = new Set([
  "getDeviceOID",
  "getAPIVersion",
  "on",
  "getResponseExpected",
  "setResponseExpected",
  "setResponseExpectedAll",
  "resetStreamStateObject",
  "checkValidity",
]);

/**
 * Differences that are real: our spec files are newer than npm:tinkerforge@2.1.35
 * (generated 2024-02-27). Keys are "<device name>.<function or callback name>".
 * Each entry says why; anything else that differs fails the test.
 */
const NEWER_THAN_NPM: Readonly<Record<string, string>> = {
  // API 2.0.1 (firmware 2.0.5) added input capture; npm 2.1.35 has API 2.0.0.
  "io4_v2_bricklet.set_capture_input_callback_configuration": "added in API 2.0.1",
  "io4_v2_bricklet.get_capture_input_callback_configuration": "added in API 2.0.1",
  "io4_v2_bricklet.capture_input": "added in API 2.0.1",
  // API 2.0.1 (firmware 2.2.0); npm has API 2.0.0.
  "led_strip_v2_bricklet.start_frame": "added in API 2.0.1",
  // API 2.0.3 (firmware 2.1.0); npm has API 2.0.2.
  "nfc_bricklet.cardemu_set_tag_id": "added in API 2.0.3",
  "nfc_bricklet.cardemu_get_tag_id": "added in API 2.0.3",
  // Same API version 2.0.0 in both, but the function was added to the spec after 2024-02-27.
  "oled_128x64_v2_bricklet.write_line_2": "added to the spec after npm 2.1.35",
  "silent_stepper_v2_bricklet.set_motor_stalled_callback_configuration":
    "added to the spec after npm 2.1.35",
  // "configuraton" is the spelling of the spec itself.
  "silent_stepper_v2_bricklet.get_motor_stalled_callback_configuraton":
    "added to the spec after npm 2.1.35",
  "silent_stepper_v2_bricklet.motor_stalled": "added to the spec after npm 2.1.35",
  // npm keeps the pre-2.0.3 callback names as aliases of CALLBACK_READ (8) / CALLBACK_ERROR (9).
  "rs232_bricklet.read_callback": "backward-compatibility alias in npm of callback read",
  "rs232_bricklet.error_callback": "backward-compatibility alias in npm of callback error",
};

const usedAllowances = new Set<string>();

function allowed(key: string): boolean {
  if (!(key in NEWER_THAN_NPM)) return false;
  usedAllowances.add(key);
  return true;
}

function snake(constant: string, prefix: string): string {
  return constant.slice(prefix.length).toLowerCase();
}

function checkDevice(cls: DeviceClass, spec: DeviceSpec, problems: string[]): void {
  const calls: RecordedRequest[] = [];
  const device = new cls("2", recordingIpcon(calls));
  const where = spec.name;
  // Function ids and the formats the methods send.
  const byFid = new Map<number, RecordedRequest[]>();
  for (const [name, method] of Object.entries(device as AnyRecord)) {
    if (typeof method !== "function" || BASE_METHODS.has(name)) continue;
    calls.length = 0;
    try {
      method.apply(device, new Array(Math.max(0, method.length - 2)).fill(undefined));
    } catch {
      // High-level helpers reject dummy arguments; their low-level twins are called directly.
    }
    for (const call of calls) byFid.set(call.fid, [...(byFid.get(call.fid) ?? []), { ...call }]);
  }
  const seenFunctions = new Set<string>();
  for (const [constant, id] of Object.entries(cls)) {
    if (!constant.startsWith("FUNCTION_")) continue;
    const name = snake(constant, "FUNCTION_");
    seenFunctions.add(name);
    const ours = functionByName(spec, name);
    const key = `${where}.${name}`;
    if (ours === undefined || ours.level === "high") {
      if (!allowed(key)) problems.push(`${key}: in npm (id ${id}) but not in our codec`);
      continue;
    }
    if (ours.id !== id) problems.push(`${key}: id ${id} in npm, ${ours.id} in ours`);
    const expected: RecordedRequest = {
      fid: ours.id,
      format: jsFormat(ours.in),
      responseLength: ours.out.length === 0 ? 0 : 8 + payloadSize(ours.out),
      unpackFormat: jsFormat(ours.out),
    };
    const recorded = byFid.get(id as number);
    if (recorded === undefined) problems.push(`${key}: no method sent function id ${id}`);
    for (const call of recorded ?? []) {
      if (JSON.stringify(call) !== JSON.stringify(expected)) {
        problems.push(
          `${key}: npm sends ${JSON.stringify(call)}, ours implies ${JSON.stringify(expected)}`,
        );
      }
    }
    const flag = device.responseExpected[id as number];
    if (flag !== RESPONSE_EXPECTED[ours.responseExpected]) {
      problems.push(`${key}: response expected ${flag} in npm, "${ours.responseExpected}" in ours`);
    }
  }
  for (const fn of spec.functions) {
    const key = `${where}.${fn.name}`;
    if (fn.level !== "high" && !seenFunctions.has(fn.name) && !allowed(key)) {
      problems.push(`${key}: in our codec (id ${fn.id}) but not in npm`);
    }
  }
  checkCallbacks(cls, device, spec, problems);
}

function checkCallbacks(cls: DeviceClass, device: AnyRecord, spec: DeviceSpec, problems: string[]) {
  const seen = new Set<string>();
  for (const [constant, id] of Object.entries(cls)) {
    if (!constant.startsWith("CALLBACK_")) continue;
    const name = snake(constant, "CALLBACK_");
    seen.add(name);
    const key = `${spec.name}.${name}`;
    const ours: PacketSpec | undefined = callbackByName(spec, name);
    if (ours === undefined) {
      if (!allowed(key)) {
        problems.push(`${key}: callback in npm (id ${id}) but not in ours`);
      }
      continue;
    }
    if ((id as number) < 0) {
      // High-level callback: keyed by the negated low-level id; compare the stream variant.
      const [, options] = device.highLevelCallbacks[id as number] ?? [];
      const stream = ours.stream;
      if (ours.level !== "high" || -(id as number) !== ours.id || stream === undefined) {
        problems.push(
          `${key}: high-level callback ${id} in npm, ours is ${ours.level} id ${ours.id}`,
        );
      } else if (
        (options?.fixedLength ?? null) !== (stream.fixedLength ?? null) ||
        options?.singleChunk !== (stream.variant === "single_chunk")
      ) {
        problems.push(`${key}: stream options ${JSON.stringify(options)} in npm differ from ours`);
      }
      continue;
    }
    if (ours.id !== id) problems.push(`${key}: callback id ${id} in npm, ${ours.id} in ours`);
    const expected = [8 + payloadSize(ours.out), jsFormat(ours.out)];
    const format = device.callbackFormats[id as number];
    if (JSON.stringify(format) !== JSON.stringify(expected)) {
      problems.push(
        `${key}: callback format ${JSON.stringify(format)} in npm, ours ${
          JSON.stringify(expected)
        }`,
      );
    }
  }
  for (const callback of spec.callbacks) {
    const key = `${spec.name}.${callback.name}`;
    if (!seen.has(callback.name) && !allowed(key)) {
      problems.push(`${key}: callback in our codec (id ${callback.id}) but not in npm`);
    }
  }
}

Deno.test("every device class of the official JS bindings matches our codecs", () => {
  const problems: string[] = [];
  let checked = 0;
  for (const [className, cls] of Object.entries(Tinkerforge as Record<string, DeviceClass>)) {
    if (className === "IPConnection") continue;
    const spec = deviceByIdentifier(cls.DEVICE_IDENTIFIER);
    if (spec === undefined) {
      problems.push(`${className}: device identifier ${cls.DEVICE_IDENTIFIER} not in our codecs`);
      continue;
    }
    checkDevice(cls, spec, problems);
    checked++;
  }
  for (const key of Object.keys(NEWER_THAN_NPM)) {
    if (!usedAllowances.has(key)) problems.push(`${key}: allow-listed but no longer differs`);
  }
  assert.deepEqual(problems, [], `${problems.length} mismatches:\n${problems.join("\n")}`);
  assert.ok(checked >= 140, `checked ${checked} device classes`);
});

Deno.test("jsFormat writes the bindings' format letters", () => {
  const identity = functionByName(deviceByIdentifier(282)!, "get_identity")!;
  assert.equal(jsFormat(identity.out), "s8 s8 c B3 B3 H");
  assert.equal(
    jsFormat([
      { name: "a", type: "bool", count: 10 },
      { name: "b", type: "char", count: 60 },
      { name: "c", type: "int64", count: 1 },
      { name: "d", type: "float", count: 2 },
    ]),
    "?10 c60 q f2",
  );
});
