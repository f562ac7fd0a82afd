/**
 * One TCP client of the simulated brickd: request framing with brickd's
 * header checks, the authentication state, and an ordered, coalescing
 * write queue.
 *
 * brickd disconnects a client whose request header has a length < 8 or > 80,
 * function id 0 or sequence number 0 (tfp-protocol.md §1.3); so does this.
 *
 * @module
 */

import { decodeHeader, HEADER_SIZE, MAX_PACKET_SIZE, type PacketHeader } from "../tfp/header.ts";
import type { AuthState } from "./auth.ts";
import { SocketWriter } from "../util/socket_writer.ts";

/** Handles one complete, valid request; payload is only valid during the call. */
export type RequestHandler = (
  session: ClientSession,
  header: PacketHeader,
  payload: Uint8Array,
) => void;

/** Most bytes queued towards a slow client before the oldest packets are dropped. */
const MAX_QUEUED_BYTES = 32768 * MAX_PACKET_SIZE;
const READ_BUFFER_SIZE = 16384;

/** Whether brickd would accept this request header. */
export function isValidRequestHeader(header: PacketHeader): boolean {
  return header.length >= HEADER_SIZE && header.length <= MAX_PACKET_SIZE &&
    header.functionId !== 0 && header.sequence !== 0;
}

/** A connected client. */
export class ClientSession {
  readonly id: number;
  readonly serverNonce: Uint8Array;
  auth: AuthState;
  readonly #conn: Deno.TcpConn;
  readonly #onRequest: RequestHandler;
  readonly #writer: SocketWriter;
  #tail = new Uint8Array(MAX_PACKET_SIZE);
  #tailLength = 0;
  #closed = false;
  readonly #done: Promise<void>;

  constructor(
    id: number,
    conn: Deno.TcpConn,
    serverNonce: Uint8Array,
    authEnabled: boolean,
    onRequest: RequestHandler,
  ) {
    this.id = id;
    this.#conn = conn;
    this.serverNonce = serverNonce;
    this.auth = authEnabled ? "enabled" : "disabled";
    this.#onRequest = onRequest;
    // Like brickd's writer backlog: a client that does not read loses the oldest packets.
    this.#writer = new SocketWriter(conn, () => this.close(), { maxQueuedBytes: MAX_QUEUED_BYTES });
    try {
      conn.setNoDelay(true);
    } catch {
      // The peer may already be gone; the read loop notices.
    }
    this.#done = this.#readLoop();
  }

  /** Whether callbacks and device requests are allowed (authenticated or no secret). */
  get authenticated(): boolean {
    return this.auth === "disabled" || this.auth === "done";
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves when the session has ended and all its socket operations have settled. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Queues a packet (or raw bytes) for sending. */
  send(bytes: Uint8Array): void {
    if (this.#closed) return;
    void this.#writer.write(bytes);
  }

  /** Closes the connection; pending writes are dropped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#writer.close();
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_SIZE);
    try {
      while (!this.#closed) {
        const count = await this.#conn.read(buffer);
        if (count === null || !this.#consume(buffer.subarray(0, count))) break;
      }
    } catch {
      // Connection reset or closed by stop(): the session just ends.
    } finally {
      this.close();
      await this.#writer.idle;
    }
  }

  /** Frames and dispatches requests; false on a header brickd would reject. */
  #consume(chunk: Uint8Array): boolean {
    let data = chunk;
    if (this.#tailLength > 0) {
      data = new Uint8Array(this.#tailLength + chunk.length);
      data.set(this.#tail.subarray(0, this.#tailLength), 0);
      data.set(chunk, this.#tailLength);
      this.#tailLength = 0;
    }
    let offset = 0;
    while (data.length - offset >= HEADER_SIZE && !this.#closed) {
      const header = decodeHeader(data, offset);
      if (!isValidRequestHeader(header)) return false;
      if (data.length - offset < header.length) break;
      this.#onRequest(this, header, data.subarray(offset + HEADER_SIZE, offset + header.length));
      offset += header.length;
    }
    const rest = data.length - offset;
    if (rest > 0) {
      this.#tail.set(data.subarray(offset), 0);
      this.#tailLength = rest;
    }
    return !this.#closed;
  }
}
