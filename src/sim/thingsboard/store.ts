/**
 * What the emulated platform persists per device: telemetry, attributes, claims, provisioning
 * state and rate-limit buckets. Survives server restarts (ThingsBoard keeps them in its
 * database); RPC state does not (see `server_rpc.ts`).
 *
 * @module
 */

import { DeviceRateLimiter } from "./rate_limits.ts";
import type {
  AddDeviceOptions,
  ClaimRecord,
  DeviceInfo,
  RateLimits,
  TbValue,
  TelemetryEntry,
} from "./types.ts";

/** One device of the emulated tenant. */
export class DeviceRecord {
  readonly name: string;
  type: string;
  gateway: boolean;
  parentGateway: string | undefined;
  provisioned = false;
  readonly telemetry: TelemetryEntry[] = [];
  readonly clientAttributes = new Map<string, TbValue>();
  readonly sharedAttributes = new Map<string, TbValue>();
  readonly claims: ClaimRecord[] = [];
  limiter: DeviceRateLimiter;
  /** Shared by every device behind this gateway */
  gatewayLimiter: DeviceRateLimiter;

  constructor(name: string, options: AddDeviceOptions = {}, parentGateway?: string) {
    this.name = name;
    this.type = options.type ?? "default";
    this.gateway = options.gateway === true;
    this.parentGateway = parentGateway;
    this.limiter = new DeviceRateLimiter(options.rateLimits);
    this.gatewayLimiter = new DeviceRateLimiter(options.gatewayRateLimits);
  }

  /** Stores telemetry in arrival order; entries without values store nothing. */
  addTelemetry(entries: readonly TelemetryEntry[]): void {
    for (const entry of entries) {
      if (Object.keys(entry.values).length > 0) this.telemetry.push(entry);
    }
  }

  setClientAttributes(values: Record<string, TbValue>): void {
    for (const key in values) this.clientAttributes.set(key, values[key]);
  }

  /** `{"client":{..},"shared":{..}}`, each scope only when a key was found; `{}` when none. */
  attributeResponse(clientKeys?: string[], sharedKeys?: string[]): Record<string, unknown> {
    const none = (clientKeys?.length ?? 0) === 0 && (sharedKeys?.length ?? 0) === 0;
    // No keys at all means "everything" (DeviceActorMessageProcessor.handleGetAttributesRequest).
    const client = pick(this.clientAttributes, none ? undefined : clientKeys ?? []);
    const shared = pick(this.sharedAttributes, none ? undefined : sharedKeys ?? []);
    const response: Record<string, unknown> = {};
    if (client) response.client = client;
    if (shared) response.shared = shared;
    return response;
  }

  info(connected: boolean): DeviceInfo {
    const info: DeviceInfo = {
      name: this.name,
      type: this.type,
      gateway: this.gateway,
      provisioned: this.provisioned,
      connected,
    };
    if (this.parentGateway !== undefined) info.parentGateway = this.parentGateway;
    return info;
  }
}

/** Values of `keys` (all when undefined) that exist; undefined when none does. */
export function pick(
  map: ReadonlyMap<string, TbValue>,
  keys: readonly string[] | undefined,
): Record<string, TbValue> | undefined {
  const out: Record<string, TbValue> = {};
  let found = false;
  for (const key of keys ?? map.keys()) {
    if (map.has(key)) {
      out[key] = map.get(key)!;
      found = true;
    }
  }
  return found ? out : undefined;
}

/** Checks `addDevice` options. */
export function validateDeviceOptions(name: string, options: AddDeviceOptions): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Options of device "${name}" must be an object`);
  }
  if (options.type !== undefined && (typeof options.type !== "string" || options.type === "")) {
    throw new TypeError(`Type of device "${name}" must be a non-empty string`);
  }
  for (const limits of [options.rateLimits, options.gatewayRateLimits]) {
    if (limits === undefined) continue;
    if (limits === null || typeof limits !== "object") {
      throw new TypeError(`Rate limits of device "${name}" must be an object`);
    }
    // Constructing the limiter parses every string and throws on a bad one.
    new DeviceRateLimiter(limits as RateLimits);
  }
}
