/**
 * A simulated Brick Daemon: a TCP server speaking TFP like brickd, with any
 * set of devices from the codecs behind it.
 *
 * Behaviour copied from brickd (tfp-protocol.md §1, §3-§5):
 * - requests are dispatched by UID; responses copy UID, function id, sequence
 *   number and R bit and carry the error code; R=0 requests get no response;
 * - unknown UID: no answer at all; unknown function: error 2; wrong request
 *   length: error 1;
 * - callbacks (sequence 0) go to every authenticated client. Enumerate
 *   answers are callbacks too, so like brickd they go to every client, not
 *   only the one that asked;
 * - a bad request header (length < 8 or > 80, function id 0, sequence 0)
 *   closes the connection;
 * - with a secret, a client must authenticate (UID 1, FID 1/2) before
 *   anything else is processed; without one, FID 1/2 on UID 1 disconnects.
 *
 * @module
 */

import { buildPacket, type PacketHeader } from "../tfp/header.ts";
import { FUNCTION_ENUMERATE } from "../tfp/identity.ts";
import { decodeNamed, encodeNamed, payloadSize, type Value } from "../tfp/payload.ts";
import { functionById, functionByName } from "../tfp/registry.ts";
import type { PacketSpec } from "../tfp/spec.ts";
import { parseUid } from "../tfp/base58.ts";
import { validateSecret } from "../tfp/auth.ts";
import {
  AUTHENTICATE_REQUEST_SIZE,
  FUNCTION_AUTHENTICATE,
  FUNCTION_GET_AUTHENTICATION_NONCE,
  ServerNonces,
  verifyAuthenticate,
} from "./auth.ts";
import { ClientSession } from "./client_session.ts";
import { type DeviceConfig, type ResolvedDevice, resolveDevice, resolveDevices } from "./config.ts";
import { SimDevice } from "./device_model.ts";
import {
  enumeratePacket,
  ENUMERATION_AVAILABLE,
  ENUMERATION_CONNECTED,
  ENUMERATION_DISCONNECTED,
} from "./enumerate.ts";
import { createRandom, type Random } from "./readings.ts";

/** Options of {@link SimulatedBrickd}. */
export interface SimulatedBrickdOptions {
  /** Default "127.0.0.1" */
  readonly hostname?: string;
  /** Default 0 (any free port); see {@link SimulatedBrickd.port} */
  readonly port?: number;
  readonly devices?: readonly DeviceConfig[];
  /** Authentication secret; never logged */
  readonly secret?: string;
  /** Seed for readings and nonces, for reproducible runs */
  readonly seed?: number;
}

/** Counters for tests and benchmarks. */
export interface SimStats {
  /** Requests received (valid headers) */
  requests: number;
  /** Responses sent */
  responses: number;
  /** Callback packets sent (counted once per client) */
  callbacks: number;
  /** Clients connected now */
  clients: number;
  /** Connections accepted since construction */
  connections: number;
}

const BROKER_UID = 1;
const ERROR_INVALID_PARAMETER = 1;
const ERROR_NOT_SUPPORTED = 2;
const ERROR_UNKNOWN = 3;

function uidNumber(uid: string | number): number {
  return typeof uid === "number" ? uid : parseUid(uid);
}

