/**
 * Serialised, coalescing writes to a TCP socket.
 *
 * `conn.write` may write fewer bytes than asked and concurrent writes would
 * interleave, so all packets go through one queue. Packets queued while a write
 * is under way are sent together in the next write: with many requests in
 * flight this turns N small writes into a few larger ones.
 *
 * The queue is bounded when `maxQueuedBytes` is given: a peer that stops
 * reading loses the oldest packets (like brickd's writer backlog) instead of
 * growing our memory without limit.
 *
 * @module
 */

/** Options of a {@link SocketWriter}. */
export interface SocketWriterOptions {
  /** Drop the oldest queued packets beyond this many bytes. @default unbounded */
  maxQueuedBytes?: number;
}

/** Writes queued packets to a connection in order. */
export class SocketWriter {
  #conn: Deno.Conn;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #flushing: Promise<void> | undefined;
  #closed = false;
  #onError: (error: Error) => void;
  #maxQueuedBytes: number;
  #droppedPackets = 0;

  constructor(conn: Deno.Conn, onError: (error: Error) => void, options: SocketWriterOptions = {}) {
    this.#conn = conn;
    this.#onError = onError;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? Infinity;
  }

  /** Packets dropped because the queue was full. */
  get droppedPackets(): number {
    return this.#droppedPackets;
  }

  /** Resolves once everything queued so far is written (or the writer failed). */
  get idle(): Promise<void> {
    return this.#flushing ?? Promise.resolve();
  }

  /** Bytes waiting to be written. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /**
   * Queues a packet; resolves once it (and everything queued before it) is written.
   * Write errors are reported to the error handler, not thrown, so callers that only
   * wait for a response do not see them twice.
   */
  write(packet: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#queue.push(packet);
    this.#queuedBytes += packet.length;
    while (this.#queuedBytes > this.#maxQueuedBytes && this.#queue.length > 1) {
      this.#queuedBytes -= this.#queue.shift()!.length;
      this.#droppedPackets++;
    }
    this.#flushing ??= this.#flush();
    return this.#flushing;
  }

  /** Drops whatever is queued; later writes are ignored. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  async #flush(): Promise<void> {
    // Let the current turn of the event loop queue more packets before writing.
    await Promise.resolve();
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const chunks = this.#queue;
        const size = this.#queuedBytes;
        this.#queue = [];
        this.#queuedBytes = 0;
        let data: Uint8Array;
        if (chunks.length === 1) {
          data = chunks[0];
        } else {
          data = new Uint8Array(size);
          let offset = 0;
          for (const chunk of chunks) {
            data.set(chunk, offset);
            offset += chunk.length;
          }
        }
        let written = 0;
        while (written < data.length) {
          written += await this.#conn.write(data.subarray(written));
        }
      }
    } catch (error) {
      if (!this.#closed) this.#onError(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#flushing = undefined;
    }
  }
}
