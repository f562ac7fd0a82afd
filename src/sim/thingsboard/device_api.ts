/**
 * The `v1/devices/me/...` API of an authenticated device session, plus SUBSCRIBE/UNSUBSCRIBE
 * (`MqttTransportHandler.processDevicePublish` / `processSubscribe`).
 *
 * @module
 */

import type { IPublishPacket, ISubscribePacket, IUnsubscribePacket } from "mqtt-packet";
import {
  accepted,
  deviceRateLimited,
  invalidPayload,
  type ServerContext,
  unknownTopic,
} from "./context.ts";
import { handleGatewayPublish } from "./gateway_api.ts";
import { parseJsonPayload, PayloadError, toJson } from "./kv_json.ts";
import {
  countDataPoints,
  parseAttributeRequest,
  parseAttributes,
  parseClaim,
  parseRequestId,
  parseRpcReply,
  parseRpcRequest,
  parseTelemetry,
} from "./payloads.ts";
import { RC, subackFailure } from "./reason_codes.ts";
import type { Session } from "./session.ts";
import type { DeviceRecord } from "./store.ts";
import { classifyFilter, TOPIC } from "./topics.ts";

/** Handles one PUBLISH of a device (or gateway) session. */
export function handleDevicePublish(ctx: ServerContext, session: Session, packet: IPublishPacket) {
  const device = session.device!;
  const topic = packet.topic;
  const payload = packet.payload as Uint8Array;
  try {
    if (topic === TOPIC.TELEMETRY) {
      const entries = parseTelemetry(parseJsonPayload(payload), Date.now(), ctx.options.typeCast);
      if (!device.limiter.tryTelemetry(countDataPoints(entries))) {
        return deviceRateLimited(ctx, session, packet);
      }
      device.addTelemetry(entries);
      return accepted(ctx, session, packet);
    }
    if (topic === TOPIC.ATTRIBUTES) {
      const values = parseAttributes(parseJsonPayload(payload), ctx.options.typeCast);
      if (!device.limiter.tryTelemetry(Object.keys(values).length)) {
        return deviceRateLimited(ctx, session, packet);
      }
      device.setClientAttributes(values);
      return accepted(ctx, session, packet);
    }
    if (topic.startsWith(TOPIC.ATTRIBUTES_REQUEST)) {
      const id = parseRequestId(topic.slice(TOPIC.ATTRIBUTES_REQUEST.length));
      const request = parseAttributeRequest(payload);
      if (!device.limiter.tryMessage()) return deviceRateLimited(ctx, session, packet);
      accepted(ctx, session, packet);
      const response = device.attributeResponse(request.clientKeys, request.sharedKeys);
      return session.publish(TOPIC.ATTRIBUTES_RESPONSE + id, toJson(response));
    }
    if (topic.startsWith(TOPIC.RPC_REQUEST)) {
      return clientRpc(ctx, session, device, packet);
    }
    if (topic.startsWith(TOPIC.RPC_RESPONSE)) {
      const id = parseRequestId(topic.slice(TOPIC.RPC_RESPONSE.length));
      const reply = parseRpcReply(payload);
      if (!device.limiter.tryMessage()) return deviceRateLimited(ctx, session, packet);
      ctx.rpc.reply(device.name, id, reply);
      return accepted(ctx, session, packet);
    }
    if (topic === TOPIC.CLAIM) {
      const claim = parseClaim(payload);
      if (!device.limiter.tryMessage()) return deviceRateLimited(ctx, session, packet);
      addClaim(ctx, device, claim);
      return accepted(ctx, session, packet);
    }
    if (topic.startsWith(TOPIC.GATEWAY_PREFIX)) {
      // A device without the gateway flag gets no PUBACK at all (ThingsBoard only logs).
      if (!device.gateway) return ctx.emitPublish(session, packet, "ignored");
      return handleGatewayPublish(ctx, session, packet);
    }
    return unknownTopic(ctx, session, packet);
  } catch (error) {
    if (error instanceof PayloadError) return invalidPayload(ctx, session, packet);
    throw error;
  }
}

