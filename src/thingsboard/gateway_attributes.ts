/**
 * Attributes of the devices behind a gateway, downstream: requests
 * (`v1/gateway/attributes/request` → `.../response`, matched by the id in the
 * body) and shared attribute updates (`v1/gateway/attributes`).
 *
 * The server reads one scope per request (a boolean `client`), so a request
 * for both scopes is two requests. Its response holds `values` when it found
 * several keys and a nameless `value` when it found one; when several keys
 * were asked for and one was found, which one is unknown, so those keys are
 * asked for again one by one (rare: only when some keys are missing).
 *
 * @module
 */
import { type AttributeResponse, type AttributeUpdate, attributeUpdateFrom } from "./attributes.ts";
import {
  attributeRequestFields,
  attributeResponseValues,
  checkDeviceName,
  requestKeys,
} from "./gateway_payloads.ts";
import { isJsonObject, type TbJsonObject, tbJsonParse } from "./json.ts";
import { type RequestSender, RequestTable } from "./requests.ts";

/** Receives shared attribute updates of the devices behind the gateway. */
export type GatewayAttributeCallback = (device: string, update: AttributeUpdate) => void;

/** Which attributes of a sub-device to request (at least one key). */
export interface GatewayAttributeKeys {
  client?: readonly string[];
  shared?: readonly string[];
  /** Deadline of the request (default: the client's `requestTimeoutMs`) */
  timeoutMs?: number;
}

/** See the module doc. */
export class SubDeviceAttributes {
  #requests: RequestTable;
  #subs = new Map<number, GatewayAttributeCallback>();
  #nextSubId = 0;
  #warn: (error: Error) => void;

  /** `send` publishes a request (its body still without the id; see `withRequestId`). */
  constructor(send: RequestSender, warn: (error: Error) => void) {
    this.#requests = new RequestTable(send);
    this.#warn = warn;
  }

  /** Requests attributes of `device`; resolves with `{client, shared}`. */
  async request(
    device: string,
    keys: GatewayAttributeKeys,
    defaultTimeoutMs: number,
  ): Promise<AttributeResponse> {
    checkDeviceName(device);
    if (typeof keys !== "object" || keys === null) {
      throw new TypeError("Invalid keys: expected {client?, shared?}");
    }
    const client = requestKeys(keys.client, "client");
    const shared = requestKeys(keys.shared, "shared");
    if (client.length + shared.length === 0) {
      throw new TypeError(
        `Cannot request attributes of device "${device}": name at least one client or shared key`,
      );
    }
    const timeoutMs = keys.timeoutMs ?? defaultTimeoutMs;
    if (!(timeoutMs > 0)) throw new RangeError(`Invalid timeoutMs "${timeoutMs}": expected > 0`);
    const [c, s] = await Promise.all([
      this.#scope(device, true, client, timeoutMs),
      this.#scope(device, false, shared, timeoutMs),
    ]);
    return { client: c, shared: s };
  }

  /** Adds an update callback; returns its id. */
  subscribe(callback: GatewayAttributeCallback): number {
    if (typeof callback !== "function") {
      throw new TypeError("Invalid callback: expected a function");
    }
    const id = ++this.#nextSubId;
    this.#subs.set(id, callback);
    return id;
  }

  /** Removes an update callback; false when the id is unknown. */
  unsubscribe(id: number): boolean {
    return this.#subs.delete(id);
  }

  /** A push on `v1/gateway/attributes`: `{"device", "data"}`; throws on a malformed one. */
  onUpdate(text: string): void {
    const message = tbJsonParse(text);
    if (!isJsonObject(message) || typeof message.device !== "string") {
      throw new TypeError('expected an object with a "device" name');
    }
    const update = attributeUpdateFrom(message.data ?? null);
    for (const callback of [...this.#subs.values()]) {
      try {
        callback(message.device, update);
      } catch (error) {
        this.#warn(new Error("Attribute callback failed", { cause: error }));
      }
    }
  }

  /** A message on `v1/gateway/attributes/response`. */
  onResponse(text: string): void {
    const message = tbJsonParse(text);
    const id = isJsonObject(message) ? message.id : undefined;
    if (typeof id !== "number" || !this.#requests.respond("attributes", id, text)) {
      this.#warn(new Error("Ignoring a gateway attribute response nobody waits for"));
    }
  }

  /** Requests already sent are sent again after the reconnect (they are reads). */
  connectionLost(): void {
    this.#requests.connectionLost();
  }

  /** Ends every request with `error`. */
  closeAll(error: Error): void {
    this.#requests.closeAll(error);
  }

  async #scope(
    device: string,
    client: boolean,
    keys: string[],
    timeoutMs: number,
  ): Promise<TbJsonObject> {
    if (keys.length === 0) return {};
    const response = await this.#requests.request(
      "attributes",
      attributeRequestFields(device, client, keys),
      timeoutMs,
      `the ${client ? "client" : "shared"} attribute request for device "${device}"`,
    );
    const values = attributeResponseValues(response, keys);
    if (values !== undefined) return values;
    const single = await Promise.all(
      keys.map((key) => this.#scope(device, client, [key], timeoutMs)),
    );
    return Object.assign({}, ...single);
  }
}
