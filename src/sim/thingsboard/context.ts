/**
 * What the topic handlers need from the server, and the acknowledgement helpers they share
 * (PUBACK timing, bad payloads, rate-limit closes).
 *
 * @module
 */

import type { IPublishPacket } from "mqtt-packet";
import type { CredentialsRegistry } from "./auth.ts";
import { RC } from "./reason_codes.ts";
import type { RpcSender, ServerRpcManager } from "./server_rpc.ts";
import type { Session } from "./session.ts";
import type { DeviceRecord } from "./store.ts";
import type {
  AddDeviceOptions,
  ClientRpcHandler,
  ProvisioningOptions,
  PublishOutcome,
  ServerFaults,
} from "./types.ts";

/** Server options after defaults. */
export interface ResolvedOptions {
  host: string;
  port: number;
  maxPayloadSize: number;
  maxInflightMessages: number;
  clientRpcTimeoutMs: number;
  serverRpcTimeoutMs: number;
  provisioning: ProvisioningOptions | undefined;
  provisionSessionCloseMs: number;
  claimDurationMs: number;
  typeCast: boolean;
  sendAckOnValidationException: boolean;
  inactivityTimeoutMs: number;
}

export interface ServerContext {
  readonly options: ResolvedOptions;
  readonly faults: ServerFaults;
  readonly rpc: ServerRpcManager;
  readonly credentials: CredentialsRegistry;
  readonly deviceRecords: ReadonlyMap<string, DeviceRecord>;
  createDevice(name: string, options: AddDeviceOptions, parentGateway?: string): DeviceRecord;
  clientRpcHandler(method: string): ClientRpcHandler | undefined;
  /** Where server-side RPC for this device goes now, if anywhere */
  rpcSender(device: DeviceRecord): RpcSender | undefined;
  /** Makes a device reachable through a gateway session (implicit or explicit connect) */
  attachChild(session: Session, name: string, type?: string): DeviceRecord;
  detachChild(session: Session, name: string): void;
  emitPublish(session: Session, packet: IPublishPacket, outcome: PublishOutcome): void;
}

/** Uplink accepted: PUBACK (subject to the PUBACK faults) and the publish event. */
export function accepted(ctx: ServerContext, session: Session, packet: IPublishPacket): void {
  sendAck(ctx, session, packet.messageId, RC.SUCCESS);
  ctx.emitPublish(session, packet, "accepted");
}

/** PUBACK honouring `withholdPuback` / `pubackDelayMs`. */
export function sendAck(
  ctx: ServerContext,
  session: Session,
  messageId: number | undefined,
  reasonCode: number,
): void {
  if (messageId === undefined || ctx.faults.withholdPuback) return;
  const delay = ctx.faults.pubackDelayMs ?? 0;
  if (delay > 0) session.setTimer(() => session.puback(messageId, reasonCode), delay);
  else session.puback(messageId, reasonCode);
}

/**
 * A payload the adaptor cannot convert: MQTT 5 gets PUBACK 0x99 and the session stays;
 * MQTT 3.1.1 is closed unless the profile sends a PUBACK on validation exceptions.
 */
export function invalidPayload(ctx: ServerContext, session: Session, packet: IPublishPacket) {
  if (session.protocolVersion === 5 || ctx.options.sendAckOnValidationException) {
    sendAck(ctx, session, packet.messageId, RC.PAYLOAD_FORMAT_INVALID);
    ctx.emitPublish(session, packet, "invalid_payload");
  } else {
    ctx.emitPublish(session, packet, "invalid_payload");
    session.close("invalid_payload");
  }
}

/** Device API over a rate limit: no PUBACK, session closed (v5 DISCONNECT 0x83). */
export function deviceRateLimited(ctx: ServerContext, session: Session, packet: IPublishPacket) {
  ctx.emitPublish(session, packet, "rate_limited");
  session.close("rate_limited", RC.IMPLEMENTATION_SPECIFIC);
}

/** Unknown topic: PUBACK 0x90 on MQTT 5, a plain PUBACK on 3.1.1; the session stays. */
export function unknownTopic(ctx: ServerContext, session: Session, packet: IPublishPacket) {
  sendAck(ctx, session, packet.messageId, RC.TOPIC_NAME_INVALID);
  ctx.emitPublish(session, packet, "unknown_topic");
}
