/**
 * The IP connection to a Brick Daemon (or Master Extension / ESP32 Brick).
 *
 * One TCP socket, many requests in flight (matched by uid, function id and
 * sequence number), callbacks and enumerate events to listeners, HMAC-SHA1
 * authentication after every (re)connect, auto-reconnect with jittered backoff
 * and the idle disconnect probe of the reference bindings (tfp-protocol.md §7).
 *
 * @module
 */
import { buildPacket, type Packet } from "./header.ts";
import { PacketFramer } from "./framing.ts";
import { errorFromCode, TfpError } from "./errors.ts";
import { authenticationDigest, ClientNonceSource, validateSecret } from "./auth.ts";
import { connectionLostError, RequestTable } from "./request_table.ts";
import {
  CALLBACK_ENUMERATE,
  decodeEnumerate,
  decodeIdentity,
  type DeviceIdentity,
  ENUMERATE_PAYLOAD_SIZE,
  type EnumerateEvent,
  FUNCTION_DISCONNECT_PROBE,
  FUNCTION_ENUMERATE,
  FUNCTION_GET_IDENTITY,
} from "./identity.ts";
import { TypedEmitter } from "../util/typed_emitter.ts";
import { SocketWriter } from "../util/socket_writer.ts";
import { Backoff } from "../util/backoff.ts";
import { connectTcp } from "./tcp_connect.ts";

/** Connection state as in the reference bindings. */
export type ConnectionState = "disconnected" | "connected" | "pending";
/** Why a connection came up. */
export type ConnectReason = "request" | "auto-reconnect";
/** Why a connection went down: our close(), a socket error, or the peer closing. */
export type DisconnectReason = "request" | "error" | "shutdown";

/** Events of a {@link TfpConnection}. */
export type TfpConnectionEvents = {
  connected: [reason: ConnectReason];
  disconnected: [reason: DisconnectReason, error?: Error];
  /** A device callback (seq 0) other than enumerate */
  callback: [uid: number, functionId: number, payload: Uint8Array];
  enumerate: [event: EnumerateEvent];
  /** A connect or reconnect attempt failed (the connection keeps trying when it retries) */
  connectFailed: [error: Error];
};

/** Options of a {@link TfpConnection}. */
export interface TfpConnectionOptions {
  /** @default "localhost" */
  host?: string;
  /** @default 4223 */
  port?: number;
  /** Per-request deadline. @default 2500 */
  timeoutMs?: number;
  /** Authenticate with this secret after every (re)connect; never logged */
  secret?: string;
  /** Reconnect after an established connection is lost. @default true */
  autoReconnect?: boolean;
  /** First and longest delay between reconnect attempts. @default [100, 5000] */
  reconnectDelayMs?: readonly [first: number, max: number];
  /** Idle time after which a disconnect probe is sent. @default 5000 */
  disconnectProbeMs?: number;
  /** TCP connect timeout. @default 5000 */
  connectTimeoutMs?: number;
}

/** Options of a single request. */
export interface RequestOptions {
  responseExpected: boolean;
  timeoutMs?: number;
  /** Payload length a successful response must have; others fail with wrong_response_length */
  expectedLength?: number;
}

/** Counters for diagnostics and benchmarks. */
export interface ConnectionStats {
  packetsReceived: number;
  droppedBytes: number;
  unmatchedResponses: number;
  malformedCallbacks: number;
  reconnects: number;
}

const AUTH_UID = 1;
const FUNCTION_GET_AUTHENTICATION_NONCE = 1;
const FUNCTION_AUTHENTICATE = 2;
const READ_BUFFER_SIZE = 64 * 1024;

/** A TFP connection; see the module doc. */
export class TfpConnection extends TypedEmitter<TfpConnectionEvents> {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly autoReconnect: boolean;
  #secret: string | undefined;
  #probeMs: number;
  #connectTimeoutMs: number;
  #backoff: Backoff;
  #nonces = new ClientNonceSource();

  #state: ConnectionState = "disconnected";
  #conn: Deno.TcpConn | undefined;
  #writer: SocketWriter | undefined;
  #framer = new PacketFramer();
  #requests = new RequestTable();
  /** Bumped for every socket so late events of an old socket are ignored */
  #generation = 0;
  #closing = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #probeTimer: ReturnType<typeof setInterval> | undefined;
  #active = false;
  #connectWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #readLoop: Promise<void> | undefined;
  readonly stats: ConnectionStats = {
    packetsReceived: 0,
    droppedBytes: 0,
    unmatchedResponses: 0,
    malformedCallbacks: 0,
    reconnects: 0,
  };

