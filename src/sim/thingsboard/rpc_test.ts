import assert from "node:assert/strict";
import type { MqttClient } from "mqtt";
import {
  collect,
  connect,
  end,
  nextMessage,
  publishAcked,
  withServer,
} from "./mqtt_test_helper.ts";
import { ThingsBoardRpcError } from "./server_rpc.ts";

const RPC_SUB = "v1/devices/me/rpc/request/+";

/** Answers every server-side RPC with `{"echo": <params>}`. */
function echo(client: MqttClient): void {
  client.on("message", (topic, payload) => {
    const m = /^v1\/devices\/me\/rpc\/request\/(\d+)$/.exec(topic);
    if (!m) return;
    const { params } = JSON.parse(new TextDecoder().decode(payload));
    client.publish(`v1/devices/me/rpc/response/${m[1]}`, JSON.stringify({ echo: params }), {
      qos: 1,
    });
  });
}

Deno.test("server-side RPC round trip with ids from a per-device counter", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", { accessToken: "tok" });
    server.addDevice("other", { accessToken: "tok2" });
    const client = await connect(server, { username: "tok", protocolVersion: 5 });
    await client.subscribeAsync(RPC_SUB, { qos: 1 });
    echo(client);
    const seen = collect(client, /rpc\/request/);
    assert.deepEqual(await server.pushRpc("dev", "setRelay", { on: true }), { echo: { on: true } });
    assert.deepEqual(await server.pushRpc("dev", "get", 5), { echo: 5 });
    seen.stop();
    assert.deepEqual(seen.list.map((m) => [m.topic, m.json, m.qos]), [
      ["v1/devices/me/rpc/request/0", { method: "setRelay", params: { on: true } }, 1],
      ["v1/devices/me/rpc/request/1", { method: "get", params: 5 }, 1],
    ]);
    // One-way: resolves on the device's PUBACK.
    assert.equal(await server.pushRpc("dev", "blink", {}, { oneway: true }), undefined);
    await end(client);
  });
});

Deno.test("server-side RPC: pending calls are re-pushed on every RPC (re)subscription", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", { accessToken: "tok" });
    // Pushed while nobody is subscribed: stays pending.
    const call = server.pushRpc("dev", "reboot", { delay: 1 }, { timeoutMs: 5000 });
    const first = await connect(server, { username: "tok" });
    const delivered = nextMessage(first, "v1/devices/me/rpc/request/0");
    await first.subscribeAsync(RPC_SUB, { qos: 1 });
    assert.deepEqual((await delivered).json, { method: "reboot", params: { delay: 1 } });
    await end(first);
    // Delivered but unanswered: the next subscription gets the same id again (BURST).
    const second = await connect(server, { username: "tok" });
    const again = nextMessage(second, "v1/devices/me/rpc/request/0");
    await second.subscribeAsync(RPC_SUB, { qos: 1 });
    assert.equal((await again).topic, "v1/devices/me/rpc/request/0");
    const twice = nextMessage(second, "v1/devices/me/rpc/request/0");
    await second.unsubscribeAsync(RPC_SUB);
    await second.subscribeAsync(RPC_SUB, { qos: 0 });
    assert.equal((await twice).qos, 0); // downlink QoS follows the granted subscription
    assert.deepEqual(server.pendingRpcIds("dev"), [0]);
    await publishAcked(second, "v1/devices/me/rpc/response/0", '{"done":true}');
    assert.deepEqual(await call, { done: true });
    assert.deepEqual(server.pendingRpcIds("dev"), []);
    await end(second);
  });
});

Deno.test("server-side RPC timeouts: NO_ACTIVE_CONNECTION unsent, TIMEOUT unanswered", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", { accessToken: "tok" });
    await assert.rejects(server.pushRpc("dev", "x", {}, { timeoutMs: 30 }), (error) => {
      assert.ok(error instanceof ThingsBoardRpcError);
      assert.equal(error.status, "NO_ACTIVE_CONNECTION");
      return true;
    });
    const client = await connect(server, { username: "tok" });
    await client.subscribeAsync(RPC_SUB, { qos: 1 });
    await assert.rejects(server.pushRpc("dev", "x", {}, { timeoutMs: 50 }), { status: "TIMEOUT" });
    await assert.rejects(server.pushRpc("ghost", "x"), RangeError);
    await end(client);
  });
});

