import assert from "node:assert/strict";
import { TfpError, TfpTimeoutError } from "../tfp/errors.ts";
import type { DeviceIdentity } from "../tfp/identity.ts";
import { deviceByName } from "../tfp/registry.ts";
import { DeviceObject, type GetIdentityFn, WrongDeviceTypeError } from "./device_object.ts";

const button = deviceByName("rgb_led_button_bricklet")!;
const noRequests = () => Promise.reject(new TfpError("not_connected"));

function identity(deviceIdentifier: number): DeviceIdentity {
  return {
    uid: "Dod",
    connectedUid: "0",
    position: "a",
    hardwareVersion: [1, 0, 0],
    firmwareVersion: [2, 0, 0],
    deviceIdentifier,
  };
}

/** A get_identity whose answers are scripted; counts the requests. */
function scripted(...answers: (number | Error)[]) {
  const calls: number[] = [];
  const fn: GetIdentityFn = (uid) => {
    calls.push(uid);
    const answer = answers.shift();
    if (answer === undefined) throw new Error("unexpected get_identity");
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(identity(answer));
  };
  return { fn, calls };
}

Deno.test("identity check: concurrent callers share one request; a match is remembered", async () => {
  const device = new DeviceObject(125756, "Dod", button, noRequests);
  const { fn, calls } = scripted(282);
  await Promise.all([device.checkIdentity(fn), device.checkIdentity(fn)]);
  await device.checkIdentity(fn);
  assert.deepEqual(calls, [125756]);
  assert.equal(device.identity, "match");
});

Deno.test("identity check: a failure leaves it pending, the next call retries", async () => {
  const device = new DeviceObject(125756, "Dod", button, noRequests);
  const { fn, calls } = scripted(new TfpTimeoutError(125756, 255, 1), 282);
  await assert.rejects(device.checkIdentity(fn), TfpTimeoutError);
  assert.equal(device.identity, "pending");
  await device.checkIdentity(fn);
  assert.equal(calls.length, 2);
});

Deno.test("identity check: a mismatch is remembered and names both devices", async () => {
  const device = new DeviceObject(125756, "Dod", button, noRequests);
  const { fn, calls } = scripted(9999);
  const expected = new WrongDeviceTypeError(
    "UID Dod belongs to a Unknown Device [9999] instead of the expected RGB LED Button Bricklet",
  );
  await assert.rejects(device.checkIdentity(fn), expected);
  await assert.rejects(device.checkIdentity(fn), expected);
  assert.equal(calls.length, 1);
  assert.equal(device.identity, "mismatch");
});