  constructor(options: TfpConnectionOptions = {}) {
    super();
    this.host = options.host ?? "localhost";
    this.port = options.port ?? 4223;
    this.timeoutMs = options.timeoutMs ?? 2500;
    if (!(this.timeoutMs >= 0)) {
      throw new RangeError(`Cannot create connection: timeout ${this.timeoutMs} is negative`);
    }
    this.autoReconnect = options.autoReconnect ?? true;
    if (options.secret !== undefined && options.secret !== "") {
      validateSecret(options.secret);
      this.#secret = options.secret;
    }
    this.#probeMs = options.disconnectProbeMs ?? 5000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    const [first, max] = options.reconnectDelayMs ?? [100, 5000];
    this.#backoff = new Backoff(first, max);
  }

  /** Current state: "pending" while a (re)connect is under way. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Requests sent and awaiting their response. */
  get inFlight(): number {
    return this.#requests.inFlight;
  }

  /**
   * Connects (and authenticates when a secret is set). With `retry`, keeps trying with
   * backoff until it succeeds or {@link close} is called; the first success then reports
   * reason "auto-reconnect" if an attempt failed before, like the reference.
   */
  async connect(options: { retry?: boolean } = {}): Promise<void> {
    if (this.#state !== "disconnected") {
      throw new Error(`Cannot connect: connection is already ${this.#state}`);
    }
    this.#closing = false;
    this.#state = "pending";
    try {
      await this.#establish();
    } catch (error) {
      const err = asError(error);
      if (!options.retry || this.#closing) {
        if (!this.#closing) this.#state = "disconnected";
        throw err;
      }
      // Register the waiter before emitting: a listener may call close() synchronously.
      const waiting = new Promise<void>((resolve, reject) => {
        this.#connectWaiters.push({ resolve, reject });
      });
      this.emit("connectFailed", err);
      this.#scheduleReconnect();
      return waiting;
    }
    this.#backoff.reset();
    this.#onEstablished("request");
  }

  /** Closes the connection; pending requests fail at once, no reconnect follows. */
  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    const wasConnected = this.#state === "connected";
    this.#teardown();
    this.#state = "disconnected";
    for (const waiter of this.#connectWaiters.splice(0)) {
      waiter.reject(new TfpError("not_connected", "Connection closed before it was established"));
    }
    await this.#readLoop;
    if (wasConnected) this.emit("disconnected", "request");
  }

  /**
   * Sends a request. With `responseExpected` resolves with the response payload
   * (device error codes and deadlines reject with {@link TfpError}); without, resolves
   * `undefined` once the packet is handed to the socket.
   */
  async request(
    uid: number,
    functionId: number,
    payload: Uint8Array,
    options: RequestOptions,
  ): Promise<Uint8Array | undefined> {
    const writer = this.#writer;
    if (!writer || this.#state === "disconnected") {
      throw new TfpError("not_connected", "Not connected");
    }
    if (!options.responseExpected) {
      const packet = buildPacket(uid, functionId, this.#requests.nextSequence(), false, payload);
      this.#active = true;
      await writer.write(packet);
      return undefined;
    }
    const response = await this.#requests.add(
      uid,
      functionId,
      options.timeoutMs ?? this.timeoutMs,
      (sequence) => {
        this.#active = true;
        void writer.write(buildPacket(uid, functionId, sequence, true, payload));
      },
    );
    if (options.expectedLength !== undefined && response.length !== options.expectedLength) {
      throw new TfpError(
        "wrong_response_length",
        `Expected response of ${options.expectedLength} bytes for function ${functionId}, got ${response.length}`,
      );
    }
    return response;
  }

  /** Broadcasts an enumerate request; answers arrive as "enumerate" events. */
  async enumerate(): Promise<void> {
    await this.request(0, FUNCTION_ENUMERATE, new Uint8Array(0), { responseExpected: false });
  }

  /** Asks one device for its identity (function 255). */
  async getIdentity(uid: number, options: { timeoutMs?: number } = {}): Promise<DeviceIdentity> {
    const payload = await this.request(uid, FUNCTION_GET_IDENTITY, new Uint8Array(0), {
      responseExpected: true,
      timeoutMs: options.timeoutMs,
      expectedLength: 25,
    });
    return decodeIdentity(payload!);
  }

  async #establish(): Promise<void> {
    const conn = await connectTcp(this.host, this.port, this.#connectTimeoutMs);
    const generation = ++this.#generation;
    this.#conn = conn;
    this.#writer = new SocketWriter(conn, (error) => this.#lost(generation, "error", error));
    this.#framer.reset();
    this.#readLoop = this.#read(conn, generation);
    if (this.#secret !== undefined) {
      try {
        await this.#authenticate(this.#secret);
      } catch (error) {
        this.#teardown();
        throw error;
      }
    }
  }

