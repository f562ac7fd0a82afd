/**
 * The telemetry catalog: for every device type, the getters the sampler reads, the values it
 * takes from them (key, SI scale, unit, place in the payload) and the callback that delivers
 * the same values periodically, with the configuration function that sets its period.
 *
 * Derived from the codecs by the rules in `catalog_rules.ts` (see there for which getters and
 * values count as telemetry and how keys are formed), computed on first use of a device type
 * and cached.
 *
 * A getter is bound to a callback of the "c" category whose outputs have exactly the getter's
 * layout, preferring the one named like the getter's subject (`get_temperature` →
 * `temperature`, not `temperature_reached`). Its configuration function is
 * `set_<callback>_callback_configuration`, `set_<callback>_callback_period` or
 * `set_<callback>_period`, used only when every argument besides the period is one the
 * sampler can set to "always send": `value_has_to_change` false, threshold `option` 'x',
 * `min`/`max` 0 (and, for channel getters, the channel). Configurations with enable flags or
 * other arguments are not bound; such getters are polled. A channel getter's callback carries
 * the channel before the getter's values, and the sampler tells the channels apart by it.
 *
 * @module
 */

import { encodePayload, type Value } from "../tfp/payload.ts";
import { planFor } from "../tfp/payload_plan.ts";
import { allDevices, deviceByIdentifier, functionByName } from "../tfp/registry.ts";
import type { DeviceSpec, ElementSpec, PacketSpec, WireType } from "../tfp/spec.ts";
import {
  baseKey,
  channelCount,
  isMeasurementGetter,
  isSampledLetter,
  isSampledNumber,
  itemKey,
  samplingOrder,
  subjectOf,
  unitText,
} from "./catalog_rules.ts";

/** One sampled value of a getter (and of its callback, which has the same layout). */
export interface SampledValue {
  /** Record key, unique per device, e.g. "temperature" */
  readonly key: string;
  /** Output element it comes from */
  readonly element: string;
  /** Item index for array elements, -1 for scalars */
  readonly index: number;
  readonly type: WireType;
  /** Numeric wire type code (payload_plan.ts) */
  readonly code: number;
  /** Byte offset in the response / callback payload */
  readonly offset: number;
  /** physical = raw * scale[0] / scale[1] */
  readonly scale: readonly [number, number];
  /** Unit text after scaling, e.g. "°C", "%RH", "hPa"; undefined for unitless values */
  readonly unit: string | undefined;
  readonly unitTitle: string | undefined;
}

/** How a getter's values arrive by callback. */
export interface CallbackBinding {
  readonly callback: PacketSpec;
  /** Callback payload length */
  readonly payloadLength: number;
  /** Byte offset of the getter's layout inside the callback payload */
  readonly valueOffset: number;
  /** Byte offset of the channel (uint8) in the callback payload; -1 without channel */
  readonly channelOffset: number;
  /** Sets the callback period (and the "always send" options) */
  readonly configuration: PacketSpec;
  /** Reads the configuration back, when the device has such a getter */
  readonly readBack: PacketSpec | undefined;
  /** Position of the period among the configuration arguments */
  readonly periodIndex: number;
  /** Longest period (ms) the period argument can carry */
  readonly maxPeriodMs: number;
  /** Configuration arguments in wire order, period 0 (callback off) */
  readonly arguments: readonly Value[];
}

/** A getter the sampler reads (channel getters: one entry per channel). */
export interface SampledGetter {
  readonly getter: PacketSpec;
  /** The channel this entry reads, for getters with a channel input */
  readonly channel: number | undefined;
  /** Request payload: the channel, or empty */
  readonly request: Uint8Array;
  /** Response payload length */
  readonly responseLength: number;
  readonly values: readonly SampledValue[];
  readonly callback: CallbackBinding | undefined;
}

/** The telemetry of one device type. */
export interface DeviceCatalog {
  readonly spec: DeviceSpec;
  readonly getters: readonly SampledGetter[];
  /** Value key → unit text, for every value that has a unit */
  readonly units: Readonly<Record<string, string>>;
}

