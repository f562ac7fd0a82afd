/**
 * Server-side RPC (platform → device) as ThingsBoard's device actor runs it with the default
 * BURST strategy: ids from a per-device counter starting at 0, lightweight RPCs pending until
 * their timeout, and every still-pending request pushed again on each RPC (re)subscription,
 * so a device can see the same id twice. Counters and pending calls live in memory only: a
 * restarted server starts again at id 0.
 *
 * @module
 */

/** Final status of a server-side RPC that did not succeed. */
export type RpcFailureStatus = "TIMEOUT" | "NO_ACTIVE_CONNECTION" | "SERVER_STOPPED";

/** Rejection of {@linkcode ThingsBoardServer.pushRpc}. */
export class ThingsBoardRpcError extends Error {
  override name = "ThingsBoardRpcError";
  constructor(readonly status: RpcFailureStatus, message: string) {
    super(message);
  }
}

/** One server-side RPC request. */
export interface PendingRpc {
  readonly device: string;
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
  readonly oneway: boolean;
  /** Written to a device session at least once */
  sent: boolean;
  /** The device acknowledged a delivery (PUBACK, or written with QoS 0) */
  delivered: boolean;
}

/** Writes one request to the device's current session; calls `onDelivered` on its PUBACK. */
export type RpcSender = (rpc: PendingRpc, onDelivered: () => void) => void;

interface Entry extends PendingRpc {
  timer: ReturnType<typeof setTimeout>;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface DeviceRpcState {
  nextId: number;
  pending: Map<number, Entry>;
}

export class ServerRpcManager {
  #states = new Map<string, DeviceRpcState>();

  #state(device: string): DeviceRpcState {
    let state = this.#states.get(device);
    if (!state) {
      state = { nextId: 0, pending: new Map() };
      this.#states.set(device, state);
    }
    return state;
  }

  /** Queues a request and sends it right away when `sender` is given (a subscribed session). */
  push(
    device: string,
    method: string,
    params: unknown,
    timeoutMs: number,
    oneway: boolean,
    sender: RpcSender | undefined,
  ): Promise<unknown> {
    const state = this.#state(device);
    const id = state.nextId++;
    return new Promise((resolve, reject) => {
      const entry: Entry = {
        device,
        id,
        method,
        params,
        oneway,
        sent: false,
        delivered: false,
        resolve,
        reject,
        timer: setTimeout(() => {
          state.pending.delete(id);
          const status = entry.sent ? "TIMEOUT" : "NO_ACTIVE_CONNECTION";
          reject(
            new ThingsBoardRpcError(
              status,
              `RPC "${method}" (id ${id}) to device "${device}" ended with ${status}`,
            ),
          );
        }, timeoutMs),
      };
      state.pending.set(id, entry);
      if (sender) this.#send(state, entry, sender);
    });
  }

  #send(state: DeviceRpcState, entry: Entry, sender: RpcSender): void {
    entry.sent = true;
    sender(entry, () => {
      entry.delivered = true;
      if (entry.oneway && state.pending.get(entry.id) === entry) {
        this.#finish(state, entry);
        entry.resolve(undefined);
      }
    });
  }

  #finish(state: DeviceRpcState, entry: Entry): void {
    clearTimeout(entry.timer);
    state.pending.delete(entry.id);
  }

  /** BURST: a session (re)subscribed to RPC gets every still-pending request again. */
  resubscribed(device: string, sender: RpcSender): void {
    const state = this.#states.get(device);
    if (!state) return;
    for (const entry of [...state.pending.values()]) this.#send(state, entry, sender);
  }

  /** The device's reply; false when no such request is pending (late or unknown id). */
  reply(device: string, id: number, value: unknown): boolean {
    const state = this.#states.get(device);
    const entry = state?.pending.get(id);
    if (!state || !entry) return false;
    this.#finish(state, entry);
    // A one-way call completes on delivery; a reply that overtakes the PUBACK carries no result.
    entry.resolve(entry.oneway ? undefined : value);
    return true;
  }

  /** Ids still pending for a device, oldest first. */
  pendingIds(device: string): number[] {
    return [...(this.#states.get(device)?.pending.keys() ?? [])];
  }

  /** Server stop: every pending call fails and ids start at 0 again (device actors restart). */
  reset(): void {
    for (const state of this.#states.values()) {
      for (const entry of state.pending.values()) {
        clearTimeout(entry.timer);
        entry.reject(
          new ThingsBoardRpcError(
            "SERVER_STOPPED",
            `RPC "${entry.method}" (id ${entry.id}) to device "${entry.device}" failed: server stopped`,
          ),
        );
      }
    }
    this.#states.clear();
  }
}
