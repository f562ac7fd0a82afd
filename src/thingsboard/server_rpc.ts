/**
 * Server-side RPC: calls the application's handler once per request and sends
 * its reply, even though ThingsBoard delivers the same request more than once.
 *
 * ThingsBoard pushes every pending RPC again when a session subscribes to the
 * RPC topic, including requests already delivered but not yet answered, and
 * restarts its id counter at 0 when it restarts. So a request is identified
 * by id AND body: the same pair again means a duplicate (the handler still
 * running: ignored; already answered but not acknowledged: the stored reply is
 * sent again), the same id with another body is a new request.
 *
 * A reply is only sent on the connection its request arrived on: after a
 * reconnect the id may name another request (server restart), so a reply that
 * could not be sent or acknowledged is kept and sent when the server pushes
 * that request again; entries expire after `ttlMs`.
 *
 * @module
 */
import { ThingsBoardError } from "./errors.ts";
import { isJsonObject, tbJsonParse, tbJsonStringify, type TbJsonValue } from "./json.ts";

/** What the handler receives. */
export interface ServerRpcRequest {
  method: string;
  params: TbJsonValue;
}

/**
 * Handles a server-side RPC. The return value (or what the Promise resolves
 * to) is sent as the reply; `undefined` sends nothing (one-way RPC, or a reply
 * sent later with `sendRpcReply`). A throw replies `{"error": message}`.
 */
export type ServerRpcHandler = (requestId: number, request: ServerRpcRequest) => unknown;

/** What the dispatcher needs from the client. */
export interface ServerRpcHost {
  /** True while a connection is up */
  connected(): boolean;
  /** Publishes a reply bound to the current connection; resolves on PUBACK */
  publishReply(requestId: number, payload: string): Promise<void>;
  /** Reports a problem that does not stop the client */
  warn(error: Error): void;
}

interface Entry {
  body: string | undefined;
  /**
   * "running": handler called, not finished; "awaiting": handler returned
   * nothing (one-way, or the app replies later); "replied": reply known, not
   * acknowledged yet
   */
  state: "running" | "awaiting" | "replied";
  reply?: string;
  /** The reply publish in progress */
  sending?: Promise<void>;
  touched: number;
}

/** Counters for tests and diagnostics. */
export interface ServerRpcStats {
  requests: number;
  duplicatesIgnored: number;
  repliesResent: number;
}

/** See the module doc. */
export class ServerRpcDispatcher {
  #host: ServerRpcHost;
  #handler: ServerRpcHandler | undefined;
  #entries = new Map<number, Entry>();
  #ttlMs: number;
  #maxEntries: number;
  readonly stats: ServerRpcStats = { requests: 0, duplicatesIgnored: 0, repliesResent: 0 };

  constructor(host: ServerRpcHost, ttlMs = 300_000, maxEntries = 1_000) {
    this.#host = host;
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  get handler(): ServerRpcHandler | undefined {
    return this.#handler;
  }

  set handler(handler: ServerRpcHandler | undefined) {
    if (handler !== undefined && typeof handler !== "function") {
      throw new TypeError("Invalid RPC handler: expected a function or null");
    }
    this.#handler = handler;
  }

  /** A request arrived on `v1/devices/me/rpc/request/{id}`. */
  onRequest(id: number, body: string): void {
    this.#prune();
    const known = this.#entries.get(id);
    if (known && known.body === body) {
      known.touched = performance.now();
      if (known.state === "replied" && known.reply !== undefined) {
        this.stats.repliesResent++;
        this.#send(id, known).catch((error) => this.#host.warn(error));
      } else {
        this.stats.duplicatesIgnored++;
      }
      return;
    }
    let request: ServerRpcRequest;
    try {
      const parsed = tbJsonParse(body);
      if (!isJsonObject(parsed) || typeof parsed.method !== "string") {
        throw new TypeError('expected an object with a "method" string');
      }
      request = { method: parsed.method, params: parsed.params ?? null };
    } catch (error) {
      this.#host.warn(new Error(`Ignoring invalid RPC request ${id}: ${(error as Error).message}`));
      return;
    }
    const handler = this.#handler;
    if (!handler) {
      this.#host.warn(new Error(`Ignoring RPC request ${id} ("${request.method}"): no handler`));
      return;
    }
    this.stats.requests++;
    const entry: Entry = { body, state: "running", touched: performance.now() };
    this.#entries.set(id, entry);
    let result: unknown;
    try {
      result = handler(id, request);
    } catch (error) {
      this.#complete(id, entry, errorReply(error));
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        if (value !== undefined) this.#complete(id, entry, value);
        else if (entry.state === "running") entry.state = "awaiting";
      },
      (error) => this.#complete(id, entry, errorReply(error)),
    );
  }

  /** `sendRpcReply`: replies to `requestId` now; resolves on PUBACK. */
  reply(requestId: number, response: unknown): Promise<void> {
    if (!Number.isSafeInteger(requestId) || requestId < 0) {
      return Promise.reject(new TypeError(`Invalid RPC request id "${requestId}"`));
    }
    let payload: string;
    try {
      payload = tbJsonStringify(response);
    } catch (error) {
      return Promise.reject(error);
    }
    let entry = this.#entries.get(requestId);
    if (!entry) {
      entry = { body: undefined, state: "replied", touched: performance.now() };
      this.#entries.set(requestId, entry);
    }
    entry.state = "replied";
    entry.reply = payload;
    return this.#send(requestId, entry);
  }

  #complete(id: number, entry: Entry, value: unknown): void {
    if (this.#entries.get(id) !== entry || entry.state === "replied") return;
    let payload: string;
    try {
      payload = tbJsonStringify(value);
    } catch (error) {
      this.#host.warn(error as Error);
      payload = JSON.stringify({ error: (error as Error).message });
    }
    entry.state = "replied";
    entry.reply = payload;
    this.#send(id, entry).catch((error) => this.#host.warn(error));
  }

  #send(id: number, entry: Entry): Promise<void> {
    if (!this.#host.connected()) {
      return Promise.reject(
        new ThingsBoardError(
          "connection_lost",
          `Not connected: the reply to RPC ${id} is kept and sent when ThingsBoard sends the request again`,
        ),
      );
    }
    if (entry.sending) return entry.sending;
    const sending = this.#host.publishReply(id, entry.reply as string).then(
      () => {
        entry.sending = undefined;
        // Acknowledged: the server will not push this request again.
        if (this.#entries.get(id) === entry) this.#entries.delete(id);
      },
      (error) => {
        entry.sending = undefined;
        throw error;
      },
    );
    entry.sending = sending;
    return sending;
  }

  #prune(): void {
    const now = performance.now();
    for (const [id, entry] of this.#entries) {
      if (entry.state !== "running" && now - entry.touched >= this.#ttlMs) this.#entries.delete(id);
    }
    if (this.#entries.size <= this.#maxEntries) return;
    for (const [id, entry] of this.#entries) {
      if (entry.state !== "running") this.#entries.delete(id);
      if (this.#entries.size <= this.#maxEntries) break;
    }
  }
}

function errorReply(error: unknown): { error: string } {
  return { error: error instanceof Error ? error.message : String(error) };
}
