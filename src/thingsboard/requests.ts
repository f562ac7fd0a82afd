/**
 * Requests that wait for a response on a topic with the same id: attribute
 * requests and client-side RPC.
 *
 * Every request has a deadline and ends exactly once: response, timeout,
 * `connection_lost` or `closed`. What a dropped connection does is decided
 * per kind, on purpose:
 *
 * - attribute requests are reads: one that was sent but not answered is sent
 *   again after the reconnect (same id, new connection), within its deadline;
 * - client-side RPC may have effects: one that reached the wire and was not
 *   answered fails with `connection_lost`; one still queued is simply sent
 *   after the reconnect.
 *
 * @module
 */
import { ThingsBoardError } from "./errors.ts";
import { tbJsonParse, type TbJsonValue } from "./json.ts";

/** What kind of request; decides the reconnect policy. */
export type RequestKind = "attributes" | "rpc";

/** How a request is (re)sent; returns the publish promise (resolves on PUBACK). */
export type RequestSender = (request: PendingRequest) => Promise<void>;

/** A request waiting for its response. */
export interface PendingRequest {
  readonly kind: RequestKind;
  readonly id: number;
  readonly body: string;
  /** For error texts, e.g. `RPC "getTime"` */
  readonly what: string;
  /** Absolute deadline on the `performance.now()` clock */
  readonly deadline: number;
  /** "queued": handed to the send queue; "acked": PUBACK seen, waiting for the response */
  state: "queued" | "acked";
}

interface Entry extends PendingRequest {
  resolve: (value: TbJsonValue) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Largest id: ThingsBoard parses the topic suffix as a Java int. */
const MAX_ID = 2 ** 31 - 1;

/** Pending requests by kind and id. */
export class RequestTable {
  #entries = new Map<string, Entry>();
  #nextId = 0;
  #send: RequestSender;

  constructor(send: RequestSender) {
    this.#send = send;
  }

  /** Pending requests. */
  get size(): number {
    return this.#entries.size;
  }

  /** Starts a request; resolves with the parsed response. */
  request(kind: RequestKind, body: string, timeoutMs: number, what: string): Promise<TbJsonValue> {
    const id = this.#allocateId(kind);
    return new Promise<TbJsonValue>((resolve, reject) => {
      const entry: Entry = {
        kind,
        id,
        body,
        what,
        deadline: performance.now() + timeoutMs,
        state: "queued",
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#finish(
            entry,
            new ThingsBoardError("timeout", `No response to ${what} within ${timeoutMs} ms`),
          );
        }, timeoutMs),
      };
      this.#entries.set(key(kind, id), entry);
      this.#dispatch(entry);
    });
  }

  /** A response arrived; false when no request with this id is pending (late or foreign). */
  respond(kind: RequestKind, id: number, payload: string): boolean {
    const entry = this.#entries.get(key(kind, id));
    if (!entry) return false;
    let value: TbJsonValue;
    try {
      value = tbJsonParse(payload);
    } catch (error) {
      this.#finish(
        entry,
        new ThingsBoardError(
          "rejected",
          `Invalid JSON in the response to ${entry.what}: ${(error as Error).message}`,
        ),
      );
      return true;
    }
    this.#finish(entry, undefined, value);
    return true;
  }

  /** The connection dropped: attribute requests already sent are sent again, sent RPCs fail. */
  connectionLost(): void {
    for (const entry of [...this.#entries.values()]) {
      if (entry.state !== "acked") continue; // still with the send queue, which handles it
      if (entry.kind === "attributes") {
        entry.state = "queued";
        this.#dispatch(entry);
      } else {
        this.#finish(
          entry,
          new ThingsBoardError(
            "connection_lost",
            `Connection to ThingsBoard lost while waiting for the response to ${entry.what}; not repeated because an RPC may have effects`,
          ),
        );
      }
    }
  }

  /** Ends every request with `error`. */
  closeAll(error: Error): void {
    for (const entry of [...this.#entries.values()]) this.#finish(entry, error);
  }

  #dispatch(entry: Entry): void {
    this.#send(entry).then(
      () => {
        if (this.#entries.get(key(entry.kind, entry.id)) === entry) entry.state = "acked";
      },
      (error: Error) => this.#finish(entry, error),
    );
  }

  #finish(entry: Entry, error?: Error, value?: TbJsonValue): void {
    const k = key(entry.kind, entry.id);
    if (this.#entries.get(k) !== entry) return;
    this.#entries.delete(k);
    clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve(value as TbJsonValue);
  }

  #allocateId(kind: RequestKind): number {
    for (;;) {
      this.#nextId = this.#nextId >= MAX_ID ? 1 : this.#nextId + 1;
      if (!this.#entries.has(key(kind, this.#nextId))) return this.#nextId;
    }
  }
}

function key(kind: RequestKind, id: number): string {
  return `${kind}:${id}`;
}
