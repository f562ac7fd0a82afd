/**
 * Options of the ThingsBoard client: validation, defaults, credentials and TLS
 * material.
 *
 * Credentials, one of:
 * - access token: `accessToken` (sent as the MQTT username);
 * - MQTT basic: any of `clientId`, `username`, `password`;
 * - X.509: `tls.cert` / `tls.certFile` with the key, no token or username.
 *
 * @module
 */
import type { CredentialDescription } from "./errors.ts";
import type { LinkOptions, LinkTls } from "./connection.ts";
import type { RateLimitStrings } from "./rate_limiter.ts";

/** TLS settings; PEM text or file paths (files are read at every connection attempt). */
export interface ThingsBoardTlsOptions {
  /** CA certificate(s) that signed the server's certificate (default: the system store) */
  ca?: string;
  caFile?: string;
  /** Client certificate for X.509 authentication */
  cert?: string;
  certFile?: string;
  key?: string;
  keyFile?: string;
  passphrase?: string;
  /** Verify the server certificate. @default true */
  rejectUnauthorized?: boolean;
  /** Server name for SNI and certificate checks (default: `host`) */
  servername?: string;
}

/** Options of a {@link ThingsBoardClient}. */
export interface ThingsBoardClientOptions {
  host: string;
  /** @default 1883, or 8883 with `tls` */
  port?: number;
  accessToken?: string;
  clientId?: string;
  username?: string;
  password?: string;
  /** `true` for TLS with the system CAs, or settings */
  tls?: boolean | ThingsBoardTlsOptions;
  /** MQTT 3.1.1 (4) or 5. @default 4 */
  protocolVersion?: 4 | 5;
  /** @default 60 */
  keepaliveSec?: number;
  /** CONNACK deadline of one attempt. @default 10000 */
  connectTimeoutMs?: number;
  /** First and longest delay between connection attempts (jittered). @default [1000, 60000] */
  reconnectDelayMs?: readonly [first: number, max: number];
  /** A connection must have lasted this long for the next delay to start from `first` again. @default 30000 */
  stableAfterMs?: number;
  /** Default deadline of attribute requests and client-side RPC. @default 30000 */
  requestTimeoutMs?: number;
  /** Default deadline of a send (queue time plus PUBACK); 0 = none. @default 60000 */
  sendTimeoutMs?: number;
  /** Most unacknowledged publishes (also capped by the server's limit). @default 100 */
  maxInFlight?: number;
  /** Most messages waiting per class (control, data) while offline or throttled. @default 1000 */
  maxQueued?: number;
  /** Ask `getSessionLimits` after every connect and apply it. @default true */
  sessionLimits?: boolean;
  /** How long data waits for the session limits after a connect. @default 5000 */
  sessionLimitsTimeoutMs?: number;
  /** Payload limit until the server reports one. @default 65536 */
  maxPayloadSize?: number;
  /** Rate limits to apply; override what the server reports */
  rateLimits?: RateLimitStrings;
  /** Fraction of each server capacity to use. @default 0.9 */
  rateLimitSafetyFraction?: number;
  /** Added to each rate-limit window. @default 100 */
  rateLimitMarginMs?: number;
  /** How long an unacknowledged RPC reply is kept for a re-sent request. @default 300000 */
  rpcReplyTtlMs?: number;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  host: string;
  port: number;
  protocolVersion: 4 | 5;
  keepaliveSec: number;
  connectTimeoutMs: number;
  reconnectDelayMs: readonly [number, number];
  stableAfterMs: number;
  requestTimeoutMs: number;
  sendTimeoutMs: number;
  maxInFlight: number;
  maxQueued: number;
  sessionLimits: boolean;
  sessionLimitsTimeoutMs: number;
  maxPayloadSize: number;
  rateLimits?: RateLimitStrings;
  rateLimitSafetyFraction: number;
  rateLimitMarginMs: number;
  rpcReplyTtlMs: number;
  credentials: CredentialDescription;
  clientId: string;
  username?: string;
  password?: string;
  tls?: ThingsBoardTlsOptions;
}

function positive(name: string, value: number | undefined, fallback: number, zeroOk = false) {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (!zeroOk && v === 0)) {
    throw new RangeError(
      `Invalid ${name} "${v}": expected a ${zeroOk ? "non-negative" : "positive"} number`,
    );
  }
  return v;
}

