/**
 * MQTT 5 reason codes ThingsBoard's transport uses, and their MQTT 3.1.1 CONNACK equivalents
 * (ThingsBoard's `ReturnCodeResolver` mapping).
 *
 * @module
 */

export const RC = {
  SUCCESS: 0x00,
  UNSPECIFIED_ERROR: 0x80,
  MALFORMED_PACKET: 0x81,
  IMPLEMENTATION_SPECIFIC: 0x83,
  CLIENT_ID_NOT_VALID: 0x85,
  BAD_USERNAME_OR_PASSWORD: 0x86,
  NOT_AUTHORIZED: 0x87,
  SERVER_UNAVAILABLE: 0x88,
  SERVER_SHUTTING_DOWN: 0x8b,
  SESSION_TAKEN_OVER: 0x8e,
  TOPIC_FILTER_INVALID: 0x8f,
  TOPIC_NAME_INVALID: 0x90,
  NO_SUBSCRIPTION_EXISTED: 0x11,
  MESSAGE_RATE_TOO_HIGH: 0x96,
  QUOTA_EXCEEDED: 0x97,
  ADMINISTRATIVE_ACTION: 0x98,
  PAYLOAD_FORMAT_INVALID: 0x99,
  CONNECTION_RATE_EXCEEDED: 0x9f,
  MAXIMUM_CONNECT_TIME: 0xa0,
} as const;

/** MQTT 3.1.1 CONNACK return codes. */
export const CONNACK_V3 = {
  ACCEPTED: 0,
  IDENTIFIER_REJECTED: 2,
  SERVER_UNAVAILABLE: 3,
  NOT_AUTHORIZED: 5,
} as const;

/** The 3.1.1 CONNACK code ThingsBoard sends for a v5 reason (4 is never sent). */
export function connackCodeV3(v5Code: number): number {
  switch (v5Code) {
    case RC.SUCCESS:
      return CONNACK_V3.ACCEPTED;
    case RC.CLIENT_ID_NOT_VALID:
      return CONNACK_V3.IDENTIFIER_REJECTED;
    case RC.SERVER_UNAVAILABLE:
    case RC.CONNECTION_RATE_EXCEEDED:
      return CONNACK_V3.SERVER_UNAVAILABLE;
    default:
      return CONNACK_V3.NOT_AUTHORIZED;
  }
}

/** SUBACK failure code: 0x80 for 3.1.1, 0x8F topic filter invalid for 5. */
export function subackFailure(protocolVersion: number): number {
  return protocolVersion === 5 ? RC.TOPIC_FILTER_INVALID : RC.UNSPECIFIED_ERROR;
}
