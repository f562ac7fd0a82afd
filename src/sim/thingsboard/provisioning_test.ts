import assert from "node:assert/strict";
import type { MqttClient } from "mqtt";
import {
  closed,
  connect,
  end,
  nextMessage,
  publishAcked,
  subscribeCodes,
  withServer,
} from "./mqtt_test_helper.ts";
import type { ThingsBoardServer } from "./server.ts";

const PROFILE = { key: "u7piawkboq8v32dmcmpp", secret: "jpmwdn8ptlswmf4m29bw" };

async function provision(server: ThingsBoardServer, request: Record<string, unknown>) {
  const client = await connect(server, { username: "provision" });
  const response = nextMessage(client, "/provision/response");
  await client.subscribeAsync("/provision/response", { qos: 1 });
  await publishAcked(client, "/provision/request", JSON.stringify(request));
  const json = (await response).json as Record<string, unknown>;
  await end(client);
  return json;
}

const request = (extra: Record<string, unknown> = {}) => ({
  provisionDeviceKey: PROFILE.key,
  provisionDeviceSecret: PROFILE.secret,
  ...extra,
});

async function usable(server: ThingsBoardServer, options: Parameters<typeof connect>[1]) {
  const client: MqttClient = await connect(server, options);
  await publishAcked(client, "v1/devices/me/telemetry", '{"alive":1}');
  await end(client);
}

Deno.test("provisioning ACCESS_TOKEN: new device, token works, name cannot be reused", async () => {
  await withServer({ provisioning: PROFILE }, async (server) => {
    const response = await provision(server, request({ deviceName: "edge-01" }));
    assert.equal(response.status, "SUCCESS");
    assert.equal(response.credentialsType, "ACCESS_TOKEN");
    assert.equal(typeof response.credentialsValue, "string");
    await usable(server, { username: response.credentialsValue as string });
    assert.deepEqual(server.telemetry("edge-01").map((e) => e.values), [{ alive: 1 }]);
    assert.equal(server.devices().find((d) => d.name === "edge-01")?.provisioned, true);
    assert.deepEqual(await provision(server, request({ deviceName: "edge-01" })), {
      status: "FAILURE",
      errorMsg: "Failed to provision device!",
    });
    // A chosen token is used as given.
    const chosen = await provision(server, request({ deviceName: "edge-02", token: "myToken" }));
    assert.equal(chosen.credentialsValue, "myToken");
  });
});

Deno.test("provisioning MQTT_BASIC returns userName and the credentials connect", async () => {
  await withServer({ provisioning: PROFILE }, async (server) => {
    const response = await provision(
      server,
      request({
        deviceName: "basic-01",
        credentialsType: "MQTT_BASIC",
        clientId: "cid",
        username: "user",
        password: "pass",
      }),
    );
    assert.deepEqual(response, {
      credentialsValue: { clientId: "cid", userName: "user", password: "pass" },
      credentialsType: "MQTT_BASIC",
      status: "SUCCESS",
    });
    await usable(server, { clientId: "cid", username: "user", password: "pass" });
  });
});

Deno.test("provisioning X509_CERTIFICATE echoes the certificate", async () => {
  await withServer({ provisioning: PROFILE }, async (server) => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----";
    const response = await provision(
      server,
      request({ deviceName: "x509-01", credentialsType: "X509_CERTIFICATE", hash: pem }),
    );
    assert.deepEqual(response, {
      credentialsValue: pem,
      credentialsType: "X509_CERTIFICATE",
      status: "SUCCESS",
    });
    assert.ok(server.devices().some((d) => d.name === "x509-01" && d.provisioned));
  });
});

Deno.test("provisioning NOT_FOUND and FAILURE with their exact texts", async () => {
  await withServer({ provisioning: PROFILE }, async (server) => {
    const notFound = { status: "NOT_FOUND", errorMsg: "Provision data was not found!" };
    const failure = { status: "FAILURE", errorMsg: "Failed to provision device!" };
    assert.deepEqual(
      await provision(server, { ...request(), provisionDeviceSecret: "x" }),
      notFound,
    );
    assert.deepEqual(await provision(server, { deviceName: "a" }), notFound);
    assert.deepEqual(await provision(server, request({ deviceName: "  " })), failure);
    assert.deepEqual(
      await provision(server, request({ deviceName: "b", credentialsType: "MQTT_BASIC" })),
      failure,
    );
    // No name: a random one is generated.
    const unnamed = await provision(server, request());
    assert.equal(unnamed.status, "SUCCESS");
    assert.equal(server.devices().length, 1);
    assert.equal(server.devices()[0].name.length, 20);
  });
  await withServer({}, async (server) => {
    assert.equal((await provision(server, request({ deviceName: "c" }))).status, "NOT_FOUND");
  });
});

Deno.test("check_pre_provisioned: only existing, not yet provisioned devices", async () => {
  await withServer(
    { provisioning: { ...PROFILE, strategy: "check_pre_provisioned" } },
    async (server) => {
      server.addDevice("pre", { accessToken: "old-token" });
      assert.equal((await provision(server, request({ deviceName: "new" }))).status, "FAILURE");
      const ok = await provision(server, request({ deviceName: "pre", token: "fresh" }));
      assert.equal(ok.status, "SUCCESS");
      await usable(server, { username: "fresh" });
      await assert.rejects(connect(server, { username: "old-token" }), { code: 5 });
      assert.equal((await provision(server, request({ deviceName: "pre" }))).status, "FAILURE");
    },
  );
});

Deno.test("provisioning session: other topics refused and closed; closed after the answer", async () => {
  await withServer({ provisioning: PROFILE, provisionSessionCloseMs: 50 }, async (server) => {
    const client = await connect(server, { username: "provision", protocolVersion: 5 });
    assert.deepEqual(
      await subscribeCodes(client, {
        "/provision/response": { qos: 1 },
        "v1/devices/me/attributes": { qos: 1 },
      }),
      [1, 0x8f],
    );
    const gone = closed(client);
    assert.equal(await publishAcked(client, "v1/devices/me/telemetry", "{}"), 0x90);
    await gone;
    await end(client, true);

    const second = await connect(server, { clientId: "provision" });
    const finished = server.waitFor("disconnect", (e) => e.reason === "provisioning_finished");
    const response = nextMessage(second, "/provision/response");
    await publishAcked(second, "/provision/request", JSON.stringify(request({ deviceName: "p" })));
    assert.equal(((await response).json as { status: string }).status, "SUCCESS");
    await finished;
    await end(second, true);
  });
});
