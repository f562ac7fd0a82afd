/**
 * Errors of the ThingsBoard client that callers catch and tell apart by `code`,
 * and the classification of CONNACK / DISCONNECT / PUBACK reason codes.
 *
 * Texts never contain a secret: an access token travels in the MQTT username,
 * so errors name the credential kind ("the access token") but never its value.
 *
 * @module
 */

/** What went wrong, independent of the message text. */
export type ThingsBoardErrorCode =
  /** CONNACK refused the credentials; the client stopped and will not retry */
  | "auth"
  /** CONNACK refused for a reason retrying cannot fix (e.g. unsupported protocol version) */
  | "refused"
  /** A request, send or connect got no answer in time */
  | "timeout"
  /** The connection dropped after a non-repeatable request (client-side RPC) was sent */
  | "connection_lost"
  /** `disconnect()` was called, or the client stopped after a fatal error */
  | "closed"
  /** The bounded send queue is full */
  | "queue_full"
  /** The server rejected a publish (MQTT 5 PUBACK reason code) */
  | "rejected"
  /** The client is not started: call `connect()` first */
  | "not_connected"
  /** Provisioning was answered with NOT_FOUND, FAILURE, or not at all */
  | "provision";

/** Base of all ThingsBoard client errors; `code` says which one. */
export class ThingsBoardError extends Error {
  readonly code: ThingsBoardErrorCode;

  constructor(code: ThingsBoardErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ThingsBoardError";
    this.code = code;
  }
}

/** Which credential a refused CONNECT carried. */
export type CredentialKind = "access token" | "MQTT basic credentials" | "X.509 certificate";

/** The server refused the CONNECT; `reasonCode` is the raw CONNACK code (3.1.1 or 5). */
export class ThingsBoardConnackError extends ThingsBoardError {
  readonly reasonCode: number;
  readonly credential: CredentialKind;

  constructor(
    code: "auth" | "refused",
    reasonCode: number,
    credential: CredentialKind,
    message: string,
  ) {
    super(code, message);
    this.name = "ThingsBoardConnackError";
    this.reasonCode = reasonCode;
    this.credential = credential;
  }
}

/** Provisioning status from the server, or `UNREACHABLE` when no answer came. */
export type ProvisionStatus = "NOT_FOUND" | "FAILURE" | "UNREACHABLE" | "INVALID_RESPONSE";

/** Provisioning failed; `status` tells whether retrying can help (`UNREACHABLE` only). */
export class ThingsBoardProvisionError extends ThingsBoardError {
  readonly status: ProvisionStatus;

  constructor(status: ProvisionStatus, message: string, options?: ErrorOptions) {
    super("provision", message, options);
    this.name = "ThingsBoardProvisionError";
    this.status = status;
  }
}

/** What the client does after a CONNACK refusal. */
export type ConnackVerdict = "auth" | "refused" | "retry";

/** MQTT 3.1.1 CONNACK return codes and MQTT 5 reason codes that mean "wrong credentials". */
const AUTH_CODES = new Set([
  2, // 3.1.1 identifier rejected (ThingsBoard: no username/password, unknown client id)
  4, // 3.1.1 bad user name or password
  5, // 3.1.1 not authorized
  0x85, // client identifier not valid
  0x86, // bad user name or password
  0x87, // not authorized
  0x8a, // banned
  0x8c, // bad authentication method
]);
/** Codes a retry cannot fix that are not about credentials. */
const REFUSED_CODES = new Set([
  1, // 3.1.1 unacceptable protocol version
  0x84, // unsupported protocol version
  0x95, // packet too large (our CONNECT)
  0x9a, // retain not supported
  0x9b, // QoS not supported
  0x9c, // use another server
  0x9d, // server moved
]);

/**
 * Refusals about credentials stop the client (no retry storm, no IP block);
 * "server unavailable / busy / connection rate exceeded" are retried with backoff.
 */
export function classifyConnack(code: number): ConnackVerdict {
  if (AUTH_CODES.has(code)) return "auth";
  if (REFUSED_CODES.has(code)) return "refused";
  return "retry";
}

const CONNACK_TEXT: Record<number, string> = {
  1: "unacceptable protocol version",
  2: "identifier rejected",
  3: "server unavailable",
  4: "bad user name or password",
  5: "not authorized",
  0x80: "unspecified error",
  0x84: "unsupported protocol version",
  0x85: "client identifier not valid",
  0x86: "bad user name or password",
  0x87: "not authorized",
  0x88: "server unavailable",
  0x89: "server busy",
  0x8a: "banned",
  0x8c: "bad authentication method",
  0x95: "packet too large",
  0x9f: "connection rate exceeded",
};

/** "5 not authorized" / "0x86 bad user name or password" */
export function connackCodeText(code: number): string {
  const text = CONNACK_TEXT[code] ?? "unknown reason";
  return code < 0x80 ? `${code} ${text}` : `0x${code.toString(16)} ${text}`;
}

/** Non-secret description of the credentials in use, for error texts. */
export interface CredentialDescription {
  kind: CredentialKind;
  /** MQTT basic: the client id (not secret) */
  clientId?: string;
  /** MQTT basic: the user name (not secret; for an access token the token IS the username) */
  username?: string;
  /** MQTT basic: whether a password was sent (never its value) */
  hasPassword?: boolean;
}

/** The typed error for a CONNACK refusal, naming the credential that was refused. */
export function connackError(code: number, creds: CredentialDescription): ThingsBoardConnackError {
  const verdict = classifyConnack(code);
  const reason = connackCodeText(code);
  if (verdict !== "auth") {
    return new ThingsBoardConnackError(
      "refused",
      code,
      creds.kind,
      `ThingsBoard refused the connection (CONNACK ${reason}); not retrying`,
    );
  }
  let which: string;
  switch (creds.kind) {
    case "access token":
      which = "the access token (check the device's token; its value is not shown)";
      break;
    case "X.509 certificate":
      which = "the X.509 client certificate (is it registered for the device and still valid?)";
      break;
    default: {
      const parts = [
        `client id "${creds.clientId ?? ""}"`,
        `username "${creds.username ?? ""}"`,
        creds.hasPassword ? "a password (not shown)" : "no password",
      ];
      which = `the MQTT basic credentials (${parts.join(", ")})`;
      if (code === 2 || code === 0x85) which += "; the client id is unknown to the server";
    }
  }
  return new ThingsBoardConnackError(
    "auth",
    code,
    creds.kind,
    `ThingsBoard rejected ${which}: CONNACK ${reason}; not retrying`,
  );
}

/** MQTT 5 DISCONNECT / PUBACK codes that mean "slow down": rate limits or quotas. */
export function isRateLimitCode(code: number): boolean {
  return code === 0x83 || code === 0x96 || code === 0x97;
}

const DISCONNECT_TEXT: Record<number, string> = {
  0x81: "malformed packet (a message may exceed the server's size limit)",
  0x83: "implementation specific error (ThingsBoard: rate limit exceeded)",
  0x8b: "server shutting down",
  0x8e: "session taken over (another client uses the same credentials)",
  0x96: "message rate too high",
  0x97: "quota exceeded",
  0x98: "administrative action (credentials changed or device deleted)",
  0xa0: "maximum connect time (inactivity)",
};

/** Text of an MQTT 5 DISCONNECT reason sent by the server. */
export function disconnectReasonText(code: number): string {
  return `0x${code.toString(16)} ${DISCONNECT_TEXT[code] ?? "server disconnect"}`;
}
