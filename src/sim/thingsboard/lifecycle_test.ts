import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect as tcpConnect, type Socket } from "node:net";
import mqttPacket from "mqtt-packet";
import {
  closed,
  connect,
  end,
  nextMessage,
  publishAcked,
  serverDisconnect,
  withServer,
} from "./mqtt_test_helper.ts";
import type { ThingsBoardServer } from "./server.ts";

Deno.test("device rate limit: telemetry data points over the limit close the session (0x83)", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", { accessToken: "t" }, {
      rateLimits: { telemetryMessages: "10:60", telemetryDataPoints: "5:60" },
    });
    const client = await connect(server, { username: "t", protocolVersion: 5 });
    assert.equal(await publishAcked(client, "v1/devices/me/telemetry", '{"a":1,"b":2,"c":3}'), 0);
    // Client attributes count as telemetry too: 2 more data points fit, 3 do not.
    assert.equal(await publishAcked(client, "v1/devices/me/attributes", '{"x":1,"y":2}'), 0);
    const reason = serverDisconnect(client);
    const event = server.waitFor("publish", (e) => e.outcome === "rate_limited");
    let acked = false;
    client.publish("v1/devices/me/telemetry", '{"d":4}', { qos: 1 }, (error) => {
      if (!error) acked = true; // ending the client fails the pending publish
    });
    assert.equal(await reason, 0x83);
    assert.equal((await event).topic, "v1/devices/me/telemetry");
    await end(client, true);
    assert.equal(acked, false);
    assert.equal(server.telemetry("dev").length, 1);
  });
});

Deno.test("device rate limit on messages closes a 3.1.1 session without DISCONNECT", async () => {
  await withServer({}, async (server) => {
    // The session open takes one "messages" token, each attribute request another.
    server.addDevice("dev", { accessToken: "t" }, { rateLimits: { messages: "3:60" } });
    const client = await connect(server, { username: "t", protocolVersion: 4 });
    await publishAcked(client, "v1/devices/me/attributes/request/1", "{}");
    await publishAcked(client, "v1/devices/me/attributes/request/2", "{}");
    const gone = closed(client);
    client.publish("v1/devices/me/attributes/request/3", "{}", { qos: 1 }, () => {});
    await gone;
    await end(client, true);
  });
});

Deno.test("restart on the same port keeps stored data; clients see 0x8B", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", { accessToken: "t" });
    const port = server.port;
    const client = await connect(server, { username: "t", protocolVersion: 5 });
    await publishAcked(client, "v1/devices/me/telemetry", '{"ts":1,"values":{"n":1}}');
    const reason = serverDisconnect(client);
    await server.stop();
    assert.equal(await reason, 0x8b);
    await end(client, true);
    await assert.rejects(connect(server, { username: "t", connectTimeout: 500 }));
    await server.start();
    assert.equal(server.port, port);
    assert.equal(server.url, `mqtt://127.0.0.1:${port}`);
    const again = await connect(server, { username: "t" });
    await publishAcked(again, "v1/devices/me/telemetry", '{"ts":2,"values":{"n":2}}');
    assert.deepEqual(server.telemetry("dev").map((e) => e.ts), [1, 2]);
    await end(again);
  });
});

Deno.test("dropAllConnections cuts sockets without DISCONNECT", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", { accessToken: "t" });
    const client = await connect(server, { username: "t", protocolVersion: 5 });
    let sawDisconnect = false;
    client.on("disconnect", () => (sawDisconnect = true));
    const gone = closed(client);
    const event = server.waitFor("disconnect");
    server.dropAllConnections();
    await gone;
    assert.equal((await event).reason, "dropped");
    assert.equal(sawDisconnect, false);
    await end(client, true);
  });
});

Deno.test("withheld PUBACK: stored but never acknowledged; delayed PUBACK arrives", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", { accessToken: "t" });
    const client = await connect(server, { username: "t" });
    server.faults.withholdPuback = true;
    const stored = server.waitFor("publish", (e) => e.outcome === "accepted");
    let acked = false;
    client.publish("v1/devices/me/telemetry", '{"a":1}', { qos: 1 }, () => (acked = true));
    await stored;
    assert.equal(server.telemetry("dev").length, 1);
    server.faults.withholdPuback = false;
    server.faults.pubackDelayMs = 80;
    const started = performance.now();
    await publishAcked(client, "v1/devices/me/telemetry", '{"a":2}');
    assert.ok(performance.now() - started >= 70);
    assert.equal(acked, false);
    await end(client, true);
  });
});

