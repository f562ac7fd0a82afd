/**
 * The ThingsBoard client when things go wrong: server restarts and network
 * drops in the middle of RPC and attribute requests, duplicate RPC
 * deliveries, sends while offline, lost acknowledgements, refused and
 * unavailable servers. Real sockets against the ThingsBoard test server.
 */
import assert from "node:assert/strict";
import { ThingsBoardConnackError, ThingsBoardError } from "../src/thingsboard/errors.ts";
import { nextEvent, within } from "./support/deadline.ts";
import {
  clientFor,
  DEVICE,
  gate,
  nextConnect,
  startServer,
  TOKEN,
  withClient,
} from "./support/thingsboard.ts";

const ATTR_REQUEST = "v1/devices/me/attributes/request/";
const RPC_REQUEST = "v1/devices/me/rpc/request/";

Deno.test("network drop in the middle of an attribute request: sent again, answered", async () => {
  await withClient(async (client, server) => {
    server.setSharedAttributes(DEVICE, { interval: 7 });
    let requests = 0;
    const offDrop = server.on("publish", (e) => {
      if (e.topic.startsWith(ATTR_REQUEST) && ++requests === 1) server.dropAllConnections();
    });
    const reconnected = nextConnect(client);
    const response = client.requestAttributes({ sharedKeys: ["interval"] });
    await reconnected;
    assert.deepEqual(await within(response, 5000, "attribute response"), {
      client: {},
      shared: { interval: 7 },
    });
    assert.equal(requests, 2);
    offDrop();
  });
});

Deno.test("server restart in the middle of an attribute request: sent again, answered", async () => {
  await withClient(async (client, server) => {
    server.setSharedAttributes(DEVICE, { mode: "eco" });
    let stopping: Promise<void> | undefined;
    const arrived = server.waitFor("publish", (e) => e.topic.startsWith(ATTR_REQUEST));
    const off = server.on("publish", (e) => {
      // Stops the server before it answers (the answer follows the publish event).
      if (e.topic.startsWith(ATTR_REQUEST) && !stopping) stopping = server.stop();
    });
    const reconnected = nextConnect(client);
    const response = client.requestAttributes({ sharedKeys: ["mode"] });
    await arrived;
    await stopping;
    await server.start();
    await reconnected;
    assert.deepEqual((await within(response, 5000, "response")).shared, { mode: "eco" });
    off();
  });
});

Deno.test("network drop after a client-side RPC was sent: fails with connection_lost, not repeated", async () => {
  await withClient(async (client, server) => {
    const held = gate();
    let calls = 0;
    server.onClientRpc("reboot", () => {
      calls++;
      held.open();
      return new Promise(() => {}); // the rule chain never answers
    });
    const call = client.sendRpcCall("reboot", {});
    await within(held.promise, 5000, "RPC at the server");
    server.dropAllConnections();
    await assert.rejects(call, (e: ThingsBoardError) => e.code === "connection_lost");
    await nextConnect(client);
    assert.equal(calls, 1);
  });
});

Deno.test("server restart during a server-side RPC: a new request with a reused id runs again", async () => {
  await withClient(async (client, server) => {
    const first = gate<string>();
    const started = gate();
    const seen: string[] = [];
    client.setServerSideRpcRequestHandler((id, { method }) => {
      seen.push(`${id}:${method}`);
      if (method !== "slow") return "fast-done";
      started.open();
      return first.promise;
    });
    await server.waitFor("subscribe", (e) => e.topics.includes(RPC_REQUEST + "+"));
    const slow = server.pushRpc(DEVICE, "slow", {}, { timeoutMs: 5000 });
    slow.catch(() => {}); // fails with SERVER_STOPPED below
    await within(started.promise, 5000, "handler start");
    const reconnected = nextConnect(client);
    await server.stop();
    await assert.rejects(slow);
    await server.start();
    await reconnected;
    // Ids restart at 0 after a restart: same id, another request.
    assert.equal(await server.pushRpc(DEVICE, "fast", {}, { timeoutMs: 5000 }), "fast-done");
    first.open("late"); // the old request's reply must not answer anything now
    assert.deepEqual(seen, ["0:slow", "0:fast"]);
    assert.equal(client.rpcStats.requests, 2);
  });
});

