/**
 * The shape of the generated device codecs in `codecs/`.
 *
 * Codecs are data: every Brick, Bricklet and TNG module is one frozen
 * {@link DeviceSpec}. The generic payload encoder/decoder in `payload.ts`,
 * the stream helpers in `streams.ts` and the simulator interpret these
 * tables; nothing in `codecs/` contains logic.
 *
 * @module
 */

/** Wire types used by the Tinkerforge device specs. */
export type WireType =
  | "int8"
  | "uint8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float"
  | "bool"
  | "char"
  | "string";

/** Role of an element that belongs to a streamed ("low level"/"high level") value. */
export type StreamRole =
  | "stream_length"
  | "stream_chunk_offset"
  | "stream_chunk_data"
  | "stream_chunk_written"
  | "stream_data"
  | "stream_written";

/** A constant value: numbers for integer groups, 1-char strings for char groups. */
export type ConstantValue = number | string | boolean;

/** Scale as a fraction: `physical = raw * numerator / denominator`; "dynamic" when it depends on a setting. */
export type Scale = readonly [numerator: number, denominator: number] | "dynamic";

/** Per-index metadata of an array element whose items have their own names (x/y/z, heading/roll/pitch). */
export interface ItemSpec {
  /** snake_case item name, e.g. "x" */
  readonly name: string;
  readonly scale?: Scale;
  readonly unit?: string;
}

/** One parameter or return value of a packet, in wire order. */
export interface ElementSpec {
  /** snake_case name as used by tinkerforge_mqtt, e.g. "red", "message_chunk_data" */
  readonly name: string;
  readonly type: WireType;
  /**
   * Number of items. 1 for scalars; for `string` the fixed byte length.
   * On the `stream_data` element of a high-level packet: negative = maximum
   * length of a variable-length stream, positive = fixed stream length.
   */
  readonly count: number;
  readonly role?: StreamRole;
  /** Key into {@link DeviceSpec.constants}: the symbols of this value */
  readonly symbols?: string;
  /** Omitted when 1/1 */
  readonly scale?: Scale;
  /** Unit symbol of the scaled value, e.g. "°C", "lx", "%" */
  readonly unit?: string;
  /** Unit title, e.g. "Degree Celsius" */
  readonly unitTitle?: string;
  /** Allowed raw range [min, max] when the spec gives one explicitly (union of all listed ranges) */
  readonly range?: readonly [min: number, max: number];
  /** Default raw value from the spec, if any */
  readonly default?: ConstantValue | readonly ConstantValue[];
  /** Per-index names (and scale/unit where they differ) for arrays with named items */
  readonly items?: readonly ItemSpec[];
}

/** Metadata of a high-level (streamed) function or callback. */
export interface StreamSpec {
  /** "in": client → device (e.g. `write`); "out": device → client (e.g. `read`, callbacks) */
  readonly direction: "in" | "out";
  /**
   * "variable": Length + Chunk Offset elements; "fixed_length": no Length element,
   * the length is {@link StreamSpec.fixedLength}; "single_chunk": Length but no offset, one packet.
   */
  readonly variant: "variable" | "fixed_length" | "single_chunk";
  /** Name of the `stream_data` element of the high-level packet */
  readonly data: string;
  /** Items per low-level chunk (count of the `stream_chunk_data` element) */
  readonly chunkSize: number;
  /** Maximum number of items of the whole stream */
  readonly maxLength: number;
  /** Only for "fixed_length" */
  readonly fixedLength?: number;
  /** Stream-in whose low-level response says how many items the device took */
  readonly shortWrite: boolean;
  /** snake_case name of the low-level twin, e.g. "write_low_level" */
  readonly lowLevel: string;
}

/** Response-expected flag as in the official bindings. */
export type ResponseExpected = "always_true" | "true" | "false";

/** Documentation category: bf basic, af advanced, ccf callback configuration, c callback, if internal. */
export type DocCategory = "bf" | "af" | "ccf" | "c" | "if";

/** A function or callback of a device. */
export interface PacketSpec {
  /** TFP function id (for callbacks: the callback id). High-level packets share it with their low-level twin */
  readonly id: number;
  /** snake_case name as used by tinkerforge_mqtt, e.g. "get_color", "button_state_changed" */
  readonly name: string;
  readonly kind: "function" | "callback";
  readonly level: "normal" | "low" | "high";
  readonly responseExpected: ResponseExpected;
  readonly doc: DocCategory;
  /** Request elements (always empty for callbacks) */
  readonly in: readonly ElementSpec[];
  /** Response or callback elements */
  readonly out: readonly ElementSpec[];
  /** Only on high-level packets */
  readonly stream?: StreamSpec;
}

/** One Brick, Bricklet or TNG module. */
export interface DeviceSpec {
  /** device_identifier from enumerate / get_identity */
  readonly identifier: number;
  /** Topic name used by tinkerforge_mqtt: snake_case(name) + "_" + category, e.g. "rgb_led_button_bricklet" */
  readonly name: string;
  /** The spec's name words, e.g. "RGB LED Button" (needed for class-style names) */
  readonly baseName: string;
  /** e.g. "RGB LED Button Bricklet" */
  readonly displayName: string;
  readonly category: "Brick" | "Bricklet" | "TNG";
  readonly released: boolean;
  readonly apiVersion: readonly [number, number, number];
  /** Constant groups: snake_case group name → symbol (snake_case constant name) → value */
  readonly constants: Readonly<Record<string, Readonly<Record<string, ConstantValue>>>>;
  /** Functions in spec order (normal, low and high level) */
  readonly functions: readonly PacketSpec[];
  /** Callbacks in spec order (normal, low and high level) */
  readonly callbacks: readonly PacketSpec[];
}
