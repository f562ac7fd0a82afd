/**
 * The call engine: (device topic name, UID text, function name, JSON
 * payload) → the exact answer object of tinkerforge_mqtt 2.0.17 (spec §4,
 * §5, §6.5, §6.6, §14). The MQTT bridge, ThingsBoard RPC and sampling all
 * call devices through it.
 *
 * Unlike the reference, which handles one request at a time, calls to
 * different UIDs run concurrently; calls to the same UID run one after the
 * other in arrival order, so their identity check, sticky response-expected
 * flags and stream chunks never interleave.
 *
 * Error answers carry `{<results>: null, ..., "_ERROR": text}` or only
 * `{"_ERROR": text}`, exactly where the reference puts which (see
 * {@link CallAnswer}).
 *
 * @module
 */

import { parseUid, UidError } from "../tfp/base58.ts";
import type { RequestFn } from "../tfp/device_calls.ts";
import { TfpError } from "../tfp/errors.ts";
import type { Value } from "../tfp/payload.ts";
import { deviceByName, functionByName } from "../tfp/registry.ts";
import type { DeviceSpec, PacketSpec } from "../tfp/spec.ts";
import {
  type CallTarget,
  checkArguments,
  rangeError,
  requestedResponseExpected,
} from "./arguments.ts";
import { DeviceObject, type GetIdentityFn } from "./device_object.ts";
import { pyJsonParse } from "./py_json.ts";
import { pyRepr } from "./py_repr.ts";
import {
  DEFAULT_FORMAT_OPTIONS,
  type FormatOptions,
  formatResults,
  nullResults,
} from "./results.ts";

/**
 * The answer to one call. `publish` is the object to publish (serialise it
 * with `pyJsonDumps`), undefined when nothing is published (a setter that
 * succeeded). `error` is the `_ERROR` text, which the bridge also logs at
 * ERROR level.
 */
export interface CallAnswer {
  readonly publish: Map<string, unknown> | undefined;
  readonly error?: string;
}

/** What the engine needs from the connection; a `TfpConnection` is one. */
export interface CallTransport {
  readonly request: RequestFn;
  readonly getIdentity: GetIdentityFn;
}

/** Log levels the engine uses (errors are reported through {@link CallAnswer.error}). */
export type CallLogLevel = "debug" | "info";

/** Options of a {@link CallEngine}. */
export interface CallEngineOptions extends Partial<FormatOptions> {
  readonly transport: CallTransport;
  /** Deadline of each request; the transport's default when omitted */
  readonly timeoutMs?: number;
  readonly log?: (level: CallLogLevel, message: string) => void;
  /** Told when a device object is dropped for one of another type (its registrations are lost) */
  readonly onDisplaced?: (old: DeviceObject, replacement: DeviceObject) => void;
  /**
   * Most device objects kept. Every distinct UID anyone publishes creates one (about 1 KB),
   * so without a cap a flood of random UIDs grows memory without limit. Beyond the cap the
   * least recently used object that `canEvict` allows and that has no call in progress is
   * dropped; it is recreated (with a fresh identity check) when its UID is used again.
   * @default 10000
   */
  readonly maxDeviceObjects?: number;
  /** Whether an object may be evicted (the bridge keeps objects that carry registrations) */
  readonly canEvict?: (device: DeviceObject) => boolean;
}

/** A device object, or the `_ERROR` text why none could be made. */
export type DeviceObjectResult = { readonly device: DeviceObject } | { readonly error: string };

interface Prepared {
  readonly spec: DeviceSpec;
  readonly fn: PacketSpec;
  readonly device: DeviceObject;
  readonly target: CallTarget;
}

function errorAnswer(text: string, withResultsOf?: PacketSpec): CallAnswer {
  const publish = withResultsOf === undefined
    ? new Map<string, unknown>()
    : nullResults(withResultsOf);
  publish.set("_ERROR", text);
  return { publish, error: text };
}

/** The reference's text for a failed request (Error.description of the Python bindings). */
function requestErrorText(error: unknown): string {
  if (error instanceof TfpError && error.code === "not_connected") return "Not connected";
  return error instanceof Error ? error.message : String(error);
}

/** See the module doc. */
export class CallEngine {
  readonly #transport: CallTransport;
  readonly #request: RequestFn;
  readonly #getIdentity: GetIdentityFn;
  readonly #timeoutMs: number | undefined;
  readonly #format: FormatOptions;
  readonly #log: (level: CallLogLevel, message: string) => void;
  readonly #onDisplaced: CallEngineOptions["onDisplaced"];
  readonly #devices = new Map<number, DeviceObject>();
  /** Per UID: settles when the last queued call of that UID has finished */
  readonly #tails = new Map<number, Promise<void>>();
  readonly #maxDevices: number;
  readonly #canEvict: (device: DeviceObject) => boolean;

