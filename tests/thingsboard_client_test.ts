/**
 * Every ThingsBoard client method end to end against the ThingsBoard test
 * server, over MQTT 3.1.1 and MQTT 5.
 */
import assert from "node:assert/strict";
import { ThingsBoardClient } from "../src/thingsboard/client.ts";
import { ThingsBoardError } from "../src/thingsboard/errors.ts";
import type { AttributeUpdate } from "../src/thingsboard/attributes.ts";
import { nextEvent, within } from "./support/deadline.ts";
import { clientFor, DEVICE, gate, startServer, withClient } from "./support/thingsboard.ts";

for (const protocolVersion of [4, 5] as const) {
  const v = `MQTT ${protocolVersion === 4 ? "3.1.1" : "5"}`;

  Deno.test(`${v}: connect, connected state, events, disconnect`, async () => {
    const server = await startServer();
    const client = clientFor(server, { protocolVersion });
    try {
      assert.equal(client.state, "idle");
      assert.equal(client.connected, false);
      const connected = nextEvent(client, "connect");
      const serverSaw = server.waitFor("connect", (e) => e.device === DEVICE);
      await client.connect({ timeoutMs: 5000 });
      assert.equal(client.connected, true);
      assert.deepEqual(await connected, [{ reconnect: false }]);
      assert.equal((await serverSaw).protocolVersion, protocolVersion);
      // Session limits were asked for and applied on connect.
      assert.equal(client.sessionLimits?.maxPayloadSize, 65536);
      await client.connect(); // already connected: resolves at once
      const disconnected = nextEvent(client, "disconnect");
      const serverGone = server.waitFor("disconnect", (e) => e.device === DEVICE);
      await client.disconnect();
      assert.deepEqual(await disconnected, [{ error: undefined, willReconnect: false }]);
      assert.equal((await serverGone).reason, "client_disconnect");
      assert.equal(client.state, "stopped");
      await assert.rejects(client.sendTelemetry({ a: 1 }), { code: "not_connected" });
      // A stopped client can be started again.
      await client.connect({ timeoutMs: 5000 });
      await client.sendTelemetry({ again: true });
      assert.equal(server.telemetry(DEVICE).at(-1)?.values.again, true);
    } finally {
      await client.disconnect();
      await server.stop();
    }
  });

  Deno.test(`${v}: sendTelemetry accepts all four shapes and resolves after the server stored it`, async () => {
    await withClient(async (client, server) => {
      assert.deepEqual(await client.sendTelemetry({ temp: 21.5, door: "open" }), { messages: 1 });
      assert.deepEqual(server.telemetry(DEVICE).at(-1)?.values, { temp: 21.5, door: "open" });
      await client.sendTelemetry([{ a: 1 }, { b: true }]);
      await client.sendTelemetry({ ts: 1451649600512, values: { t: 1, cfg: { mode: 2 } } });
      await client.sendTelemetry([
        { ts: 1451649601000, values: { t: 2 } },
        { ts: 1451649602000, values: { t: 3 } },
      ]);
      const rows = server.telemetry(DEVICE);
      assert.deepEqual(rows.find((r) => r.ts === 1451649600512)?.values, {
        t: 1,
        cfg: { mode: 2 },
      });
      assert.equal(rows.find((r) => r.ts === 1451649602000)?.values.t, 3);
      assert.ok(rows.some((r) => r.values.b === true));
    }, { protocolVersion });
  });

  Deno.test(`${v}: integers beyond 2^53 travel exactly both ways`, async () => {
    await withClient(async (client, server) => {
      const big = 2n ** 62n + 12345n;
      await client.sendTelemetry({ ts: 1700000000000, values: { counter: big } });
      assert.equal(server.telemetry(DEVICE).at(-1)?.values.counter, big);
      await client.sendAttributes({ serial: -(2n ** 60n) - 1n });
      assert.equal(server.clientAttributes(DEVICE).serial, -(2n ** 60n) - 1n);
      server.setSharedAttributes(DEVICE, { limit: 9007199254740993n });
      const { shared, client: own } = await client.requestAttributes({
        clientKeys: ["serial"],
        sharedKeys: ["limit"],
      });
      assert.equal(shared.limit, 9007199254740993n);
      assert.equal(own.serial, -(2n ** 60n) - 1n);
      await assert.rejects(client.sendTelemetry({ tooBig: 2n ** 63n }), RangeError);
      await assert.rejects(client.sendTelemetry({ nan: NaN }), RangeError);
    }, { protocolVersion });
  });

  Deno.test(`${v}: sendAttributes and requestAttributes (promise and callback)`, async () => {
    await withClient(async (client, server) => {
      await client.sendAttributes({ model: "DHT-22", fw: 3 });
      assert.deepEqual(server.clientAttributes(DEVICE), { model: "DHT-22", fw: 3 });
      server.setSharedAttributes(DEVICE, { interval: 5, mode: "eco" });
      assert.deepEqual(
        await client.requestAttributes({ clientKeys: ["model"], sharedKeys: ["interval", "nope"] }),
        { client: { model: "DHT-22" }, shared: { interval: 5 } },
      );
      assert.deepEqual(await client.requestAttributes({ sharedKeys: ["missing"] }), {
        client: {},
        shared: {},
      });
      const viaCallback = await within(
        new Promise<unknown>((resolve) => {
          client.requestAttributes(
            { sharedKeys: ["mode"] },
            (result, error) => resolve(error ?? result),
          );
        }),
        5000,
        "attribute callback",
      );
      assert.deepEqual(viaCallback, { client: {}, shared: { mode: "eco" } });
      await assert.rejects(client.requestAttributes({ clientKeys: ["a,b"] }), TypeError);
      await assert.rejects(client.sendAttributes([] as never), TypeError);
    }, { protocolVersion });
  });

  Deno.test(`${v}: shared attribute subscriptions by key and for all keys`, async () => {
    await withClient(async (client, server) => {
      const all: AttributeUpdate[] = [];
      const one: AttributeUpdate[] = [];
      const allId = client.subscribeToAllAttributes((u) => all.push(u));
      const oneId = client.subscribeToAttribute("interval", (u) => one.push(u));
      assert.notEqual(allId, oneId);
      await server.waitFor("subscribe", (e) => e.topics.includes("v1/devices/me/attributes"));
      const warnings: Error[] = [];
      client.on("warning", (e) => warnings.push(e));
      server.setSharedAttributes(DEVICE, { interval: 10, other: "x" });
      server.setSharedAttributes(DEVICE, { other: "y" });
      server.deleteSharedAttributes(DEVICE, ["interval"]);
      // The three pushes arrive in order; wait for the last one.
      await within(
        new Promise<void>((resolve) => {
          const id = client.subscribeToAllAttributes((u) => {
            if (u.deleted.length > 0) {
              client.unsubscribeFromAttribute(id);
              resolve();
            }
          });
        }),
        5000,
        "deletion push",
      );
      assert.deepEqual(all, [
        { values: { interval: 10, other: "x" }, deleted: [] },
        { values: { other: "y" }, deleted: [] },
        { values: {}, deleted: ["interval"] },
      ]);
      assert.deepEqual(one, [
        { values: { interval: 10 }, deleted: [] },
        { values: {}, deleted: ["interval"] },
      ]);
      assert.deepEqual(warnings, []);
      assert.equal(client.unsubscribeFromAttribute(oneId), true);
      assert.equal(client.unsubscribeFromAttribute(oneId), false);
      const last = gate<AttributeUpdate>();
      client.subscribeToAllAttributes((u) => last.open(u));
      server.setSharedAttributes(DEVICE, { interval: 11 });
      await within(last.promise, 5000, "push after unsubscribe");
      assert.equal(one.length, 2);
    }, { protocolVersion });
  });

  Deno.test(`${v}: server-side RPC: return value, Promise, throw, and a later sendRpcReply`, async () => {
    await withClient(async (client, server) => {
      const later = gate<number>();
      client.setServerSideRpcRequestHandler((id, { method, params }) => {
        switch (method) {
          case "echo":
            return { id, params };
          case "slow":
            return new Promise((resolve) => setTimeout(() => resolve("done"), 20));
          case "fail":
            throw new Error("relay jammed");
          case "later":
            later.open(id);
            return undefined;
        }
      });
      await server.waitFor("subscribe", (e) => e.topics.includes("v1/devices/me/rpc/request/+"));
      const echoed = await server.pushRpc(DEVICE, "echo", { on: true }) as { params: unknown };
      assert.deepEqual(echoed.params, { on: true });
      assert.equal(await server.pushRpc(DEVICE, "slow"), "done");
      assert.deepEqual(await server.pushRpc(DEVICE, "fail"), { error: "relay jammed" });
      const answer = server.pushRpc(DEVICE, "later", {}, { timeoutMs: 5000 });
      const id = await within(later.promise, 5000, "later RPC");
      await client.sendRpcReply(id, { status: "success" });
      assert.deepEqual(await answer, { status: "success" });
      assert.equal(client.rpcStats.requests, 4);
    }, { protocolVersion });
  });

  Deno.test(`${v}: sendRpcCall, server timeout answer, client deadline`, async () => {
    await withClient(
      async (client, server) => {
        server.onClientRpc("getTime", ({ params }) => ({ time: 1234, asked: params }));
        assert.deepEqual(await client.sendRpcCall("getTime", { tz: "UTC" }), {
          time: 1234,
          asked: { tz: "UTC" },
        });
        // No rule chain answer: the server sends {"error":"timeout"} after clientRpcTimeoutMs.
        await assert.rejects(client.sendRpcCall("nobody"), (e: ThingsBoardError) => {
          assert.equal(e.code, "timeout");
          assert.match(e.message, /ThingsBoard answered RPC "nobody" with a timeout/);
          return true;
        });
        server.onClientRpc("never", () => new Promise(() => {}));
        await assert.rejects(client.sendRpcCall("never", {}, { timeoutMs: 100 }), {
          code: "timeout",
          message: /No response to RPC "never" within 100 ms/,
        });
        await assert.rejects(client.sendRpcCall(""), TypeError);
      },
      { protocolVersion },
      { clientRpcTimeoutMs: 200 },
    );
  });

  Deno.test(`${v}: claimDevice and getSessionLimits`, async () => {
    await withClient(async (client, server) => {
      await client.claimDevice("s3cr3t", 60000);
      await client.claimDevice("other");
      const claims = server.claims(DEVICE);
      assert.equal(claims[0].secretKey, "s3cr3t");
      assert.equal(claims[0].durationMs, 60000);
      assert.equal(claims[1].durationMs, 86400000); // server default for no duration
      await assert.rejects(client.claimDevice("x", -5), RangeError);
      assert.deepEqual(await client.getSessionLimits(), {
        maxPayloadSize: 65536,
        maxInflightMessages: 100,
        rateLimits: { messages: "", telemetryMessages: "", telemetryDataPoints: "" },
      });
    }, { protocolVersion });
  });
}

