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

/** Gateway API: messages about the devices behind the gateway */
export const GATEWAY_PREFIX = "v1/gateway/";
export const GATEWAY_CONNECT_TOPIC = "v1/gateway/connect";
/** Up: a device left; down (MQTT 5): the server disconnected a device */
export const GATEWAY_DISCONNECT_TOPIC = "v1/gateway/disconnect";
export const GATEWAY_TELEMETRY_TOPIC = "v1/gateway/telemetry";
/** Client attributes up, shared attribute updates down */
export const GATEWAY_ATTRIBUTES_TOPIC = "v1/gateway/attributes";
export const GATEWAY_ATTRIBUTE_REQUEST_TOPIC = "v1/gateway/attributes/request";
export const GATEWAY_ATTRIBUTE_RESPONSE_TOPIC = "v1/gateway/attributes/response";
/** Server-side RPC down, replies up */
export const GATEWAY_RPC_TOPIC = "v1/gateway/rpc";
export const GATEWAY_CLAIM_TOPIC = "v1/gateway/claim";

const DECIMAL = /^(0|[1-9]\d{0,9})$/;

/** The integer id after `prefix`, or undefined when the suffix is not a decimal id. */
export function topicId(topic: string, prefix: string): number | undefined {
  const suffix = topic.slice(prefix.length);
  if (!DECIMAL.test(suffix)) return undefined;
  const id = Number(suffix);
  return id <= 2 ** 31 - 1 ? id : undefined;
}
