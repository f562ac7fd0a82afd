/**
 * Reassembles TFP packets from a TCP byte stream.
 *
 * TCP splits and merges packets arbitrarily; each packet is self-delimiting via
 * its length byte. After garbage (a buggy peer, a stray byte) the framer
 * resynchronises: a position starts a packet only if its header is plausible
 * (length 8..80, reserved bits zero); otherwise one byte is dropped and the
 * next position is tried.
 *
 * @module
 */

import { copyBytes } from "./byte_pool.ts";
import { decodeHeader, HEADER_SIZE, MAX_PACKET_SIZE, type Packet } from "./header.ts";

/** Whether the 8 bytes at `offset` can start a packet. */
function isPlausibleHeader(bytes: Uint8Array, offset: number): boolean {
  const length = bytes[offset + 4];
  return length >= HEADER_SIZE && length <= MAX_PACKET_SIZE &&
    (bytes[offset + 6] & 0x07) === 0 && (bytes[offset + 7] & 0x3f) === 0;
}

/**
 * Incremental packet framer: feed it received chunks, get whole packets back.
 *
 * Returned payloads are copies, so callers may reuse their read buffers and
 * packets stay valid after later pushes. Only an incomplete tail (< 80 bytes)
 * is buffered between pushes, so the cost is linear in the bytes received.
 */
export class PacketFramer {
  // Holds at most one incomplete packet (or < 8 bytes of a not-yet-checked header).
  #tail = new Uint8Array(MAX_PACKET_SIZE);
  #tailLength = 0;
  #dropped = 0;

  /** Bytes discarded while resynchronising since construction (or the last reset). */
  get droppedBytes(): number {
    return this.#dropped;
  }

  /** Bytes held back as the start of an incomplete packet. */
  get bufferedBytes(): number {
    return this.#tailLength;
  }

  /** Forgets buffered bytes and the dropped-byte count (e.g. after a reconnect). */
  reset(): void {
    this.#tailLength = 0;
    this.#dropped = 0;
  }

  /** Consumes `chunk` and returns the packets it completes, in stream order. */
  push(chunk: Uint8Array): Packet[] {
    const packets: Packet[] = [];
    let position = this.#tailLength > 0 ? this.#completeTail(chunk, packets) : 0;
    if (position >= chunk.length) return packets;

    // One copy per push keeps every returned payload independent of the caller's buffer.
    const data = copyBytes(chunk.subarray(position));
    position = 0;
    const end = data.length;
    while (end - position >= HEADER_SIZE) {
      if (!isPlausibleHeader(data, position)) {
        position++;
        this.#dropped++;
        continue;
      }
      const length = data[position + 4];
      if (end - position < length) break;
      packets.push({
        header: decodeHeader(data, position),
        payload: data.subarray(position + HEADER_SIZE, position + length),
      });
      position += length;
    }
    this.#tail.set(data.subarray(position), 0);
    this.#tailLength = end - position;
    return packets;
  }

  /**
   * Moves bytes from `chunk` into the tail until it holds a whole packet (emitted
   * into `packets`) or the chunk runs out. Returns how many chunk bytes were used.
   */
  #completeTail(chunk: Uint8Array, packets: Packet[]): number {
    const tail = this.#tail;
    let position = 0;
    while (this.#tailLength > 0 && position < chunk.length) {
      if (this.#tailLength < HEADER_SIZE) {
        const take = Math.min(HEADER_SIZE - this.#tailLength, chunk.length - position);
        tail.set(chunk.subarray(position, position + take), this.#tailLength);
        this.#tailLength += take;
        position += take;
        if (this.#tailLength < HEADER_SIZE) break;
        if (!isPlausibleHeader(tail, 0)) {
          // Only ever 8 bytes here, so shifting them is cheap.
          tail.copyWithin(0, 1, HEADER_SIZE);
          this.#tailLength--;
          this.#dropped++;
          continue;
        }
      }
      const length = tail[4];
      const take = Math.min(length - this.#tailLength, chunk.length - position);
      tail.set(chunk.subarray(position, position + take), this.#tailLength);
      this.#tailLength += take;
      position += take;
      if (this.#tailLength === length) {
        const bytes = copyBytes(tail.subarray(0, length));
        packets.push({ header: decodeHeader(bytes), payload: bytes.subarray(HEADER_SIZE) });
        this.#tailLength = 0;
      }
    }
    return position;
  }
}
