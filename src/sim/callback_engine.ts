/**
 * Periodic and threshold callbacks of one simulated device, driven by the
 * configuration functions found by {@link deriveCallbackRules}.
 *
 * Each configured callback instance (one per callback and channel) owns an
 * interval timer while its period is > 0. On every tick the current values
 * are read from the device model; the threshold (option 'x' off, 'o' outside,
 * 'i' inside, '<' smaller than min, '>' greater than min) and the
 * value-has-to-change flag decide whether the callback is sent. Old-style
 * `<x>_reached` callbacks are checked every debounce period while their
 * threshold option is not 'x'.
 *
 * Callbacks switched by an enable flag are "gated": {@link CallbackEngine.allows}
 * says whether an event fired through the in-process API may be sent.
 *
 * @module
 */

import type { Value } from "../tfp/payload.ts";
import type { DeviceSpec, PacketSpec } from "../tfp/spec.ts";
import { type CallbackRule, deriveCallbackRules, ENABLE_ELEMENTS } from "./callback_rules.ts";
import { isNumericType } from "./readings.ts";

/** What the engine needs from the device model. */
export interface CallbackEngineHost {
  /** Current values of a callback instance (`key`: channel elements) */
  callbackValues(callback: PacketSpec, key: Readonly<Record<string, Value>>): Record<string, Value>;
  /** Sends a callback to the clients */
  emit(callback: PacketSpec, values: Record<string, Value>): void;
}

type Threshold = readonly [name: string, min: number, max: number];

interface Instance {
  readonly callback: PacketSpec;
  readonly key: Record<string, Value>;
  /** Old-style `<x>_reached`: ticks with the debounce period */
  readonly debounced: boolean;
  period: number;
  enabled: boolean;
  valueHasToChange: boolean;
  option: string;
  thresholds: Threshold[];
  last: string | undefined;
  timer: ReturnType<typeof setInterval> | undefined;
}

interface Gate {
  readonly keys: readonly string[];
  readonly initial: boolean;
}

const DEFAULT_DEBOUNCE_MS = 100;

function keyString(names: readonly string[], values: Readonly<Record<string, Value>>): string {
  return names.map((name) => String(values[name])).join(",");
}

function serialize(values: Record<string, Value>): string {
  return JSON.stringify(values, (_, v) => typeof v === "bigint" ? v.toString() : v);
}

/** Whether `values` pass the threshold `option` (see module doc). */
export function thresholdMet(
  option: string,
  thresholds: readonly Threshold[],
  values: Readonly<Record<string, Value>>,
): boolean {
  if (option === "x" || thresholds.length === 0) return true;
  const checks = thresholds.map(([name, min, max]) => [Number(values[name]), min, max] as const);
  switch (option) {
    case "o":
      return checks.some(([v, min, max]) => v < min || v > max);
    case "i":
      return checks.every(([v, min, max]) => v >= min && v <= max);
    case "<":
      return checks.every(([v, min]) => v < min);
    case ">":
      return checks.every(([v, min]) => v > min);
    default:
      return true;
  }
}

function thresholdsOf(
  request: Readonly<Record<string, Value>>,
  callback: PacketSpec,
  keys: readonly string[],
): Threshold[] {
  const values = callback.out.filter((e) =>
    !keys.includes(e.name) && isNumericType(e.type) && e.count === 1
  );
  if ("min" in request && values.length > 0) {
    return [[values[0].name, Number(request.min), Number(request.max)]];
  }
  return values
    .filter((e) => `min_${e.name}` in request)
    .map((e) => [e.name, Number(request[`min_${e.name}`]), Number(request[`max_${e.name}`])]);
}

/** Callback timers and enable flags of one device. */
export class CallbackEngine {
  readonly #host: CallbackEngineHost;
  readonly #rules: ReadonlyMap<string, readonly CallbackRule[]>;
  readonly #instances = new Map<string, Instance>();
  readonly #gates = new Map<string, Gate>();
  readonly #gateStates = new Map<string, boolean>();
  #debounce = DEFAULT_DEBOUNCE_MS;
  #running = false;

  constructor(device: DeviceSpec, host: CallbackEngineHost) {
    this.#host = host;
    const rules = new Map<string, CallbackRule[]>();
    for (const rule of deriveCallbackRules(device)) {
      const list = rules.get(rule.function.name) ?? [];
      list.push(rule);
      rules.set(rule.function.name, list);
      this.#registerGate(rule);
    }
    this.#rules = rules;
    const debounce = device.functions.find((fn) => fn.name === "set_debounce_period")?.in[0];
    if (typeof debounce?.default === "number") this.#debounce = debounce.default;
  }

