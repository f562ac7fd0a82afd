/**
 * The gateway API (`v1/gateway/*`, ThingsBoard `AbstractGatewaySessionHandler`): any message
 * naming a device implicitly connects it (creating it when missing); devices behind one gateway
 * share the gateway's `gatewayRateLimits` buckets.
 *
 * @module
 */

import type { IPublishPacket } from "mqtt-packet";
import { accepted, sendAck, type ServerContext, unknownTopic } from "./context.ts";
import { addClaim } from "./device_api.ts";
import {
  asInteger,
  asString,
  isJsonObject,
  parseJsonPayload,
  PayloadError,
  toJson,
  toPlain,
} from "./kv_json.ts";
import { claimFromJson, countDataPoints, parseAttributes, parseTelemetry } from "./payloads.ts";
import { RC } from "./reason_codes.ts";
import type { Session } from "./session.ts";
import { pick } from "./store.ts";
import { TOPIC } from "./topics.ts";
import type { TbValue, TelemetryEntry } from "./types.ts";

/** v5 reason 0x96 (message rate too high) in the gateway's device-disconnect notice. */
const DEVICE_RATE_LIMITED = RC.MESSAGE_RATE_TOO_HIGH;

/** Handles one `v1/gateway/*` PUBLISH of a gateway session. */
export function handleGatewayPublish(ctx: ServerContext, session: Session, packet: IPublishPacket) {
  try {
    const json = parseJsonPayload(packet.payload as Uint8Array);
    if (!isJsonObject(json)) throw new PayloadError("Gateway payload must be a JSON object");
    switch (packet.topic) {
      case TOPIC.GATEWAY_CONNECT:
        ctx.attachChild(session, deviceName(json), optionalString(json.type, "type"));
        return accepted(ctx, session, packet);
      case TOPIC.GATEWAY_DISCONNECT:
        ctx.detachChild(session, deviceName(json));
        return accepted(ctx, session, packet);
      case TOPIC.GATEWAY_TELEMETRY:
        return telemetry(ctx, session, packet, json);
      case TOPIC.GATEWAY_ATTRIBUTES:
        return attributes(ctx, session, packet, json);
      case TOPIC.GATEWAY_ATTRIBUTES_REQUEST:
        return attributeRequest(ctx, session, packet, json);
      case TOPIC.GATEWAY_RPC:
        return rpcReply(ctx, session, packet, json);
      case TOPIC.GATEWAY_CLAIM:
        return claim(ctx, session, packet, json);
      default:
        return unknownTopic(ctx, session, packet);
    }
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    // Gateway processing errors: PUBACK 0x80 and the gateway connection is closed.
    sendAck(ctx, session, packet.messageId, RC.UNSPECIFIED_ERROR);
    ctx.emitPublish(session, packet, "rejected");
    session.close("gateway_error");
  }
}

function deviceName(json: Record<string, unknown>): string {
  const name = asString(json.device);
  if (name === undefined || name.trim() === "") {
    throw new PayloadError("Gateway message has no device name");
  }
  return name;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = asString(value);
  if (text === undefined || text === "") throw new PayloadError(`"${field}" is not a string`);
  return text;
}

/**
 * Over the gateway's limits: PUBACK 0x97, on MQTT 5 a `v1/gateway/disconnect` notice with reason
 * 150 for the device, then the gateway connection is closed.
 */
function rateLimited(ctx: ServerContext, session: Session, packet: IPublishPacket, name: string) {
  sendAck(ctx, session, packet.messageId, RC.QUOTA_EXCEEDED);
  if (session.protocolVersion === 5) {
    session.publish(
      TOPIC.GATEWAY_DISCONNECT,
      toJson({ device: name, reason: DEVICE_RATE_LIMITED }),
    );
  }
  ctx.emitPublish(session, packet, "rate_limited");
  session.close("rate_limited");
}

function telemetry(
  ctx: ServerContext,
  session: Session,
  packet: IPublishPacket,
  json: Record<string, unknown>,
): void {
  const now = Date.now();
  const parsed: [string, TelemetryEntry[]][] = [];
  for (const [name, items] of Object.entries(json)) {
    if (!Array.isArray(items)) continue; // ThingsBoard skips non-array device values
    parsed.push([name, parseTelemetry(items.map(withoutMetadata), now, ctx.options.typeCast)]);
  }
  const limiter = session.device!.gatewayLimiter;
  for (const [name, entries] of parsed) {
    if (!limiter.tryTelemetry(countDataPoints(entries))) {
      return rateLimited(ctx, session, packet, name);
    }
    ctx.attachChild(session, name).addTelemetry(entries);
  }
  accepted(ctx, session, packet);
}

