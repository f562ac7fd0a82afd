/**
 * Device provisioning: build the request, send it on a provisioning session
 * (username `provision`), turn the answer into credentials or a clear error.
 *
 * The provision secret, the returned token and password never appear in an
 * error text.
 *
 * @module
 */
import { LinkClosedError, MqttLink } from "./connection.ts";
import { ThingsBoardConnackError, ThingsBoardProvisionError } from "./errors.ts";
import { isJsonObject, tbJsonParse } from "./json.ts";
import { PROVISION_REQUEST_TOPIC, PROVISION_RESPONSE_TOPIC } from "./topics.ts";

/** Credential kinds ThingsBoard can provision. */
export type ProvisionCredentialsType = "ACCESS_TOKEN" | "MQTT_BASIC" | "X509_CERTIFICATE";

/** What goes to `/provision/request` (ThingsBoard's field names). */
export interface ProvisionRequest {
  provisionDeviceKey: string;
  provisionDeviceSecret: string;
  deviceName?: string;
  credentialsType?: ProvisionCredentialsType;
  token?: string;
  clientId?: string;
  username?: string;
  password?: string;
  hash?: string;
  gateway?: boolean;
}

/** Optional fields of {@link getProvisionRequest} (MicroPython SDK names, camelCase). */
export interface ProvisionRequestOptions {
  deviceName?: string;
  /** Ask for this access token (ACCESS_TOKEN) */
  accessToken?: string;
  /** Ask for MQTT basic credentials (MQTT_BASIC) */
  clientId?: string;
  username?: string;
  password?: string;
  /** The device's X.509 certificate (X509_CERTIFICATE) */
  hash?: string;
  /** Create the device as a gateway */
  gateway?: boolean;
}

/** Credentials ThingsBoard issued; spread the non-X.509 ones into the client options. */
export type ProvisionedCredentials =
  | { type: "ACCESS_TOKEN"; accessToken: string }
  | { type: "MQTT_BASIC"; clientId?: string; username?: string; password?: string }
  | { type: "X509_CERTIFICATE"; value: string };

/** Options of {@link provision}. */
export interface ProvisionOptions {
  /** Deadline for connect + answer. @default 20000 */
  timeoutMs?: number;
  /** TLS for the provisioning session (PEM text, as for the client) */
  tls?: { ca?: string; rejectUnauthorized?: boolean; servername?: string };
  /** @default 4 */
  protocolVersion?: 4 | 5;
  signal?: AbortSignal;
}

function optionalString(name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== "string" || value === "")) {
    throw new TypeError(`Invalid ${name}: expected a non-empty string`);
  }
}

/** Builds a provision request; the credentials type follows from the fields given. */
export function getProvisionRequest(
  provisionKey: string,
  provisionSecret: string,
  options: ProvisionRequestOptions = {},
): ProvisionRequest {
  if (typeof provisionKey !== "string" || provisionKey === "") {
    throw new TypeError("Invalid provision key: expected a non-empty string");
  }
  if (typeof provisionSecret !== "string" || provisionSecret === "") {
    throw new TypeError("Invalid provision secret: expected a non-empty string");
  }
  for (const name of ["deviceName", "accessToken", "clientId", "username", "password", "hash"]) {
    optionalString(name, (options as Record<string, unknown>)[name]);
  }
  const basic = options.clientId !== undefined || options.username !== undefined ||
    options.password !== undefined;
  const kinds = [options.accessToken !== undefined, basic, options.hash !== undefined];
  if (kinds.filter(Boolean).length > 1) {
    throw new TypeError(
      "Invalid provision request: give one of accessToken, clientId/username/password, or hash",
    );
  }
  const request: ProvisionRequest = {
    provisionDeviceKey: provisionKey,
    provisionDeviceSecret: provisionSecret,
  };
  if (options.deviceName !== undefined) request.deviceName = options.deviceName;
  if (options.accessToken !== undefined) {
    request.credentialsType = "ACCESS_TOKEN";
    request.token = options.accessToken;
  } else if (basic) {
    request.credentialsType = "MQTT_BASIC";
    if (options.clientId !== undefined) request.clientId = options.clientId;
    if (options.username !== undefined) request.username = options.username;
    if (options.password !== undefined) request.password = options.password;
  } else if (options.hash !== undefined) {
    request.credentialsType = "X509_CERTIFICATE";
    request.hash = options.hash;
  }
  if (options.gateway !== undefined) request.gateway = Boolean(options.gateway);
  return request;
}

