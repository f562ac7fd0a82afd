/**
 * Maps a checked Tinkerforge device spec ({@link SourceDevice}) to the
 * project's codec format ({@link DeviceSpec}). Object keys are created in the
 * order of the interfaces in `src/tfp/spec.ts` so the rendered codecs are
 * stable; optional fields are left out when the spec has nothing for them.
 *
 * @module
 */
import type {
  ConstantValue,
  DeviceSpec,
  DocCategory,
  ElementSpec,
  ItemSpec,
  PacketSpec,
  ResponseExpected,
  Scale,
  StreamRole,
  StreamSpec,
  WireType,
} from "../src/tfp/spec.ts";
import type { SourceDevice, SourceElement, SourceExtra, SourcePacket } from "./codec_source.ts";

const WIRE_TYPES: ReadonlySet<string> = new Set<WireType>([
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
const STREAM_ROLES: ReadonlySet<string> = new Set<StreamRole>([
  "stream_length",
  "stream_chunk_offset",
  "stream_chunk_data",
  "stream_chunk_written",
  "stream_data",
  "stream_written",
]);
const RESPONSE_EXPECTED: ReadonlySet<string> = new Set<ResponseExpected>([
  "always_true",
  "true",
  "false",
]);
const DOC_CATEGORIES: ReadonlySet<string> = new Set<DocCategory>(["bf", "af", "ccf", "c", "if"]);
const CATEGORIES: ReadonlySet<string> = new Set<DeviceSpec["category"]>([
  "Brick",
  "Bricklet",
  "TNG",
]);
const LEVELS: ReadonlySet<string> = new Set<PacketSpec["level"]>(["normal", "low", "high"]);

type Constants = Record<string, Record<string, ConstantValue>>;

/** "Show Heartbeat" → "show_heartbeat"; the naming rule of tinkerforge_mqtt */
export function snakeCase(words: string): string {
  const name = words.trim().split(/\s+/).join("_").toLowerCase();
  if (!/^[a-z0-9]+(_[a-z0-9]+)*$/.test(name)) {
    throw new SyntaxError(`Name "${words}" does not map to a snake_case identifier`);
  }
  return name;
}

/** MQTT device name: snake_case(name) + "_" + category, e.g. "rgb_led_button_bricklet" */
export function deviceName(name: string, category: string): string {
  return `${snakeCase(name)}_${category.toLowerCase()}`;
}

function oneOf<T extends string>(allowed: ReadonlySet<string>, value: string, what: string): T {
  if (!allowed.has(value)) throw new RangeError(`Unknown ${what} "${value}"`);
  return value as T;
}

function isConstantValue(value: unknown): value is ConstantValue {
  return typeof value === "string" || typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value));
}

function mapScale(scale: SourceExtra["scale"]): Scale | undefined {
  if (scale === "dynamic") return scale;
  if (scale.numerator === 1 && scale.denominator === 1) return undefined;
  return [scale.numerator, scale.denominator];
}

function sameScale(a: Scale | undefined, b: Scale | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Union of the listed ranges over all extras, or undefined when any extra has
 * no explicit numeric range ("type", "dynamic", "constants", null) or the
 * element is a char: char ranges ("a".."h", "z") are not raw numbers.
 * Clamped to what the wire type can carry: a few upstream specs list ranges
 * wider than their type (IMU magnetic field as int16 -40000..40000), and every
 * consumer would otherwise have to clamp on its own.
 */
function mapRange(element: SourceElement): readonly [number, number] | undefined {
  if (element.type === "char") return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (const extra of element.extra) {
    if (!Array.isArray(extra.range) || extra.range.length === 0) return undefined;
    for (const { minimum, maximum } of extra.range) {
      if (typeof minimum !== "number" || typeof maximum !== "number") {
        throw new SyntaxError(
          `Range of "${element.name}" must be numeric, got ${JSON.stringify(extra.range)}`,
        );
      }
      min = Math.min(min, minimum);
      max = Math.max(max, maximum);
    }
  }
  const limits = INTEGER_LIMITS[element.type];
  if (limits) {
    min = Math.max(min, limits[0]);
    max = Math.min(max, limits[1]);
  }
  return [min, max];
}

const INTEGER_LIMITS: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-0x80, 0x7f],
  uint8: [0, 0xff],
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x8000_0000, 0x7fff_ffff],
  uint32: [0, 0xffff_ffff],
};

