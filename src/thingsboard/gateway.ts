/**
 * The ThingsBoard gateway client: every device behind the gateway is a
 * ThingsBoard device of its own (Gateway MQTT API, `v1/gateway/*`), so its
 * keys stay plain (`temperature`).
 *
 * Composition, not inheritance: the gateway API's methods have the device
 * client's names (`sendTelemetry`, `requestAttributes`, ...) but take device
 * names, so overriding them would break every caller that treats the gateway
 * as a {@link ThingsBoardClient}, and would hide the gateway's own device API.
 * Both APIs share one MQTT session (ThingsBoard keeps one session per device),
 * so the session is one {@link GatewaySession} (a `ThingsBoardClient` with
 * gateway hooks) and this class is the gateway API on top of it. The
 * gateway's own telemetry, attributes, RPC handler and client RPC are
 * {@link ThingsBoardGatewayClient.device}; connection state and events are
 * the same for both.
 *
 * - Sends are QoS 1 and resolve on PUBACK, through the session's bounded send
 *   queue, with the same error classes as the device client. A map larger
 *   than the server's packet limit is split by device and by entries.
 * - Rate limits: ThingsBoard counts sub-device traffic in a bucket of its own
 *   (`gatewayRateLimits` of `getSessionLimits`, or the option of that name),
 *   one telemetry message per device named in a message; the gateway's own
 *   traffic counts against `rateLimits`. Each has its own client-side limiter.
 * - ThingsBoard forgets the connected devices when the gateway session ends,
 *   and routes no RPC or attribute update to them until it hears of them
 *   again; so every device connected (explicitly or by sending data for it) is
 *   connected again after every reconnect (sent ahead of data, before the
 *   `connect` event).
 * - Attribute requests name one scope each (the server reads a boolean
 *   `client`), so asking for both scopes sends two requests.
 *
 * @module
 */
import type { AttributeResponse } from "./attributes.ts";
import type { SendOptions, SendResult, ThingsBoardClient } from "./client.ts";
import type { ClientState, SessionLimits, ThingsBoardClientEvents } from "./client_core.ts";
import {
  checkDeviceName,
  gatewayAttributePayloads,
  type GatewayAttributes,
  gatewayClaimPayload,
  type GatewayClaims,
  type GatewayPayload,
  type GatewaySplitLimits,
  type GatewayTelemetry,
  gatewayTelemetryPayloads,
  withRequestId,
} from "./gateway_payloads.ts";
import {
  type GatewayAttributeCallback,
  type GatewayAttributeKeys,
  SubDeviceAttributes,
} from "./gateway_attributes.ts";
import { GatewayRpc, type GatewayRpcHandler } from "./gateway_rpc.ts";
import { type GatewayHooks, type GatewayPort, GatewaySession } from "./gateway_session.ts";
import { isJsonObject, tbJsonParse, utf8Length } from "./json.ts";
import type { ThingsBoardClientOptions } from "./options.ts";
import { MESSAGE_COST, RateLimiter, type RateLimitStrings } from "./rate_limiter.ts";
import type { PendingRequest } from "./requests.ts";
import { packetOverhead } from "./send_queue.ts";
import type { ServerRpcStats } from "./server_rpc.ts";
import * as T from "./topics.ts";
import { TypedEmitter } from "../util/typed_emitter.ts";
import { disconnectReasonText } from "./errors.ts";

/** Options of a {@link ThingsBoardGatewayClient}. */
export interface ThingsBoardGatewayClientOptions extends ThingsBoardClientOptions {
  /** Limits for traffic about sub-devices; override what the server reports */
  gatewayRateLimits?: RateLimitStrings;
}

interface DeviceEntry {
  type: string | undefined;
  /** Connect messages of this device not settled yet (a reconnect need not send another) */
  sending: number;
}

const EVENTS = ["connect", "disconnect", "reconnecting", "error", "warning"] as const;