Deno.test("server restart: pending RPCs fail, ids restart at 0, same port", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", { accessToken: "tok" });
    const port = server.port;
    const pending = server.pushRpc("dev", "a");
    const failed = assert.rejects(pending, { status: "SERVER_STOPPED" });
    await server.pushRpc("dev", "b", {}, { timeoutMs: 1 }).catch(() => {});
    await server.stop();
    await failed;
    await server.start();
    assert.equal(server.port, port);
    const client = await connect(server, { username: "tok" });
    const first = nextMessage(client, /rpc\/request/);
    await client.subscribeAsync(RPC_SUB, { qos: 1 });
    const call = server.pushRpc("dev", "c", {}, { timeoutMs: 2000 }).catch(() => {});
    assert.equal((await first).topic, "v1/devices/me/rpc/request/0");
    await end(client);
    await server.stop();
    await call;
  });
});

Deno.test("client-side RPC: handler answer, timeout, getSessionLimits", async () => {
  await withServer({ clientRpcTimeoutMs: 100 }, async (server) => {
    server.addDevice("dev", { accessToken: "tok" }, {
      rateLimits: { messages: "200:1,6000:60", telemetryMessages: "100:1" },
    });
    const seen: unknown[] = [];
    server.onClientRpc("getTime", (request) => {
      seen.push(request);
      return { time: 1767225600000 };
    });
    const off = server.onClientRpc("later", async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return "done";
    });
    server.onClientRpc("silent", () => undefined);
    const client = await connect(server, { username: "tok", protocolVersion: 5 });
    const call = async (id: number, body: string) => {
      const response = nextMessage(client, `v1/devices/me/rpc/response/${id}`);
      await publishAcked(client, `v1/devices/me/rpc/request/${id}`, body);
      return (await response).json;
    };
    assert.deepEqual(await call(1, '{"method":"getTime","params":{"tz":"UTC"}}'), {
      time: 1767225600000,
    });
    assert.deepEqual(seen, [{
      device: "dev",
      method: "getTime",
      params: { tz: "UTC" },
      requestId: 1,
    }]);
    assert.equal(await call(2, '{"method":"later","params":{}}'), "done");
    assert.deepEqual(await call(3, '{"method":"silent","params":{}}'), { error: "timeout" });
    assert.deepEqual(await call(4, '{"method":"unknown","params":{}}'), { error: "timeout" });
    off();
    assert.deepEqual(await call(5, '{"method":"later","params":{}}'), { error: "timeout" });
    assert.deepEqual(await call(6, '{"method":"getSessionLimits","params":{}}'), {
      maxPayloadSize: 65536,
      maxInflightMessages: 100,
      rateLimits: {
        messages: "200:1,6000:60",
        telemetryMessages: "100:1",
        telemetryDataPoints: "",
      },
    });
    await end(client);
  });
});

Deno.test("getSessionLimits of a gateway adds gatewayRateLimits", async () => {
  await withServer({ maxPayloadSize: 4096, maxInflightMessages: 7 }, async (server) => {
    server.addDevice("gw", { accessToken: "gw" }, {
      gateway: true,
      gatewayRateLimits: { telemetryDataPoints: "50:1" },
    });
    const client = await connect(server, { username: "gw" });
    const response = nextMessage(client, "v1/devices/me/rpc/response/9");
    await publishAcked(client, "v1/devices/me/rpc/request/9", '{"method":"getSessionLimits"}');
    assert.deepEqual((await response).json, {
      maxPayloadSize: 4096,
      maxInflightMessages: 7,
      rateLimits: { messages: "", telemetryMessages: "", telemetryDataPoints: "" },
      gatewayRateLimits: { messages: "", telemetryMessages: "", telemetryDataPoints: "50:1" },
    });
    await end(client);
  });
});
