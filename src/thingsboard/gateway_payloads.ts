/**
 * Gateway API payloads: telemetry and attribute maps keyed by device name,
 * split into messages that fit the server's packet limit and the gateway's
 * rate limits; attribute request bodies and responses.
 *
 * A map too large for one message is split by device, and a device too large
 * for one message by entries and keys (`telemetry.ts` does that part). One
 * message never names a device twice (a JSON object with a repeated key would
 * lose all but one part), and never carries more data points or devices than
 * one window of the gateway's rate limits holds: ThingsBoard counts every
 * device of a message as one telemetry message plus its key-values.
 *
 * @module
 */
import { type ClaimBody, claimBody } from "./claim.ts";
import { isJsonObject, type TbJsonObject, type TbJsonValue, utf8Length } from "./json.ts";
import {
  attributePayloads,
  type Payload,
  type SplitLimits,
  type TelemetryData,
  telemetryPayloads,
  type TelemetryValues,
} from "./telemetry.ts";

/** Telemetry of several devices: device name → the shapes `sendTelemetry` of a device takes. */
export type GatewayTelemetry = Readonly<Record<string, TelemetryData>>;
/** Client attributes of several devices: device name → flat key-values. */
export type GatewayAttributes = Readonly<Record<string, TelemetryValues>>;

/** One gateway message body. */
export interface GatewayPayload extends Payload {
  /** Devices the message names (each counts as one telemetry message) */
  readonly devices: number;
}

/** Limits of one gateway message. */
export interface GatewaySplitLimits extends SplitLimits {
  /** Most devices in one message (from the gateway's telemetry-message rate limit) */
  maxDevices: number;
}

/** Throws a `TypeError` unless `name` is a usable device name. */
export function checkDeviceName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.trim() === "") {
    throw new TypeError(
      `Invalid device name ${JSON.stringify(name) ?? String(name)}: expected a non-empty string`,
    );
  }
}

/** Claims of several devices: `{name: {secretKey, durationMs?}}` (see `claim.ts`). */
export type GatewayClaims = Readonly<Record<string, { secretKey: string; durationMs?: number }>>;

/** The payload of `v1/gateway/claim`; throws for a bad name, secret or duration (never shown). */
export function gatewayClaimPayload(claims: GatewayClaims): string {
  if (!isJsonObject(claims) || Object.keys(claims).length === 0) {
    throw new TypeError("Invalid claims: expected an object of at least one device name");
  }
  const bodies: Record<string, ClaimBody> = {};
  for (const [name, claim] of Object.entries(claims)) {
    checkDeviceName(name);
    try {
      bodies[name] = claimBody(claim?.secretKey, claim?.durationMs);
    } catch (error) {
      throw relabel(error, name);
    }
  }
  return JSON.stringify(bodies);
}

/** Payloads for `v1/gateway/telemetry`; each device's data becomes an array, as the server needs. */
export function gatewayTelemetryPayloads(
  data: GatewayTelemetry,
  limits: GatewaySplitLimits,
  now: () => number = Date.now,
): GatewayPayload[] {
  return pack(data, "telemetry", limits, (value, deviceLimits) =>
    telemetryPayloads(
      (Array.isArray(value) ? value : [value]) as TelemetryData,
      deviceLimits,
      now,
    ));
}

/** Payloads for `v1/gateway/attributes`. */
export function gatewayAttributePayloads(
  data: GatewayAttributes,
  limits: GatewaySplitLimits,
): GatewayPayload[] {
  return pack(
    data,
    "attributes",
    limits,
    (value, deviceLimits) => attributePayloads(value as TelemetryValues, deviceLimits),
  );
}

function pack(
  data: Readonly<Record<string, unknown>>,
  what: string,
  limits: GatewaySplitLimits,
  shape: (value: unknown, limits: SplitLimits) => Payload[],
): GatewayPayload[] {
  if (!isJsonObject(data)) {
    throw new TypeError(`Cannot send gateway ${what}: expected an object of device name → data`);
  }
  const names = Object.keys(data);
  if (names.length === 0) throw new TypeError(`Cannot send gateway ${what}: no devices`);
  const out: GatewayPayload[] = [];
  let frags: string[] = [];
  let bytes = 2; // "{" and "}"
  let points = 0;
  const flush = () => {
    if (frags.length === 0) return;
    out.push({ text: `{${frags.join(",")}}`, bytes, dataPoints: points, devices: frags.length });
    frags = [];
    bytes = 2;
    points = 0;
  };
  for (const name of names) {
    checkDeviceName(name);
    const prefix = `${JSON.stringify(name)}:`;
    const prefixBytes = utf8Length(prefix);
    const room = limits.maxBytes - 2 - prefixBytes;
    if (room < 16) {
      throw new RangeError(
        `Cannot send ${what} of device "${name}": the name alone nearly fills the server's limit of ${limits.maxBytes} bytes`,
      );
    }
    let parts: Payload[];
    try {
      parts = shape(data[name], { maxBytes: room, maxDataPoints: limits.maxDataPoints });
    } catch (error) {
      throw relabel(error, name);
    }
    let first = true;
    for (const part of parts) {
      const add = prefixBytes + part.bytes + (frags.length > 0 ? 1 : 0);
      // A later part of the same device must not share a message with an earlier one.
      if (
        !first || bytes + add > limits.maxBytes ||
        points + part.dataPoints > limits.maxDataPoints ||
        frags.length + 1 > limits.maxDevices
      ) {
        flush();
      }
      bytes += prefixBytes + part.bytes + (frags.length > 0 ? 1 : 0);
      points += part.dataPoints;
      frags.push(prefix + part.text);
      first = false;
    }
  }
  flush();
  return out;
}

/** Adds the device name to a validation error, keeping its class. */
function relabel(error: unknown, name: string): unknown {
  if (!(error instanceof TypeError || error instanceof RangeError)) return error;
  const Class = error instanceof RangeError ? RangeError : TypeError;
  return new Class(`${error.message} (device "${name}")`);
}

/** Checks one scope's key list of an attribute request; undefined or empty = not requested. */
export function requestKeys(keys: unknown, scope: "client" | "shared"): string[] {
  if (keys === undefined) return [];
  if (!Array.isArray(keys)) throw new TypeError(`Invalid ${scope} keys: expected an array`);
  for (const key of keys) {
    if (typeof key !== "string" || key === "") {
      throw new TypeError(
        `Invalid ${scope} key ${JSON.stringify(key) ?? String(key)}: expected a non-empty string`,
      );
    }
  }
  return keys as string[];
}

/**
 * The request body without its id, as the server reads it (one scope per
 * request: `client` true or false; the docs' `shared` array is not read).
 */
export function attributeRequestFields(device: string, client: boolean, keys: string[]): string {
  return JSON.stringify({ device, client, keys });
}

/** The body with the id the request table allocated. */
export function withRequestId(id: number, fields: string): string {
  return `{"id":${id},${fields.slice(1)}`;
}

/**
 * The values of a response to a request for `keys`: `values` when the server
 * found several, `value` when it found exactly one (nameless: known only when
 * one key was asked for, otherwise undefined), neither when none.
 */
export function attributeResponseValues(
  response: TbJsonValue,
  keys: readonly string[],
): TbJsonObject | undefined {
  if (!isJsonObject(response)) {
    throw new TypeError("Invalid gateway attribute response: expected a JSON object");
  }
  if (isJsonObject(response.values)) return response.values;
  if (Object.hasOwn(response, "value")) {
    return keys.length === 1 ? { [keys[0]]: response.value } : undefined;
  }
  return {};
}
