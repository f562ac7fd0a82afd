/**
 * One device object of the call engine, as tinkerforge_mqtt keeps one per
 * 32-bit UID (spec §6.6): the device type it was created for, the sticky
 * response-expected flags (in its {@link DeviceHandle}) and the lazy identity
 * check (§6.5).
 *
 * @module
 */

import { DeviceHandle, type RequestFn } from "../tfp/device_calls.ts";
import type { DeviceIdentity } from "../tfp/identity.ts";
import type { DeviceSpec } from "../tfp/spec.ts";
import { displayNameOf } from "./results.ts";

/** Sends get_identity (function 255) to a UID; rejects with TfpError like any request. */
export type GetIdentityFn = (
  uid: number,
  options: { timeoutMs?: number },
) => Promise<DeviceIdentity>;

/** What the identity check found out so far. */
export type IdentityState = "pending" | "match" | "mismatch";

/** The identity check found another device type at the UID. */
export class WrongDeviceTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WrongDeviceTypeError";
  }
}

/** A device object: UID, device type, response-expected flags and identity state. */
export class DeviceObject {
  /** 32-bit wire UID */
  readonly uid: number;
  /** The UID text of the request that created the object (used in the mismatch text) */
  readonly uidText: string;
  readonly spec: DeviceSpec;
  /** Response-expected flags and the stream lock */
  readonly handle: DeviceHandle;
  #identity: IdentityState = "pending";
  #wrongDisplayName = "?";
  #checking: Promise<void> | undefined;

  constructor(uid: number, uidText: string, spec: DeviceSpec, request: RequestFn) {
    this.uid = uid;
    this.uidText = uidText;
    this.spec = spec;
    this.handle = new DeviceHandle(request, uid, spec);
  }

  get identity(): IdentityState {
    return this.#identity;
  }

  /**
   * Resolves when the device at the UID is of this object's type. The first
   * call asks the device (get_identity); a match or mismatch is remembered,
   * a failure (timeout, not connected) leaves the check pending so the next
   * call retries. Concurrent callers share one request. Rejects with
   * {@link WrongDeviceTypeError} on a mismatch, else with the request's error.
   */
  async checkIdentity(getIdentity: GetIdentityFn, timeoutMs?: number): Promise<void> {
    while (this.#identity === "pending") {
      if (this.#checking === undefined) {
        this.#checking = getIdentity(this.uid, { timeoutMs }).then((identity) => {
          if (identity.deviceIdentifier === this.spec.identifier) {
            this.#identity = "match";
          } else {
            this.#identity = "mismatch";
            this.#wrongDisplayName = displayNameOf(identity.deviceIdentifier);
          }
        }).finally(() => this.#checking = undefined);
      }
      await this.#checking;
    }
    if (this.#identity === "mismatch") {
      throw new WrongDeviceTypeError(
        `UID ${this.uidText} belongs to a ${this.#wrongDisplayName} instead of the expected ${this.spec.displayName}`,
      );
    }
  }
}