/** Validates options and applies defaults; throws `TypeError`/`RangeError` naming the option. */
export function resolveOptions(options: ThingsBoardClientOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("Invalid options: expected an object");
  }
  if (typeof options.host !== "string" || options.host === "") {
    throw new TypeError("Invalid host: expected a non-empty string");
  }
  const tls = options.tls === true ? {} : options.tls === false ? undefined : options.tls;
  const port = options.port ?? (tls ? 8883 : 1883);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Invalid port "${port}": expected 1..65535`);
  }
  const version = options.protocolVersion ?? 4;
  if (version !== 4 && version !== 5) {
    throw new RangeError(`Invalid protocolVersion "${version}": expected 4 (MQTT 3.1.1) or 5`);
  }
  const [first, max] = options.reconnectDelayMs ?? [1000, 60000];
  if (!(first > 0) || !(max >= first)) {
    throw new RangeError(`Invalid reconnectDelayMs [${first}, ${max}]: need 0 < first <= max`);
  }
  const { credentials, clientId, username, password } = resolveCredentials(options, tls);
  return {
    host: options.host,
    port,
    protocolVersion: version,
    keepaliveSec: positive("keepaliveSec", options.keepaliveSec, 60, true),
    connectTimeoutMs: positive("connectTimeoutMs", options.connectTimeoutMs, 10_000),
    reconnectDelayMs: [first, max],
    stableAfterMs: positive("stableAfterMs", options.stableAfterMs, 30_000, true),
    requestTimeoutMs: positive("requestTimeoutMs", options.requestTimeoutMs, 30_000),
    sendTimeoutMs: positive("sendTimeoutMs", options.sendTimeoutMs, 60_000, true),
    maxInFlight: Math.floor(positive("maxInFlight", options.maxInFlight, 100)) || 1,
    maxQueued: Math.floor(positive("maxQueued", options.maxQueued, 1000)) || 1,
    sessionLimits: options.sessionLimits ?? true,
    sessionLimitsTimeoutMs: positive(
      "sessionLimitsTimeoutMs",
      options.sessionLimitsTimeoutMs,
      5_000,
    ),
    maxPayloadSize: positive("maxPayloadSize", options.maxPayloadSize, 65_536),
    rateLimits: options.rateLimits,
    rateLimitSafetyFraction: options.rateLimitSafetyFraction ?? 0.9,
    rateLimitMarginMs: options.rateLimitMarginMs ?? 100,
    rpcReplyTtlMs: positive("rpcReplyTtlMs", options.rpcReplyTtlMs, 300_000),
    credentials,
    clientId,
    username,
    password,
    tls,
  };
}

function resolveCredentials(options: ThingsBoardClientOptions, tls?: ThingsBoardTlsOptions) {
  for (const name of ["accessToken", "clientId", "username", "password"] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new TypeError(`Invalid ${name}: expected a non-empty string`);
    }
  }
  const randomId = `tfedge-${crypto.randomUUID().slice(0, 8)}`;
  if (options.accessToken !== undefined) {
    if (options.username !== undefined || options.password !== undefined) {
      throw new TypeError(
        "Invalid credentials: give an access token or username/password, not both",
      );
    }
    return {
      credentials: { kind: "access token" } as CredentialDescription,
      clientId: options.clientId ?? randomId,
      username: options.accessToken,
      password: undefined,
    };
  }
  if (options.clientId !== undefined || options.username !== undefined) {
    return {
      credentials: {
        kind: "MQTT basic credentials",
        clientId: options.clientId,
        username: options.username,
        hasPassword: options.password !== undefined,
      } as CredentialDescription,
      clientId: options.clientId ?? randomId,
      username: options.username,
      password: options.password,
    };
  }
  if (options.password !== undefined) {
    throw new TypeError("Invalid credentials: a password needs a client id or username");
  }
  if (tls && (tls.cert !== undefined || tls.certFile !== undefined)) {
    return {
      credentials: { kind: "X.509 certificate" } as CredentialDescription,
      clientId: randomId,
      username: undefined,
      password: undefined,
    };
  }
  throw new TypeError(
    "Missing credentials: give accessToken, clientId/username/password, or a TLS client certificate",
  );
}

async function pem(text: string | undefined, file: string | undefined, what: string) {
  if (text !== undefined) return text;
  if (file === undefined) return undefined;
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    throw new TypeError(`Cannot read the ${what} file "${file}": ${(error as Error).message}`);
  }
}

/** Link options for one attempt (reads the TLS files now, so renewed files are picked up). */
export async function linkOptions(o: ResolvedOptions): Promise<LinkOptions> {
  let tls: LinkTls | undefined;
  if (o.tls) {
    tls = {
      ca: await pem(o.tls.ca, o.tls.caFile, "CA certificate"),
      cert: await pem(o.tls.cert, o.tls.certFile, "client certificate"),
      key: await pem(o.tls.key, o.tls.keyFile, "client key"),
      passphrase: o.tls.passphrase,
      rejectUnauthorized: o.tls.rejectUnauthorized ?? true,
      servername: o.tls.servername,
    };
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      throw new TypeError("Invalid TLS options: a client certificate needs its key and vice versa");
    }
  }
  return {
    host: o.host,
    port: o.port,
    clientId: o.clientId,
    username: o.username,
    password: o.password,
    protocolVersion: o.protocolVersion,
    keepaliveSec: o.keepaliveSec,
    connectTimeoutMs: o.connectTimeoutMs,
    tls,
    credentials: o.credentials,
  };
}
