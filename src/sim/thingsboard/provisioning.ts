/**
 * Device provisioning (`/provision/request` → `/provision/response`,
 * ThingsBoard `DeviceProvisionServiceImpl` + `JsonConverter`): a provisioning-only session may
 * publish nothing else (PUBACK 0x90 and close) and is closed some time after its answer.
 *
 * @module
 */

import type { IPublishPacket } from "mqtt-packet";
import { invalidPayload, sendAck, type ServerContext } from "./context.ts";
import { asString, isJsonObject, parseJsonPayload, PayloadError, toJson } from "./kv_json.ts";
import { RC } from "./reason_codes.ts";
import type { Session } from "./session.ts";
import { TOPIC } from "./topics.ts";
import type { DeviceCredentials, ProvisionCredentialsType } from "./types.ts";

/** The exact response texts ThingsBoard sends. */
export const NOT_FOUND = { status: "NOT_FOUND", errorMsg: "Provision data was not found!" };
export const FAILURE = { status: "FAILURE", errorMsg: "Failed to provision device!" };

const CREDENTIAL_TYPES: readonly string[] = ["ACCESS_TOKEN", "MQTT_BASIC", "X509_CERTIFICATE"];
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Handles one PUBLISH of a provisioning session. */
export function handleProvisionPublish(
  ctx: ServerContext,
  session: Session,
  packet: IPublishPacket,
): void {
  if (packet.topic !== TOPIC.PROVISION_REQUEST) {
    sendAck(ctx, session, packet.messageId, RC.TOPIC_NAME_INVALID);
    ctx.emitPublish(session, packet, "rejected");
    return session.close("provisioning_topic");
  }
  let json: unknown;
  try {
    json = parseJsonPayload(packet.payload as Uint8Array);
    if (!isJsonObject(json)) throw new PayloadError("Provision request must be a JSON object");
  } catch (error) {
    if (error instanceof PayloadError) return invalidPayload(ctx, session, packet);
    throw error;
  }
  const response = provision(ctx, json);
  sendAck(ctx, session, packet.messageId, RC.SUCCESS);
  ctx.emitPublish(session, packet, "accepted");
  session.publish(TOPIC.PROVISION_RESPONSE, toJson(response));
  session.setTimer(
    () => session.close("provisioning_finished"),
    ctx.options.provisionSessionCloseMs,
  );
}

/** Decides a provision request; on success the device exists and can connect. */
export function provision(ctx: ServerContext, json: Record<string, unknown>): object {
  const profile = ctx.options.provisioning;
  const key = asString(json.provisionDeviceKey);
  const secret = asString(json.provisionDeviceSecret);
  if (!profile || key !== profile.key || secret !== profile.secret) return NOT_FOUND;

  let name: string;
  if (json.deviceName === undefined || json.deviceName === null) name = randomString(20);
  else {
    const given = asString(json.deviceName)?.trim();
    if (!given) return FAILURE;
    name = given;
  }
  const type = asString(json.credentialsType) ?? profile.credentialsType ?? "ACCESS_TOKEN";
  if (!CREDENTIAL_TYPES.includes(type)) return FAILURE;
  const issued = issueCredentials(type as ProvisionCredentialsType, json);
  if (!issued) return FAILURE;

  const existing = ctx.deviceRecords.get(name);
  const strategy = profile.strategy ?? "allow_create";
  if (strategy === "allow_create" ? existing !== undefined : !existing || existing.provisioned) {
    return FAILURE;
  }
  if (issued.mqtt && !ctx.credentials.isFree(issued.mqtt)) return FAILURE;

  const device = existing ?? ctx.createDevice(name, { gateway: json.gateway === true });
  ctx.credentials.remove(name);
  if (issued.mqtt) ctx.credentials.add(name, issued.mqtt);
  device.provisioned = true;
  return { credentialsValue: issued.value, credentialsType: type, status: "SUCCESS" };
}

interface Issued {
  /** What the response carries as `credentialsValue` */
  value: unknown;
  /** Credentials usable on this (plain TCP) server; X.509 needs TLS, which is not emulated */
  mqtt?: DeviceCredentials;
}

function issueCredentials(type: ProvisionCredentialsType, json: Record<string, unknown>) {
  const field = (name: string): string | undefined => {
    const text = asString(json[name]);
    return text === "" ? undefined : text;
  };
  switch (type) {
    case "ACCESS_TOKEN": {
      const token = field("token") ?? randomString(20);
      return { value: token, mqtt: { accessToken: token } } satisfies Issued;
    }
    case "MQTT_BASIC": {
      const clientId = field("clientId");
      const username = field("username");
      const password = field("password");
      if (clientId === undefined && username === undefined) return undefined;
      return {
        value: {
          clientId: clientId ?? null,
          userName: username ?? null,
          password: password ?? null,
        },
        mqtt: { clientId, username, password },
      } satisfies Issued;
    }
    case "X509_CERTIFICATE": {
      const hash = field("hash");
      return hash === undefined ? undefined : { value: hash } satisfies Issued;
    }
  }
}

function randomString(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}
