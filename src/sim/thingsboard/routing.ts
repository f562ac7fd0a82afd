/**
 * Which session reaches a device now: its own session (at most one, ThingsBoard's default) or
 * the gateway session serving it as a child. Downlinks (shared-attribute pushes, server-side
 * RPC) are routed here, in the topic shape of the reaching session.
 *
 * @module
 */

import { toJson } from "./kv_json.ts";
import type { RpcSender, ServerRpcManager } from "./server_rpc.ts";
import type { Session } from "./session.ts";
import type { DeviceRecord } from "./store.ts";
import { TOPIC } from "./topics.ts";

export class DeviceRoutes {
  /** The open session of each device */
  readonly deviceSessions = new Map<string, Session>();
  #childOwners = new Map<string, Session>();
  #rpc: ServerRpcManager;

  constructor(rpc: ServerRpcManager) {
    this.#rpc = rpc;
  }

  isConnected(name: string): boolean {
    return this.deviceSessions.has(name) || this.#childOwners.has(name);
  }

  /** Pushes a shared-attribute change to whoever subscribed to it. */
  pushShared(record: DeviceRecord, body: Record<string, unknown>): void {
    const direct = this.deviceSessions.get(record.name);
    if (direct?.attributesSubscribed) direct.publish(TOPIC.ATTRIBUTES, toJson(body));
    const gateway = this.#childOwners.get(record.name);
    gateway?.publish(TOPIC.GATEWAY_ATTRIBUTES, toJson({ device: record.name, data: body }));
  }

  /** Where server-side RPC for this device goes now: an RPC-subscribed session or its gateway. */
  rpcSender(record: DeviceRecord): RpcSender | undefined {
    const direct = this.deviceSessions.get(record.name);
    if (direct?.rpcSubscribed && direct.isOpen) {
      return (rpc, onDelivered) =>
        direct.publish(
          TOPIC.RPC_REQUEST + rpc.id,
          toJson({ method: rpc.method, params: rpc.params }),
          onDelivered,
        );
    }
    const gateway = this.#childOwners.get(record.name);
    if (gateway?.isOpen) {
      return (rpc, onDelivered) => {
        const data = { id: rpc.id, method: rpc.method, params: rpc.params };
        gateway.publish(TOPIC.GATEWAY_RPC, toJson({ device: record.name, data }), onDelivered);
      };
    }
    return undefined;
  }

  /**
   * A gateway session now serves `record`; like ThingsBoard's child session it is subscribed to
   * attributes and RPC at once, so pending RPCs are pushed (after the current PUBACK).
   */
  attachChild(session: Session, record: DeviceRecord): void {
    if (session.children.has(record.name)) return;
    session.children.set(record.name, record);
    const previous = this.#childOwners.get(record.name);
    if (previous && previous !== session) previous.children.delete(record.name);
    this.#childOwners.set(record.name, session);
    queueMicrotask(() => {
      if (this.#childOwners.get(record.name) !== session) return;
      const sender = this.rpcSender(record);
      if (sender) this.#rpc.resubscribed(record.name, sender);
    });
  }

  detachChild(session: Session, name: string): void {
    session.children.delete(name);
    if (this.#childOwners.get(name) === session) this.#childOwners.delete(name);
  }

  /** Forgets a closed session (and, for a gateway, all its children). */
  sessionClosed(session: Session): void {
    const device = session.device?.name;
    if (device !== undefined && this.deviceSessions.get(device) === session) {
      this.deviceSessions.delete(device);
    }
    for (const name of [...session.children.keys()]) this.detachChild(session, name);
  }
}