  #registerGate(rule: CallbackRule): void {
    let element: string | undefined;
    if (rule.kind === "flag") element = rule.flag;
    else if (rule.kind === "configuration") {
      element = rule.function.in.find((e) => ENABLE_ELEMENTS.includes(e.name))?.name;
    }
    const initial = element === undefined
      ? false
      : rule.function.in.find((e) => e.name === element)?.default === true;
    if (element !== undefined || rule.kind === "enable" || rule.kind === "disable") {
      this.#gates.set(rule.callback.name, { keys: rule.keys, initial });
    }
  }

  /** Number of armed timers (for tests and stats). */
  get timerCount(): number {
    let count = 0;
    for (const instance of this.#instances.values()) if (instance.timer !== undefined) count++;
    return count;
  }

  /** Whether an event of this callback may be sent now (false while its enable flag is off). */
  allows(callbackName: string, values: Readonly<Record<string, Value>>): boolean {
    const gate = this.#gates.get(callbackName);
    if (gate === undefined) return true;
    return this.#gateStates.get(`${callbackName}|${keyString(gate.keys, values)}`) ?? gate.initial;
  }

  /** Applies a request to a configuration function; other functions are ignored. */
  configure(fn: PacketSpec, request: Readonly<Record<string, Value>>): void {
    if (fn.name === "set_debounce_period" && typeof request.debounce === "number") {
      this.#debounce = request.debounce;
      for (const instance of this.#instances.values()) if (instance.debounced) this.#arm(instance);
      return;
    }
    for (const rule of this.#rules.get(fn.name) ?? []) this.#apply(rule, request);
  }

  #apply(rule: CallbackRule, request: Readonly<Record<string, Value>>): void {
    const name = rule.callback.name;
    const gateKey = `${name}|${keyString(rule.keys, request)}`;
    switch (rule.kind) {
      case "enable":
      case "disable":
        this.#gateStates.set(gateKey, rule.kind === "enable");
        return;
      case "flag":
        this.#gateStates.set(gateKey, request[rule.flag!] === true);
        return;
    }
    const instance = this.#instance(rule, request);
    instance.last = undefined;
    if (rule.kind === "threshold") {
      instance.option = String(request.option ?? "x");
      instance.thresholds = thresholdsOf(request, rule.callback, rule.keys);
    } else {
      instance.period = Number(request.period ?? 0);
      instance.valueHasToChange = rule.kind === "callback_period" ||
        request.value_has_to_change === true;
      const enable = ENABLE_ELEMENTS.find((element) => element in request);
      instance.enabled = enable === undefined || request[enable] === true;
      if (enable !== undefined) this.#gateStates.set(gateKey, instance.enabled);
      instance.option = String(request.option ?? "x");
      instance.thresholds = thresholdsOf(request, rule.callback, rule.keys);
    }
    this.#arm(instance);
  }

  #instance(rule: CallbackRule, request: Readonly<Record<string, Value>>): Instance {
    const key: Record<string, Value> = {};
    for (const name of rule.keys) key[name] = request[name];
    const id = `${rule.callback.name}|${keyString(rule.keys, key)}`;
    let instance = this.#instances.get(id);
    if (instance === undefined) {
      instance = {
        callback: rule.callback,
        key,
        debounced: rule.kind === "threshold",
        period: 0,
        enabled: true,
        valueHasToChange: false,
        option: "x",
        thresholds: [],
        last: undefined,
        timer: undefined,
      };
      this.#instances.set(id, instance);
    }
    return instance;
  }

  #interval(instance: Instance): number {
    if (instance.debounced) return instance.option === "x" ? 0 : this.#debounce;
    return instance.enabled ? instance.period : 0;
  }

  #arm(instance: Instance): void {
    if (instance.timer !== undefined) clearInterval(instance.timer);
    instance.timer = undefined;
    const interval = this.#interval(instance);
    if (!this.#running || interval <= 0) return;
    instance.timer = setInterval(() => this.#tick(instance), Math.max(1, interval));
  }

  #tick(instance: Instance): void {
    const values = this.#host.callbackValues(instance.callback, instance.key);
    if (!thresholdMet(instance.option, instance.thresholds, values)) return;
    if (instance.valueHasToChange) {
      const text = serialize(values);
      if (text === instance.last) return;
      instance.last = text;
    }
    this.#host.emit(instance.callback, values);
  }

  /** Arms the timers of every configured callback (after construction or {@link suspend}). */
  resume(): void {
    this.#running = true;
    for (const instance of this.#instances.values()) this.#arm(instance);
  }

  /** Clears all timers but keeps the configuration, like a daemon restart that keeps its devices. */
  suspend(): void {
    this.#running = false;
    for (const instance of this.#instances.values()) {
      if (instance.timer !== undefined) clearInterval(instance.timer);
      instance.timer = undefined;
    }
  }
}
