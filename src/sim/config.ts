/**
 * Configuration of the simulated brickd: which devices exist, their identity,
 * initial getter values, an optional authentication secret and a random seed.
 *
 * ```json
 * { "devices": [ { "type": "temperature_v2_bricklet", "uid": "Tmp", "position": "a",
 *     "connected_uid": "HAT1", "hardware_version": [1, 0, 0], "firmware_version": [2, 0, 3],
 *     "values": { "get_temperature": { "temperature": 2345 } } } ],
 *   "secret": "...", "seed": 1 }
 * ```
 *
 * Validation collects every problem and throws one {@link ConfigError} listing them all.
 *
 * @module
 */

import { base58Decode, UidError } from "../tfp/base58.ts";
import { validateSecret } from "../tfp/auth.ts";
import { deviceByIdentifier, deviceByName, functionByName } from "../tfp/registry.ts";
import type { DeviceSpec } from "../tfp/spec.ts";
import type { Value } from "../tfp/payload.ts";
import type { SimIdentity } from "./device_model.ts";
import { coerceValue } from "./coerce.ts";

/** One device as written in the configuration. */
export interface DeviceConfig {
  /** Device name as in the codecs ("temperature_v2_bricklet") or device identifier (2113) */
  readonly type: string | number;
  /** Base58 UID, a 32-bit value other than 0 and 1 */
  readonly uid: string;
  /** Default: "0" for Bricks, "a" for Bricklets */
  readonly position?: string;
  /** Default: "0" */
  readonly connected_uid?: string;
  /** Default: [1, 0, 0] */
  readonly hardware_version?: readonly number[];
  /** Default: [2, 0, 0] */
  readonly firmware_version?: readonly number[];
  /** getter name → element name → value (getter inputs such as "channel" select the instance) */
  readonly values?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The whole configuration file. */
export interface SimConfig {
  readonly devices: readonly DeviceConfig[];
  readonly secret?: string;
  readonly seed?: number;
}

/** A validated device, ready to simulate. */
export interface ResolvedDevice {
  readonly spec: DeviceSpec;
  readonly identity: SimIdentity;
  /** [getter name, values] */
  readonly values: readonly (readonly [string, Record<string, Value>])[];
}

/** Invalid configuration; `problems` lists every error found. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      problems.length === 1
        ? `Invalid simulator configuration: ${problems[0]}`
        : `Invalid simulator configuration (${problems.length} problems):\n- ${
          problems.join("\n- ")
        }`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const DEVICE_KEYS = new Set([
  "type",
  "uid",
  "position",
  "connected_uid",
  "hardware_version",
  "firmware_version",
  "values",
]);
const TOP_KEYS = new Set(["devices", "secret", "seed"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Checks a Base58 UID text; returns its 32-bit value or pushes a problem. */
function checkUid(text: unknown, where: string, problems: string[]): number | undefined {
  if (typeof text !== "string") {
    problems.push(`${where}: expected a Base58 UID string, got ${show(text)}`);
    return undefined;
  }
  let value: bigint;
  try {
    value = base58Decode(text);
  } catch (error) {
    problems.push(`${where}: ${error instanceof UidError ? error.message : String(error)}`);
    return undefined;
  }
  if (text === "" || value > 0xffffffffn || value <= 1n) {
    problems.push(`${where}: UID "${text}" must be a 32-bit value other than 0 and 1`);
    return undefined;
  }
  return Number(value);
}

function resolveType(type: unknown, where: string, problems: string[]): DeviceSpec | undefined {
  const spec = typeof type === "string"
    ? deviceByName(type)
    : typeof type === "number"
    ? deviceByIdentifier(type)
    : undefined;
  if (spec === undefined) {
    problems.push(`${where}.type: unknown device type ${show(type)}`);
  } else if (spec.identifier < 0 || spec.identifier > 0xffff) {
    problems.push(`${where}.type: "${spec.name}" is a placeholder spec, not a real device`);
    return undefined;
  }
  return spec;
}

function version(value: unknown, where: string, fallback: number[], problems: string[]) {
  if (value === undefined) return fallback as [number, number, number];
  if (
    !Array.isArray(value) || value.length !== 3 ||
    !value.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)
  ) {
    problems.push(`${where}: expected three integers 0..255, got ${show(value)}`);
    return fallback as [number, number, number];
  }
  return value as [number, number, number];
}

