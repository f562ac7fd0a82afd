/**
 * Defaults and validation of {@linkcode ThingsBoardServerOptions}.
 *
 * @module
 */

import type { ResolvedOptions } from "./context.ts";
import type { ThingsBoardServerOptions } from "./types.ts";

const STRATEGIES = ["allow_create", "check_pre_provisioned"];
const CREDENTIAL_TYPES = ["ACCESS_TOKEN", "MQTT_BASIC", "X509_CERTIFICATE"];

/** Applies ThingsBoard's defaults; throws TypeError/RangeError on a bad option. */
export function resolveOptions(options: ThingsBoardServerOptions): ResolvedOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError("ThingsBoard server options must be an object");
  }
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host === "") {
    throw new TypeError(`Server host must be a non-empty string, got "${host}"`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Server port must be an integer 0..65535, got "${port}"`);
  }
  const provisioning = options.provisioning;
  if (provisioning !== undefined) {
    if (provisioning === null || typeof provisioning !== "object") {
      throw new TypeError("Provisioning options must be an object");
    }
    for (const field of ["key", "secret"] as const) {
      if (typeof provisioning[field] !== "string" || provisioning[field] === "") {
        throw new TypeError(`Provisioning "${field}" must be a non-empty string`);
      }
    }
    if (provisioning.strategy !== undefined && !STRATEGIES.includes(provisioning.strategy)) {
      throw new RangeError(`Unknown provisioning strategy "${provisioning.strategy}"`);
    }
    const type = provisioning.credentialsType;
    if (type !== undefined && !CREDENTIAL_TYPES.includes(type)) {
      throw new RangeError(`Unknown provisioning credentials type "${type}"`);
    }
  }
  return {
    host,
    port,
    maxPayloadSize: positive(options.maxPayloadSize, 65536, "maxPayloadSize"),
    maxInflightMessages: positive(options.maxInflightMessages, 100, "maxInflightMessages"),
    clientRpcTimeoutMs: positive(options.clientRpcTimeoutMs, 60000, "clientRpcTimeoutMs"),
    serverRpcTimeoutMs: positive(options.serverRpcTimeoutMs, 10000, "serverRpcTimeoutMs"),
    provisioning: provisioning && { ...provisioning },
    provisionSessionCloseMs: positive(
      options.provisionSessionCloseMs,
      60000,
      "provisionSessionCloseMs",
    ),
    claimDurationMs: positive(options.claimDurationMs, 86400000, "claimDurationMs"),
    typeCast: options.typeCast ?? true,
    sendAckOnValidationException: options.sendAckOnValidationException ?? false,
    inactivityTimeoutMs: options.inactivityTimeoutMs === 0
      ? 0
      : positive(options.inactivityTimeoutMs, 0, "inactivityTimeoutMs"),
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`Option "${name}" must be a positive number, got "${value}"`);
  }
  return value;
}
