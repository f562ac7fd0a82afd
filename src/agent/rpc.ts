/**
 * ThingsBoard server-side RPC of the agent.
 *
 * Methods:
 * - `<device>/<uid>/<function>`, e.g. `temperature_v2_bricklet/Tmp/get_temperature`: calls the
 *   function through the call engine, exactly as the bridge does for
 *   `tinkerforge/request/<device>/<uid>/<function>`, and replies with the object the bridge
 *   would publish on the response topic, `_ERROR` answers included. `params` is the bridge's
 *   request payload: an object, a string holding the JSON text (parsed as the bridge parses
 *   it, error texts included), or absent / null for `{}`. A setter that succeeded replies
 *   `{}`, where the bridge publishes nothing, so a two-way RPC still gets its answer.
 * - In gateway mode an RPC addressed to a sub-device comes with its uid; the method is then
 *   just `<function>` (the device type is looked up among the enumerated devices), or the
 *   full form with that same uid.
 * - `enumerate`: `{devices: [{uid, device, name, position, connectedUid, hardwareVersion,
 *   firmwareVersion, deviceIdentifier}]}` (the field names of the DeviceConnected event).
 * - `getStatus`: the agent status (see `status.ts`).
 * - `setSettings` (only when the agent passes `setSettings`): params like a shared attribute
 *   update (`tfedge_telemetry_interval`, `tfedge_aliases`); replies what was applied and the
 *   warnings.
 *
 * The handler never rejects: problems of the request itself (unknown method shape, unknown
 * sub-device) reply `{"error": text}`, the shape the ThingsBoard client uses for a thrown
 * handler, while the bridge's own errors keep their `_ERROR` shape.
 *
 * Values are converted for ThingsBoard's JSON: Python-float wrappers become numbers, int64
 * results stay exact (bigint), values JSON cannot carry (NaN, infinities, integers beyond
 * signed 64 bits) become the text the bridge would print.
 *
 * @module
 */

import type { CallAnswer } from "../calls/engine.ts";
import { PyFloat } from "../calls/py_json.ts";
import type { DeviceIdentity } from "../tfp/identity.ts";
import { parseSettingsUpdate, type SettingsUpdate } from "./settings.ts";
import type { AgentStatus } from "./status.ts";

/** What the handler needs from the call engine (a `CallEngine` is one). */
export interface RpcCallEngine {
  call(deviceName: string, uidText: string, fnName: string, args?: unknown): Promise<CallAnswer>;
  callFromText(
    deviceName: string,
    uidText: string,
    fnName: string,
    payloadText: string,
  ): Promise<CallAnswer>;
}

/** A device as `enumerate` lists it (the inventory's devices are these). */
export interface RpcDevice extends DeviceIdentity {
  /** Codec name such as `temperature_v2_bricklet` */
  readonly deviceName: string;
  /** Display name such as `Temperature Bricklet 2.0` */
  readonly displayName: string;
}

/** Options of {@link createRpcHandler}. */
export interface RpcHandlerOptions {
  readonly engine: RpcCallEngine;
  /** The devices present now */
  readonly enumerate: () => Promise<readonly RpcDevice[]>;
  readonly getStatus: () => AgentStatus;
  /** Applies a parsed settings update; enables the `setSettings` method */
  readonly setSettings?: (update: SettingsUpdate) => void;
}

/** Runs one RPC; `deviceUid` names a gateway sub-device, undefined for the agent itself. */
export type RpcHandler = (method: string, params: unknown, deviceUid?: string) => Promise<unknown>;

/** An error reply of the agent (not of the bridge). */
export interface RpcErrorReply {
  error: string;
}

const BUILT_INS = '"enumerate", "getStatus" or "<device>/<uid>/<function>"';
const MAX_SHOWN = 100;

/** A value quoted for an error text, cut short so a huge method name cannot bloat the reply. */
function quote(value: unknown): string {
  const text = typeof value === "string" ? value : String(value);
  return `"${text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text}"`;
}

