/**
 * Public types of the ThingsBoard MQTT test server.
 *
 * @module
 */

/** Access-token credentials: the token travels in the MQTT username. */
export interface AccessTokenCredentials {
  accessToken: string;
}

/**
 * Basic MQTT credentials. ThingsBoard stores three shapes: client id only, username only, or
 * client id + username; a password is optional in each.
 */
export interface BasicMqttCredentials {
  clientId?: string;
  username?: string;
  password?: string;
}

/** Credentials a device connects with. */
export type DeviceCredentials = AccessTokenCredentials | BasicMqttCredentials;

/**
 * Rate limits as ThingsBoard's tenant profile spells them: comma-separated `capacity:seconds`
 * pairs, all enforced at once (e.g. `"100:1,3000:60"`). Absent or empty = no limit.
 */
export interface RateLimits {
  /** Every uplink without data points (attribute requests, RPC, claims) and each session open */
  messages?: string;
  /** Telemetry and client-attribute publishes (one token each) */
  telemetryMessages?: string;
  /** One token per key-value in telemetry and client-attribute publishes */
  telemetryDataPoints?: string;
}

/** Options of {@linkcode ThingsBoardServer.addDevice}. */
export interface AddDeviceOptions {
  /** Device-level limits (a gateway's own messages use these too) */
  rateLimits?: RateLimits;
  /** Gateway only: one bucket set shared by all devices behind this gateway */
  gatewayRateLimits?: RateLimits;
  /** "Is gateway" flag: only gateways may use `v1/gateway/*` */
  gateway?: boolean;
  /** Device profile name (default `"default"`) */
  type?: string;
}

/** Credential kinds a provisioning request can ask for. */
export type ProvisionCredentialsType = "ACCESS_TOKEN" | "MQTT_BASIC" | "X509_CERTIFICATE";

/** Device-profile provisioning settings. */
export interface ProvisioningOptions {
  /** `provisionDeviceKey` the requests must carry */
  key: string;
  /** `provisionDeviceSecret` the requests must carry */
  secret: string;
  /** "Allow creating new devices" (default) or "Check pre-provisioned devices" */
  strategy?: "allow_create" | "check_pre_provisioned";
  /** Credentials type used when a request names none (ThingsBoard's default: `ACCESS_TOKEN`) */
  credentialsType?: ProvisionCredentialsType;
}

/** Options of {@linkcode startThingsBoardServer}. */
export interface ThingsBoardServerOptions {
  /** Listen address (default `127.0.0.1`) */
  host?: string;
  /** TCP port (default 0: the system picks one; restarts reuse the bound port) */
  port?: number;
  /** Largest accepted MQTT remaining length in bytes (default 65536, Netty's limit) */
  maxPayloadSize?: number;
  /** Packets queued before CONNACK, also reported by `getSessionLimits` (default 100) */
  maxInflightMessages?: number;
  /** Client-side RPC without an answer gets `{"error":"timeout"}` after this (default 60000) */
  clientRpcTimeoutMs?: number;
  /** Default timeout of {@linkcode ThingsBoardServer.pushRpc} (default 10000) */
  serverRpcTimeoutMs?: number;
  /** Provisioning profile; without it every provision request gets NOT_FOUND */
  provisioning?: ProvisioningOptions;
  /** A provisioning session is closed this long after its response (default 60000) */
  provisionSessionCloseMs?: number;
  /** Claim duration used when a claim has none or a non-positive one (default 86400000) */
  claimDurationMs?: number;
  /** `JSON_TYPE_CAST_ENABLED`: numeric strings become numbers, huge numbers strings (default true) */
  typeCast?: boolean;
  /** Profile option: MQTT 3.1.1 gets a PUBACK instead of a close on a bad payload (default false) */
  sendAckOnValidationException?: boolean;
  /** Close sessions idle this long (v5 DISCONNECT 0xA0); 0 = never (default) */
  inactivityTimeoutMs?: number;
}

/**
 * A stored value. Integers that fit a signed 64-bit long are numbers, or bigints beyond 2^53-1;
 * decimals are numbers; nested objects/arrays are kept as parsed JSON.
 */
export type TbValue = string | number | boolean | bigint | TbJson;

