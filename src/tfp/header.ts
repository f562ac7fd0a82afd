/**
 * The 8-byte TFP packet header (little-endian).
 *
 * Layout: uint32 UID, uint8 total length (header included), uint8 function id,
 * byte 6 = sequence number (bits 7..4) | response expected (bit 3),
 * byte 7 = error code (bits 7..6). All other bits are reserved and zero.
 *
 * @module
 */

import { allocBytes } from "./byte_pool.ts";

/** Size of the packet header in bytes. */
export const HEADER_SIZE = 8;
/** Largest payload a single packet can carry. */
export const MAX_PAYLOAD_SIZE = 64;
/**
 * Largest packet length accepted on the wire: brickd's packet buffer is 80 bytes
 * (header, 64 payload bytes, 8 bytes of optional data). Packets built here are at most 72.
 */
export const MAX_PACKET_SIZE = 80;

/** Decoded packet header. */
export interface PacketHeader {
  /** uint32 device UID; 0 = broadcast, 1 = the connection manager (brickd) */
  uid: number;
  /** Total packet length including the header, 8..80 */
  length: number;
  /** Function id (requests, responses) or callback id (callbacks), 0..255 */
  functionId: number;
  /** 0 for callbacks, 1..15 for requests and their responses */
  sequence: number;
  responseExpected: boolean;
  /** 0 = OK, 1 = invalid parameter, 2 = function not supported, 3 = unknown error */
  errorCode: number;
}

/** A received packet; `payload` is `length - 8` bytes. */
export interface Packet {
  header: PacketHeader;
  payload: Uint8Array;
}

function checkField(name: string, value: number, max: number): void {
  // `>>> 0` rejects fractions, negatives, NaN and values above 2^32-1 in one comparison.
  if (value >>> 0 !== value || value > max) {
    throw new RangeError(`Header field ${name} must be an integer in 0..${max}, got ${value}`);
  }
}

/** Writes `header` as 8 bytes into `target` at `offset`. Throws RangeError on out-of-range fields. */
export function encodeHeader(header: PacketHeader, target: Uint8Array, offset = 0): void {
  const { uid, length, functionId, sequence, errorCode } = header;
  checkField("uid", uid, 0xffffffff);
  checkField("length", length, 0xff);
  checkField("functionId", functionId, 0xff);
  checkField("sequence", sequence, 15);
  checkField("errorCode", errorCode, 3);
  if (offset < 0 || offset + HEADER_SIZE > target.length) {
    throw new RangeError(`Header does not fit into ${target.length} bytes at offset ${offset}`);
  }
  target[offset] = uid & 0xff;
  target[offset + 1] = (uid >>> 8) & 0xff;
  target[offset + 2] = (uid >>> 16) & 0xff;
  target[offset + 3] = uid >>> 24;
  target[offset + 4] = length;
  target[offset + 5] = functionId;
  target[offset + 6] = (sequence << 4) | (header.responseExpected ? 0x08 : 0);
  target[offset + 7] = errorCode << 6;
}

/** Reads the 8-byte header at `offset`. Reserved bits are ignored (the framer checks them). */
export function decodeHeader(bytes: Uint8Array, offset = 0): PacketHeader {
  if (offset < 0 || offset + HEADER_SIZE > bytes.length) {
    throw new RangeError(
      `Need ${HEADER_SIZE} header bytes at offset ${offset}, got ${bytes.length}`,
    );
  }
  const options = bytes[offset + 6];
  return {
    uid: (bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) |
      (bytes[offset + 3] << 24)) >>> 0,
    length: bytes[offset + 4],
    functionId: bytes[offset + 5],
    sequence: options >> 4,
    responseExpected: (options & 0x08) !== 0,
    errorCode: bytes[offset + 7] >> 6,
  };
}

/**
 * Builds a whole packet; length = 8 + payload.length; throws RangeError if payload > 64 bytes.
 * The result may share its `.buffer` with other pooled arrays (see byte_pool.ts).
 */
export function buildPacket(
  uid: number,
  functionId: number,
  sequence: number,
  responseExpected: boolean,
  payload?: Uint8Array,
  errorCode = 0,
): Uint8Array {
  const payloadLength = payload === undefined ? 0 : payload.length;
  if (payloadLength > MAX_PAYLOAD_SIZE) {
    throw new RangeError(
      `Payload of ${payloadLength} bytes exceeds the maximum of ${MAX_PAYLOAD_SIZE} bytes`,
    );
  }
  const length = HEADER_SIZE + payloadLength;
  // Pooled: a fresh ArrayBuffer per packet would cost more than building the packet.
  const packet = allocBytes(length);
  encodeHeader({ uid, length, functionId, sequence, responseExpected, errorCode }, packet);
  if (payload !== undefined) packet.set(payload, HEADER_SIZE);
  return packet;
}