Deno.test("MQTT basic credentials: client id + username + password", async () => {
  const server = await startServer();
  server.addDevice("basic-dev", { clientId: "cid-7", username: "user7", password: "pw7" });
  const client = clientFor(server, { clientId: "cid-7", username: "user7", password: "pw7" });
  try {
    await client.connect({ timeoutMs: 5000 });
    await client.sendTelemetry({ basic: 1 });
    assert.equal(server.telemetry("basic-dev").at(-1)?.values.basic, 1);
  } finally {
    await client.disconnect();
    await server.stop();
  }
});

Deno.test("static getProvisionRequest + provision for ACCESS_TOKEN, MQTT_BASIC and X509", async () => {
  const server = await startServer({ provisioning: { key: "pk", secret: "ps" } });
  try {
    const token = await ThingsBoardClient.provision(
      "127.0.0.1",
      server.port,
      ThingsBoardClient.getProvisionRequest("pk", "ps", {
        deviceName: "p-token",
        accessToken: "tok-9",
      }),
    );
    assert.deepEqual(token, { type: "ACCESS_TOKEN", accessToken: "tok-9" });
    const basic = await ThingsBoardClient.provision(
      "127.0.0.1",
      server.port,
      ThingsBoardClient.getProvisionRequest("pk", "ps", {
        deviceName: "p-basic",
        clientId: "c1",
        username: "u1",
        password: "p1",
      }),
    );
    assert.deepEqual(basic, { type: "MQTT_BASIC", clientId: "c1", username: "u1", password: "p1" });
    const x509 = await ThingsBoardClient.provision(
      "127.0.0.1",
      server.port,
      ThingsBoardClient.getProvisionRequest("pk", "ps", {
        deviceName: "p-x509",
        hash: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
      }),
    );
    assert.equal(x509.type, "X509_CERTIFICATE");
    // The provisioned credentials work.
    const client = clientFor(server, { clientId: "c1", username: "u1", password: "p1" });
    try {
      await client.connect({ timeoutMs: 5000 });
      await client.sendTelemetry({ provisioned: true });
      assert.equal(server.telemetry("p-basic").at(-1)?.values.provisioned, true);
    } finally {
      await client.disconnect();
    }
    assert.deepEqual(ThingsBoardClient.getProvisionRequest("k", "s", { gateway: true }), {
      provisionDeviceKey: "k",
      provisionDeviceSecret: "s",
      gateway: true,
    });
    assert.throws(
      () => ThingsBoardClient.getProvisionRequest("k", "s", { accessToken: "t", username: "u" }),
      TypeError,
    );
  } finally {
    await server.stop();
  }
});

Deno.test("bad options are clear errors before anything connects", () => {
  assert.throws(() => new ThingsBoardClient({ host: "" }), /host/);
  assert.throws(() => new ThingsBoardClient({ host: "h" }), /Missing credentials/);
  assert.throws(
    () => new ThingsBoardClient({ host: "h", accessToken: "t", password: "p" }),
    /not both/,
  );
  assert.throws(
    () => new ThingsBoardClient({ host: "h", accessToken: "t", protocolVersion: 3 as never }),
    RangeError,
  );
  assert.throws(
    () => new ThingsBoardClient({ host: "h", accessToken: "t", port: 70000 }),
    RangeError,
  );
});