function mapDefault(element: SourceElement): ElementSpec["default"] {
  const defaults = element.extra.map((extra) => extra.default);
  const check = (value: unknown): ConstantValue => {
    if (!isConstantValue(value)) {
      throw new SyntaxError(`Default of "${element.name}" is invalid: ${JSON.stringify(value)}`);
    }
    return value;
  };
  if (defaults.length > 1) {
    // Per-index defaults (e.g. a region of interest): only meaningful when all are given.
    return defaults.some((value) => value === null) ? undefined : defaults.map(check);
  }
  const value = defaults[0];
  if (value === null || value === undefined) return undefined;
  return Array.isArray(value) ? value.map(check) : check(value);
}

function mapItems(
  element: SourceElement,
  scale: Scale | undefined,
  unit: string | undefined,
): ItemSpec[] | undefined {
  const extras = element.extra;
  if (extras.length < 2 || extras.some((extra) => extra.index === null)) return undefined;
  const names = extras.map((extra) => snakeCase(extra.name));
  if (new Set(names).size !== names.length) return undefined;
  return extras.map((extra, i) => {
    const item: { name: string; scale?: Scale; unit?: string } = { name: names[i] };
    const itemScale = mapScale(extra.scale);
    if (!sameScale(itemScale, scale)) item.scale = itemScale ?? [1, 1];
    // "" marks an item without unit inside an element whose first item has one.
    const itemUnit = extra.unit?.symbol ?? "";
    if (itemUnit !== (unit ?? "")) item.unit = itemUnit;
    return item;
  });
}

function addConstantGroup(constants: Constants, extra: SourceExtra): string | undefined {
  const group = extra.constantGroup;
  if (group === null) return undefined;
  const groupName = snakeCase(group.name);
  const symbols: Record<string, ConstantValue> = {};
  for (const constant of group.constants) {
    const symbol = snakeCase(constant.name);
    if (Object.hasOwn(symbols, symbol)) {
      throw new SyntaxError(`Constant group "${group.name}" has symbol "${symbol}" twice`);
    }
    if (!isConstantValue(constant.value)) {
      throw new SyntaxError(
        `Constant "${group.name}.${constant.name}" has invalid value ${
          JSON.stringify(constant.value)
        }`,
      );
    }
    symbols[symbol] = constant.value;
  }
  const known = Object.hasOwn(constants, groupName) ? constants[groupName] : undefined;
  if (known !== undefined && JSON.stringify(known) !== JSON.stringify(symbols)) {
    throw new SyntaxError(`Constant group "${group.name}" is defined twice with different content`);
  }
  constants[groupName] = symbols;
  return groupName;
}

function mapElement(element: SourceElement, constants: Constants): ElementSpec {
  const first = element.extra[0];
  const scale = mapScale(first.scale);
  const unit = first.unit?.symbol;
  const mapped: {
    -readonly [K in keyof ElementSpec]: ElementSpec[K];
  } = {
    name: snakeCase(element.name),
    type: oneOf<WireType>(WIRE_TYPES, element.type, "element type"),
    count: element.cardinality,
  };
  if (element.role !== null) mapped.role = oneOf<StreamRole>(STREAM_ROLES, element.role, "role");
  const symbols = addConstantGroup(constants, first);
  if (symbols !== undefined) mapped.symbols = symbols;
  if (scale !== undefined) mapped.scale = scale;
  if (first.unit !== null) {
    mapped.unit = first.unit.symbol;
    mapped.unitTitle = first.unit.title;
  }
  const range = mapRange(element);
  if (range !== undefined) mapped.range = range;
  const value = mapDefault(element);
  if (value !== undefined) mapped.default = value;
  const items = mapItems(element, scale, unit);
  if (items !== undefined) mapped.items = items;
  return mapped;
}

