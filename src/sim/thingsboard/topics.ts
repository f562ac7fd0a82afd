/**
 * ThingsBoard MQTT topic names (`MqttTopics`) and the SUBSCRIBE allow-list
 * (`MqttTransportHandler.processSubscribe`). The v2 short topics (`v2/t`, `v2/a`, `v2/r/...`)
 * are not emulated and refused like any unknown filter.
 *
 * @module
 */

export const TOPIC = {
  TELEMETRY: "v1/devices/me/telemetry",
  ATTRIBUTES: "v1/devices/me/attributes",
  ATTRIBUTES_REQUEST: "v1/devices/me/attributes/request/",
  ATTRIBUTES_RESPONSE: "v1/devices/me/attributes/response/",
  RPC_REQUEST: "v1/devices/me/rpc/request/",
  RPC_RESPONSE: "v1/devices/me/rpc/response/",
  CLAIM: "v1/devices/me/claim",
  PROVISION_REQUEST: "/provision/request",
  PROVISION_RESPONSE: "/provision/response",
  GATEWAY_PREFIX: "v1/gateway/",
  GATEWAY_CONNECT: "v1/gateway/connect",
  GATEWAY_DISCONNECT: "v1/gateway/disconnect",
  GATEWAY_TELEMETRY: "v1/gateway/telemetry",
  GATEWAY_ATTRIBUTES: "v1/gateway/attributes",
  GATEWAY_ATTRIBUTES_REQUEST: "v1/gateway/attributes/request",
  GATEWAY_ATTRIBUTES_RESPONSE: "v1/gateway/attributes/response",
  GATEWAY_RPC: "v1/gateway/rpc",
  GATEWAY_CLAIM: "v1/gateway/claim",
} as const;

/** What a granted subscription registers with the device actor. */
export type SubscriptionKind = "attributes" | "rpc" | "plain";

const DEVICE_FILTERS = new Map<string, SubscriptionKind>([
  [TOPIC.ATTRIBUTES, "attributes"],
  ["v1/devices/me/rpc/request/+", "rpc"],
  ["v1/devices/me/attributes/response/+", "plain"],
  ["v1/devices/me/rpc/response/+", "plain"],
  [TOPIC.GATEWAY_ATTRIBUTES, "plain"],
  [TOPIC.GATEWAY_RPC, "plain"],
  [TOPIC.GATEWAY_ATTRIBUTES_RESPONSE, "plain"],
  ["v2/fw/response/+/chunk/+", "plain"],
  ["v2/fw/error", "plain"],
  ["v2/sw/response/+/chunk/+", "plain"],
  ["v2/sw/error", "plain"],
]);

/** Kind of an allowed filter, or undefined when ThingsBoard refuses it. */
export function classifyFilter(
  filter: string,
  provisioning: boolean,
): SubscriptionKind | undefined {
  if (provisioning) return filter === TOPIC.PROVISION_RESPONSE ? "plain" : undefined;
  return DEVICE_FILTERS.get(filter);
}

/** MQTT topic-filter match (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
