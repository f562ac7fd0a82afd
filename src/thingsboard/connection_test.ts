import assert from "node:assert/strict";
import { startThingsBoardServer } from "../sim/thingsboard/mod.ts";
import { LinkClosedError, type LinkOptions, MqttLink, PubackError } from "./connection.ts";
import { ThingsBoardConnackError } from "./errors.ts";

function options(port: number, extra: Partial<LinkOptions> = {}): LinkOptions {
  return {
    host: "127.0.0.1",
    port,
    clientId: "link-test",
    username: "tok-SECRET",
    protocolVersion: 4,
    keepaliveSec: 60,
    connectTimeoutMs: 2000,
    credentials: { kind: "access token" },
    ...extra,
  };
}

Deno.test("MqttLink: open, publish with PUBACK, subscribe, close", async () => {
  const server = await startThingsBoardServer({ port: 0 });
  server.addDevice("d", { accessToken: "tok-SECRET" });
  try {
    const link = await MqttLink.open(options(server.port));
    assert.equal(link.isOpen, true);
    await link.publish("v1/devices/me/telemetry", `{"x":1}`, 1);
    assert.equal(server.telemetry("d").at(-1)?.values.x, 1);
    assert.deepEqual(await link.subscribe(["v1/devices/me/attributes", "not/allowed"]), [1, 0x80]);
    const info = await link.close();
    assert.equal(info.byUs, true);
    assert.equal(link.isOpen, false);
    await assert.rejects(link.publish("t", "{}", 1), LinkClosedError);
  } finally {
    await server.stop();
  }
});

Deno.test("MqttLink: credential refusal is a ThingsBoardConnackError; CONNACK 3 is a plain Error", async () => {
  const server = await startThingsBoardServer({ port: 0 });
  try {
    await assert.rejects(MqttLink.open(options(server.port)), (e: ThingsBoardConnackError) => {
      assert.ok(e instanceof ThingsBoardConnackError);
      assert.equal(e.reasonCode, 5);
      assert.ok(!e.message.includes("tok-SECRET"));
      return true;
    });
    server.faults.failAuth = true;
    await assert.rejects(MqttLink.open(options(server.port)), (e: Error) => {
      assert.ok(!(e instanceof ThingsBoardConnackError));
      assert.match(e.message, /CONNACK 3 server unavailable/);
      return true;
    });
  } finally {
    await server.stop();
  }
});

Deno.test("MqttLink: a server drop rejects pending publishes and reports why (MQTT 5 reason)", async () => {
  const server = await startThingsBoardServer({ port: 0 });
  server.addDevice("d", { accessToken: "tok-SECRET" });
  try {
    const link = await MqttLink.open(options(server.port, { protocolVersion: 5 }));
    server.faults.withholdPuback = true;
    const pending = link.publish("v1/devices/me/telemetry", `{"x":1}`, 1);
    await server.waitFor("publish");
    assert.equal(link.pendingCount, 1);
    const rejected = assert.rejects(pending, LinkClosedError);
    await server.stop(); // MQTT 5: DISCONNECT 0x8B server shutting down
    await rejected;
    const info = await link.closed;
    assert.equal(info.byUs, false);
    assert.equal(info.disconnectReason, 0x8b);
  } finally {
    await server.stop();
  }
});

Deno.test("MqttLink: MQTT 5 PUBACK reason codes reject the publish", async () => {
  const server = await startThingsBoardServer({ port: 0 });
  server.addDevice("d", { accessToken: "tok-SECRET" });
  try {
    const link = await MqttLink.open(options(server.port, { protocolVersion: 5 }));
    await assert.rejects(link.publish("v1/devices/me/unknown", "{}", 1), (e: PubackError) => {
      assert.equal(e.reasonCode, 0x90);
      return true;
    });
    await link.close();
  } finally {
    await server.stop();
  }
});

Deno.test("MqttLink: an abort signal ends an attempt that gets no CONNACK", async () => {
  const server = await startThingsBoardServer({ port: 0 });
  server.faults.withholdConnack = true;
  try {
    const abort = new AbortController();
    const attempt = MqttLink.open(options(server.port), abort.signal);
    abort.abort();
    await assert.rejects(attempt, LinkClosedError);
  } finally {
    await server.stop();
  }
});
