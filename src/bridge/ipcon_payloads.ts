/**
 * Payloads of the IP-connection callbacks and of `get_connection_state`
 * (spec §7), keys in the reference's order.
 *
 * Enumerate: in symbolic mode `device_identifier` becomes the device's topic
 * name when known (else stays the number) and `enumeration_type` its name.
 * `_display_name` is added whenever `enumeration_type != 2`, a comparison
 * the reference makes after the symbol translation, so in symbolic mode it is
 * always there. Identifier 0 (what a disconnected entry carries) has the
 * display name `""`; identifiers unknown to this version get
 * `Unknown Device [<id>]` (the reference's callback thread dies on them).
 *
 * @module
 */

import { displayNameOf, topicNameOf } from "../calls/results.ts";
import type { ConnectionState, ConnectReason, DisconnectReason } from "../tfp/connection.ts";
import type { EnumerateEvent } from "../tfp/identity.ts";

const ENUMERATION_TYPE_NAMES = ["available", "connected", "disconnected"] as const;
const ENUMERATION_TYPE_DISCONNECTED = 2;
const CONNECT_REASONS: Record<ConnectReason, number> = { "request": 0, "auto-reconnect": 1 };
const DISCONNECT_REASONS: Record<DisconnectReason, number> = {
  request: 0,
  error: 1,
  shutdown: 2,
};

/** The `ip_connection/enumerate` callback payload of one enumerate event. */
export function enumeratePayload(event: EnumerateEvent, symbolic: boolean): Map<string, unknown> {
  const identifier = event.deviceIdentifier;
  const code = event.enumerationTypeCode;
  const enumerationType = symbolic ? ENUMERATION_TYPE_NAMES[code] ?? code : code;
  const payload = new Map<string, unknown>([
    ["uid", event.uid],
    ["connected_uid", event.connectedUid],
    ["position", event.position],
    ["hardware_version", event.hardwareVersion],
    ["firmware_version", event.firmwareVersion],
    ["device_identifier", symbolic ? topicNameOf(identifier) ?? identifier : identifier],
    ["enumeration_type", enumerationType],
  ]);
  if (enumerationType !== ENUMERATION_TYPE_DISCONNECTED) {
    payload.set("_display_name", identifier === 0 ? "" : displayNameOf(identifier));
  }
  return payload;
}

/** The `ip_connection/connected` callback payload. */
export function connectedPayload(reason: ConnectReason, symbolic: boolean): Map<string, unknown> {
  return new Map([["connect_reason", symbolic ? reason : CONNECT_REASONS[reason]]]);
}

/** The `ip_connection/disconnected` callback payload. */
export function disconnectedPayload(
  reason: DisconnectReason,
  symbolic: boolean,
): Map<string, unknown> {
  return new Map([["disconnect_reason", symbolic ? reason : DISCONNECT_REASONS[reason]]]);
}

/** The `get_connection_state` answer: always symbolic, as in the reference. */
export function connectionStatePayload(state: ConnectionState): Map<string, unknown> {
  return new Map([["connection_state", state]]);
}
