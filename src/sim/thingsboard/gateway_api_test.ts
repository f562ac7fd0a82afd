import assert from "node:assert/strict";
import { closed, connect, end, nextMessage, publishAcked, withServer } from "./mqtt_test_helper.ts";

Deno.test("gateway: connect, telemetry, attributes and per-device storage", async () => {
  await withServer({}, async (server) => {
    server.addDevice("gw", { accessToken: "gw-token" }, { gateway: true });
    const client = await connect(server, { username: "gw-token", protocolVersion: 5 });
    assert.equal(
      await publishAcked(client, "v1/gateway/connect", '{"device":"pump-7","type":"pump"}'),
      0,
    );
    assert.equal(
      await publishAcked(
        client,
        "v1/gateway/telemetry",
        JSON.stringify({
          "pump-7": [{ ts: 1767225600000, values: { rpm: 1480 } }],
          "valve-1": [{
            open: true,
            metadata: { connector: "modbus", receivedTs: 1, publishedTs: 2 },
          }],
          "skipped": { not: "an array" },
        }),
      ),
      0,
    );
    assert.equal(
      await publishAcked(client, "v1/gateway/attributes", '{"pump-7":{"fw":"1.0.3"}}'),
      0,
    );
    assert.deepEqual(server.telemetry("pump-7"), [{ ts: 1767225600000, values: { rpm: 1480 } }]);
    assert.deepEqual(server.telemetry("valve-1").map((e) => e.values), [{ open: true }]);
    assert.deepEqual(server.clientAttributes("pump-7"), { fw: "1.0.3" });
    const pump = server.devices().find((d) => d.name === "pump-7");
    assert.deepEqual(pump, {
      name: "pump-7",
      type: "pump",
      gateway: false,
      provisioned: false,
      connected: true,
      parentGateway: "gw",
    });
    assert.equal(server.devices().some((d) => d.name === "skipped"), false);
    await end(client);
    assert.equal(server.devices().find((d) => d.name === "pump-7")?.connected, false);
  });
});

Deno.test("gateway: shared attributes, attribute requests and RPC for child devices", async () => {
  await withServer({}, async (server) => {
    server.addDevice("gw", { accessToken: "gw-token" }, { gateway: true });
    const client = await connect(server, { username: "gw-token" });
    await publishAcked(client, "v1/gateway/connect", '{"device":"pump-7"}');
    const push = nextMessage(client, "v1/gateway/attributes");
    server.setSharedAttributes("pump-7", { setpoint: 1500, mode: "auto" });
    assert.deepEqual((await push).json, {
      device: "pump-7",
      data: { setpoint: 1500, mode: "auto" },
    });
    const ask = async (body: Record<string, unknown>) => {
      const response = nextMessage(client, "v1/gateway/attributes/response");
      await publishAcked(client, "v1/gateway/attributes/request", JSON.stringify(body));
      return (await response).json;
    };
    assert.deepEqual(await ask({ id: 9, device: "pump-7", client: false, key: "setpoint" }), {
      id: 9,
      device: "pump-7",
      value: 1500,
    });
    assert.deepEqual(
      await ask({ id: 10, device: "pump-7", client: false, keys: ["setpoint", "mode"] }),
      { id: 10, device: "pump-7", values: { setpoint: 1500, mode: "auto" } },
    );
    assert.deepEqual(await ask({ id: 11, device: "pump-7", client: true, keys: ["x"] }), {
      id: 11,
      device: "pump-7",
    });

    const request = nextMessage(client, "v1/gateway/rpc");
    const call = server.pushRpc("pump-7", "stop", {});
    assert.deepEqual((await request).json, {
      device: "pump-7",
      data: { id: 0, method: "stop", params: {} },
    });
    await publishAcked(
      client,
      "v1/gateway/rpc",
      '{"device":"pump-7","id":0,"data":{"stopped":true}}',
    );
    assert.deepEqual(await call, { stopped: true });

    // After disconnect the device is unreachable; a later message reconnects it and
    // pending RPCs follow.
    await publishAcked(client, "v1/gateway/disconnect", '{"device":"pump-7"}');
    const pending = server.pushRpc("pump-7", "start", {}, { timeoutMs: 3000 });
    const again = nextMessage(client, "v1/gateway/rpc");
    await publishAcked(client, "v1/gateway/telemetry", '{"pump-7":[{"rpm":0}]}');
    assert.deepEqual((await again).json, {
      device: "pump-7",
      data: { id: 1, method: "start", params: {} },
    });
    await publishAcked(client, "v1/gateway/rpc", '{"device":"pump-7","id":1,"data":"ok"}');
    assert.equal(await pending, "ok");
    await end(client);
  });
});

Deno.test("gateway topics from a non-gateway device get no PUBACK", async () => {
  await withServer({}, async (server) => {
    server.addDevice("plain", { accessToken: "t" });
    const client = await connect(server, { username: "t" });
    const ignored = server.waitFor("publish", (e) => e.topic === "v1/gateway/telemetry");
    let acked = false;
    client.publish("v1/gateway/telemetry", '{"x":[{"a":1}]}', { qos: 1 }, () => (acked = true));
    assert.equal((await ignored).outcome, "ignored");
    await publishAcked(client, "v1/devices/me/telemetry", '{"after":1}');
    assert.equal(acked, false);
    await end(client, true);
  });
});

Deno.test("gateway rate limit: PUBACK 0x97, disconnect notice 150, connection closed", async () => {
  await withServer({}, async (server) => {
    server.addDevice("gw", { accessToken: "gw-token" }, {
      gateway: true,
      gatewayRateLimits: { telemetryDataPoints: "3:60" },
    });
    const client = await connect(server, { username: "gw-token", protocolVersion: 5 });
    assert.equal(await publishAcked(client, "v1/gateway/telemetry", '{"d1":[{"a":1,"b":2}]}'), 0);
    const notice = nextMessage(client, "v1/gateway/disconnect");
    const gone = closed(client);
    assert.equal(
      await publishAcked(client, "v1/gateway/telemetry", '{"d2":[{"a":1,"b":2}]}'),
      0x97,
    );
    assert.deepEqual((await notice).json, { device: "d2", reason: 150 });
    await gone;
    await end(client, true);
  });
});

Deno.test("gateway: malformed messages get PUBACK 0x80 and close the connection", async () => {
  await withServer({}, async (server) => {
    server.addDevice("gw", { accessToken: "gw-token" }, { gateway: true });
    const client = await connect(server, { username: "gw-token", protocolVersion: 5 });
    const gone = closed(client);
    assert.equal(await publishAcked(client, "v1/gateway/connect", '{"type":"x"}'), 0x80);
    await gone;
    await end(client, true);
  });
});