  async #authenticate(secret: string): Promise<void> {
    try {
      const serverNonce = await this.request(
        AUTH_UID,
        FUNCTION_GET_AUTHENTICATION_NONCE,
        new Uint8Array(0),
        { responseExpected: true, expectedLength: 4 },
      );
      const clientNonce = this.#nonces.next();
      const digest = authenticationDigest(secret, serverNonce!, clientNonce);
      const payload = new Uint8Array(24);
      payload.set(clientNonce, 0);
      payload.set(digest, 4);
      await this.request(AUTH_UID, FUNCTION_AUTHENTICATE, payload, { responseExpected: true });
    } catch (error) {
      // brickd answers a wrong digest by closing the socket; say so without the secret.
      throw new TfpError(
        "authentication_failed",
        `Authentication to ${this.host}:${this.port} failed (wrong secret, or brickd has none configured): ${
          asError(error).message
        }`,
      );
    }
  }

  #onEstablished(reason: ConnectReason): void {
    this.#state = "connected";
    this.#active = false;
    this.#probeTimer = setInterval(() => this.#probe(), this.#probeMs);
    for (const waiter of this.#connectWaiters.splice(0)) waiter.resolve();
    this.emit("connected", reason);
  }

  async #read(conn: Deno.TcpConn, generation: number): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_SIZE);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) {
          this.#lost(generation, "shutdown");
          return;
        }
        if (generation !== this.#generation) return;
        this.#active = true;
        const packets = this.#framer.push(buffer.subarray(0, n));
        this.stats.droppedBytes = this.#framer.droppedBytes;
        for (const packet of packets) this.#dispatch(packet);
      }
    } catch (error) {
      this.#lost(generation, "error", asError(error));
    }
  }

  #dispatch(packet: Packet): void {
    this.stats.packetsReceived++;
    const { header, payload } = packet;
    if (header.sequence === 0) {
      if (header.functionId === CALLBACK_ENUMERATE) {
        if (payload.length !== ENUMERATE_PAYLOAD_SIZE) {
          this.stats.malformedCallbacks++;
          return;
        }
        this.emit("enumerate", decodeEnumerate(payload));
      } else if (header.functionId !== 0) {
        // FID 0 is the WIFI Extension's forced ACK: nothing to deliver.
        this.emit("callback", header.uid, header.functionId, payload);
      }
      return;
    }
    const outcome = header.errorCode === 0
      ? { payload }
      : { error: errorFromCode(header.uid, header.functionId, header.errorCode) };
    if (!this.#requests.settle(header.uid, header.functionId, header.sequence, outcome)) {
      this.stats.unmatchedResponses++;
    }
  }

  #probe(): void {
    if (this.#active) {
      this.#active = false;
      return;
    }
    const writer = this.#writer;
    if (!writer) return;
    const packet = buildPacket(0, FUNCTION_DISCONNECT_PROBE, this.#requests.nextSequence(), false);
    void writer.write(packet);
  }

  /** The socket of `generation` failed or was closed by the peer. */
  #lost(generation: number, reason: DisconnectReason, error?: Error): void {
    if (generation !== this.#generation || this.#closing) return;
    const wasConnected = this.#state === "connected";
    this.#teardown();
    if (!wasConnected) return; // a failing handshake reports through #establish
    this.emit("disconnected", reason, error);
    if (this.autoReconnect) {
      this.#state = "pending";
      this.#scheduleReconnect();
    } else {
      this.#state = "disconnected";
    }
  }

  #scheduleReconnect(): void {
    if (this.#closing) return;
    this.#reconnectTimer = setTimeout(async () => {
      this.#reconnectTimer = undefined;
      if (this.#closing) return;
      try {
        await this.#establish();
      } catch (error) {
        if (this.#closing) return;
        this.emit("connectFailed", asError(error));
        this.#scheduleReconnect();
        return;
      }
      if (this.#closing) return;
      this.stats.reconnects++;
      this.#backoff.reset();
      this.#onEstablished("auto-reconnect");
    }, this.#backoff.next());
  }

  /** Closes the socket and fails everything in flight. */
  #teardown(): void {
    this.#generation++;
    clearInterval(this.#probeTimer);
    this.#probeTimer = undefined;
    this.#writer?.close();
    this.#writer = undefined;
    try {
      this.#conn?.close();
    } catch {
      // Already closed by the peer.
    }
    this.#conn = undefined;
    this.#requests.failAll(connectionLostError);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