Deno.test("network drop during a server-side RPC: the re-pushed duplicate is answered once", async () => {
  await withClient(async (client, server) => {
    const release = gate<{ ok: boolean }>();
    const started = gate();
    let calls = 0;
    client.setServerSideRpcRequestHandler(() => {
      calls++;
      started.open();
      return release.promise;
    });
    await server.waitFor("subscribe", (e) => e.topics.includes(RPC_REQUEST + "+"));
    const answer = server.pushRpc(DEVICE, "setRelay", { on: true }, { timeoutMs: 5000 });
    await within(started.promise, 5000, "handler start");
    const resubscribed = server.waitFor("subscribe", (e) => e.topics.includes(RPC_REQUEST + "+"));
    const reconnected = nextConnect(client);
    server.dropAllConnections();
    await resubscribed; // the server pushes the pending request again now
    await reconnected;
    release.open({ ok: true });
    assert.deepEqual(await answer, { ok: true });
    assert.equal(calls, 1);
    const { duplicatesIgnored, repliesResent } = client.rpcStats;
    assert.equal(duplicatesIgnored + repliesResent, 1, JSON.stringify(client.rpcStats));
  });
});

Deno.test("subscriptions are renewed after a reconnect", async () => {
  await withClient(async (client, server) => {
    const updates: unknown[] = [];
    client.subscribeToAttribute("interval", (u) => updates.push(u.values.interval));
    client.setServerSideRpcRequestHandler(() => "pong");
    await server.waitFor("subscribe", (e) => e.topics.includes(RPC_REQUEST + "+"));
    const reconnected = nextConnect(client);
    const resubscribed = server.waitFor(
      "subscribe",
      (e) => e.topics.includes(RPC_REQUEST + "+") && e.topics.includes("v1/devices/me/attributes"),
    );
    server.dropAllConnections();
    await reconnected;
    await resubscribed;
    assert.equal(await server.pushRpc(DEVICE, "ping", {}, { timeoutMs: 5000 }), "pong");
    const pushed = gate();
    client.subscribeToAttribute("interval", () => pushed.open());
    server.setSharedAttributes(DEVICE, { interval: 42 });
    await within(pushed.promise, 5000, "attribute push after reconnect");
    assert.deepEqual(updates, [42]);
  });
});

Deno.test("telemetry sent while disconnected waits in the queue and arrives after the reconnect", async () => {
  const server = await startServer();
  const client = clientFor(server);
  try {
    await client.connect({ timeoutMs: 5000 });
    await server.stop();
    const sends = [];
    for (let i = 0; i < 20; i++) sends.push(client.sendTelemetry({ ts: 1000 + i, values: { i } }));
    assert.equal(client.connected, false);
    assert.ok(client.queued >= 20, `queued ${client.queued}`);
    await server.start();
    await within(Promise.all(sends), 5000, "queued sends");
    const stored = server.telemetry(DEVICE).filter((r) => r.ts >= 1000 && r.ts < 1020);
    assert.deepEqual(stored.map((r) => r.values.i), [...Array(20).keys()]);
  } finally {
    await client.disconnect();
    await server.stop();
  }
});

Deno.test("the offline queue is bounded and sends have deadlines", async () => {
  const server = await startServer();
  const client = clientFor(server, { maxQueued: 3, sendTimeoutMs: 150 });
  try {
    await client.connect({ timeoutMs: 5000 });
    await server.stop();
    const waiting = [1, 2, 3].map((i) => client.sendTelemetry({ i }));
    await assert.rejects(client.sendTelemetry({ i: 4 }), { code: "queue_full" });
    for (const p of waiting) {
      await assert.rejects(p, { code: "timeout", message: /not connected in time/ });
    }
  } finally {
    await client.disconnect();
    await server.stop();
  }
});

