/**
 * An MQTT server that behaves like ThingsBoard's MQTT device transport, for tests and the demo:
 * CONNACK codes, PUBACK timing, reason codes, takeover, size and rate limits, provisioning and
 * the gateway API, with an in-process API to register devices, inspect what was stored and
 * push shared attributes and RPC.
 *
 * @module
 */

import { createServer, type Server } from "node:net";
import type { IPublishPacket, Packet } from "mqtt-packet";
import { TypedEmitter } from "../../util/typed_emitter.ts";
import { CredentialsRegistry } from "./auth.ts";
import { handleConnect } from "./connect.ts";
import type { ResolvedOptions, ServerContext } from "./context.ts";
import { handleDevicePublish, handleSubscribe, handleUnsubscribe } from "./device_api.ts";
import { handleProvisionPublish } from "./provisioning.ts";
import { RC } from "./reason_codes.ts";
import { type RpcSender, ServerRpcManager } from "./server_rpc.ts";
import { DeviceRoutes } from "./routing.ts";
import { Session, type SessionHost } from "./session.ts";
import { resolveOptions } from "./server_options.ts";
import { DeviceRecord, validateDeviceOptions } from "./store.ts";
import type {
  AddDeviceOptions,
  ClaimRecord,
  ClientRpcHandler,
  DeviceCredentials,
  DeviceInfo,
  DisconnectReason,
  PublishOutcome,
  PushRpcOptions,
  ServerFaults,
  TbValue,
  TelemetryEntry,
  ThingsBoardServerEvents,
  ThingsBoardServerOptions,
} from "./types.ts";