/** Strips the latency `metadata` object, which needs connector, receivedTs and publishedTs. */
function withoutMetadata(item: unknown): unknown {
  if (!isJsonObject(item) || !("metadata" in item)) return item;
  const { metadata, ...rest } = item;
  if (
    !isJsonObject(metadata) || metadata.connector === undefined ||
    metadata.receivedTs === undefined || metadata.publishedTs === undefined
  ) {
    throw new PayloadError("Gateway telemetry metadata is incomplete");
  }
  return rest;
}

function attributes(
  ctx: ServerContext,
  session: Session,
  packet: IPublishPacket,
  json: Record<string, unknown>,
): void {
  const parsed: [string, Record<string, TbValue>][] = [];
  for (const [name, values] of Object.entries(json)) {
    if (!isJsonObject(values)) continue;
    parsed.push([name, parseAttributes(values, ctx.options.typeCast)]);
  }
  const limiter = session.device!.gatewayLimiter;
  for (const [name, values] of parsed) {
    if (!limiter.tryTelemetry(Object.keys(values).length)) {
      return rateLimited(ctx, session, packet, name);
    }
    ctx.attachChild(session, name).setClientAttributes(values);
  }
  accepted(ctx, session, packet);
}

/**
 * `{"id":1,"device":"D","client":false,"keys":["a","b"]}` (or `"key":"a"`); one scope per
 * request. The response carries `value` when exactly one key was found, `values` when more,
 * neither when none.
 */
function attributeRequest(
  ctx: ServerContext,
  session: Session,
  packet: IPublishPacket,
  json: Record<string, unknown>,
): void {
  const id = asInteger(json.id);
  if (id === undefined) throw new PayloadError("Gateway attribute request has no id");
  const name = deviceName(json);
  if (json.client !== undefined && typeof json.client !== "boolean") {
    throw new PayloadError('Gateway attribute request "client" is not a boolean');
  }
  const keys = Array.isArray(json.keys)
    ? json.keys.map((key) => asString(key))
    : json.key !== undefined
    ? [asString(json.key)]
    : undefined;
  if (!keys || keys.length === 0 || keys.some((key) => key === undefined)) {
    throw new PayloadError("Gateway attribute request needs a key or keys");
  }
  if (!session.device!.gatewayLimiter.tryMessage()) return rateLimited(ctx, session, packet, name);
  const child = ctx.attachChild(session, name);
  accepted(ctx, session, packet);
  const scope = json.client === true ? child.clientAttributes : child.sharedAttributes;
  const found = pick(scope, keys as string[]);
  const body: Record<string, unknown> = { id, device: name };
  const entries = Object.entries(found ?? {});
  if (entries.length === 1) body.value = entries[0][1];
  else if (entries.length > 1) body.values = found;
  session.publish(TOPIC.GATEWAY_ATTRIBUTES_RESPONSE, toJson(body));
}

/** `{"device":"D","id":5,"data":<any>}`: the reply to server-side RPC 5 of device D. */
function rpcReply(
  ctx: ServerContext,
  session: Session,
  packet: IPublishPacket,
  json: Record<string, unknown>,
): void {
  const name = deviceName(json);
  const id = asInteger(json.id);
  if (id === undefined) throw new PayloadError("Gateway RPC reply has no id");
  if (!session.device!.gatewayLimiter.tryMessage()) return rateLimited(ctx, session, packet, name);
  ctx.attachChild(session, name);
  ctx.rpc.reply(name, id, toPlain(json.data ?? null));
  accepted(ctx, session, packet);
}

/** `{"D":{"secretKey":"s","durationMs":60000}, ...}`. */
function claim(
  ctx: ServerContext,
  session: Session,
  packet: IPublishPacket,
  json: Record<string, unknown>,
): void {
  const parsed = Object.entries(json).map(([name, body]) => [name, claimFromJson(body)] as const);
  for (const [name, body] of parsed) {
    if (!session.device!.gatewayLimiter.tryMessage()) {
      return rateLimited(ctx, session, packet, name);
    }
    addClaim(ctx, ctx.attachChild(session, name), body);
  }
  accepted(ctx, session, packet);
}
