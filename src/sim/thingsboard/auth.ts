/**
 * Device credentials and the CONNECT decision of ThingsBoard's MQTT transport
 * (`DefaultTransportApiService.validateCredentials`, `MqttTransportHandler`).
 *
 * @module
 */

import { RC } from "./reason_codes.ts";
import type { BasicMqttCredentials, DeviceCredentials } from "./types.ts";

/** Username or client id that opens a provisioning-only session. */
export const PROVISION = "provision";

interface BasicEntry {
  device: string;
  creds: BasicMqttCredentials;
}

type BasicCheck = "valid" | "password_mismatch" | "failed";

const isEmpty = (s: string | undefined): s is undefined | "" => s === undefined || s === "";

/** Validates credentials the way ThingsBoard stores them: one credentials id per device. */
export class CredentialsRegistry {
  /** Access tokens and username-only basic credentials share one id space, as in ThingsBoard. */
  #byId = new Map<string, { device: string; token: true } | (BasicEntry & { token?: false })>();
  #byClientId = new Map<string, BasicEntry>();
  #byPair = new Map<string, BasicEntry>();
  #ofDevice = new Map<string, () => void>();

  /** Registers credentials; throws if they are malformed or already used by another device. */
  add(device: string, credentials: DeviceCredentials): void {
    if (credentials === null || typeof credentials !== "object") {
      throw new TypeError(`Credentials of device "${device}" must be an object`);
    }
    if ("accessToken" in credentials) {
      const token = credentials.accessToken;
      if (typeof token !== "string" || token === "") {
        throw new TypeError(`Access token of device "${device}" must be a non-empty string`);
      }
      this.#claim(device, this.#byId, token, { device, token: true });
      return;
    }
    const { clientId, username, password } = credentials;
    for (const [field, value] of Object.entries({ clientId, username, password })) {
      if (value !== undefined && typeof value !== "string") {
        throw new TypeError(`Basic credentials "${field}" of device "${device}" must be a string`);
      }
    }
    if (isEmpty(clientId) && isEmpty(username)) {
      throw new TypeError(`Basic credentials of device "${device}" need a clientId or a username`);
    }
    const entry: BasicEntry = { device, creds: { clientId, username, password } };
    if (isEmpty(username)) this.#claim(device, this.#byClientId, clientId!, entry);
    else if (isEmpty(clientId)) this.#claim(device, this.#byId, username, entry);
    else this.#claim(device, this.#byPair, pairKey(clientId, username), entry);
  }

  /** Whether credentials could be added without a clash. */
  isFree(credentials: DeviceCredentials): boolean {
    if ("accessToken" in credentials) return !this.#byId.has(credentials.accessToken);
    const { clientId, username } = credentials;
    if (isEmpty(username)) return !this.#byClientId.has(clientId ?? "");
    if (isEmpty(clientId)) return !this.#byId.has(username);
    return !this.#byPair.has(pairKey(clientId, username));
  }

  /** Forgets a device's credentials. */
  remove(device: string): void {
    this.#ofDevice.get(device)?.();
    this.#ofDevice.delete(device);
  }

  #claim<V>(device: string, map: Map<string, V>, key: string, value: V): void {
    if (map.has(key)) {
      throw new RangeError(`Credentials of device "${device}" are already used by another device`);
    }
    this.remove(device);
    map.set(key, value);
    this.#ofDevice.set(device, () => map.delete(key));
  }

  /** The device the credentials belong to, or undefined (ThingsBoard's lookup order). */
  authenticate(clientId: string, username?: string, password?: string): string | undefined {
    if (isEmpty(username)) {
      const entry = this.#byClientId.get(clientId);
      return entry && check(entry.creds, clientId, username, password) === "valid"
        ? entry.device
        : undefined;
    }
    const pair = this.#byPair.get(pairKey(clientId, username));
    if (pair) {
      const result = check(pair.creds, clientId, username, password);
      if (result === "valid") return pair.device;
      if (result === "password_mismatch") return undefined;
    }
    const byName = this.#byId.get(username);
    if (!byName) return undefined;
    if (byName.token) return byName.device;
    return check(byName.creds, clientId, username, password) === "valid"
      ? byName.device
      : undefined;
  }
}

function pairKey(clientId: string, username: string): string {
  return `${clientId}\u0000${username}`;
}

function check(
  stored: BasicMqttCredentials,
  clientId: string,
  username: string | undefined,
  password: string | undefined,
): BasicCheck {
  if (!isEmpty(stored.clientId) && stored.clientId !== clientId) return "failed";
  if (!isEmpty(stored.username) && stored.username !== username) return "failed";
  if (!isEmpty(stored.password)) {
    return stored.password === password ? "valid" : "password_mismatch";
  }
  return "valid";
}

/**
 * The v5 reason for refused credentials (`MqttTransportHandler.onValidateDeviceResponse`):
 * flags decide, not which lookup failed.
 */
export function refusalReason(
  clientId: string,
  hasUsername: boolean,
  hasPassword: boolean,
): number {
  const hasClientId = clientId.trim() !== "";
  if ((hasUsername && hasPassword && hasClientId) || hasUsername !== hasPassword) {
    return RC.BAD_USERNAME_OR_PASSWORD;
  }
  if (!hasUsername && !hasPassword && hasClientId) return RC.CLIENT_ID_NOT_VALID;
  return RC.NOT_AUTHORIZED;
}