/** Catalog coverage over every known device type. */
export interface CatalogSummary {
  /** Device types in the codecs */
  devices: number;
  /** Device types with at least one sampled value */
  sampled: number;
  getters: number;
  values: number;
  /** Sampled getters that have a callback binding */
  callbacks: number;
}

const cache = new WeakMap<DeviceSpec, DeviceCatalog | null>();

/** The catalog of the device type with this identifier; undefined when nothing is sampled. */
export function catalogFor(deviceIdentifier: number): DeviceCatalog | undefined {
  const spec = deviceByIdentifier(deviceIdentifier);
  return spec === undefined ? undefined : catalogOf(spec);
}

/** The catalog of a device spec (also for specs not in the codecs); undefined when empty. */
export function catalogOf(spec: DeviceSpec): DeviceCatalog | undefined {
  let catalog = cache.get(spec);
  if (catalog === undefined) {
    catalog = buildCatalog(spec) ?? null;
    cache.set(spec, catalog);
  }
  return catalog ?? undefined;
}

/** Counts over every device type in the codecs (builds every catalog). */
export function catalogSummary(): CatalogSummary {
  const summary: CatalogSummary = { devices: 0, sampled: 0, getters: 0, values: 0, callbacks: 0 };
  for (const spec of allDevices()) {
    summary.devices++;
    const catalog = catalogOf(spec);
    if (catalog === undefined) continue;
    summary.sampled++;
    for (const getter of catalog.getters) {
      summary.getters++;
      summary.values += getter.values.length;
      if (getter.callback !== undefined) summary.callbacks++;
    }
  }
  return summary;
}

/** The configuration payload that sets the callback period to `periodMs` (0 = off). */
export function callbackConfigurationPayload(
  binding: CallbackBinding,
  periodMs: number,
): Uint8Array {
  const args = binding.arguments.slice();
  args[binding.periodIndex] = periodMs;
  return encodePayload(binding.configuration.in, args);
}

function buildCatalog(spec: DeviceSpec): DeviceCatalog | undefined {
  const taken = new Set<string>();
  const getters: SampledGetter[] = [];
  const units: Record<string, string> = {};
  const candidates = spec.functions.filter((fn) => isMeasurementGetter(spec, fn));
  for (const getter of samplingOrder(candidates)) {
    const channels = channelCount(getter);
    for (let c = 0; c < Math.max(1, channels); c++) {
      const channel = channels === 0 ? undefined : c;
      const values = sampledValues(getter, channel, taken);
      if (!values.some((value) => value.type !== "char")) continue;
      for (const value of values) {
        taken.add(value.key);
        if (value.unit !== undefined) units[value.key] = value.unit;
      }
      getters.push({
        getter,
        channel,
        request: channel === undefined ? EMPTY : encodePayload(getter.in, [channel]),
        responseLength: planFor(getter.out).size,
        values,
        callback: bindCallback(spec, getter, channel),
      });
    }
  }
  return getters.length === 0 ? undefined : { spec, getters, units };
}

const EMPTY = new Uint8Array(0);

function sampledValues(
  getter: PacketSpec,
  channel: number | undefined,
  taken: ReadonlySet<string>,
): SampledValue[] {
  const steps = planFor(getter.out).steps;
  const suffix = channel === undefined ? "" : `_${channel}`;
  const values: SampledValue[] = [];
  getter.out.forEach((element, i) => {
    if (!isSampledNumber(element) && !isSampledLetter(element)) return;
    const step = steps[i];
    const base = baseKey(getter, element);
    const items = step.array ? element.count : 1;
    for (let index = 0; index < items; index++) {
      const key = (step.array ? itemKey(base, element, index) : base) + suffix;
      const item = step.array ? element.items?.[index] : undefined;
      const scale = item?.scale ?? element.scale ?? [1, 1];
      if (taken.has(key) || scale === "dynamic") continue;
      values.push({
        key,
        element: element.name,
        index: step.array ? index : -1,
        type: element.type,
        code: step.code,
        offset: step.offset + (step.array ? index * step.itemSize : 0),
        scale: [scale[0], scale[1]],
        unit: unitText(item?.unit ?? element.unit, element.unitTitle),
        unitTitle: element.unitTitle,
      });
    }
  });
  return values;
}

