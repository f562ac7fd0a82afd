/**
 * Reads one Tinkerforge JSON device spec into typed records, checking the
 * shape on the way so a malformed file fails with the path of the bad field
 * instead of producing a broken codec.
 *
 * @module
 */

/** One per-index (or whole-element) metadata entry of an element. */
export interface SourceExtra {
  readonly index: number | null;
  readonly name: string;
  readonly scale: { readonly numerator: number; readonly denominator: number } | "dynamic";
  readonly unit: { readonly symbol: string; readonly title: string } | null;
  /** "type", "constants", "dynamic", null, or explicit ranges */
  readonly range:
    | string
    | null
    | readonly { readonly minimum: unknown; readonly maximum: unknown }[];
  readonly default: unknown;
  readonly constantGroup: SourceConstantGroup | null;
}

export interface SourceConstantGroup {
  readonly name: string;
  readonly constants: readonly { readonly name: string; readonly value: unknown }[];
}

export interface SourceElement {
  readonly name: string;
  readonly type: string;
  readonly cardinality: number;
  readonly direction: "in" | "out";
  readonly role: string | null;
  readonly extra: readonly SourceExtra[];
}

export interface SourcePacket {
  readonly type: "function" | "callback";
  readonly level: string;
  readonly name: string;
  readonly functionId: number;
  readonly responseExpected: string;
  readonly docType: string;
  readonly elements: readonly SourceElement[];
}

export interface SourceDevice {
  readonly identifier: number;
  readonly name: string;
  readonly displayName: string;
  readonly category: string;
  readonly released: boolean;
  readonly apiVersion: readonly [number, number, number];
  readonly packets: readonly SourcePacket[];
}

type Json = Record<string, unknown>;

function fail(path: string, expected: string, value: unknown): never {
  throw new SyntaxError(`Field "${path}" must be ${expected}, got ${JSON.stringify(value)}`);
}

function record(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(path, "an object", value);
  }
  return value as Json;
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, "an array", value);
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== "string") fail(path, "a string", value);
  return value;
}

function integer(value: unknown, path: string): number {
  if (!Number.isSafeInteger(value)) fail(path, "an integer", value);
  return value as number;
}

function nullableText(value: unknown, path: string): string | null {
  return value === null ? null : text(value, path);
}

function readScale(value: unknown, path: string): SourceExtra["scale"] {
  if (value === "dynamic") return value;
  const scale = record(value, path);
  const numerator = integer(scale.numerator, `${path}.numerator`);
  const denominator = integer(scale.denominator, `${path}.denominator`);
  if (denominator === 0) fail(`${path}.denominator`, "non-zero", denominator);
  return { numerator, denominator };
}

function readUnit(value: unknown, path: string): SourceExtra["unit"] {
  if (value === null) return null;
  const unit = record(value, path);
  return { symbol: text(unit.symbol, `${path}.symbol`), title: text(unit.title, `${path}.title`) };
}

function readRange(value: unknown, path: string): SourceExtra["range"] {
  if (value === null || typeof value === "string") return value;
  return list(value, path).map((entry, i) => {
    const range = record(entry, `${path}[${i}]`);
    return { minimum: range.minimum, maximum: range.maximum };
  });
}

function readConstantGroup(value: unknown, path: string): SourceConstantGroup | null {
  if (value === null) return null;
  const group = record(value, path);
  return {
    name: text(group.name, `${path}.name`),
    constants: list(group.constants, `${path}.constants`).map((entry, i) => {
      const constant = record(entry, `${path}.constants[${i}]`);
      return { name: text(constant.name, `${path}.constants[${i}].name`), value: constant.value };
    }),
  };
}

function readExtra(value: unknown, path: string): SourceExtra {
  const extra = record(value, path);
  return {
    index: extra.index === null ? null : integer(extra.index, `${path}.index`),
    name: text(extra.name, `${path}.name`),
    scale: readScale(extra.scale, `${path}.scale`),
    unit: readUnit(extra.unit, `${path}.unit`),
    range: readRange(extra.range, `${path}.range`),
    default: extra.default,
    constantGroup: readConstantGroup(extra.constant_group, `${path}.constant_group`),
  };
}

function readElement(value: unknown, path: string): SourceElement {
  const element = record(value, path);
  const direction = element.direction;
  if (direction !== "in" && direction !== "out") {
    fail(`${path}.direction`, '"in" or "out"', direction);
  }
  const extra = list(element.extra, `${path}.extra`);
  if (extra.length === 0) fail(`${path}.extra`, "a non-empty array", extra);
  return {
    name: text(element.name, `${path}.name`),
    type: text(element.type, `${path}.type`),
    cardinality: integer(element.cardinality, `${path}.cardinality`),
    direction,
    role: nullableText(element.role, `${path}.role`),
    extra: extra.map((entry, i) => readExtra(entry, `${path}.extra[${i}]`)),
  };
}

function readPacket(value: unknown, path: string): SourcePacket {
  const packet = record(value, path);
  const type = packet.type;
  if (type !== "function" && type !== "callback") {
    fail(`${path}.type`, '"function" or "callback"', type);
  }
  return {
    type,
    level: text(packet.level, `${path}.level`),
    name: text(packet.name, `${path}.name`),
    functionId: integer(packet.function_id, `${path}.function_id`),
    responseExpected: text(packet.response_expected, `${path}.response_expected`),
    docType: text(record(packet.doc, `${path}.doc`).type, `${path}.doc.type`),
    elements: list(packet.elements, `${path}.elements`).map((entry, i) =>
      readElement(entry, `${path}.elements[${i}]`)
    ),
  };
}

/** Checks and converts the parsed JSON of one device file. */
export function readSourceDevice(json: unknown): SourceDevice {
  const device = record(json, "(root)");
  const version = list(device.api_version, "api_version");
  if (version.length !== 3) fail("api_version", "an array of 3 integers", version);
  const released = device.released;
  if (typeof released !== "boolean") fail("released", "a boolean", released);
  return {
    identifier: integer(device.device_identifier, "device_identifier"),
    name: text(device.name, "name"),
    displayName: text(record(device.display_name, "display_name").long, "display_name.long"),
    category: text(device.category, "category"),
    released,
    apiVersion: [
      integer(version[0], "api_version[0]"),
      integer(version[1], "api_version[1]"),
      integer(version[2], "api_version[2]"),
    ],
    packets: list(device.packets, "packets").map((entry, i) => readPacket(entry, `packets[${i}]`)),
  };
}