function findRole(
  elements: readonly SourceElement[],
  role: StreamRole,
): SourceElement | undefined {
  return elements.find((element) => element.role === role);
}

function mapStream(high: SourcePacket, packets: readonly SourcePacket[]): StreamSpec {
  const twins = packets.filter((packet) =>
    packet.level === "low" && packet.type === high.type && packet.functionId === high.functionId
  );
  if (twins.length !== 1) {
    throw new SyntaxError(`High-level packet has ${twins.length} low-level twins, expected 1`);
  }
  const low = twins[0];
  const data = findRole(high.elements, "stream_data");
  const chunk = findRole(low.elements, "stream_chunk_data");
  if (data === undefined) throw new SyntaxError("High-level packet has no stream_data element");
  if (chunk === undefined || chunk.cardinality <= 0) {
    throw new SyntaxError(`Low-level twin "${low.name}" has no usable stream_chunk_data element`);
  }
  const hasLength = findRole(low.elements, "stream_length") !== undefined;
  const hasOffset = findRole(low.elements, "stream_chunk_offset") !== undefined;
  const variant = !hasLength ? "fixed_length" : hasOffset ? "variable" : "single_chunk";
  if (variant === "fixed_length" && data.cardinality <= 0) {
    throw new SyntaxError(
      `Fixed-length stream "${data.name}" needs a positive cardinality, got ${data.cardinality}`,
    );
  }
  const stream: { -readonly [K in keyof StreamSpec]: StreamSpec[K] } = {
    direction: data.direction,
    variant,
    data: snakeCase(data.name),
    chunkSize: chunk.cardinality,
    maxLength: Math.abs(data.cardinality),
    shortWrite: findRole(low.elements, "stream_chunk_written") !== undefined,
    lowLevel: snakeCase(low.name),
  };
  if (variant === "fixed_length") {
    // Keep the interface's key order: fixedLength sits between maxLength and shortWrite.
    const { shortWrite, lowLevel, ...head } = stream;
    return { ...head, fixedLength: data.cardinality, shortWrite, lowLevel };
  }
  return stream;
}

function mapPacket(
  packet: SourcePacket,
  packets: readonly SourcePacket[],
  constants: Constants,
): PacketSpec {
  const level = oneOf<PacketSpec["level"]>(LEVELS, packet.level, "packet level");
  const elements = (direction: "in" | "out") =>
    packet.elements.filter((element) => element.direction === direction).map((element) => {
      try {
        return mapElement(element, constants);
      } catch (error) {
        throw new SyntaxError(`Element "${element.name}": ${(error as Error).message}`);
      }
    });
  const mapped: { -readonly [K in keyof PacketSpec]: PacketSpec[K] } = {
    id: packet.functionId,
    name: snakeCase(packet.name),
    kind: packet.type,
    level,
    responseExpected: oneOf<ResponseExpected>(
      RESPONSE_EXPECTED,
      packet.responseExpected,
      "response_expected",
    ),
    doc: oneOf<DocCategory>(DOC_CATEGORIES, packet.docType, "doc type"),
    in: elements("in"),
    out: elements("out"),
  };
  if (level === "high") mapped.stream = mapStream(packet, packets);
  return mapped;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]]));
}

/** Converts one device; errors name the packet they come from. */
export function mapDevice(source: SourceDevice): DeviceSpec {
  const category = oneOf<DeviceSpec["category"]>(CATEGORIES, source.category, "category");
  const constants: Constants = {};
  const packets = source.packets.map((packet) => {
    try {
      return mapPacket(packet, source.packets, constants);
    } catch (error) {
      throw new SyntaxError(`Packet "${packet.name}": ${(error as Error).message}`);
    }
  });
  return {
    identifier: source.identifier,
    name: deviceName(source.name, category),
    baseName: source.name,
    displayName: source.displayName,
    category,
    released: source.released,
    apiVersion: source.apiVersion,
    constants: sortKeys(constants),
    functions: packets.filter((packet) => packet.kind === "function"),
    callbacks: packets.filter((packet) => packet.kind === "callback"),
  };
}