/** A nested JSON object or array value. */
export type TbJson = { [key: string]: unknown } | unknown[];

/** One stored telemetry row group (one timestamp). */
export interface TelemetryEntry {
  ts: number;
  values: Record<string, TbValue>;
}

/** A recorded claim request. */
export interface ClaimRecord {
  secretKey: string;
  /** Effective duration (the server default when none or ≤ 0 was sent) */
  durationMs: number;
  /** Server time the claim arrived */
  ts: number;
}

/** A device as {@linkcode ThingsBoardServer.devices} lists it (no credentials). */
export interface DeviceInfo {
  name: string;
  type: string;
  gateway: boolean;
  /** Set for devices created through a gateway */
  parentGateway?: string;
  /** `provisionState` = provisioned */
  provisioned: boolean;
  /** A direct session or a gateway child session is open */
  connected: boolean;
}

/** What a client-side RPC handler receives. */
export interface ClientRpcRequest {
  device: string;
  method: string;
  params: unknown;
  requestId: number;
}

/**
 * Answers a client-side RPC; the return value (awaited) is sent as JSON. `undefined`, a throw or
 * a rejection means "no answer": the device then gets `{"error":"timeout"}`.
 */
export type ClientRpcHandler = (request: ClientRpcRequest) => unknown;

/** Options of {@linkcode ThingsBoardServer.pushRpc}. */
export interface PushRpcOptions {
  /** Ends the call with status TIMEOUT / NO_ACTIVE_CONNECTION (default: server option, 10000) */
  timeoutMs?: number;
  /** One-way RPC: resolves (with `undefined`) once the device acknowledged the delivery */
  oneway?: boolean;
}

/** Why a session ended. */
export type DisconnectReason =
  | "client_disconnect"
  | "connection_lost"
  | "takeover"
  | "packet_too_large"
  | "rate_limited"
  | "invalid_payload"
  | "protocol_error"
  | "refused"
  | "queue_full"
  | "provisioning_finished"
  | "provisioning_topic"
  | "gateway_error"
  | "inactivity"
  | "dropped"
  | "device_deleted"
  | "internal_error"
  | "server_stop";

/** Outcome of one uplink PUBLISH. */
export type PublishOutcome =
  | "accepted"
  | "invalid_payload"
  | "unknown_topic"
  | "rate_limited"
  /** A non-gateway device published to `v1/gateway/*`: no PUBACK at all */
  | "ignored"
  | "rejected";

export interface ConnectEvent {
  session: number;
  /** Authenticated device, undefined for a provisioning session */
  device?: string;
  provisioning: boolean;
  protocolVersion: number;
  clientId: string;
}

export interface RefuseEvent {
  session: number;
  clientId: string;
  username?: string;
  protocolVersion: number;
  /** CONNACK code as sent (3.1.1 return code or v5 reason code) */
  returnCode: number;
}

export interface DisconnectEvent {
  session: number;
  device?: string;
  reason: DisconnectReason;
  /** v5 DISCONNECT reason code sent before closing, if any */
  reasonCode?: number;
}

export interface PublishEvent {
  session: number;
  device?: string;
  topic: string;
  payload: Uint8Array;
  qos: number;
  outcome: PublishOutcome;
}

export interface SubscribeEvent {
  session: number;
  device?: string;
  topics: string[];
  /** SUBACK codes in request order */
  granted: number[];
}

/** Events of a {@linkcode ThingsBoardServer}. */
export type ThingsBoardServerEvents = {
  connect: [ConnectEvent];
  refuse: [RefuseEvent];
  disconnect: [DisconnectEvent];
  publish: [PublishEvent];
  subscribe: [SubscribeEvent];
};

/** Fault injection switches; change them at any time through `server.faults`. */
export interface ServerFaults {
  /** Never answer CONNECT (packets after it are queued, as before a slow authentication) */
  withholdConnack?: boolean;
  /** Answer CONNECT this much later */
  connackDelayMs?: number;
  /** Store uplinks but never PUBACK them (a lost acknowledgement) */
  withholdPuback?: boolean;
  /** PUBACK this much after storing */
  pubackDelayMs?: number;
  /** Credential check fails like a platform error (CONNACK 3 / 0x88) */
  failAuth?: boolean;
}
