/**
 * ThingsBoard device API topics (v1, JSON).
 *
 * @module
 */

export const TELEMETRY_TOPIC = "v1/devices/me/telemetry";
/** Client attributes up, shared attribute updates down */
export const ATTRIBUTES_TOPIC = "v1/devices/me/attributes";
export const ATTRIBUTE_REQUEST_PREFIX = "v1/devices/me/attributes/request/";
export const ATTRIBUTE_RESPONSE_PREFIX = "v1/devices/me/attributes/response/";
export const RPC_REQUEST_PREFIX = "v1/devices/me/rpc/request/";
export const RPC_RESPONSE_PREFIX = "v1/devices/me/rpc/response/";
export const RPC_REQUEST_FILTER = "v1/devices/me/rpc/request/+";
export const CLAIM_TOPIC = "v1/devices/me/claim";
export const PROVISION_REQUEST_TOPIC = "/provision/request";
export const PROVISION_RESPONSE_TOPIC = "/provision/response";

const DECIMAL = /^(0|[1-9]\d{0,9})$/;

/** The integer id after `prefix`, or undefined when the suffix is not a decimal id. */
export function topicId(topic: string, prefix: string): number | undefined {
  const suffix = topic.slice(prefix.length);
  if (!DECIMAL.test(suffix)) return undefined;
  const id = Number(suffix);
  return id <= 2 ** 31 - 1 ? id : undefined;
}