function resolveValues(
  spec: DeviceSpec,
  values: unknown,
  where: string,
  problems: string[],
): [string, Record<string, Value>][] {
  if (values === undefined) return [];
  if (!isRecord(values)) {
    problems.push(`${where}: expected an object of getter name → values, got ${show(values)}`);
    return [];
  }
  const result: [string, Record<string, Value>][] = [];
  for (const [getterName, record] of Object.entries(values)) {
    const at = `${where}.${getterName}`;
    const getter = functionByName(spec, getterName);
    if (getter === undefined || getter.out.length === 0 || getter.level === "high") {
      problems.push(`${at}: "${spec.name}" has no getter "${getterName}"`);
      continue;
    }
    if (!isRecord(record)) {
      problems.push(`${at}: expected an object of value name → value, got ${show(record)}`);
      continue;
    }
    const coerced: Record<string, Value> = {};
    for (const [name, raw] of Object.entries(record)) {
      const element = getter.out.find((e) => e.name === name && e.role === undefined) ??
        getter.in.find((e) => e.name === name);
      if (element === undefined) {
        problems.push(`${at}.${name}: "${getterName}" has no value "${name}"`);
        continue;
      }
      const value = coerceValue(element, raw, `${at}.${name}`, problems);
      if (value !== undefined) coerced[name] = value;
    }
    result.push([getterName, coerced]);
  }
  return result;
}

function resolveDeviceInto(
  config: unknown,
  where: string,
  problems: string[],
): ResolvedDevice | undefined {
  if (!isRecord(config)) {
    problems.push(`${where}: expected a device object, got ${show(config)}`);
    return undefined;
  }
  for (const key of Object.keys(config)) {
    if (!DEVICE_KEYS.has(key)) problems.push(`${where}: unknown key "${key}"`);
  }
  const before = problems.length;
  const spec = resolveType(config.type, where, problems);
  const uid = checkUid(config.uid, `${where}.uid`, problems);
  const connectedUid = config.connected_uid ?? "0";
  if (connectedUid !== "0") checkUid(connectedUid, `${where}.connected_uid`, problems);
  const position = config.position ?? (spec?.category === "Brick" ? "0" : "a");
  if (typeof position !== "string" || position.length !== 1 || position.charCodeAt(0) > 0xff) {
    problems.push(`${where}.position: expected one character, got ${show(position)}`);
  }
  const hardwareVersion = version(
    config.hardware_version,
    `${where}.hardware_version`,
    [1, 0, 0],
    problems,
  );
  const firmwareVersion = version(
    config.firmware_version,
    `${where}.firmware_version`,
    [2, 0, 0],
    problems,
  );
  const values = spec === undefined
    ? []
    : resolveValues(spec, config.values, `${where}.values`, problems);
  if (problems.length > before || spec === undefined || uid === undefined) return undefined;
  return {
    spec,
    identity: {
      uid,
      uidText: config.uid as string,
      connectedUid: connectedUid as string,
      position: position as string,
      hardwareVersion,
      firmwareVersion,
    },
    values,
  };
}

/** Validates one device configuration; throws {@link ConfigError}. */
export function resolveDevice(config: DeviceConfig): ResolvedDevice {
  const problems: string[] = [];
  const device = resolveDeviceInto(config, `device "${show(config?.uid)}"`, problems);
  if (device === undefined) throw new ConfigError(problems);
  return device;
}

/** Validates a device list (including duplicate UIDs); throws {@link ConfigError}. */
export function resolveDevices(configs: unknown, where = "devices"): ResolvedDevice[] {
  const problems: string[] = [];
  if (!Array.isArray(configs)) throw new ConfigError([`${where}: expected an array of devices`]);
  const devices: ResolvedDevice[] = [];
  const seen = new Map<number, string>();
  configs.forEach((config, index) => {
    const device = resolveDeviceInto(config, `${where}[${index}]`, problems);
    if (device === undefined) return;
    const first = seen.get(device.identity.uid);
    if (first !== undefined) {
      problems.push(
        `${where}[${index}].uid: duplicate UID "${device.identity.uidText}" (also ${first})`,
      );
      return;
    }
    seen.set(device.identity.uid, `${where}[${index}]`);
    devices.push(device);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return devices;
}

/** Validates a parsed configuration file; throws {@link ConfigError} listing all problems. */
export function parseConfig(json: unknown): SimConfig & { readonly resolved: ResolvedDevice[] } {
  if (!isRecord(json)) throw new ConfigError([`expected a JSON object, got ${show(json)}`]);
  const problems: string[] = [];
  for (const key of Object.keys(json)) {
    if (!TOP_KEYS.has(key)) problems.push(`unknown key "${key}"`);
  }
  if (json.secret !== undefined) {
    if (typeof json.secret !== "string") problems.push("secret: expected a string");
    else {
      try {
        validateSecret(json.secret);
        if (json.secret === "") {
          problems.push("secret: must not be empty (omit it to disable authentication)");
        }
      } catch (error) {
        // validateSecret's messages never contain the secret itself.
        problems.push(`secret: ${(error as Error).message}`);
      }
    }
  }
  if (json.seed !== undefined && !(Number.isInteger(json.seed) && (json.seed as number) >= 0)) {
    problems.push(`seed: expected a non-negative integer, got ${show(json.seed)}`);
  }
  let resolved: ResolvedDevice[] = [];
  if (json.devices === undefined) problems.push(`devices: missing (an array of devices)`);
  else {
    try {
      resolved = resolveDevices(json.devices);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    devices: json.devices as DeviceConfig[],
    secret: json.secret as string | undefined,
    seed: json.seed as number | undefined,
    resolved,
  };
}
