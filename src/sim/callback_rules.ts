/**
 * Which configuration function drives which callback, derived from function
 * names in the codecs (the device specs have no explicit link).
 *
 * Rules, in the order they are tried for every function of a device:
 *
 * 1. `set_<x>_callback_configuration` (also the `..._callback_config` spelling)
 *    → callback `<x>`; if there is none, the only callback named `<x>_*`
 *    (`station` → `station_data`, `all` → `all_data`) or an alias (`rx` →
 *    `frame_message`). Its elements are read by name: `period` (0 = off),
 *    `value_has_to_change`, `option` + `min`/`max` (or `min_<v>`/`max_<v>` per
 *    callback value `<v>`) for thresholds, `enabled`/`enable`/`enable_callback`
 *    as an on/off switch. Elements whose names the callback also carries
 *    (`channel`, `sensor`) select an instance: one timer per channel.
 *    A configuration with bool elements `<cb>_callback_enabled` switches each
 *    named callback on/off (DMX).
 * 2. `set_<x>_callback_period` → callback `<x>`, sent only when the value changed
 *    (the documented behaviour of these older Bricklets).
 * 3. `set_<x>_period` → callback `<x>` (IMU Bricks), sent every period.
 * 4. `set_<x>_callback_threshold` (option, min/max) → callback `<x>_reached`,
 *    checked every `set_debounce_period` (default 100 ms) while the option is not 'x'.
 * 5. `enable_<x>_callback` / `disable_<x>_callback` → callback `<x>` on/off.
 *
 * Callbacks without a rule (button presses, monoflop done, ...) are events:
 * the simulator sends them only when fired through its in-process API.
 *
 * @module
 */

import type { DeviceSpec, PacketSpec } from "../tfp/spec.ts";

/** How a configuration function affects its callback. */
export type CallbackRuleKind =
  | "configuration"
  | "callback_period"
  | "period"
  | "threshold"
  | "enable"
  | "disable"
  | "flag";

/** One configuration function → callback link. */
export interface CallbackRule {
  readonly kind: CallbackRuleKind;
  /** The configuration function (a setter) */
  readonly function: PacketSpec;
  /** The low-level/normal callback it drives */
  readonly callback: PacketSpec;
  /** Request elements that select a callback instance (also carried by the callback) */
  readonly keys: readonly string[];
  /** For "flag": the bool element switching this callback */
  readonly flag?: string;
}

/** Element names that act as the on/off switch of a configuration. */
export const ENABLE_ELEMENTS: readonly string[] = ["enabled", "enable", "enable_callback"];

/** Configuration names whose callback name cannot be derived from the function name. */
const ALIASES: Readonly<Record<string, string>> = { rx: "frame_message" };

const CONFIGURATION = /^set_(.+)_callback_(?:configuration|config)$/;
const CALLBACK_PERIOD = /^set_(.+)_callback_period$/;
const PERIOD = /^set_(.+)_period$/;
const THRESHOLD = /^set_(.+)_callback_threshold$/;
const ENABLE = /^(enable|disable)_(.+)_callback$/;
const FLAG = /^(.+)_callback_enabled$/;

/** Callbacks of a device by name, the wire-level ones only (normal and low level). */
function wireCallbacks(device: DeviceSpec): Map<string, PacketSpec> {
  const callbacks = new Map<string, PacketSpec>();
  for (const callback of device.callbacks) {
    if (callback.level !== "high") callbacks.set(callback.name, callback);
  }
  return callbacks;
}

/** The callback named `stem`, or its low-level form when the callback is streamed. */
function lookup(callbacks: Map<string, PacketSpec>, stem: string): PacketSpec | undefined {
  return callbacks.get(stem) ?? callbacks.get(`${stem}_low_level`);
}

function findCallback(callbacks: Map<string, PacketSpec>, stem: string): PacketSpec | undefined {
  const direct = lookup(callbacks, stem) ?? callbacks.get(ALIASES[stem] ?? "");
  if (direct !== undefined) return direct;
  const prefixed = [...callbacks.values()].filter((c) => c.name.startsWith(`${stem}_`));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

function keysOf(fn: PacketSpec, callback: PacketSpec): string[] {
  const carried = new Map(callback.out.map((element) => [element.name, element]));
  // Same name is not enough: Industrial Counter's configuration `period` (uint32) is no key of
  // its `all_signal_data` callback, whose `period` is a uint64[4] reading.
  return fn.in.filter((element) => {
    const out = carried.get(element.name);
    return out !== undefined && out.type === element.type && out.count === element.count;
  }).map((element) => element.name);
}

function rule(
  kind: CallbackRuleKind,
  fn: PacketSpec,
  callback: PacketSpec | undefined,
  flag?: string,
): CallbackRule[] {
  if (callback === undefined) return [];
  const keys = kind === "flag" ? [] : keysOf(fn, callback);
  return [
    flag === undefined ? { kind, function: fn, callback, keys } : {
      kind,
      function: fn,
      callback,
      keys,
      flag,
    },
  ];
}

function rulesFor(fn: PacketSpec, callbacks: Map<string, PacketSpec>): CallbackRule[] {
  const name = fn.name;
  let match = CONFIGURATION.exec(name);
  if (match !== null) {
    const flags = fn.in.filter((element) => element.type === "bool" && FLAG.test(element.name));
    if (flags.length > 0) {
      return flags.flatMap((element) =>
        rule("flag", fn, lookup(callbacks, FLAG.exec(element.name)![1]), element.name)
      );
    }
    return rule("configuration", fn, findCallback(callbacks, match[1]));
  }
  if ((match = CALLBACK_PERIOD.exec(name)) !== null) {
    return rule("callback_period", fn, lookup(callbacks, match[1]));
  }
  if ((match = THRESHOLD.exec(name)) !== null) {
    return rule("threshold", fn, callbacks.get(`${match[1]}_reached`));
  }
  if ((match = PERIOD.exec(name)) !== null) {
    return rule("period", fn, lookup(callbacks, match[1]));
  }
  if ((match = ENABLE.exec(name)) !== null) {
    return rule(match[1] as "enable" | "disable", fn, lookup(callbacks, match[2]));
  }
  return [];
}

/** All configuration → callback links of a device, in function order. */
export function deriveCallbackRules(device: DeviceSpec): CallbackRule[] {
  const callbacks = wireCallbacks(device);
  const rules: CallbackRule[] = [];
  for (const fn of device.functions) {
    if (fn.level !== "high" && fn.kind === "function") rules.push(...rulesFor(fn, callbacks));
  }
  return rules;
}

/** Functions named like callback configuration that no rule could link (for diagnostics). */
export function unmatchedConfigurations(device: DeviceSpec): string[] {
  const callbacks = wireCallbacks(device);
  return device.functions
    .filter((fn) =>
      fn.level !== "high" &&
      (CONFIGURATION.test(fn.name) || CALLBACK_PERIOD.test(fn.name) ||
        THRESHOLD.test(fn.name) || ENABLE.test(fn.name)) &&
      rulesFor(fn, callbacks).length === 0
    )
    .map((fn) => fn.name);
}
