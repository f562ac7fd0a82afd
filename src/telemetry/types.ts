/**
 * Types shared by the telemetry modules and their consumers.
 *
 * @module
 */

/** One sample set of one device at one time, already SI-scaled. */
export interface TelemetryRecord {
  /** ms since epoch */
  ts: number;
  /** Base58 uid text of the device */
  uid: string;
  /**
   * Device identifier of the device (type): names the device in gateway mode even when the
   * record is replayed from the disk spool before the device was enumerated again
   */
  deviceIdentifier: number;
  /** Readable stable keys -> values, e.g. { temperature: 23.45 } (plain keys, no uid/alias) */
  values: Record<string, number | boolean | string>;
}