/** The simulated daemon. Create, {@link start}, use, {@link stop}. */
export class SimulatedBrickd {
  readonly hostname: string;
  readonly #secret: string | undefined;
  readonly #random: Random;
  readonly #nonces: ServerNonces;
  readonly #devices = new Map<number, SimDevice>();
  readonly #sessions = new Set<ClientSession>();
  readonly #failures = new Map<string, { code: number; count: number }>();
  readonly #stats: SimStats = {
    requests: 0,
    responses: 0,
    callbacks: 0,
    clients: 0,
    connections: 0,
  };
  #port: number;
  #listener: Deno.TcpListener | undefined;
  #accepting: Promise<void> | undefined;
  #silent = false;
  #nextSessionId = 1;

  constructor(options: SimulatedBrickdOptions = {}) {
    this.hostname = options.hostname ?? "127.0.0.1";
    this.#port = options.port ?? 0;
    if (options.secret !== undefined) validateSecret(options.secret); // never echoes the secret
    this.#secret = options.secret === "" ? undefined : options.secret;
    this.#random = createRandom(options.seed);
    this.#nonces = new ServerNonces(
      options.seed === undefined
        ? () => crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32
        : this.#random,
    );
    for (const device of resolveDevices(options.devices ?? [])) this.#addDevice(device);
  }

  /** The bound port (after {@link start}); stays the same across stop()/start(). */
  get port(): number {
    return this.#port;
  }

  get running(): boolean {
    return this.#listener !== undefined;
  }

  /** Whether clients must authenticate. */
  get authenticationEnabled(): boolean {
    return this.#secret !== undefined;
  }

  get stats(): Readonly<SimStats> {
    return { ...this.#stats, clients: this.#sessions.size };
  }

  /** Starts listening (again on the same port after a {@link stop}). */
  start(): Promise<void> {
    if (this.#listener !== undefined) {
      return Promise.reject(new Error("Simulator is already running"));
    }
    const listener = Deno.listen({ hostname: this.hostname, port: this.#port, transport: "tcp" });
    this.#listener = listener;
    this.#port = (listener.addr as Deno.NetAddr).port;
    for (const device of this.#devices.values()) device.start();
    this.#accepting = this.#acceptLoop(listener);
    return Promise.resolve();
  }

  /** Closes the listener, every client and every timer; resolves when all have settled. */
  async stop(): Promise<void> {
    const listener = this.#listener;
    if (listener === undefined) return;
    this.#listener = undefined;
    listener.close();
    for (const device of this.#devices.values()) device.stop();
    await this.#accepting;
    await this.dropAllConnections();
  }

  async #acceptLoop(listener: Deno.TcpListener): Promise<void> {
    try {
      for await (const conn of listener) {
        if (this.#listener !== listener) {
          conn.close();
          break;
        }
        this.#stats.connections++;
        const session = new ClientSession(
          this.#nextSessionId++,
          conn,
          this.#nonces.next(),
          this.#secret !== undefined,
          (s, header, payload) => this.#onRequest(s, header, payload),
        );
        this.#sessions.add(session);
        session.done.then(() => this.#sessions.delete(session));
      }
    } catch {
      // The listener was closed by stop().
    }
  }

  // ---- devices -------------------------------------------------------------------------------

  #addDevice(resolved: ResolvedDevice): SimDevice {
    const device = new SimDevice({
      spec: resolved.spec,
      identity: resolved.identity,
      random: this.#random,
      emit: (callback, values) => this.#emitCallback(device, callback, values),
    });
    for (const [getter, values] of resolved.values) device.setValues(getter, values);
    this.#devices.set(resolved.identity.uid, device);
    return device;
  }

  /** All simulated devices, in configuration order. */
  get devices(): SimDevice[] {
    return [...this.#devices.values()];
  }

  /** The device with this UID (Base58 text or number). */
  device(uid: string | number): SimDevice | undefined {
    return this.#devices.get(uidNumber(uid));
  }

  #require(uid: string | number): SimDevice {
    const device = this.device(uid);
    if (device === undefined) throw new RangeError(`No simulated device with UID "${uid}"`);
    return device;
  }

  /** Fires an event callback (e.g. "button_state_changed", { state: 0 }); false if it is disabled. */
  fireCallback(uid: string | number, name: string, values: Record<string, unknown> = {}): boolean {
    return this.#require(uid).fire(name, values);
  }

  /** Sends a streamed callback (e.g. RS232 "read") in chunks; returns the packets sent. */
  emitStreamCallback(
    uid: string | number,
    name: string,
    data: readonly Value[] | string,
    extra?: Record<string, Value>,
  ): number {
    const items = typeof data === "string" ? [...data] : data;
    return this.#require(uid).emitStream(name, items, extra);
  }

  /** Fixes values a getter returns. */
  setValues(uid: string | number, getter: string, values: Record<string, unknown>): void {
    this.#require(uid).setValues(getter, values);
  }

  #emitCallback(device: SimDevice, callback: PacketSpec, values: Record<string, Value>): void {
    if (this.#devices.get(device.identity.uid) !== device) return;
    const payload = encodeNamed(callback.out, values);
    this.#broadcast(buildPacket(device.identity.uid, callback.id, 0, true, payload));
  }

  #broadcast(packet: Uint8Array): void {
    for (const session of this.#sessions) {
      if (!session.authenticated || session.closed) continue;
      session.send(packet);
      this.#stats.callbacks++;
    }
  }

  // ---- fault injection -----------------------------------------------------------------------

  /** Closes every client connection (the listener stays open). */
  async dropAllConnections(): Promise<void> {
    const sessions = [...this.#sessions];
    for (const session of sessions) session.close();
    await Promise.all(sessions.map((session) => session.done));
  }

  /** While on, requests are dropped unanswered and without effect (callbacks continue). */
  setSilent(on: boolean): void {
    this.#silent = on;
  }

  /** The next `count` requests to this function answer with `errorCode` (and have no effect). */
  failNext(uid: string | number, fn: number | string, errorCode: 1 | 2 | 3, count = 1): void {
    const device = this.#require(uid);
    const packet = typeof fn === "number"
      ? functionById(device.spec, fn)
      : functionByName(device.spec, fn);
    if (packet === undefined) {
      throw new RangeError(`Device "${device.spec.name}" has no function "${fn}"`);
    }
    if (![1, 2, 3].includes(errorCode)) {
      throw new RangeError(`Error code must be 1, 2 or 3, got ${errorCode}`);
    }
    this.#failures.set(`${device.identity.uid}:${packet.id}`, { code: errorCode, count });
  }

  /** Sends raw bytes to every client (to test resynchronisation). */
  sendGarbage(bytes: Uint8Array): void {
    for (const session of this.#sessions) session.send(bytes.slice());
  }

  /** Adds a device and announces it with an enumerate callback of type CONNECTED. */
  attachDevice(config: DeviceConfig): SimDevice {
    const resolved = resolveDevice(config);
    if (this.#devices.has(resolved.identity.uid)) {
      throw new RangeError(`A device with UID "${resolved.identity.uidText}" already exists`);
    }
    const device = this.#addDevice(resolved);
    if (this.running) device.start();
    this.#broadcast(enumeratePacket(device, ENUMERATION_CONNECTED));
    return device;
  }

  /** Removes a device and announces it with an enumerate callback of type DISCONNECTED. */
  detachDevice(uid: string | number): void {
    const device = this.#require(uid);
    device.stop();
    this.#devices.delete(device.identity.uid);
    this.#broadcast(enumeratePacket(device, ENUMERATION_DISCONNECTED));
  }

  // ---- requests ------------------------------------------------------------------------------

  #respond(session: ClientSession, header: PacketHeader, payload?: Uint8Array, errorCode = 0) {
    session.send(
      buildPacket(header.uid, header.functionId, header.sequence, true, payload, errorCode),
    );
    this.#stats.responses++;
  }

  #onRequest(session: ClientSession, header: PacketHeader, payload: Uint8Array): void {
    this.#stats.requests++;
    if (this.#silent) return;
    if (header.uid === BROKER_UID) return this.#onBrokerRequest(session, header, payload);
    if (!session.authenticated) return;
    if (header.uid === 0) {
      if (header.functionId === FUNCTION_ENUMERATE) {
        for (const device of this.#devices.values()) {
          this.#broadcast(enumeratePacket(device, ENUMERATION_AVAILABLE));
        }
      }
      // The disconnect probe (FID 128) and any other broadcast: brickd drops them.
      return;
    }
    const device = this.#devices.get(header.uid);
    if (device === undefined) return;
    const expects = header.responseExpected;
    const failure = this.#failures.get(`${header.uid}:${header.functionId}`);
    if (failure !== undefined) {
      if (--failure.count <= 0) this.#failures.delete(`${header.uid}:${header.functionId}`);
      if (expects) this.#respond(session, header, undefined, failure.code);
      return;
    }
    const fn = functionById(device.spec, header.functionId);
    if (fn === undefined) {
      if (expects) this.#respond(session, header, undefined, ERROR_NOT_SUPPORTED);
      return;
    }
    if (payload.length !== payloadSize(fn.in)) {
      if (expects) this.#respond(session, header, undefined, ERROR_INVALID_PARAMETER);
      return;
    }
    let response: Uint8Array;
    try {
      response = encodeNamed(fn.out, device.handle(fn, decodeNamed(fn.in, payload)));
    } catch {
      // A value the model cannot produce for this function: the device reports an error.
      if (expects) this.#respond(session, header, undefined, ERROR_UNKNOWN);
      return;
    }
    if (expects) this.#respond(session, header, response);
  }

  #onBrokerRequest(session: ClientSession, header: PacketHeader, payload: Uint8Array): void {
    const fid = header.functionId;
    const handshake = fid === FUNCTION_GET_AUTHENTICATION_NONCE || fid === FUNCTION_AUTHENTICATE;
    if (!handshake) {
      if (header.responseExpected) this.#respond(session, header, undefined, ERROR_NOT_SUPPORTED);
      return;
    }
    // brickd: handshake without a secret, or a malformed handshake, ends the connection.
    if (this.#secret === undefined) return session.close();
    if (fid === FUNCTION_GET_AUTHENTICATION_NONCE) {
      if (payload.length !== 0) return session.close();
      session.auth = "nonce_sent";
      if (header.responseExpected) this.#respond(session, header, session.serverNonce);
      return;
    }
    if (
      session.auth !== "nonce_sent" || payload.length !== AUTHENTICATE_REQUEST_SIZE ||
      !verifyAuthenticate(this.#secret, session.serverNonce, payload)
    ) {
      return session.close();
    }
    session.auth = "done";
    if (header.responseExpected) this.#respond(session, header);
  }
}

/** Creates and starts a simulator. */
export async function startSimulatedBrickd(
  options: SimulatedBrickdOptions = {},
): Promise<SimulatedBrickd> {
  const brickd = new SimulatedBrickd(options);
  await brickd.start();
  return brickd;
}