Deno.test("inactivity timeout closes idle sessions with 0xA0", async () => {
  await withServer({ inactivityTimeoutMs: 100 }, async (server) => {
    server.addDevice("dev", { accessToken: "t" });
    const client = await connect(server, { username: "t", protocolVersion: 5, keepalive: 0 });
    assert.equal(await serverDisconnect(client), 0xa0);
    await end(client, true);
  });
});

Deno.test("removeDevice closes its session with 0x98", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", { accessToken: "t" });
    const client = await connect(server, { username: "t", protocolVersion: 5 });
    const reason = serverDisconnect(client);
    server.removeDevice("dev");
    assert.equal(await reason, 0x98);
    assert.deepEqual(server.devices(), []);
    assert.throws(() => server.telemetry("dev"), RangeError);
    await end(client, true);
  });
});

/** A raw TCP client for sequences MQTT.js will not send. */
async function raw(server: ThingsBoardServer): Promise<{ socket: Socket; packets: string[] }> {
  const socket = tcpConnect(server.port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const packets: string[] = [];
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on("packet", (p) => packets.push(p.cmd));
  socket.on("data", (chunk: Buffer) => parser.parse(chunk));
  return { socket, packets };
}

const gen = (packet: mqttPacket.Packet) => mqttPacket.generate(packet);
const CONNECT: mqttPacket.IConnectPacket = {
  cmd: "connect",
  protocolVersion: 4,
  clientId: "raw",
  clean: true,
  keepalive: 0,
  username: "t",
};
const publish = (messageId: number): mqttPacket.IPublishPacket => ({
  cmd: "publish",
  topic: "v1/devices/me/telemetry",
  payload: `{"i":${messageId}}`,
  qos: 1,
  messageId,
  dup: false,
  retain: false,
});

Deno.test("packets before CONNACK are queued and processed after it", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", { accessToken: "t" });
    server.faults.connackDelayMs = 50;
    const { socket, packets } = await raw(server);
    const stored = server.waitFor("publish", (e) => e.outcome === "accepted");
    socket.write(Buffer.concat([gen(CONNECT), gen(publish(1))]));
    await stored;
    assert.deepEqual(server.telemetry("dev").map((e) => e.values), [{ i: 1 }]);
    const gone = new Promise((resolve) => socket.once("close", resolve));
    socket.end();
    await gone;
    assert.deepEqual(packets.slice(0, 2), ["connack", "puback"]);
  });
});

Deno.test("more than maxInflightMessages packets before CONNACK close the session", async () => {
  await withServer({ maxInflightMessages: 3 }, async (server) => {
    server.addDevice("dev", { accessToken: "t" });
    server.faults.withholdConnack = true;
    const { socket } = await raw(server);
    const event = server.waitFor("disconnect");
    const gone = new Promise((resolve) => socket.once("close", resolve));
    socket.write(Buffer.concat([gen(CONNECT), ...[1, 2, 3, 4].map((i) => gen(publish(i)))]));
    assert.equal((await event).reason, "queue_full");
    await gone;
    assert.equal(server.telemetry("dev").length, 0);
  });
});

Deno.test("a first packet other than CONNECT closes the connection", async () => {
  await withServer({}, async (server) => {
    const { socket } = await raw(server);
    const event = server.waitFor("disconnect");
    const gone = new Promise((resolve) => socket.once("close", resolve));
    socket.write(gen({ cmd: "pingreq" }));
    assert.equal((await event).reason, "protocol_error");
    await gone;
  });
});

Deno.test("attribute responses use the subscription's QoS, QoS 1 without one", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", { accessToken: "t" });
    const client = await connect(server, { username: "t" });
    const r1 = nextMessage(client, "v1/devices/me/attributes/response/1");
    await publishAcked(client, "v1/devices/me/attributes/request/1", "{}");
    assert.equal((await r1).qos, 1);
    await client.subscribeAsync("v1/devices/me/attributes/response/+", { qos: 0 });
    const r2 = nextMessage(client, "v1/devices/me/attributes/response/2");
    await publishAcked(client, "v1/devices/me/attributes/request/2", "{}");
    assert.equal((await r2).qos, 0);
    await end(client);
  });
});
