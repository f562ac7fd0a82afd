/**
 * The ThingsBoard device client: the MicroPython SDK's methods in camelCase
 * with Promises, on a connection that recovers by itself (`client_core.ts`).
 *
 * - Telemetry and attributes are QoS 1; a send resolves on PUBACK. Payloads
 *   over the server's limit are split; bigints are sent exactly. Sends made
 *   while reconnecting wait in a bounded queue (`send_queue.ts`); before
 *   `connect()` and after `disconnect()` they reject (`not_connected` /
 *   `closed`).
 * - Attribute requests and client-side RPC have deadlines; after a dropped
 *   connection attribute requests are sent again, sent RPCs fail
 *   (`requests.ts`).
 * - Server-side RPC runs the handler once per request, whatever the number
 *   of deliveries (`server_rpc.ts`).
 * - After every connect: subscriptions renewed, `getSessionLimits` applied.
 *
 * @module
 */
import { claimBody } from "./claim.ts";
import {
  type AttributeCallback,
  type AttributeKeys,
  attributeRequestBody,
  type AttributeResponse,
  attributeResponse,
  AttributeSubscriptions,
  parseAttributeUpdate,
} from "./attributes.ts";
import { ClientCore, type SessionLimits } from "./client_core.ts";
import { ThingsBoardError } from "./errors.ts";
import { isJsonObject, tbJsonStringify, type TbJsonValue, utf8Length } from "./json.ts";
import type { ThingsBoardClientOptions } from "./options.ts";
import { getProvisionRequest, provision } from "./provisioning.ts";
import { dataCost, MESSAGE_COST, type RateLimitStrings } from "./rate_limiter.ts";
import { type PendingRequest, RequestTable } from "./requests.ts";
import { packetOverhead } from "./send_queue.ts";
import { ServerRpcDispatcher, type ServerRpcHandler, type ServerRpcStats } from "./server_rpc.ts";
import {
  attributePayloads,
  type Payload,
  type SplitLimits,
  type TelemetryData,
  telemetryPayloads,
  type TelemetryValues,
} from "./telemetry.ts";
import * as T from "./topics.ts";

/** Per-send options. */
export interface SendOptions {
  /** Deadline for queue time plus PUBACK; 0 = none (default: the client's `sendTimeoutMs`) */
  timeoutMs?: number;
}

/** What a send did. */
export interface SendResult {
  /** MQTT messages used (more than 1 when the payload was split) */
  messages: number;
}

/** Callback form of {@link ThingsBoardClient.requestAttributes} (MicroPython style). */
export type AttributeResponseCallback = (
  result: AttributeResponse | undefined,
  error?: Error,
) => void;

/** See the module doc. */
export class ThingsBoardClient extends ClientCore {
  #requests: RequestTable;
  #subs = new AttributeSubscriptions();
  #rpc: ServerRpcDispatcher;