/** See the module doc. */
export class ThingsBoardGatewayClient extends TypedEmitter<ThingsBoardClientEvents> {
  /** The gateway's own device API (`v1/devices/me/*`) on the same connection */
  readonly device: ThingsBoardClient;
  #port!: GatewayPort;
  #limiter: RateLimiter;
  #limitsOverride: RateLimitStrings | undefined;
  #devices = new Map<string, DeviceEntry>();
  #attributes = new SubDeviceAttributes(
    (request) => this.#sendRequest(request),
    (error) => this.#port.warn(error),
  );
  #rpc: GatewayRpc;

  constructor(options: ThingsBoardGatewayClientOptions) {
    super((error, event) => {
      if (event === "warning") console.error('Listener for "warning" failed:', error);
      else this.emit("warning", new Error(`Listener for "${event}" failed`, { cause: error }));
    });
    const session = new GatewaySession(options, (port) => {
      this.#port = port;
      return this.#hooks();
    });
    this.device = session;
    const o = this.#port.options;
    this.#limiter = new RateLimiter({
      safetyFraction: o.rateLimitSafetyFraction,
      marginMs: o.rateLimitMarginMs,
    });
    this.#limitsOverride = options.gatewayRateLimits;
    if (this.#limitsOverride) this.#limiter.configure(this.#limitsOverride);
    this.#rpc = new GatewayRpc({
      connected: () => this.#port.linkUp(),
      publishReply: (device, id, body) =>
        this.#control(T.GATEWAY_RPC_TOPIC, body, `the reply to RPC ${id} of device "${device}"`, {
          deadline: this.#port.deadline(),
          onLost: "fail",
          connectionBound: true,
        }),
      warn: (error) => this.#port.warn(error),
    }, o.rpcReplyTtlMs);
    for (const event of EVENTS) {
      // deno-lint-ignore no-explicit-any
      session.on(event, (...args: any[]) => this.emit(event, ...(args as [never])));
    }
  }

  get state(): ClientState {
    return this.device.state;
  }

  /** True while connected (subscribed, limits applied, device connects sent again). */
  get connected(): boolean {
    return this.device.connected;
  }

  /** Publishes waiting for their PUBACK (both APIs). */
  get inFlight(): number {
    return this.device.inFlight;
  }

  /** Messages waiting to be published (both APIs). */
  get queued(): number {
    return this.device.queued;
  }

  /** The limits last reported by the server (`gatewayRateLimits` included). */
  get sessionLimits(): SessionLimits | undefined {
    return this.device.sessionLimits;
  }

  /** Devices connected through the gateway, explicitly or by sending data for them. */
  get devices(): string[] {
    return [...this.#devices.keys()];
  }

  /** Sub-device RPC counters (duplicates ignored, replies re-sent). */
  get rpcStats(): ServerRpcStats {
    return this.#rpc.stats;
  }

  /** Connects the session; see `ThingsBoardClient.connect`. */
  connect(options: { timeoutMs?: number } = {}): Promise<void> {
    return this.device.connect(options);
  }

  /** Closes the session; everything pending fails with `closed`. */
  disconnect(): Promise<void> {
    return this.device.disconnect();
  }

  /** Resolves when a data send would go out at once. */
  waitForCapacity(): Promise<void> {
    return this.device.waitForCapacity();
  }

  /**
   * Connects a device (`v1/gateway/connect`), creating it in ThingsBoard with
   * device profile `type` (default `default`) if missing; it is connected again
   * after every reconnect until {@link disconnectDevice}. Resolves on PUBACK.
   */
  connectDevice(name: string, type?: string, options: SendOptions = {}): Promise<void> {
    return this.#port.ifStarted(() => {
      checkDeviceName(name);
      if (type !== undefined && (typeof type !== "string" || type.trim() === "")) {
        throw new TypeError(
          `Invalid device type ${JSON.stringify(type)}: expected a non-empty string`,
        );
      }
      const entry = this.#devices.get(name) ?? { type: undefined, sending: 0 };
      if (type !== undefined) entry.type = type;
      this.#devices.set(name, entry);
      return this.#sendConnect(name, entry, this.#port.deadline(options.timeoutMs));
    });
  }

  /** Disconnects a device (`v1/gateway/disconnect`): no more RPC or attribute updates for it. */
  disconnectDevice(name: string, options: SendOptions = {}): Promise<void> {
    return this.#port.ifStarted(() => {
      checkDeviceName(name);
      this.#devices.delete(name);
      this.#rpc.forget(name);
      return this.#control(
        T.GATEWAY_DISCONNECT_TOPIC,
        JSON.stringify({ device: name }),
        `the disconnect of device "${name}"`,
        { deadline: this.#port.deadline(options.timeoutMs), onLost: "requeue" },
      );
    });
  }

  /** Opens claiming of devices (`v1/gateway/claim`); secrets are never logged. On PUBACK. */
  claimDevices(claims: GatewayClaims, options: SendOptions = {}): Promise<void> {
    return this.#port.ifStarted(() =>
      this.#control(T.GATEWAY_CLAIM_TOPIC, gatewayClaimPayload(claims), "the gateway claim", {
        deadline: this.#port.deadline(options.timeoutMs),
        onLost: "requeue",
      })
    );
  }

  /**
   * Telemetry of several devices: `{name: values | {ts, values} | array of those}`.
   * Devices not connected yet are connected by it (default device profile).
   */
  sendTelemetry(data: GatewayTelemetry, options: SendOptions = {}): Promise<SendResult> {
    return this.#sendData(
      T.GATEWAY_TELEMETRY_TOPIC,
      "gateway telemetry",
      data,
      options,
      (l) => gatewayTelemetryPayloads(data, l),
    );
  }

  /** Client attributes of several devices: `{name: {key: value}}`. */
  sendAttributes(data: GatewayAttributes, options: SendOptions = {}): Promise<SendResult> {
    return this.#sendData(
      T.GATEWAY_ATTRIBUTES_TOPIC,
      "gateway attributes",
      data,
      options,
      (l) => gatewayAttributePayloads(data, l),
    );
  }

  /**
   * Requests client and/or shared attributes of a device; resolves with
   * `{client, shared}` (keys that do not exist are missing). ThingsBoard's
   * gateway API has no "all attributes" request, so name at least one key.
   */
  requestAttributes(device: string, keys: GatewayAttributeKeys): Promise<AttributeResponse> {
    return this.#port.ifStarted(() =>
      this.#attributes.request(device, keys, this.#port.options.requestTimeoutMs)
    );
  }

  /** Calls `callback(device, update)` with every shared attribute update; returns its id. */
  subscribeToAttributes(callback: GatewayAttributeCallback): number {
    return this.#attributes.subscribe(callback);
  }

  /** Removes a subscription; false when the id is unknown. */
  unsubscribeFromAttributes(subscriptionId: number): boolean {
    return this.#attributes.unsubscribe(subscriptionId);
  }

  /**
   * Sets the handler of server-side RPC to sub-devices (`null` removes it):
   * `(device, method, params, requestId)`; its value (or Promise) is the
   * reply, `undefined` sends none, a throw replies `{"error": message}`. Runs
   * once per request however often ThingsBoard delivers it.
   */
  setServerSideRpcRequestHandler(handler: GatewayRpcHandler | null): void {
    this.#rpc.handler = handler ?? undefined;
  }

  /** Replies to server-side RPC `requestId` of `device`; resolves on PUBACK. */
  sendRpcReply(device: string, requestId: number, response: unknown): Promise<void> {
    return this.#rpc.reply(device, requestId, response);
  }

  // ---- connection hooks ----

  #hooks(): GatewayHooks {
    return {
      afterConnect: () => {
        for (const [name, entry] of this.#devices) {
          // A connect still queued from before goes out on this connection anyway.
          if (entry.sending > 0) continue;
          this.#sendConnect(name, entry, this.#port.deadline()).catch((error) => {
            if (this.#port.linkUp()) this.#port.warn(error);
          });
        }
      },
      limitsApplied: (limits) =>
        this.#limiter.configure(this.#limitsOverride ?? limits.gatewayRateLimits ?? {}),
      handleMessage: (topic, text) => this.#onMessage(topic, text),
      connectionLost: () => this.#attributes.connectionLost(),
      stopped: (error) => this.#attributes.closeAll(error),
      penalize: (certain) => this.#limiter.penalize(certain),
    };
  }

  #onMessage(topic: string, text: string): void {
    switch (topic) {
      case T.GATEWAY_RPC_TOPIC:
        this.#limiter.consume(MESSAGE_COST); // the server counts our delivery acknowledgement
        return this.#rpc.onMessage(text);
      case T.GATEWAY_ATTRIBUTES_TOPIC:
        return this.#attributes.onUpdate(text);
      case T.GATEWAY_ATTRIBUTE_RESPONSE_TOPIC:
        return this.#attributes.onResponse(text);
      case T.GATEWAY_DISCONNECT_TOPIC: {
        // MQTT 5 only, unsubscribed: the server names a device it cut off (e.g. rate limit).
        const message = tbJsonParse(text);
        if (!isJsonObject(message)) throw new TypeError("expected a JSON object");
        const reason = typeof message.reason === "number"
          ? `: ${disconnectReasonText(message.reason)}`
          : "";
        this.#port.warn(new Error(`ThingsBoard disconnected device "${message.device}"${reason}`));
        return;
      }
      default:
        throw new Error("unexpected topic");
    }
  }

  // ---- sending ----

  #sendConnect(name: string, entry: DeviceEntry, deadline: number | undefined): Promise<void> {
    const body = entry.type === undefined ? { device: name } : { device: name, type: entry.type };
    entry.sending++;
    return this.#control(
      T.GATEWAY_CONNECT_TOPIC,
      JSON.stringify(body),
      `the connect of "${name}"`,
      {
        deadline,
        onLost: "requeue",
      },
    ).finally(() => entry.sending--);
  }

  #control(
    topic: string,
    payload: string,
    what: string,
    how: { deadline: number | undefined; onLost: "requeue" | "fail"; connectionBound?: boolean },
  ): Promise<void> {
    return this.#port.send({
      topic,
      payload,
      bytes: utf8Length(payload),
      cost: MESSAGE_COST,
      limiter: this.#limiter,
      control: true,
      ...how,
      what,
    });
  }

  #sendData(
    topic: string,
    what: string,
    data: Readonly<Record<string, unknown>>,
    options: SendOptions,
    shape: (limits: GatewaySplitLimits) => GatewayPayload[],
  ): Promise<SendResult> {
    return this.#port.ifStarted(() => {
      const payloads = shape({
        maxBytes: this.#port.maxPacket() - packetOverhead(topic),
        maxDataPoints: this.#limiter.maxDataPointsPerMessage,
        maxDevices: this.#limiter.maxTelemetryMessagesPerMessage,
      });
      // The server now counts these devices as connected; so does the reconnect logic.
      for (const name in data) {
        if (!this.#devices.has(name)) this.#devices.set(name, { type: undefined, sending: 0 });
      }
      const deadline = this.#port.deadline(options.timeoutMs);
      const parts = payloads.map((p, i) =>
        this.#port.send({
          topic,
          payload: p.text,
          bytes: p.bytes,
          cost: { messages: 0, telemetryMessages: p.devices, dataPoints: p.dataPoints },
          limiter: this.#limiter,
          control: false,
          onLost: "requeue",
          deadline,
          what: payloads.length > 1 ? `${what} (part ${i + 1} of ${payloads.length})` : what,
        })
      );
      return Promise.all(parts).then(() => ({ messages: payloads.length }));
    });
  }

  #sendRequest(request: PendingRequest): Promise<void> {
    return this.#control(
      T.GATEWAY_ATTRIBUTE_REQUEST_TOPIC,
      withRequestId(request.id, request.body),
      request.what,
      { deadline: request.deadline, onLost: "requeue" },
    );
  }
}