Deno.test("lost acknowledgements: bounded in-flight window, re-sent after the reconnect", async () => {
  await withClient(async (client, server) => {
    server.faults.withholdPuback = true;
    let received = 0;
    const arrived = server.waitFor(
      "publish",
      (e) => e.topic.endsWith("telemetry") && ++received === 3,
    );
    const sends = [1, 2, 3, 4, 5].map((i) => client.sendTelemetry({ ts: 2000 + i, values: { i } }));
    await arrived;
    assert.equal(client.inFlight, 3);
    assert.equal(client.queued, 2);
    let capacity = false;
    const waiter = client.waitForCapacity().then(() => (capacity = true));
    assert.equal(capacity, false);
    server.faults.withholdPuback = false;
    server.dropAllConnections();
    await within(Promise.all(sends), 5000, "sends after reconnect");
    await within(waiter, 5000, "capacity");
    const values = new Set(
      server.telemetry(DEVICE).filter((r) => r.ts > 2000).map((r) => r.values.i),
    );
    assert.deepEqual([...values].sort(), [1, 2, 3, 4, 5]); // at least once; duplicates allowed
  }, { maxInFlight: 3 });
});

Deno.test("wrong access token: a typed error naming the credential, no retry storm, no secret", async () => {
  const server = await startServer();
  const client = clientFor(server, { accessToken: "WRONG-secret-token" });
  let refusals = 0;
  server.on("refuse", () => refusals++);
  try {
    const failed = nextEvent(client, "error");
    await assert.rejects(client.connect({ timeoutMs: 5000 }), (e: ThingsBoardConnackError) => {
      assert.ok(e instanceof ThingsBoardConnackError);
      assert.equal(e.code, "auth");
      assert.equal(e.reasonCode, 5);
      assert.equal(e.credential, "access token");
      assert.match(e.message, /access token/);
      assert.ok(!e.message.includes("WRONG-secret-token"));
      return true;
    });
    await failed;
    assert.equal(client.state, "stopped");
    await assert.rejects(client.sendTelemetry({ a: 1 }), { code: "not_connected" });
    // A client that retried would be refused again within 300 ms (reconnect delay 20 ms).
    const again = await server.waitFor("refuse", () => true, 300).then(() => true, () => false);
    assert.equal(again, false);
    assert.equal(refusals, 1);
  } finally {
    await client.disconnect();
    await server.stop();
  }
});

Deno.test("wrong MQTT basic password (MQTT 5): names client id and username, not the password", async () => {
  const server = await startServer();
  server.addDevice("basic", { clientId: "cid", username: "user", password: "right-pw" });
  const client = clientFor(server, {
    clientId: "cid",
    username: "user",
    password: "wrong-pw",
    protocolVersion: 5,
  });
  try {
    await assert.rejects(client.connect({ timeoutMs: 5000 }), (e: ThingsBoardConnackError) => {
      assert.equal(e.reasonCode, 0x86);
      assert.match(e.message, /client id "cid", username "user", a password \(not shown\)/);
      assert.ok(!e.message.includes("wrong-pw"));
      return true;
    });
  } finally {
    await client.disconnect();
    await server.stop();
  }
});

Deno.test("server unavailable (CONNACK 3) is retried with growing jittered delays, then connects", async () => {
  const server = await startServer();
  server.faults.failAuth = true;
  const client = clientFor(server, { reconnectDelayMs: [10, 80] });
  const delays: number[] = [];
  client.on("reconnecting", ({ delayMs, attempt }) => {
    delays.push(delayMs);
    if (attempt === 4) server.faults.failAuth = false;
  });
  try {
    await client.connect({ timeoutMs: 5000 });
    assert.equal(delays.length, 4);
    assert.ok(delays[0] >= 7 && delays[0] <= 13, `first delay ${delays[0]}`);
    assert.ok(delays[3] >= 60 && delays[3] <= 80, `fourth delay ${delays[3]}`);
  } finally {
    await client.disconnect();
    await server.stop();
  }
});

Deno.test("unreachable server: connect() times out with the last error and keeps trying", async () => {
  const server = await startServer();
  const port = server.port;
  await server.stop();
  const client = clientFor(server, { accessToken: TOKEN, port });
  try {
    await assert.rejects(client.connect({ timeoutMs: 200 }), (e: ThingsBoardError) => {
      assert.equal(e.code, "timeout");
      assert.match(e.message, /still trying; last error: Cannot connect/);
      return true;
    });
    assert.equal(client.state, "connecting");
    await server.start();
    await client.connect({ timeoutMs: 5000 });
    assert.equal(client.connected, true);
  } finally {
    await client.disconnect();
    await server.stop();
  }
});
