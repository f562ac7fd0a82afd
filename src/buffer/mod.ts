/**
 * Outgoing telemetry buffering: in-memory ring buffer, ordered uplink, on-disk spool.
 *
 * @module
 */

export {
  type BufferedMessage,
  type DropReason,
  messageSize,
  type OverflowPolicy,
  RingBuffer,
  type RingBufferEvents,
  type RingBufferOptions,
  utf8Length,
} from "./ring_buffer.ts";
export { Uplink, type UplinkEvents, type UplinkOptions } from "./uplink.ts";
export {
  type FsyncPolicy,
  Spool,
  type SpoolEvents,
  type SpoolOptions,
  type SpoolRecord,
} from "./spool.ts";
export {
  DurableBuffer,
  type DurableBufferCounters,
  type DurableBufferEvents,
  type DurableBufferOptions,
  type RecordCodec,
  type SpoolOperation,
} from "./durable_buffer.ts";
export { crc32 } from "./crc32.ts";
