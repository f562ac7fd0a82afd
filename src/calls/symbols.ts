/**
 * Symbol tables of tinkerforge_mqtt: constant values ↔ constant names.
 *
 * The reference builds one Python dict per element, `{value: name}`, in
 * constant order, so when two constants share a value the later name wins
 * (E-Paper `color`: gray/red, Master Brick `wifi_eap_option`). Requests use
 * the reversed dict, so only that surviving name is accepted as a symbol.
 * Python dict keys compare by value: `True == 1`, so bools and ints share
 * keys; that is kept here by normalising keys.
 *
 * @module
 */

import type { ConstantValue, DeviceSpec } from "../tfp/spec.ts";

/** One surviving constant of a group. */
interface SymbolEntry {
  readonly name: string;
  readonly value: ConstantValue;
}

interface SymbolTables {
  /** Normalised value → constant (response direction) */
  readonly byValue: ReadonlyMap<number | string, SymbolEntry>;
  /** Name → value (request direction) */
  readonly byName: ReadonlyMap<string, ConstantValue>;
}

const cache = new WeakMap<DeviceSpec, Map<string, SymbolTables>>();

/** The Python dict key a value hashes to: bools as 0/1, safe bigints as numbers. */
function keyOf(value: unknown): number | string | undefined {
  switch (typeof value) {
    case "number":
    case "string":
      return value;
    case "boolean":
      return value ? 1 : 0;
    case "bigint":
      return Number.isSafeInteger(Number(value)) ? Number(value) : undefined;
    default:
      return undefined;
  }
}

function tablesOf(device: DeviceSpec, group: string): SymbolTables {
  let groups = cache.get(device);
  if (groups === undefined) {
    groups = new Map();
    cache.set(device, groups);
  }
  let tables = groups.get(group);
  if (tables === undefined) {
    const byValue = new Map<number | string, SymbolEntry>();
    for (const [name, value] of Object.entries(device.constants[group] ?? {})) {
      byValue.set(keyOf(value)!, { name, value });
    }
    const byName = new Map<string, ConstantValue>();
    for (const entry of byValue.values()) byName.set(entry.name, entry.value);
    tables = { byValue, byName };
    groups.set(group, tables);
  }
  return tables;
}

/** Name → value of the constant group `group` of `device`, as requests accept them. */
export function requestSymbols(
  device: DeviceSpec,
  group: string,
): ReadonlyMap<string, ConstantValue> {
  return tablesOf(device, group).byName;
}

/** The symbol name of a scalar result value, or undefined when the group has none for it. */
export function symbolFor(device: DeviceSpec, group: string, value: unknown): string | undefined {
  const key = keyOf(value);
  return key === undefined ? undefined : tablesOf(device, group).byValue.get(key)?.name;
}