/** Builds the handler; see the module doc. */
export function createRpcHandler(options: RpcHandlerOptions): RpcHandler {
  const { engine, enumerate, getStatus, setSettings } = options;

  async function run(method: unknown, params: unknown, deviceUid?: string): Promise<unknown> {
    if (typeof method !== "string") {
      return { error: `Invalid RPC method ${quote(method)}: expected a string` };
    }
    if (deviceUid !== undefined) return await runForSubDevice(method, params, deviceUid);
    if (method === "enumerate") {
      return { devices: (await enumerate()).map(describeDevice) };
    }
    if (method === "getStatus") return getStatus();
    if (method === "setSettings" && setSettings !== undefined) return applySettings(params);
    const parts = method.split("/");
    if (parts.length !== 3 || parts.some((part) => part === "")) {
      return { error: `Unknown RPC method ${quote(method)}: expected ${BUILT_INS}` };
    }
    return await callDevice(parts[0], parts[1], parts[2], params);
  }

  async function runForSubDevice(
    method: string,
    params: unknown,
    uid: string,
  ): Promise<unknown> {
    const parts = method.split("/");
    if (parts.length === 3 && !parts.some((part) => part === "")) {
      if (parts[1] !== uid) {
        return {
          error: `RPC method ${quote(method)} names uid ${quote(parts[1])}, but was sent to ${
            quote(uid)
          }`,
        };
      }
      return await callDevice(parts[0], parts[1], parts[2], params);
    }
    if (parts.length !== 1 || method === "") {
      return {
        error: `Unknown RPC method ${quote(method)} for device ${
          quote(uid)
        }: expected "<function>" or "<device>/<uid>/<function>"`,
      };
    }
    const device = (await enumerate()).find((known) => known.uid === uid);
    if (device === undefined) {
      return { error: `Unknown device ${quote(uid)}: it is not connected to the Brick Daemon` };
    }
    return await callDevice(device.deviceName, uid, method, params);
  }

  async function callDevice(
    deviceName: string,
    uid: string,
    fnName: string,
    params: unknown,
  ): Promise<unknown> {
    let answer: CallAnswer;
    if (typeof params === "string") {
      answer = await engine.callFromText(deviceName, uid, fnName, params);
    } else {
      answer = await engine.call(deviceName, uid, fnName, params ?? undefined);
    }
    return answer.publish === undefined ? {} : toTbJson(answer.publish);
  }

  function applySettings(params: unknown): unknown {
    let data = params;
    if (typeof params === "string") {
      try {
        data = JSON.parse(params);
      } catch (error) {
        return { error: `Invalid setSettings params: ${(error as Error).message}` };
      }
    }
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      return { error: "Invalid setSettings params: expected an object" };
    }
    const update = parseSettingsUpdate(data as Record<string, unknown>);
    setSettings!(update);
    const applied: Record<string, unknown> = {};
    if (update.intervalMs !== undefined) applied.intervalMs = update.intervalMs;
    if (update.aliases !== undefined) applied.aliases = update.aliases;
    return { applied, warnings: update.warnings };
  }

  return async (method, params, deviceUid) => {
    try {
      return await run(method, params, deviceUid);
    } catch (error) {
      // A bug or a failing source (enumerate, status): still an answer, never a silent drop.
      return { error: `RPC ${quote(method)} failed: ${(error as Error)?.message ?? error}` };
    }
  };
}

/** One `enumerate` entry. */
function describeDevice(device: RpcDevice): Record<string, unknown> {
  return {
    uid: device.uid,
    device: device.deviceName,
    name: device.displayName,
    position: device.position,
    connectedUid: device.connectedUid,
    hardwareVersion: [...device.hardwareVersion],
    firmwareVersion: [...device.firmwareVersion],
    deviceIdentifier: device.deviceIdentifier,
  };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A call answer (py_json model) as plain JSON values for ThingsBoard; see the module doc. */
export function toTbJson(value: unknown): unknown {
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value) {
      // defineProperty: a key "__proto__" must stay a key, not replace the prototype.
      Object.defineProperty(out, key, {
        value: toTbJson(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (Array.isArray(value)) return value.map(toTbJson);
  if (value instanceof PyFloat) return finiteOrText(value.value);
  if (typeof value === "number") return finiteOrText(value);
  if (typeof value === "bigint") {
    return value < INT64_MIN || value > INT64_MAX ? value.toString() : value;
  }
  return value;
}

/** NaN and the infinities as the bridge's JSON writes them: `NaN`, `Infinity`, `-Infinity`. */
function finiteOrText(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}