  constructor(options: CallEngineOptions) {
    this.#transport = options.transport;
    this.#request = (uid, fid, payload, requestOptions) =>
      this.#transport.request(uid, fid, payload, requestOptions);
    this.#getIdentity = (uid, identityOptions) => this.#transport.getIdentity(uid, identityOptions);
    this.#timeoutMs = options.timeoutMs;
    this.#format = {
      symbolic: options.symbolic ?? DEFAULT_FORMAT_OPTIONS.symbolic,
      int64Strings: options.int64Strings ?? DEFAULT_FORMAT_OPTIONS.int64Strings,
    };
    this.#log = options.log ?? (() => {});
    this.#onDisplaced = options.onDisplaced;
    this.#maxDevices = options.maxDeviceObjects ?? 10_000;
    this.#canEvict = options.canEvict ?? (() => true);
  }

  /** The output flags in effect. */
  get formatOptions(): FormatOptions {
    return this.#format;
  }

  /**
   * The device object for a UID and device type, created when there is none
   * and replacing one of another type (§6.6, with the reference's INFO log
   * line). Used for calls and by the bridge for callback registrations.
   */
  deviceObject(uidText: string, deviceName: string): DeviceObjectResult {
    const spec = deviceByName(deviceName);
    if (spec === undefined || !spec.released) return { error: `Unknown device type ${deviceName}` };
    return this.#resolve(uidText, spec);
  }

  /** The current device object of a 32-bit UID, if any (e.g. to route a callback). */
  deviceByUid(uid: number): DeviceObject | undefined {
    return this.#devices.get(uid);
  }

  /** All current device objects. */
  get devices(): IterableIterator<DeviceObject> {
    return this.#devices.values();
  }

  /**
   * Whether the device at the object's UID is of the object's type, running
   * the lazy identity check if needed. False on a mismatch and when the check
   * failed (it is retried next time): the reference drops callbacks then.
   */
  async identityMatches(device: DeviceObject): Promise<boolean> {
    try {
      await device.checkIdentity(this.#getIdentity, this.#timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /** Number of device objects currently kept. */
  get deviceCount(): number {
    return this.#devices.size;
  }

  #evictOne(): void {
    for (const [uid, device] of this.#devices) {
      if (this.#tails.has(uid) || !this.#canEvict(device)) continue;
      this.#devices.delete(uid);
      return;
    }
    // Nothing evictable (all busy or registered): grow rather than break a user's registrations.
  }

  /** Drops every device object (`bindings/reset_callbacks`): flags and identity results start over. */
  reset(): void {
    this.#devices.clear();
  }

  /**
   * A request as received over MQTT: `payloadText` is the UTF-8 decoded
   * payload; an empty text counts as `{}`. With `showPayload`, JSON errors
   * quote the payload (`--show-payload`).
   */
  callFromText(
    deviceName: string,
    uidText: string,
    fnName: string,
    payloadText: string,
    options: { readonly showPayload: boolean } = { showPayload: false },
  ): Promise<CallAnswer> {
    const prepared = this.#prepare(deviceName, uidText, fnName);
    if (!("fn" in prepared)) return Promise.resolve(prepared);
    return this.#enqueue(prepared, () => {
      if (payloadText.length === 0) return this.#execute(prepared, new Map());
      let payload: unknown;
      try {
        payload = pyJsonParse(payloadText);
      } catch (error) {
        const shown = options.showPayload ? `. \n\tPayload was: ${pyRepr(payloadText)}` : "";
        return Promise.resolve(errorAnswer(
          `Could not parse payload for ${fnName} call of ${deviceName} ${uidText} as JSON: ${
            (error as Error).message
          }${shown}`,
        ));
      }
      return this.#execute(prepared, payload);
    });
  }

  /**
   * A call with already parsed arguments (ThingsBoard RPC, sampling): `args`
   * in the py_json model (a `Map`) or a plain object; undefined counts as `{}`.
   */
  call(deviceName: string, uidText: string, fnName: string, args?: unknown): Promise<CallAnswer> {
    const prepared = this.#prepare(deviceName, uidText, fnName);
    if (!("fn" in prepared)) return Promise.resolve(prepared);
    return this.#enqueue(prepared, () => this.#execute(prepared, args ?? new Map()));
  }

  /** §2.4 and §4.1 steps 1-2: device type, function name, UID and device object. */
  #prepare(deviceName: string, uidText: string, fnName: string): Prepared | CallAnswer {
    const spec = deviceByName(deviceName);
    if (spec === undefined || !spec.released) {
      return errorAnswer(`Unknown device type ${deviceName}`);
    }
    const fn = functionByName(spec, fnName);
    if (fn === undefined) {
      return errorAnswer(`Unknown function ${fnName} for device ${uidText} of type ${deviceName}`);
    }
    const resolved = this.#resolve(uidText, spec);
    if ("error" in resolved) return errorAnswer(resolved.error);
    return { spec, fn, device: resolved.device, target: { deviceName, uidText, fnName } };
  }

  #resolve(uidText: string, spec: DeviceSpec): DeviceObjectResult {
    let uid: number;
    try {
      uid = parseUid(uidText);
    } catch (error) {
      if (!(error instanceof UidError)) throw error;
      return {
        error: error.reason === "invalid_character"
          ? `Could not parse UID "${uidText}": ${error.message} (-13)`
          : `Could not create device object: ${error.message} (-13)`,
      };
    }
    const existing = this.#devices.get(uid);
    if (existing !== undefined && existing.spec === spec) {
      // Map order is the recency order used for eviction.
      this.#devices.delete(uid);
      this.#devices.set(uid, existing);
      return { device: existing };
    }
    const device = new DeviceObject(uid, uidText, spec, this.#request);
    if (existing === undefined && this.#devices.size >= this.#maxDevices) this.#evictOne();
    this.#devices.delete(uid);
    this.#devices.set(uid, device);
    if (existing !== undefined) {
      this.#log(
        "info",
        `Device ${uidText} is already known as ${existing.spec.name}, but will be displaced by the new requested ${spec.name}`,
      );
      this.#onDisplaced?.(existing, device);
    }
    return { device };
  }

  /** Runs `task` after every earlier call to the same UID has finished. */
  #enqueue(prepared: Prepared, task: () => Promise<CallAnswer>): Promise<CallAnswer> {
    const uid = prepared.device.uid;
    const guarded = async () => {
      try {
        return await task();
      } catch (error) {
        // A bug, not bad input: answer instead of leaving the requester waiting.
        const { fnName, deviceName, uidText } = prepared.target;
        return errorAnswer(
          `Internal error in call of ${fnName} of ${deviceName} ${uidText}: ${
            (error as Error)?.message ?? String(error)
          }`,
        );
      }
    };
    const previous = this.#tails.get(uid);
    const run = previous === undefined ? guarded() : previous.then(guarded);
    const tail = run.then(() => {});
    this.#tails.set(uid, tail);
    void tail.then(() => {
      if (this.#tails.get(uid) === tail) this.#tails.delete(uid);
    });
    return run;
  }

  /** §4.1 steps 4-9 for a parsed payload. */
  async #execute(prepared: Prepared, payload: unknown): Promise<CallAnswer> {
    const { spec, fn, device, target } = prepared;
    const checked = checkArguments(spec, fn, payload, target);
    if (!checked.ok) return errorAnswer(checked.text, fn);
    this.#applyResponseExpected(prepared, payload);
    const tail = ` (call of ${target.fnName} of ${target.deviceName} ${target.uidText})`;
    const stream = fn.stream !== undefined;
    try {
      await device.checkIdentity(this.#getIdentity, this.#timeoutMs);
    } catch (error) {
      // Stream calls report identity-check errors bare (§5).
      const text = requestErrorText(error);
      return stream ? errorAnswer(text) : errorAnswer(text + tail, fn);
    }
    const range = rangeError(fn.in, checked.values, target);
    if (range !== undefined) return errorAnswer(range, fn);
    let results: Record<string, Value> | undefined;
    try {
      results = await device.handle.call(fn.name, checked.values, { timeoutMs: this.#timeoutMs });
    } catch (error) {
      if (error instanceof TfpError && error.code === "stream_out_of_sync") {
        return errorAnswer(error.message, fn);
      }
      return errorAnswer(requestErrorText(error) + tail, fn);
    }
    // Setters never publish on success, whether or not a response was awaited.
    if (results === undefined || fn.out.length === 0) return { publish: undefined };
    return { publish: formatResults(spec, fn, results, this.#format) };
  }

  /** §4.4: a sticky `_response_expected` for functions whose flag can change. */
  #applyResponseExpected(prepared: Prepared, payload: unknown): void {
    const { spec, fn, device, target } = prepared;
    const wire = fn.stream === undefined ? fn : functionByName(spec, fn.stream.lowLevel) ?? fn;
    if (wire.responseExpected === "always_true") return;
    const requested = requestedResponseExpected(payload);
    if (typeof requested === "boolean") {
      device.handle.setResponseExpected(fn.name, requested);
    } else if (requested === "invalid") {
      this.#log(
        "debug",
        `Ignoring _response_expected, it was not of boolean type. (Call of ${target.fnName} of device ${target.uidText} of type ${target.deviceName}.)`,
      );
    }
  }
}