/** Records a claim; a missing or non-positive duration means the system default. */
export function addClaim(
  ctx: ServerContext,
  device: DeviceRecord,
  claim: { secretKey: string; durationMs: number },
): void {
  const durationMs = claim.durationMs > 0 ? claim.durationMs : ctx.options.claimDurationMs;
  device.claims.push({ secretKey: claim.secretKey, durationMs, ts: Date.now() });
}

/** `getSessionLimits` as the transport answers it itself. */
export function sessionLimits(ctx: ServerContext, device: DeviceRecord): Record<string, unknown> {
  const limits: Record<string, unknown> = {
    maxPayloadSize: ctx.options.maxPayloadSize,
    maxInflightMessages: ctx.options.maxInflightMessages,
    rateLimits: { ...device.limiter.config },
  };
  if (device.gateway) limits.gatewayRateLimits = { ...device.gatewayLimiter.config };
  return limits;
}

function clientRpc(
  ctx: ServerContext,
  session: Session,
  device: DeviceRecord,
  packet: IPublishPacket,
): void {
  const requestId = parseRequestId(packet.topic.slice(TOPIC.RPC_REQUEST.length));
  const { method, params } = parseRpcRequest(packet.payload as Uint8Array);
  const responseTopic = TOPIC.RPC_RESPONSE + requestId;
  if (method === "getSessionLimits") {
    accepted(ctx, session, packet);
    return session.publish(responseTopic, toJson(sessionLimits(ctx, device)));
  }
  if (!device.limiter.tryMessage()) return deviceRateLimited(ctx, session, packet);
  accepted(ctx, session, packet);
  let answered = false;
  const respond = (body: unknown) => {
    if (answered) return;
    answered = true;
    cancelTimeout();
    session.publish(responseTopic, toJson(body));
  };
  const cancelTimeout = session.setTimer(
    () => respond({ error: "timeout" }),
    ctx.options.clientRpcTimeoutMs,
  );
  const handler = ctx.clientRpcHandler(method);
  if (!handler) return;
  const request = { device: device.name, method, params, requestId };
  // A throwing handler is a rule chain that never replies: the device sees the timeout.
  Promise.resolve()
    .then(() => handler(request))
    .then((value) => value === undefined || session.isClosed ? undefined : respond(value))
    .catch(() => {});
}

/** SUBSCRIBE: only ThingsBoard's filters are granted, with QoS min(requested, 1). */
export function handleSubscribe(ctx: ServerContext, session: Session, packet: ISubscribePacket) {
  const granted: number[] = [];
  let attributes = false;
  let rpc = false;
  for (const { topic, qos } of packet.subscriptions) {
    const kind = classifyFilter(topic, session.provisioning);
    if (kind === undefined) {
      granted.push(subackFailure(session.protocolVersion));
      continue;
    }
    const grantedQos = Math.min(qos, 1);
    session.subscriptions.set(topic, grantedQos);
    granted.push(grantedQos);
    if (kind === "attributes") attributes = true;
    if (kind === "rpc") rpc = true;
  }
  session.send({ cmd: "suback", messageId: packet.messageId!, granted });
  if (attributes) session.attributesSubscribed = true;
  if (rpc && session.device) {
    session.rpcSubscribed = true;
    const sender = ctx.rpcSender(session.device);
    if (sender) ctx.rpc.resubscribed(session.device.name, sender);
  }
  return granted;
}

/** UNSUBSCRIBE: v5 gets 0x00 per removed filter, 0x11 for one that was not subscribed. */
export function handleUnsubscribe(session: Session, packet: IUnsubscribePacket): void {
  const granted = packet.unsubscriptions.map((topic) => {
    if (!session.subscriptions.delete(topic)) return RC.NO_SUBSCRIPTION_EXISTED;
    const kind = classifyFilter(topic, session.provisioning);
    if (kind === "attributes") session.attributesSubscribed = false;
    if (kind === "rpc") session.rpcSubscribed = false;
    return RC.SUCCESS;
  });
  session.send({ cmd: "unsuback", messageId: packet.messageId!, granted });
}
