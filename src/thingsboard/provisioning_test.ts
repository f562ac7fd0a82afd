import assert from "node:assert/strict";
import { getProvisionRequest, parseProvisionResponse } from "./provisioning.ts";

Deno.test("getProvisionRequest picks the credentials type from the fields given", () => {
  assert.deepEqual(getProvisionRequest("k", "s"), {
    provisionDeviceKey: "k",
    provisionDeviceSecret: "s",
  });
  assert.deepEqual(getProvisionRequest("k", "s", { deviceName: "d", accessToken: "t" }), {
    provisionDeviceKey: "k",
    provisionDeviceSecret: "s",
    deviceName: "d",
    credentialsType: "ACCESS_TOKEN",
    token: "t",
  });
  assert.deepEqual(getProvisionRequest("k", "s", { username: "u", password: "p" }), {
    provisionDeviceKey: "k",
    provisionDeviceSecret: "s",
    credentialsType: "MQTT_BASIC",
    username: "u",
    password: "p",
  });
  assert.equal(getProvisionRequest("k", "s", { hash: "PEM" }).credentialsType, "X509_CERTIFICATE");
  assert.throws(() => getProvisionRequest("", "s"), /provision key/);
  assert.throws(() => getProvisionRequest("k", "", {}), /provision secret/);
  assert.throws(() => getProvisionRequest("k", "s", { hash: "h", clientId: "c" }), /one of/);
  assert.throws(() => getProvisionRequest("k", "s", { deviceName: "" }), /deviceName/);
});

Deno.test("parseProvisionResponse: SUCCESS for each credentials type", () => {
  assert.deepEqual(
    parseProvisionResponse(
      `{"credentialsValue":"tok","credentialsType":"ACCESS_TOKEN","status":"SUCCESS"}`,
      "d",
    ),
    { type: "ACCESS_TOKEN", accessToken: "tok" },
  );
  assert.deepEqual(
    parseProvisionResponse(
      `{"status":"SUCCESS","credentialsType":"MQTT_BASIC","credentialsValue":{"clientId":"c","userName":"u","password":"p"}}`,
      "d",
    ),
    { type: "MQTT_BASIC", clientId: "c", username: "u", password: "p" },
  );
  assert.deepEqual(
    parseProvisionResponse(
      `{"status":"SUCCESS","credentialsType":"X509_CERTIFICATE","credentialsValue":"hash"}`,
      "d",
    ),
    { type: "X509_CERTIFICATE", value: "hash" },
  );
  // Older servers: provisionDeviceStatus + accessToken.
  assert.deepEqual(
    parseProvisionResponse(`{"provisionDeviceStatus":"SUCCESS","accessToken":"old"}`, undefined),
    {
      type: "ACCESS_TOKEN",
      accessToken: "old",
    },
  );
});

Deno.test("parseProvisionResponse: NOT_FOUND, FAILURE and junk are typed errors", () => {
  assert.throws(
    () =>
      parseProvisionResponse(
        `{"status":"NOT_FOUND","errorMsg":"Provision data was not found!"}`,
        "d",
      ),
    { status: "NOT_FOUND", message: /NOT_FOUND: "Provision data was not found!"/ },
  );
  assert.throws(
    () =>
      parseProvisionResponse(
        `{"status":"FAILURE","errorMsg":"Failed to provision device!"}`,
        "dev-1",
      ),
    { status: "FAILURE", message: /device "dev-1" \(FAILURE: "Failed to provision device!"\)/ },
  );
  for (
    const junk of [
      "nope",
      "[]",
      `{"status":"MAYBE"}`,
      `{"status":"SUCCESS","credentialsType":"MQTT_BASIC","credentialsValue":{}}`,
    ]
  ) {
    assert.throws(() => parseProvisionResponse(junk, "d"), { status: "INVALID_RESPONSE" }, junk);
  }
});
