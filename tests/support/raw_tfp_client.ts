/**
 * A bare TFP client for end-to-end tests of the simulated brickd: sends
 * hand-built packets and waits (with deadlines) for what comes back. It has no
 * request table or retries on purpose, so tests see exactly what the server sent.
 *
 * @module
 */
import { buildPacket, type Packet } from "../../src/tfp/header.ts";
import { PacketFramer } from "../../src/tfp/framing.ts";

type Predicate = (packet: Packet) => boolean;

interface Waiter {
  predicate: Predicate;
  resolve: (packet: Packet) => void;
}

/** A raw TFP connection to 127.0.0.1. */
export class RawTfpClient {
  readonly #conn: Deno.TcpConn;
  readonly #framer = new PacketFramer();
  /** Packets received and not yet taken by a wait */
  readonly #inbox: Packet[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #closed: Promise<void>;
  #isClosed = false;
  #sequence = 0;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#closed = this.#readLoop();
  }

  static async connect(port: number): Promise<RawTfpClient> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    return new RawTfpClient(conn);
  }

  /** Resolves when the server closed the connection (or {@link close} was called). */
  get closed(): Promise<void> {
    return this.#closed;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(4096);
    try {
      while (true) {
        const n = await this.#conn.read(buffer);
        if (n === null) break;
        for (const packet of this.#framer.push(buffer.subarray(0, n))) this.#deliver(packet);
      }
    } catch {
      // Reset or closed locally.
    } finally {
      this.#isClosed = true;
      this.#closeConn();
    }
  }

  #connClosed = false;

  #closeConn(): void {
    if (this.#connClosed) return;
    this.#connClosed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  #deliver(packet: Packet): void {
    for (const waiter of this.#waiters) {
      if (waiter.predicate(packet)) {
        this.#waiters.delete(waiter);
        waiter.resolve(packet);
        return;
      }
    }
    this.#inbox.push(packet);
  }

  /** Next sequence number, cycling 1..15 like the bindings. */
  nextSequence(): number {
    this.#sequence = this.#sequence % 15 + 1;
    return this.#sequence;
  }

  async send(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
  }

  /** Sends a request; returns its sequence number. */
  async request(
    uid: number,
    functionId: number,
    payload?: Uint8Array,
    responseExpected = true,
  ): Promise<number> {
    const sequence = this.nextSequence();
    await this.send(buildPacket(uid, functionId, sequence, responseExpected, payload));
    return sequence;
  }

  /** Sends a request with R=1 and waits for its response. */
  async call(uid: number, functionId: number, payload?: Uint8Array, timeoutMs = 2000) {
    const sequence = await this.request(uid, functionId, payload);
    return await this.waitFor(
      (p) =>
        p.header.uid === uid && p.header.functionId === functionId &&
        p.header.sequence === sequence,
      timeoutMs,
      `response to uid ${uid} fid ${functionId}`,
    );
  }

  /** Takes the first packet (already received or arriving within the deadline) matching `predicate`. */
  waitFor(predicate: Predicate, timeoutMs = 2000, what = "packet"): Promise<Packet> {
    const index = this.#inbox.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.#inbox.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (packet) => {
          clearTimeout(timer);
          resolve(packet);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`No ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Collects `count` matching packets. */
  async collect(predicate: Predicate, count: number, timeoutMs = 2000): Promise<Packet[]> {
    const packets: Packet[] = [];
    const deadline = Date.now() + timeoutMs;
    while (packets.length < count) {
      packets.push(await this.waitFor(predicate, Math.max(1, deadline - Date.now())));
    }
    return packets;
  }

  /** Negative check: fails if a matching packet arrives within `ms`. */
  async expectNothing(predicate: Predicate, ms: number, what = "packet"): Promise<void> {
    const got = await this.waitFor(predicate, ms).then((p) => p, () => undefined);
    if (got !== undefined) throw new Error(`Unexpected ${what}: fid ${got.header.functionId}`);
  }

  /** Packets received but not consumed. */
  get inbox(): readonly Packet[] {
    return this.#inbox;
  }

  async close(): Promise<void> {
    this.#closeConn();
    await this.#closed;
  }
}