function sameLayout(a: readonly ElementSpec[], b: readonly ElementSpec[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].name !== b[i].name || a[i].type !== b[i].type || a[i].count !== b[i].count) {
      return false;
    }
  }
  return true;
}

/** Callback elements that must precede the getter's outputs: the channel, if any. */
function callbackPrefix(getter: PacketSpec): readonly ElementSpec[] {
  return channelCount(getter) === 0 ? [] : getter.in;
}

function matchingCallback(spec: DeviceSpec, getter: PacketSpec): PacketSpec | undefined {
  const layout = [...callbackPrefix(getter), ...getter.out];
  const candidates = spec.callbacks.filter((cb) =>
    cb.doc === "c" && cb.level === "normal" && sameLayout(cb.out, layout)
  );
  const named = candidates.find((cb) => cb.name === subjectOf(getter));
  if (named !== undefined) return named;
  const periodic = candidates.filter((cb) => !cb.name.endsWith("_reached"));
  return periodic.length === 1 ? periodic[0] : undefined;
}

const CONFIGURATION_SUFFIXES = ["_callback_configuration", "_callback_period", "_period"];

function bindCallback(
  spec: DeviceSpec,
  getter: PacketSpec,
  channel: number | undefined,
): CallbackBinding | undefined {
  const callback = matchingCallback(spec, getter);
  if (callback === undefined) return undefined;
  const channelName = channel === undefined ? undefined : getter.in[0].name;
  for (const suffix of CONFIGURATION_SUFFIXES) {
    const configuration = functionByName(spec, `set_${callback.name}${suffix}`);
    if (configuration === undefined) continue;
    const binding = bindConfiguration(configuration, channelName, channel);
    if (binding === undefined) continue;
    const prefix = planFor(callbackPrefix(getter)).size;
    return {
      ...binding,
      callback,
      payloadLength: planFor(callback.out).size,
      valueOffset: prefix,
      channelOffset: channel === undefined ? -1 : 0,
      readBack: functionByName(spec, `get_${callback.name}${suffix}`),
    };
  }
  return undefined;
}

const INTEGER_MAX: Partial<Record<WireType, number>> = {
  uint16: 0xffff,
  uint32: 0xffffffff,
  int32: 0x7fffffff,
};

type ConfigurationPart = Pick<
  CallbackBinding,
  "configuration" | "periodIndex" | "maxPeriodMs" | "arguments"
>;

function bindConfiguration(
  configuration: PacketSpec,
  channelName: string | undefined,
  channel: number | undefined,
): ConfigurationPart | undefined {
  if (configuration.level !== "normal") return undefined;
  const args: Value[] = [];
  let periodIndex = -1;
  let maxPeriodMs = 0;
  for (const element of configuration.in) {
    if (element.count !== 1) return undefined;
    if (element.name === "period") {
      const max = INTEGER_MAX[element.type];
      const ms = element.scale === undefined ||
        (element.scale !== "dynamic" && element.scale[0] === 1 && element.scale[1] === 1000);
      if (max === undefined || !ms) return undefined;
      periodIndex = args.length;
      maxPeriodMs = max;
      args.push(0);
    } else if (element.name === channelName && channel !== undefined) {
      args.push(channel);
    } else if (element.name === "value_has_to_change" && element.type === "bool") {
      args.push(false);
    } else if (element.name === "option" && element.type === "char") {
      args.push("x");
    } else if (/^(min|max)(_|$)/.test(element.name) && element.type !== "char") {
      args.push(element.type === "int64" || element.type === "uint64" ? 0n : 0);
    } else {
      return undefined;
    }
  }
  if (periodIndex < 0) return undefined;
  return { configuration, periodIndex, maxPeriodMs, arguments: args };
}