  constructor(options: ThingsBoardClientOptions) {
    super(options);
    this.#requests = new RequestTable((request) => this.#sendRequest(request));
    this.#rpc = new ServerRpcDispatcher({
      connected: () => this.linkUp,
      publishReply: (id, payload) =>
        this.queue.send({
          topic: T.RPC_RESPONSE_PREFIX + id,
          payload,
          bytes: utf8Length(payload),
          cost: MESSAGE_COST,
          control: true,
          onLost: "fail",
          connectionBound: true,
          deadline: this.deadline(),
          what: `the reply to RPC ${id}`,
        }),
      warn: (error) => this.warn(error),
    }, this.o.rpcReplyTtlMs);
  }

  /** MicroPython: `getProvisionRequest(key, secret, {deviceName, accessToken, ...})`. */
  static getProvisionRequest = getProvisionRequest;
  /** MicroPython: `provision(host, port, request)` → credentials. */
  static provision = provision;

  /** Server-side RPC counters (duplicates ignored, replies re-sent). */
  get rpcStats(): Readonly<ServerRpcStats> {
    return this.#rpc.stats;
  }

  /** Telemetry: an object, `{ts, values}`, or an array of those; split when too large. */
  sendTelemetry(data: TelemetryData, options: SendOptions = {}): Promise<SendResult> {
    return this.#sendData(
      T.TELEMETRY_TOPIC,
      "telemetry",
      options,
      (limits) => telemetryPayloads(data, limits),
    );
  }

  /** Client attributes: a flat object; split when too large. */
  sendAttributes(data: TelemetryValues, options: SendOptions = {}): Promise<SendResult> {
    return this.#sendData(
      T.ATTRIBUTES_TOPIC,
      "attributes",
      options,
      (limits) => attributePayloads(data, limits),
    );
  }

  /**
   * Requests client and/or shared attributes (both omitted: all of them).
   * Resolves with `{client, shared}`; with a callback, also calls it as
   * `callback(result)` or `callback(undefined, error)`.
   */
  requestAttributes(
    keys: AttributeKeys & { timeoutMs?: number } = {},
    callback?: AttributeResponseCallback,
  ): Promise<AttributeResponse> {
    const result = this.#startRequest(
      "attributes",
      () => attributeRequestBody(keys),
      keys.timeoutMs,
      "an attribute request",
    ).then(attributeResponse);
    if (callback) {
      result.then((r) => callback(r), (e) => callback(undefined, e)).catch((e) =>
        this.warn(new Error("Attribute response callback failed", { cause: e }))
      );
    }
    return result;
  }

  /** Calls `callback` with updates of one shared attribute; returns the subscription id. */
  subscribeToAttribute(key: string, callback: AttributeCallback): number {
    const id = this.#subs.add(key, callback);
    this.ensureSubscribed(T.ATTRIBUTES_TOPIC);
    return id;
  }

  /** Calls `callback` with every shared attribute update; returns the subscription id. */
  subscribeToAllAttributes(callback: AttributeCallback): number {
    const id = this.#subs.add(undefined, callback);
    this.ensureSubscribed(T.ATTRIBUTES_TOPIC);
    return id;
  }

  /** Removes a subscription; false when the id is unknown. */
  unsubscribeFromAttribute(subscriptionId: number): boolean {
    return this.#subs.remove(subscriptionId);
  }

  /**
   * Sets the server-side RPC handler (`null` removes it). Its return value (or
   * Promise) is the reply; `undefined` sends none (reply later with
   * `sendRpcReply`); a throw replies `{"error": message}`. Duplicate
   * deliveries of one request call it once.
   */
  setServerSideRpcRequestHandler(handler: ServerRpcHandler | null): void {
    this.#rpc.handler = handler ?? undefined;
    if (handler) this.ensureSubscribed(T.RPC_REQUEST_FILTER);
  }

  /** Replies to a server-side RPC; resolves on PUBACK. */
  sendRpcReply(requestId: number, response: unknown): Promise<void> {
    return this.#rpc.reply(requestId, response);
  }

  /** Client-side RPC → the response. A bare `{"error":"timeout"}` becomes a `timeout` error. */
  async sendRpcCall(
    method: string,
    params: unknown = {},
    options: { timeoutMs?: number } = {},
  ): Promise<TbJsonValue> {
    if (typeof method !== "string" || method === "") {
      throw new TypeError("Invalid RPC method: expected a non-empty string");
    }
    const response = await this.#startRequest(
      "rpc",
      () => tbJsonStringify({ method, params }),
      options.timeoutMs,
      `RPC "${method}"`,
    );
    if (
      isJsonObject(response) && response.error === "timeout" && Object.keys(response).length === 1
    ) {
      throw new ThingsBoardError("timeout", `ThingsBoard answered RPC "${method}" with a timeout`);
    }
    return response;
  }

  /** Starts claiming (the secret key is never logged); resolves on PUBACK. */
  claimDevice(secretKey: string, durationMs?: number): Promise<void> {
    return this.ifStarted(() => {
      const payload = JSON.stringify(claimBody(secretKey, durationMs));
      return this.queue.send({
        topic: T.CLAIM_TOPIC,
        payload,
        bytes: utf8Length(payload),
        cost: MESSAGE_COST,
        control: true,
        onLost: "requeue",
        deadline: this.deadline(),
        what: "the claim request",
      });
    });
  }

  /** Asks the server for its limits and applies them (also done after every connect). */
  async getSessionLimits(options: { timeoutMs?: number } = {}): Promise<SessionLimits> {
    const response = await this.sendRpcCall("getSessionLimits", {}, options);
    if (!isJsonObject(response)) {
      throw new ThingsBoardError("rejected", "Invalid getSessionLimits response: not an object");
    }
    const limits: SessionLimits = {};
    if (typeof response.maxPayloadSize === "number") {
      limits.maxPayloadSize = response.maxPayloadSize;
    }
    if (typeof response.maxInflightMessages === "number") {
      limits.maxInflightMessages = response.maxInflightMessages;
    }
    for (const field of ["rateLimits", "gatewayRateLimits"] as const) {
      const value = response[field];
      if (!isJsonObject(value)) continue;
      const strings: RateLimitStrings = {};
      for (const k of ["messages", "telemetryMessages", "telemetryDataPoints"] as const) {
        if (typeof value[k] === "string") strings[k] = value[k] as string;
      }
      limits[field] = strings;
    }
    this.applyLimits(limits);
    return limits;
  }

  // ---- ClientCore hooks ----

  protected activeFilters(): string[] {
    const filters: string[] = [];
    if (this.#subs.size > 0) filters.push(T.ATTRIBUTES_TOPIC);
    if (this.#rpc.handler) filters.push(T.RPC_REQUEST_FILTER);
    return filters;
  }

  protected async afterConnect(): Promise<void> {
    if (!this.o.sessionLimits) return;
    try {
      await this.getSessionLimits({ timeoutMs: this.o.sessionLimitsTimeoutMs });
    } catch (error) {
      if (this.linkUp) {
        this.warn(new Error(`No session limits; using defaults: ${(error as Error).message}`));
      }
    }
  }

  protected handleMessage(topic: string, text: string): void {
    if (topic === T.ATTRIBUTES_TOPIC) {
      this.#subs.dispatch(
        parseAttributeUpdate(text),
        (error) => this.warn(new Error("Attribute callback failed", { cause: error })),
      );
    } else if (topic.startsWith(T.ATTRIBUTE_RESPONSE_PREFIX)) {
      this.#respond("attributes", topic, T.ATTRIBUTE_RESPONSE_PREFIX, text);
    } else if (topic.startsWith(T.RPC_RESPONSE_PREFIX)) {
      this.#respond("rpc", topic, T.RPC_RESPONSE_PREFIX, text);
    } else if (topic.startsWith(T.RPC_REQUEST_PREFIX)) {
      this.limiter.consume(MESSAGE_COST); // the server counts our delivery acknowledgement
      const id = T.topicId(topic, T.RPC_REQUEST_PREFIX);
      if (id === undefined) throw new Error("invalid request id");
      this.#rpc.onRequest(id, text);
    } else {
      throw new Error("unexpected topic");
    }
  }

  protected connectionLost(): void {
    this.#requests.connectionLost();
  }

  protected stopped(error: Error): void {
    this.#requests.closeAll(error);
  }

  // ---- helpers ----

  #sendData(
    topic: string,
    what: string,
    options: SendOptions,
    shape: (limits: SplitLimits) => Payload[],
  ): Promise<SendResult> {
    return this.ifStarted(() => {
      const payloads = shape({
        maxBytes: this.maxPacket() - packetOverhead(topic),
        maxDataPoints: this.limiter.maxDataPointsPerMessage,
      });
      const deadline = this.deadline(options.timeoutMs);
      const parts = payloads.map((p, i) =>
        this.queue.send({
          topic,
          payload: p.text,
          bytes: p.bytes,
          cost: dataCost(p.dataPoints),
          control: false,
          onLost: "requeue",
          deadline,
          what: payloads.length > 1 ? `${what} (part ${i + 1} of ${payloads.length})` : what,
        })
      );
      return Promise.all(parts).then(() => ({ messages: payloads.length }));
    });
  }

  #startRequest(
    kind: "attributes" | "rpc",
    body: () => string,
    timeoutMs: number | undefined,
    what: string,
  ): Promise<TbJsonValue> {
    if (timeoutMs !== undefined && !(timeoutMs > 0)) {
      return Promise.reject(new RangeError(`Invalid timeoutMs "${timeoutMs}": expected > 0`));
    }
    return this.ifStarted(() =>
      this.#requests.request(kind, body(), timeoutMs ?? this.o.requestTimeoutMs, what)
    );
  }

  #sendRequest(request: PendingRequest): Promise<void> {
    const prefix = request.kind === "attributes"
      ? T.ATTRIBUTE_REQUEST_PREFIX
      : T.RPC_REQUEST_PREFIX;
    return this.queue.send({
      topic: prefix + request.id,
      payload: request.body,
      bytes: utf8Length(request.body),
      cost: MESSAGE_COST,
      control: true,
      onLost: request.kind === "attributes" ? "requeue" : "fail",
      deadline: request.deadline,
      what: request.what,
    });
  }

  #respond(kind: "attributes" | "rpc", topic: string, prefix: string, text: string): void {
    const id = T.topicId(topic, prefix);
    if (id === undefined || !this.#requests.respond(kind, id, text)) {
      this.warn(new Error(`Ignoring a response nobody waits for on "${topic}"`));
    }
  }
}