/** A ThingsBoard MQTT transport emulation; see {@linkcode startThingsBoardServer}. */
export class ThingsBoardServer extends TypedEmitter<ThingsBoardServerEvents>
  implements SessionHost, ServerContext {
  readonly options: ResolvedOptions;
  /** Fault switches, read at the moment they matter */
  readonly faults: ServerFaults = {};
  readonly rpc = new ServerRpcManager();
  readonly credentials = new CredentialsRegistry();
  readonly deviceRecords = new Map<string, DeviceRecord>();
  readonly routes = new DeviceRoutes(this.rpc);
  /** The open session of each device (ThingsBoard's default: at most one) */
  readonly deviceSessions = this.routes.deviceSessions;
  #sessions = new Set<Session>();
  #clientRpc = new Map<string, ClientRpcHandler>();
  #listener: Server | undefined;
  #port: number;
  #nextSessionId = 1;
  #inactivityTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: ThingsBoardServerOptions = {}) {
    super();
    this.options = resolveOptions(options);
    this.#port = this.options.port;
  }

  get maxPayloadSize(): number {
    return this.options.maxPayloadSize;
  }

  get maxInflightMessages(): number {
    return this.options.maxInflightMessages;
  }

  /** Bound port (the same one again after a restart) */
  get port(): number {
    return this.#port;
  }

  /** `mqtt://host:port` */
  get url(): string {
    const host = this.options.host;
    return `mqtt://${host.includes(":") ? `[${host}]` : host}:${this.#port}`;
  }

  get running(): boolean {
    return this.#listener !== undefined;
  }

  /** Starts listening; after a stop it binds the same port again. No-op when running. */
  async start(): Promise<void> {
    if (this.#listener) return;
    const listener = createServer((socket) => {
      // A connection accepted while stopping would keep the listener from closing.
      if (this.#listener !== listener) return void socket.destroy();
      const session = new Session(this.#nextSessionId++, socket, this);
      this.#sessions.add(session);
      session.done.then(() => this.#sessions.delete(session));
    });
    await new Promise<void>((resolve, reject) => {
      listener.once("error", reject);
      listener.listen(this.#port, this.options.host, () => {
        listener.off("error", reject);
        resolve();
      });
    }).catch((error: Error) => {
      throw new Error(
        `Cannot start ThingsBoard server on "${this.options.host}:${this.#port}": ${error.message}`,
        { cause: error },
      );
    });
    listener.on("error", () => {}); // accept errors must not crash the process
    this.#listener = listener;
    this.#port = (listener.address() as { port: number }).port;
    const idle = this.options.inactivityTimeoutMs;
    if (idle > 0) {
      this.#inactivityTimer = setInterval(() => this.#closeIdle(idle), Math.min(idle / 2, 1000));
    }
  }

  /**
   * Closes every session (MQTT 5: DISCONNECT 0x8B server shutting down) and the listener. Stored
   * data stays; pending server-side RPCs fail with SERVER_STOPPED and ids restart at 0.
   */
  async stop(): Promise<void> {
    const listener = this.#listener;
    if (!listener) return;
    this.#listener = undefined;
    clearInterval(this.#inactivityTimer);
    this.#inactivityTimer = undefined;
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    const sessions = [...this.#sessions];
    for (const session of sessions) session.close("server_stop", RC.SERVER_SHUTTING_DOWN);
    await Promise.all(sessions.map((session) => session.done));
    await closed;
    this.rpc.reset();
  }

  /** Cuts every connection without an MQTT goodbye, as a network failure would. */
  dropAllConnections(): void {
    for (const session of this.#sessions) session.drop("dropped");
  }

  #closeIdle(timeoutMs: number): void {
    const now = performance.now();
    for (const session of this.#sessions) {
      if (now - session.lastActivity >= timeoutMs) {
        session.close("inactivity", RC.MAXIMUM_CONNECT_TIME);
      }
    }
  }

  // ---- devices and stored data ----

  /** Registers a device; throws on a duplicate name, clashing or malformed credentials. */
  addDevice(name: string, credentials: DeviceCredentials, options: AddDeviceOptions = {}): void {
    if (typeof name !== "string" || name.trim() === "") {
      throw new TypeError(`Device name must be a non-empty string, got "${name}"`);
    }
    if (this.deviceRecords.has(name)) throw new RangeError(`Device "${name}" already exists`);
    validateDeviceOptions(name, options);
    this.credentials.add(name, credentials);
    this.createDevice(name, options);
  }

  /** Deletes a device; its session is closed (MQTT 5: DISCONNECT 0x98 administrative action). */
  removeDevice(name: string): void {
    this.#record(name);
    this.deviceSessions.get(name)?.close("device_deleted", RC.ADMINISTRATIVE_ACTION);
    this.credentials.remove(name);
    this.deviceRecords.delete(name);
  }

  createDevice(name: string, options: AddDeviceOptions, parentGateway?: string): DeviceRecord {
    const record = new DeviceRecord(name, options, parentGateway);
    this.deviceRecords.set(name, record);
    return record;
  }

  #record(name: string): DeviceRecord {
    const record = this.deviceRecords.get(name);
    if (!record) throw new RangeError(`Unknown device "${name}"`);
    return record;
  }

  devices(): DeviceInfo[] {
    return [...this.deviceRecords.values()].map((record) =>
      record.info(this.routes.isConnected(record.name))
    );
  }

  /** Stored telemetry of a device in arrival order. */
  telemetry(name: string): TelemetryEntry[] {
    return this.#record(name).telemetry.map((entry) => ({ ts: entry.ts, values: entry.values }));
  }

  clientAttributes(name: string): Record<string, TbValue> {
    return Object.fromEntries(this.#record(name).clientAttributes);
  }

  sharedAttributes(name: string): Record<string, TbValue> {
    return Object.fromEntries(this.#record(name).sharedAttributes);
  }

  claims(name: string): ClaimRecord[] {
    return this.#record(name).claims.map((claim) => ({ ...claim }));
  }

  /** Stores shared attributes and pushes them to the device if it subscribed. */
  setSharedAttributes(name: string, values: Record<string, TbValue>): void {
    const record = this.#record(name);
    if (values === null || typeof values !== "object" || Array.isArray(values)) {
      throw new TypeError(`Shared attributes of "${name}" must be an object`);
    }
    for (const key in values) record.sharedAttributes.set(key, values[key]);
    this.routes.pushShared(record, values);
  }

  /** Deletes shared attributes; a subscribed device gets `{"deleted":[...]}`. */
  deleteSharedAttributes(name: string, keys: readonly string[]): void {
    const record = this.#record(name);
    if (!Array.isArray(keys) || keys.some((key) => typeof key !== "string")) {
      throw new TypeError(`Keys to delete from "${name}" must be an array of strings`);
    }
    for (const key of keys) record.sharedAttributes.delete(key);
    this.routes.pushShared(record, { deleted: [...keys] });
  }

  // ---- RPC ----

  /**
   * Server-side RPC: resolves with the device's reply (parsed JSON, or the text when it is not
   * JSON); one-way calls resolve with undefined on delivery. Rejects with a
   * {@linkcode ThingsBoardRpcError} (TIMEOUT, NO_ACTIVE_CONNECTION, SERVER_STOPPED).
   */
  pushRpc(
    deviceName: string,
    method: string,
    params: unknown = {},
    options: PushRpcOptions = {},
  ): Promise<unknown> {
    const record = this.deviceRecords.get(deviceName);
    if (!record) return Promise.reject(new RangeError(`Unknown device "${deviceName}"`));
    if (typeof method !== "string" || method === "") {
      return Promise.reject(new TypeError("RPC method must be a non-empty string"));
    }
    const timeoutMs = options.timeoutMs ?? this.options.serverRpcTimeoutMs;
    if (!(timeoutMs > 0)) {
      return Promise.reject(new RangeError(`RPC timeout must be positive, got "${timeoutMs}"`));
    }
    const oneway = options.oneway === true;
    return this.rpc.push(deviceName, method, params, timeoutMs, oneway, this.rpcSender(record));
  }

  /** Ids of server-side RPCs still waiting for a reply (or for delivery). */
  pendingRpcIds(deviceName: string): number[] {
    return this.rpc.pendingIds(deviceName);
  }

  /** Answers client-side RPC `method`; returns a function that removes the handler. */
  onClientRpc(method: string, handler: ClientRpcHandler): () => void {
    if (typeof method !== "string" || method === "") {
      throw new TypeError("Client RPC method must be a non-empty string");
    }
    if (typeof handler !== "function") throw new TypeError("Client RPC handler must be a function");
    this.#clientRpc.set(method, handler);
    return () => {
      if (this.#clientRpc.get(method) === handler) this.#clientRpc.delete(method);
    };
  }

  clientRpcHandler(method: string): ClientRpcHandler | undefined {
    return this.#clientRpc.get(method);
  }

  rpcSender(record: DeviceRecord): RpcSender | undefined {
    return this.routes.rpcSender(record);
  }

  // ---- gateway children ----

  attachChild(session: Session, name: string, type?: string): DeviceRecord {
    const record = this.deviceRecords.get(name) ??
      this.createDevice(name, { type }, session.device!.name);
    this.routes.attachChild(session, record);
    return record;
  }

  detachChild(session: Session, name: string): void {
    this.routes.detachChild(session, name);
  }

  // ---- session host ----

  onConnect: SessionHost["onConnect"] = (session, packet) => handleConnect(this, session, packet);

  onPacket(session: Session, packet: Packet): void {
    switch (packet.cmd) {
      case "publish":
        if (session.provisioning) return handleProvisionPublish(this, session, packet);
        return handleDevicePublish(this, session, packet);
      case "subscribe": {
        const granted = handleSubscribe(this, session, packet);
        if (this.listenerCount("subscribe") === 0) return;
        return this.emit("subscribe", {
          session: session.id,
          device: session.device?.name,
          topics: packet.subscriptions.map((s) => s.topic),
          granted,
        });
      }
      case "unsubscribe":
        return handleUnsubscribe(session, packet);
    }
  }

  onClosed(session: Session, reason: DisconnectReason, reasonCode?: number): void {
    this.routes.sessionClosed(session);
    this.emit("disconnect", {
      session: session.id,
      device: session.device?.name,
      reason,
      reasonCode,
    });
  }

  emitConnect(event: ThingsBoardServerEvents["connect"][0]): void {
    this.emit("connect", event);
  }

  emitRefuse(event: ThingsBoardServerEvents["refuse"][0]): void {
    this.emit("refuse", event);
  }

  emitPublish(session: Session, packet: IPublishPacket, outcome: PublishOutcome): void {
    if (this.listenerCount("publish") === 0) return;
    this.emit("publish", {
      session: session.id,
      device: session.device?.name,
      topic: packet.topic,
      payload: new Uint8Array(packet.payload as Uint8Array),
      qos: packet.qos,
      outcome,
    });
  }

  /**
   * Resolves with the first `event` whose argument satisfies `predicate`; rejects after
   * `timeoutMs` (default 5000).
   */
  waitFor<K extends keyof ThingsBoardServerEvents>(
    event: K,
    predicate: (value: ThingsBoardServerEvents[K][0]) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<ThingsBoardServerEvents[K][0]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for "${String(event)}"`));
      }, timeoutMs);
      const off = this.on(
        event,
        ((value: ThingsBoardServerEvents[K][0]) => {
          if (!predicate(value)) return;
          off();
          clearTimeout(timer);
          resolve(value);
        }) as (...args: ThingsBoardServerEvents[K]) => void,
      );
    });
  }
}

/** Creates a {@linkcode ThingsBoardServer} and starts it. */
export async function startThingsBoardServer(
  options: ThingsBoardServerOptions = {},
): Promise<ThingsBoardServer> {
  const server = new ThingsBoardServer(options);
  await server.start();
  return server;
}
