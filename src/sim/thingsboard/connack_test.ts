import assert from "node:assert/strict";
import mqtt from "mqtt";
import { connect, end, withServer } from "./mqtt_test_helper.ts";
import type { ThingsBoardServer } from "./server.ts";

function addDevices(server: ThingsBoardServer) {
  server.addDevice("token-dev", { accessToken: "T0KEN" });
  server.addDevice("cid-dev", { clientId: "only-client" });
  server.addDevice("pair-dev", { clientId: "c1", username: "u1", password: "p1" });
  server.addDevice("user-dev", { username: "solo", password: "pw" });
}

/** Connect and return the CONNACK code the client saw (0 on success). */
async function connackCode(
  server: ThingsBoardServer,
  options: mqtt.IClientOptions,
): Promise<number> {
  try {
    const client = await mqtt.connectAsync(server.url, {
      reconnectPeriod: 0,
      connectTimeout: 3000,
      ...options,
    });
    await client.endAsync();
    return 0;
  } catch (error) {
    const code = (error as { code?: number }).code;
    if (typeof code !== "number") throw error;
    return code;
  }
}

for (const protocolVersion of [4, 5] as const) {
  const v5 = protocolVersion === 5;
  Deno.test(`CONNACK outcomes, MQTT ${v5 ? "5" : "3.1.1"}`, async () => {
    await withServer({}, async (server) => {
      addDevices(server);
      const code = (o: mqtt.IClientOptions) => connackCode(server, { protocolVersion, ...o });
      // Accepted: token, client-id-only, client id + username + password, username-only.
      assert.equal(await code({ username: "T0KEN" }), 0);
      assert.equal(await code({ clientId: "only-client" }), 0);
      assert.equal(await code({ clientId: "c1", username: "u1", password: "p1" }), 0);
      assert.equal(await code({ clientId: "any", username: "solo", password: "pw" }), 0);
      // Unknown token, no password: bad user name or password (3.1.1: 5, never 4).
      assert.equal(await code({ username: "nope" }), v5 ? 0x86 : 5);
      // Wrong password with all three present.
      assert.equal(await code({ clientId: "c1", username: "u1", password: "bad" }), v5 ? 0x86 : 5);
      // Stored password, none sent: the pair matches but the password does not.
      assert.equal(await code({ clientId: "c1", username: "u1" }), v5 ? 0x86 : 5);
      // Neither username nor password, unknown client id: identifier rejected.
      assert.equal(await code({ clientId: "stranger" }), v5 ? 0x85 : 2);
      // Username and password without a client id: not authorized.
      if (!v5) {
        assert.equal(await code({ clientId: "", username: "x", password: "y" }), 5);
      } else {
        assert.equal(await code({ clientId: "", username: "x", password: "y" }), 0x87);
      }
      // Platform error while validating: server unavailable.
      server.faults.failAuth = true;
      assert.equal(await code({ username: "T0KEN" }), v5 ? 0x88 : 3);
      server.faults.failAuth = false;
      // Provisioning sessions are accepted without any credential check.
      assert.equal(await code({ username: "provision" }), 0);
      assert.equal(await code({ clientId: "provision" }), 0);
    });
  });

  Deno.test(`CONNACK connection rate exceeded, MQTT ${v5 ? "5" : "3.1.1"}`, async () => {
    await withServer({}, async (server) => {
      server.addDevice("d", { accessToken: "tok" }, { rateLimits: { messages: "1:60" } });
      const refused = server.waitFor("refuse");
      assert.equal(await connackCode(server, { protocolVersion, username: "tok" }), 0);
      assert.equal(await connackCode(server, { protocolVersion, username: "tok" }), v5 ? 0x9f : 3);
      assert.equal((await refused).returnCode, v5 ? 0x9f : 3);
    });
  });
}

Deno.test("refuse events carry the code sent and never the password", async () => {
  await withServer({}, async (server) => {
    const refused = server.waitFor("refuse");
    await connackCode(server, { protocolVersion: 5, clientId: "c", username: "u", password: "s3" });
    const event = await refused;
    assert.deepEqual(event, {
      session: event.session,
      clientId: "c",
      username: "u",
      protocolVersion: 5,
      returnCode: 0x86,
    });
  });
});

Deno.test("a withheld CONNACK leaves the client waiting; a delayed one arrives", async () => {
  await withServer({}, async (server) => {
    server.addDevice("d", { accessToken: "tok" });
    server.faults.withholdConnack = true;
    await assert.rejects(
      mqtt.connectAsync(server.url, { username: "tok", reconnectPeriod: 0, connectTimeout: 300 }),
    );
    server.faults.withholdConnack = false;
    server.faults.connackDelayMs = 100;
    const started = performance.now();
    const client = await connect(server, { username: "tok" });
    assert.ok(performance.now() - started >= 90);
    await end(client);
  });
});
