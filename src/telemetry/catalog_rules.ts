/**
 * Which getters and values of a device count as its telemetry, and what their keys are.
 *
 * The rules work on the codec data alone, so a new device type from a codec update is sampled
 * without code changes. A getter is sampled when it is a basic ("bf") `get_*` function without
 * inputs that reads a measurement:
 * - not a configuration or state read-back: no `set_<same>` twin, no name ending in
 *   `_configuration`, `_config`, `_calibration`, `_offset`, `_status`, `_state`, `_mode`,
 *   no `get_all_data_<n>` status dump, no touch/clock readings;
 * - not derived from another sampled value ({@link DERIVED}: barometer altitude is computed
 *   from the air pressure and a reference pressure; ThingsBoard can compute it too);
 * - at least one of its values is sampled.
 * Advanced functions (chip temperature, error counters, identity, bootloader) are not "bf".
 *
 * A value (output element) is sampled when it has a unit or a fixed non-trivial scale (or is
 * one of the few unitless primary readings such as the IAQ index), its scale is not "dynamic"
 * (it depends on a setting, so it cannot be turned into SI units from the codec alone), it is
 * not bookkeeping (timestamps, ages, uptimes, durations), and it is not an array of more than
 * {@link MAX_ARRAY_ITEMS} items (spectra, images, slot tables). Single `char` values next to
 * sampled values are kept as strings: they are the GPS hemisphere letters.
 *
 * Keys (snake_case, stable across versions as long as the codec names are):
 * - a getter with one output is named after the getter: `get_ambient_temperature` →
 *   `ambient_temperature`, `get_stack_voltage` → `stack_voltage`, `get_temperature` →
 *   `temperature`;
 * - a getter with several outputs uses the output names (`get_energy_data` → `voltage`,
 *   `current`, `real_power`, ...), prefixed with the getter's subject when the name is a bare
 *   axis letter (`get_acceleration` → `acceleration_x`);
 * - arrays get one key per item: `<key>_<item name>` when the codec names the items
 *   (`acceleration_x`, `euler_angle_heading`), else `<key>_<index>` (`frequency_0`);
 * - channel getters append the channel number: `get_voltage(channel)` → `voltage_0`,
 *   `voltage_1`.
 * When two getters yield the same key, the first wins (combined `get_all_*` readings first,
 * then spec order): `get_all_values` of the Air Quality Bricklet makes `get_temperature`
 * redundant, and it is not sampled.
 *
 * @module
 */

import { functionByName } from "../tfp/registry.ts";
import type { DeviceSpec, ElementSpec, PacketSpec } from "../tfp/spec.ts";

/** Arrays with more items than this are not sampled (spectra, images, slot tables). */
export const MAX_ARRAY_ITEMS = 8;

/** Channel getters with more channels than this are not sampled. */
export const MAX_CHANNELS = 8;

const CHANNEL_INPUTS: ReadonlySet<string> = new Set(["channel", "sensor"]);

const NOT_A_MEASUREMENT =
  /_(configuration|config|calibration|offset|status|state|mode)$|^get_all_data_\d+$|^get_touch_|^get_(date_time|timestamp)$/;

const BOOKKEEPING = /^(timestamp|age|uptime|last_change)$|^time_since_|duration/;

/** Getters whose values are computed from another sampled value of the same device. */
const DERIVED: Readonly<Record<string, readonly string[]>> = {
  barometer_bricklet: ["get_altitude"],
  barometer_v2_bricklet: ["get_altitude"],
};

/** Unitless outputs that are still the primary reading of their device. */
const UNITLESS_PRIMARY: ReadonlySet<string> = new Set(["iaq_index"]);

/** Axis letters that make no key on their own. */
const AXIS_NAMES: ReadonlySet<string> = new Set(["x", "y", "z", "w"]);

/** The subject of a getter: `get_air_pressure` → `air_pressure`. */
export function subjectOf(getter: PacketSpec): string {
  return getter.name.slice(4);
}

/** Channels of a getter whose only input selects a channel 0..n-1; 0 for other getters. */
export function channelCount(fn: PacketSpec): number {
  if (fn.in.length !== 1) return 0;
  const input = fn.in[0];
  if (!CHANNEL_INPUTS.has(input.name) || input.type !== "uint8" || input.count !== 1) {
    return 0;
  }
  const range = input.range;
  if (range === undefined || range[0] !== 0 || range[1] < 0 || range[1] >= MAX_CHANNELS) return 0;
  return range[1] + 1;
}

/** Whether `fn` may be a sampled getter (its values are checked separately). */
export function isMeasurementGetter(spec: DeviceSpec, fn: PacketSpec): boolean {
  if (fn.kind !== "function" || fn.level !== "normal" || fn.doc !== "bf") return false;
  if (!fn.name.startsWith("get_") || fn.out.length === 0) return false;
  if (fn.in.length !== 0 && channelCount(fn) === 0) return false;
  if (NOT_A_MEASUREMENT.test(fn.name)) return false;
  if (DERIVED[spec.name]?.includes(fn.name)) return false;
  return functionByName(spec, `set_${subjectOf(fn)}`) === undefined;
}

/** Whether output `element` of a measurement getter is a sampled numeric value. */
export function isSampledNumber(element: ElementSpec): boolean {
  if (element.role !== undefined || element.scale === "dynamic") return false;
  if (element.count > MAX_ARRAY_ITEMS || BOOKKEEPING.test(element.name)) return false;
  switch (element.type) {
    case "bool":
    case "char":
    case "string":
      return false;
  }
  if (element.unit !== undefined) return true;
  if (element.scale !== undefined && element.scale[0] !== element.scale[1]) return true;
  return UNITLESS_PRIMARY.has(element.name);
}

/** Whether `element` is a single character kept beside sampled numbers (GPS "N"/"S", "E"/"W"). */
export function isSampledLetter(element: ElementSpec): boolean {
  return element.type === "char" && element.count === 1 && element.role === undefined;
}

/** The key of output `element` of `getter` before array items are appended (see module doc). */
export function baseKey(getter: PacketSpec, element: ElementSpec): string {
  const subject = subjectOf(getter);
  if (getter.out.length === 1) return subject;
  return AXIS_NAMES.has(element.name) ? `${subject}_${element.name}` : element.name;
}

/** The key of item `index` of an array element whose base key is `base`. */
export function itemKey(base: string, element: ElementSpec, index: number): string {
  return `${base}_${element.items?.[index]?.name ?? index}`;
}

/** Unit text for display and `<key>_unit` attributes: the codec symbol, "%RH" for humidity. */
export function unitText(
  unit: string | undefined,
  unitTitle: string | undefined,
): string | undefined {
  if (unit === "%" && unitTitle !== undefined && /relative humidity/i.test(unitTitle)) return "%RH";
  return unit;
}

/** Orders getters so that combined readings (`get_all_values`) win key conflicts. */
export function samplingOrder(getters: readonly PacketSpec[]): PacketSpec[] {
  const combined = getters.filter((fn) => fn.name.startsWith("get_all_"));
  return [...combined, ...getters.filter((fn) => !fn.name.startsWith("get_all_"))];
}
