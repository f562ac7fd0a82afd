/**
 * CONNECT handling: provisioning sessions, the credential check with ThingsBoard's CONNACK
 * codes, the session-open rate limit, and session takeover (one session per device).
 *
 * @module
 */

import type { IConnectPacket } from "mqtt-packet";
import { type CredentialsRegistry, PROVISION, refusalReason } from "./auth.ts";
import { RC } from "./reason_codes.ts";
import type { Session } from "./session.ts";
import type { DeviceRecord } from "./store.ts";
import type { ConnectEvent, RefuseEvent, ServerFaults } from "./types.ts";

/** What the CONNECT decision needs from the server. */
export interface ConnectHost {
  readonly faults: ServerFaults;
  readonly credentials: CredentialsRegistry;
  readonly deviceRecords: ReadonlyMap<string, DeviceRecord>;
  /** The open session of each device (ThingsBoard's default: at most one) */
  readonly deviceSessions: Map<string, Session>;
  emitConnect(event: ConnectEvent): void;
  emitRefuse(event: RefuseEvent): void;
}

const utf8 = new TextDecoder();

/** Answers a CONNECT, after the `connackDelayMs` fault if set; never with `withholdConnack`. */
export function handleConnect(host: ConnectHost, session: Session, packet: IConnectPacket): void {
  if (host.faults.withholdConnack) return;
  const delay = host.faults.connackDelayMs ?? 0;
  if (delay > 0) session.setTimer(() => decide(host, session, packet), delay);
  else decide(host, session, packet);
}

function decide(host: ConnectHost, session: Session, packet: IConnectPacket): void {
  const clientId = packet.clientId ?? "";
  const username = packet.username;
  // ThingsBoard reads the password as UTF-8 text; invalid bytes simply will not match.
  const password = packet.password === undefined ? undefined : utf8.decode(packet.password);
  const sessionPresent = packet.clean === false;

  if (username === PROVISION || clientId === PROVISION) {
    session.provisioning = true;
    // The event goes first: accepting also processes the packets queued behind CONNECT.
    host.emitConnect(connectEvent(session, undefined));
    session.accept(sessionPresent);
    return;
  }

  const refuse = (v5Code: number) => {
    const returnCode = session.refuse(v5Code);
    host.emitRefuse({
      session: session.id,
      clientId,
      username,
      protocolVersion: session.protocolVersion,
      returnCode,
    });
  };
  if (host.faults.failAuth) return refuse(RC.SERVER_UNAVAILABLE);
  const name = host.credentials.authenticate(clientId, username, password);
  const device = name === undefined ? undefined : host.deviceRecords.get(name);
  if (!device) {
    return refuse(refusalReason(clientId, username !== undefined, password !== undefined));
  }
  // Opening a session is a "messages" event for the rate limits; refused as a connection-rate hit.
  if (!device.limiter.tryMessage()) return refuse(RC.CONNECTION_RATE_EXCEEDED);

  const older = host.deviceSessions.get(device.name);
  if (older && older !== session) older.close("takeover", RC.SESSION_TAKEN_OVER);
  host.deviceSessions.set(device.name, session);
  session.device = device;
  host.emitConnect(connectEvent(session, device.name));
  session.accept(sessionPresent);
}

function connectEvent(session: Session, device: string | undefined): ConnectEvent {
  return {
    session: session.id,
    device,
    provisioning: session.provisioning,
    protocolVersion: session.protocolVersion,
    clientId: session.clientId,
  };
}