/** Interprets a `/provision/response` body. */
export function parseProvisionResponse(
  text: string,
  deviceName: string | undefined,
): ProvisionedCredentials {
  let body: unknown;
  try {
    body = tbJsonParse(text);
  } catch {
    throw new ThingsBoardProvisionError(
      "INVALID_RESPONSE",
      "Invalid provisioning response: not JSON",
    );
  }
  if (!isJsonObject(body)) {
    throw new ThingsBoardProvisionError(
      "INVALID_RESPONSE",
      "Invalid provisioning response: not an object",
    );
  }
  const status = body.status ?? body.provisionDeviceStatus;
  const errorMsg = typeof body.errorMsg === "string" ? `: "${body.errorMsg}"` : "";
  const device = deviceName === undefined ? "the device" : `device "${deviceName}"`;
  if (status === "NOT_FOUND") {
    throw new ThingsBoardProvisionError(
      "NOT_FOUND",
      `ThingsBoard did not accept the provision key and secret (NOT_FOUND${errorMsg}); check the device profile's provisioning settings`,
    );
  }
  if (status === "FAILURE") {
    throw new ThingsBoardProvisionError(
      "FAILURE",
      `ThingsBoard refused to provision ${device} (FAILURE${errorMsg}); the name may exist already, or the device was provisioned before and its credentials were not kept`,
    );
  }
  if (status !== "SUCCESS") {
    throw new ThingsBoardProvisionError(
      "INVALID_RESPONSE",
      `Invalid provisioning response: status ${JSON.stringify(status ?? null)}`,
    );
  }
  const type = body.credentialsType ?? "ACCESS_TOKEN";
  const value = body.credentialsValue ?? body.accessToken;
  if (type === "ACCESS_TOKEN" && typeof value === "string" && value !== "") {
    return { type, accessToken: value };
  }
  if (type === "MQTT_BASIC" && isJsonObject(value)) {
    const pick = (
      k: string,
    ) => (typeof value[k] === "string" && value[k] !== "" ? value[k] as string : undefined);
    const creds: ProvisionedCredentials = { type };
    const clientId = pick("clientId");
    const username = pick("userName") ?? pick("username");
    const password = pick("password");
    if (clientId !== undefined) creds.clientId = clientId;
    if (username !== undefined) creds.username = username;
    if (password !== undefined) creds.password = password;
    if (clientId === undefined && username === undefined) {
      throw new ThingsBoardProvisionError(
        "INVALID_RESPONSE",
        "Invalid provisioning response: MQTT_BASIC credentials without client id or username",
      );
    }
    return creds;
  }
  if (type === "X509_CERTIFICATE" && typeof value === "string") return { type, value };
  throw new ThingsBoardProvisionError(
    "INVALID_RESPONSE",
    `Invalid provisioning response: unusable credentials of type ${JSON.stringify(type)}`,
  );
}

/**
 * Provisions a device: connects as `provision`, publishes the request, waits
 * for the answer. Rejects with a {@link ThingsBoardProvisionError}: status
 * `NOT_FOUND` / `FAILURE` (retrying does not help), `UNREACHABLE` (no
 * connection or no answer in time) or `INVALID_RESPONSE`.
 */
export async function provision(
  host: string,
  port: number,
  request: ProvisionRequest,
  options: ProvisionOptions = {},
): Promise<ProvisionedCredentials> {
  if (!isJsonObject(request) || typeof request.provisionDeviceKey !== "string") {
    throw new TypeError("Invalid provision request: build it with getProvisionRequest()");
  }
  const timeoutMs = options.timeoutMs ?? 20_000;
  const where = `${host}:${port}`;
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  let link: MqttLink | undefined;
  try {
    link = await MqttLink.open({
      host,
      port,
      clientId: "provision",
      username: "provision",
      protocolVersion: options.protocolVersion ?? 4,
      keepaliveSec: 60,
      connectTimeoutMs: timeoutMs,
      tls: options.tls
        ? { ...options.tls, rejectUnauthorized: options.tls.rejectUnauthorized ?? true }
        : undefined,
      credentials: { kind: "MQTT basic credentials", clientId: "provision", username: "provision" },
    }, abort.signal);
    const opened = link;
    const answer = new Promise<string>((resolve, reject) => {
      opened.onMessage = (topic, payload) => {
        if (topic === PROVISION_RESPONSE_TOPIC) resolve(new TextDecoder().decode(payload));
      };
      opened.closed.then(() => reject(new LinkClosedError()));
      abort.signal.addEventListener("abort", () => reject(new LinkClosedError()), { once: true });
    });
    answer.catch(() => {}); // observed below; avoids an unhandled rejection if subscribe fails
    await link.subscribe([PROVISION_RESPONSE_TOPIC]);
    // QoS 1 publish; the answer may arrive before the PUBACK.
    link.publish(PROVISION_REQUEST_TOPIC, JSON.stringify(request), 1).catch(() => {});
    return parseProvisionResponse(await answer, request.deviceName);
  } catch (error) {
    if (error instanceof ThingsBoardProvisionError) throw error;
    if (options.signal?.aborted) {
      throw new ThingsBoardProvisionError("UNREACHABLE", "Provisioning aborted", { cause: error });
    }
    const detail = timedOut
      ? `no answer within ${timeoutMs} ms`
      : error instanceof ThingsBoardConnackError || !(error instanceof LinkClosedError)
      ? (error as Error).message
      : "the connection closed before an answer";
    throw new ThingsBoardProvisionError(
      "UNREACHABLE",
      `Cannot provision at ${where}: ${detail}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onOuterAbort);
    await link?.close();
  }
}
