/**
 * Outstanding TFP requests: sequence numbers, matching and deadlines.
 *
 * A response belongs to the request with the same (uid, function id, sequence
 * number) — the triple brickd itself routes by (tfp-protocol.md §3.3). Only 15
 * sequence numbers exist, so at most 15 requests per (uid, function id) can be
 * told apart; further ones wait in a per-(uid, function id) queue until a slot
 * frees up. Every request has a deadline from the moment it is made, queued or
 * not, so nothing waits forever.
 *
 * @module
 */
import { TfpError, TfpTimeoutError } from "./errors.ts";

/** A request waiting for its response (or for a free sequence number). */
export interface PendingRequest {
  readonly uid: number;
  readonly functionId: number;
  sequence: number;
  /** Sends the packet once a sequence number is assigned */
  readonly send: (sequence: number) => void;
  readonly resolve: (payload: Uint8Array) => void;
  readonly reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const SEQUENCE_MAX = 15;

// uid < 2^32, fid < 2^8, seq < 2^4: the key stays below 2^44, exact in a double.
function requestKey(uid: number, functionId: number, sequence: number): number {
  return uid * 4096 + functionId * 16 + sequence;
}

function slotKey(uid: number, functionId: number): number {
  return uid * 256 + functionId;
}

/** Tracks requests by (uid, fid, seq); owns their timers. */
export class RequestTable {
  #pending = new Map<number, PendingRequest>();
  #waiting = new Map<number, PendingRequest[]>();
  #inFlightPerSlot = new Map<number, number>();
  #nextSequence = 1;

  /** Number of requests sent and awaiting a response. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Number of requests queued for a free sequence number. */
  get queued(): number {
    let n = 0;
    for (const q of this.#waiting.values()) n += q.length;
    return n;
  }

  /** Next sequence number for a request that expects no response (1..15, never 0). */
  nextSequence(): number {
    const seq = this.#nextSequence;
    this.#nextSequence = seq === SEQUENCE_MAX ? 1 : seq + 1;
    return seq;
  }

  /**
   * Registers a request that expects a response; sends it now if a sequence number
   * is free for its (uid, fid), else queues it.
   */
  add(
    uid: number,
    functionId: number,
    timeoutMs: number,
    send: (sequence: number) => void,
  ): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      const request: PendingRequest = {
        uid,
        functionId,
        sequence: 0,
        send,
        resolve,
        reject,
        timer: undefined,
      };
      request.timer = setTimeout(() => this.#expire(request), timeoutMs);
      const slot = slotKey(uid, functionId);
      if ((this.#inFlightPerSlot.get(slot) ?? 0) >= SEQUENCE_MAX) {
        const queue = this.#waiting.get(slot);
        if (queue) queue.push(request);
        else this.#waiting.set(slot, [request]);
        return;
      }
      this.#dispatch(request, slot);
    });
  }

  /**
   * Hands a response to its request. Returns false when nothing matches (brickd
   * broadcasts responses it cannot route; those are ignored).
   */
  settle(
    uid: number,
    functionId: number,
    sequence: number,
    outcome: { payload: Uint8Array } | { error: Error },
  ): boolean {
    const key = requestKey(uid, functionId, sequence);
    const request = this.#pending.get(key);
    if (!request) return false;
    this.#release(request, key);
    if ("error" in outcome) request.reject(outcome.error);
    else request.resolve(outcome.payload);
    return true;
  }

  /** Fails every sent and queued request (connection lost or closed). */
  failAll(makeError: (request: PendingRequest) => Error): void {
    const all = [...this.#pending.values()];
    for (const queue of this.#waiting.values()) all.push(...queue);
    this.#pending.clear();
    this.#waiting.clear();
    this.#inFlightPerSlot.clear();
    for (const request of all) {
      clearTimeout(request.timer);
      request.reject(makeError(request));
    }
  }

  #dispatch(request: PendingRequest, slot: number): void {
    let sequence = 0;
    // At most 15 tries: fewer than 15 of this slot are in flight, so one is free.
    for (let i = 0; i < SEQUENCE_MAX; i++) {
      const candidate = this.nextSequence();
      if (!this.#pending.has(requestKey(request.uid, request.functionId, candidate))) {
        sequence = candidate;
        break;
      }
    }
    request.sequence = sequence;
    this.#pending.set(requestKey(request.uid, request.functionId, sequence), request);
    this.#inFlightPerSlot.set(slot, (this.#inFlightPerSlot.get(slot) ?? 0) + 1);
    try {
      request.send(sequence);
    } catch (error) {
      this.settle(request.uid, request.functionId, sequence, {
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  #release(request: PendingRequest, key: number): void {
    clearTimeout(request.timer);
    this.#pending.delete(key);
    const slot = slotKey(request.uid, request.functionId);
    const left = (this.#inFlightPerSlot.get(slot) ?? 1) - 1;
    if (left > 0) this.#inFlightPerSlot.set(slot, left);
    else this.#inFlightPerSlot.delete(slot);
    const queue = this.#waiting.get(slot);
    if (queue && queue.length > 0) {
      const next = queue.shift()!;
      if (queue.length === 0) this.#waiting.delete(slot);
      this.#dispatch(next, slot);
    }
  }

  #expire(request: PendingRequest): void {
    if (request.sequence === 0) {
      // Still queued: never sent.
      const slot = slotKey(request.uid, request.functionId);
      const queue = this.#waiting.get(slot);
      const index = queue?.indexOf(request) ?? -1;
      if (queue && index >= 0) {
        queue.splice(index, 1);
        if (queue.length === 0) this.#waiting.delete(slot);
      }
    } else {
      const key = requestKey(request.uid, request.functionId, request.sequence);
      if (this.#pending.get(key) !== request) return;
      this.#release(request, key);
    }
    request.reject(new TfpTimeoutError(request.uid, request.functionId, request.sequence));
  }
}

/** Error for requests that were in flight when the connection went away. */
export function connectionLostError(request: PendingRequest): TfpError {
  return new TfpError(
    "not_connected",
    `Not connected (connection lost before the response to function ${request.functionId})`,
  );
}
