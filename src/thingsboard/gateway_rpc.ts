/**
 * Server-side RPC to the devices behind a gateway: `{"device", "data": {"id",
 * "method", "params"}}` down on `v1/gateway/rpc`, `{"device", "id", "data"}`
 * back up on the same topic.
 *
 * Request ids are counted per device by ThingsBoard, so every device gets its
 * own {@link ServerRpcDispatcher}: the same duplicate handling as the device
 * client (pending requests are pushed again whenever the gateway connects the
 * device again, e.g. after a reconnect; the handler runs once per request).
 *
 * @module
 */
import { isJsonObject, tbJsonParse, tbJsonStringify, type TbJsonValue } from "./json.ts";
import { ServerRpcDispatcher, type ServerRpcStats } from "./server_rpc.ts";

/**
 * Handles a server-side RPC to a device behind the gateway. The return value
 * (or what the Promise resolves to) is sent as the reply; `undefined` sends
 * nothing (one-way RPC, or a reply sent later with `sendRpcReply(device,
 * requestId, ...)`). A throw replies `{"error": message}`.
 */
export type GatewayRpcHandler = (
  device: string,
  method: string,
  params: TbJsonValue,
  requestId: number,
) => unknown;

/** What the RPC part needs from the gateway. */
export interface GatewayRpcHost {
  connected(): boolean;
  /** Publishes a reply (already the whole gateway body) bound to this connection */
  publishReply(device: string, requestId: number, body: string): Promise<void>;
  warn(error: Error): void;
}

/** Per-device dispatchers; see the module doc. */
export class GatewayRpc {
  #host: GatewayRpcHost;
  #ttlMs: number;
  #handler: GatewayRpcHandler | undefined;
  #devices = new Map<string, ServerRpcDispatcher>();
  /** Counts of dispatchers already dropped */
  #past: ServerRpcStats = { requests: 0, duplicatesIgnored: 0, repliesResent: 0 };

  constructor(host: GatewayRpcHost, ttlMs: number) {
    this.#host = host;
    this.#ttlMs = ttlMs;
  }

  get handler(): GatewayRpcHandler | undefined {
    return this.#handler;
  }

  set handler(handler: GatewayRpcHandler | undefined) {
    if (handler !== undefined && typeof handler !== "function") {
      throw new TypeError("Invalid RPC handler: expected a function or null");
    }
    this.#handler = handler;
    for (const [device, dispatcher] of this.#devices) {
      dispatcher.handler = this.#bind(device);
    }
  }

  /** Counters summed over all devices. */
  get stats(): ServerRpcStats {
    const sum = { ...this.#past };
    for (const dispatcher of this.#devices.values()) {
      sum.requests += dispatcher.stats.requests;
      sum.duplicatesIgnored += dispatcher.stats.duplicatesIgnored;
      sum.repliesResent += dispatcher.stats.repliesResent;
    }
    return sum;
  }

  /** A message on `v1/gateway/rpc`; throws on a malformed one. */
  onMessage(text: string): void {
    const message = tbJsonParse(text);
    if (!isJsonObject(message) || typeof message.device !== "string" || message.device === "") {
      throw new TypeError('expected an object with a "device" name');
    }
    const data = message.data;
    if (!isJsonObject(data) || typeof data.id !== "number" || !Number.isSafeInteger(data.id)) {
      throw new TypeError(`RPC for device "${message.device}" has no integer "id" in "data"`);
    }
    const { id, ...request } = data;
    // The dispatcher tells duplicates by id and body; this text is the same for the same request.
    this.#dispatcher(message.device).onRequest(id, tbJsonStringify(request));
  }

  /** Replies to RPC `requestId` of `device`; resolves on PUBACK. */
  reply(device: string, requestId: number, response: unknown): Promise<void> {
    if (typeof device !== "string" || device === "") {
      return Promise.reject(new TypeError("Invalid device name: expected a non-empty string"));
    }
    return this.#dispatcher(device).reply(requestId, response);
  }

  /** The device left: its pending replies are dropped. */
  forget(device: string): void {
    const dispatcher = this.#devices.get(device);
    if (!dispatcher) return;
    this.#past.requests += dispatcher.stats.requests;
    this.#past.duplicatesIgnored += dispatcher.stats.duplicatesIgnored;
    this.#past.repliesResent += dispatcher.stats.repliesResent;
    this.#devices.delete(device);
  }

  #dispatcher(device: string): ServerRpcDispatcher {
    let dispatcher = this.#devices.get(device);
    if (!dispatcher) {
      const prefix = `{"device":${JSON.stringify(device)},"id":`;
      dispatcher = new ServerRpcDispatcher({
        connected: () => this.#host.connected(),
        publishReply: (id, payload) =>
          this.#host.publishReply(device, id, `${prefix}${id},"data":${payload}}`),
        warn: (error) =>
          this.#host.warn(new Error(`Device "${device}": ${error.message}`, { cause: error })),
      }, this.#ttlMs);
      dispatcher.handler = this.#bind(device);
      this.#devices.set(device, dispatcher);
    }
    return dispatcher;
  }

  #bind(device: string) {
    const handler = this.#handler;
    if (!handler) return undefined;
    return (id: number, request: { method: string; params: TbJsonValue }) =>
      handler(device, request.method, request.params, id);
  }
}
