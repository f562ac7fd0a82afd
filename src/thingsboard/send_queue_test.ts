import assert from "node:assert/strict";
import { startThingsBoardServer, type ThingsBoardServer } from "../sim/thingsboard/mod.ts";
import { MqttLink } from "./connection.ts";
import { dataCost, MESSAGE_COST, RateLimiter } from "./rate_limiter.ts";
import { type OutgoingMessage, packetOverhead, SendQueue } from "./send_queue.ts";

const TELEMETRY = "v1/devices/me/telemetry";

function message(i: number, extra: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const payload = `{"ts":${1000 + i},"values":{"i":${i}}}`;
  return {
    topic: TELEMETRY,
    payload,
    bytes: payload.length,
    cost: dataCost(1),
    control: false,
    onLost: "requeue",
    what: `message ${i}`,
    ...extra,
  };
}

async function setup(): Promise<
  { server: ThingsBoardServer; open: (version?: 4 | 5) => Promise<MqttLink> }
> {
  const server = await startThingsBoardServer({ port: 0 });
  server.addDevice("d", { accessToken: "tok" });
  const open = (protocolVersion: 4 | 5 = 4) =>
    MqttLink.open({
      host: "127.0.0.1",
      port: server.port,
      clientId: "q",
      username: "tok",
      protocolVersion,
      keepaliveSec: 60,
      connectTimeoutMs: 2000,
      credentials: { kind: "access token" },
    });
  return { server, open };
}

function stored(server: ThingsBoardServer): number[] {
  return server.telemetry("d").map((r) => r.values.i as number);
}

Deno.test("SendQueue: waits while detached, sends in order once attached, resolves on PUBACK", async () => {
  const { server, open } = await setup();
  const queue = new SendQueue({ maxQueued: 10, limiter: new RateLimiter() });
  try {
    const sends = [0, 1, 2].map((i) => queue.send(message(i)));
    assert.equal(queue.queued, 3);
    assert.equal(queue.hasCapacity, false);
    const link = await open();
    queue.attach(link, 100, 65536);
    await Promise.all(sends);
    assert.deepEqual(stored(server), [0, 1, 2]);
    assert.equal(queue.hasCapacity, true);
    queue.detach();
    await link.close();
  } finally {
    queue.close(new Error("done"));
    await server.stop();
  }
});

const CLAIM: OutgoingMessage = {
  topic: "v1/devices/me/claim",
  payload: "{}",
  bytes: 2,
  cost: MESSAGE_COST,
  control: true,
  onLost: "requeue",
  what: "claim",
};

Deno.test("SendQueue: control first, held data waits, bounded window, lost in-flight re-sent in order", async () => {
  const { server, open } = await setup();
  const queue = new SendQueue({ maxQueued: 10, limiter: new RateLimiter() });
  const order: string[] = [];
  server.on(
    "publish",
    (e) =>
      order.push(
        e.topic === TELEMETRY
          ? `d${JSON.parse(new TextDecoder().decode(e.payload)).values.i}`
          : "claim",
      ),
  );
  try {
    const link = await open();
    queue.holdData(true);
    queue.attach(link, 2, 65536);
    server.faults.withholdPuback = true;
    const data = [0, 1, 2].map((i) => queue.send(message(i)));
    const claim = queue.send(CLAIM);
    assert.equal(queue.inFlight, 1); // the claim; data is held
    queue.holdData(false);
    assert.equal(queue.inFlight, 2); // window of 2: claim + d0
    assert.equal(queue.queued, 2);
    let capacity = false;
    const waiting = queue.waitForCapacity().then(() => (capacity = true));
    await server.waitFor("publish", () => order.length === 2);
    server.faults.withholdPuback = false;
    server.dropAllConnections();
    await link.closed;
    queue.detach();
    assert.equal(queue.takeLostData(), 1);
    assert.equal(capacity, false);
    const again = await open();
    queue.attach(again, 2, 65536);
    await Promise.all([...data, claim, waiting]);
    assert.deepEqual(order, ["claim", "d0", "claim", "d0", "d1", "d2"]);
    assert.equal(capacity, true);
    queue.detach();
    await again.close();
  } finally {
    queue.close(new Error("done"));
    await server.stop();
  }
});

Deno.test("SendQueue: fail-on-lost and connection-bound messages are rejected by a drop", async () => {
  const { server, open } = await setup();
  const queue = new SendQueue({ maxQueued: 10, limiter: new RateLimiter() });
  try {
    const link = await open();
    queue.attach(link, 1, 65536);
    server.faults.withholdPuback = true;
    const rpc = queue.send({ ...CLAIM, onLost: "fail", what: "RPC x" });
    const reply = queue.send({ ...CLAIM, connectionBound: true, what: "the reply to RPC 3" });
    const outcomes = Promise.allSettled([rpc, reply]);
    await server.waitFor("publish");
    server.dropAllConnections();
    await link.closed;
    queue.detach();
    const [a, b] = await outcomes;
    assert.equal(a.status === "rejected" && a.reason.code, "connection_lost");
    assert.match(a.status === "rejected" ? a.reason.message : "", /before RPC x was acknowledged/);
    assert.equal(b.status === "rejected" && b.reason.code, "connection_lost");
    assert.equal(queue.queued, 0);
  } finally {
    queue.close(new Error("done"));
    await server.stop();
  }
});

Deno.test("SendQueue: queue_full, deadlines while queued and in flight", async () => {
  const { server, open } = await setup();
  const queue = new SendQueue({ maxQueued: 2, limiter: new RateLimiter() });
  try {
    const soon = performance.now() + 30;
    const queued = [queue.send(message(0, { deadline: soon })), queue.send(message(1))];
    await assert.rejects(queue.send(message(2)), { code: "queue_full" });
    await assert.rejects(queued[0], {
      code: "timeout",
      message: /message 0: not connected in time/,
    });
    const link = await open();
    queue.attach(link, 10, 65536);
    await queued[1];
    server.faults.withholdPuback = true;
    await assert.rejects(queue.send(message(3, { deadline: performance.now() + 50 })), {
      code: "timeout",
      message: /No acknowledgement for message 3 in time \(it may still have arrived\)/,
    });
    assert.equal(queue.inFlight, 0);
    queue.detach();
    await link.close();
  } finally {
    queue.close(new Error("done"));
    await server.stop();
  }
});

Deno.test("SendQueue: the rate limiter spaces messages out", async () => {
  const { server, open } = await setup();
  const limiter = new RateLimiter({ safetyFraction: 1, marginMs: 0 });
  limiter.configure({ telemetryMessages: "2:1" });
  const queue = new SendQueue({ maxQueued: 10, limiter });
  try {
    const link = await open();
    queue.attach(link, 10, 65536);
    const started = performance.now();
    const times: number[] = [];
    await Promise.all(
      [0, 1, 2].map((i) =>
        queue.send(message(i)).then(() => times.push(performance.now() - started))
      ),
    );
    assert.ok(times[1] < 500, JSON.stringify(times));
    assert.ok(times[2] >= 950, JSON.stringify(times));
    queue.detach();
    await link.close();
  } finally {
    queue.close(new Error("done"));
    await server.stop();
  }
});

Deno.test("SendQueue: MQTT 5 PUBACK rejection, packet limit, and close", async () => {
  const { server, open } = await setup();
  const queue = new SendQueue({ maxQueued: 10, limiter: new RateLimiter() });
  try {
    const link = await open(5);
    queue.attach(link, 10, 200);
    await assert.rejects(queue.send(message(0, { payload: "{not json", bytes: 9 })), {
      code: "rejected",
      message: /message 0: .*0x99/,
    });
    const big = "x".repeat(200 - packetOverhead(TELEMETRY) + 1);
    await assert.rejects(queue.send(message(1, { payload: big, bytes: big.length })), RangeError);
    queue.detach();
    const pending = queue.send(message(2));
    queue.close(new Error("closed for good"));
    await assert.rejects(pending, /closed for good/);
    await assert.rejects(queue.send(message(3)), /closed for good/);
    await assert.rejects(queue.waitForCapacity(), /closed for good/);
    await link.close();
  } finally {
    await server.stop();
  }
});

Deno.test("SendQueue: a message with its own limiter is counted and delayed by that one", async () => {
  const { server, open } = await setup();
  const own = new RateLimiter({ safetyFraction: 1, marginMs: 0 });
  own.configure({ telemetryMessages: "1:60" });
  const queue = new SendQueue({ maxQueued: 10, limiter: own });
  const gateway = new RateLimiter({ safetyFraction: 1, marginMs: 0 });
  gateway.configure({ telemetryMessages: "2:60" });
  const link = await open();
  try {
    queue.attach(link, 100, 65536);
    await queue.send(message(0));
    // The queue's limiter is exhausted for a minute; messages counted elsewhere still go.
    await queue.send(message(1, { limiter: gateway }));
    assert.equal(gateway.delayFor(dataCost(1)), 0);
    await queue.send(message(2, { limiter: gateway }));
    assert.ok(gateway.delayFor(dataCost(1)) > 0, "both counted by the gateway limiter");
    assert.deepEqual(stored(server), [0, 1, 2]);
    queue.detach();
    await link.close();
  } finally {
    queue.close(new Error("done"));
    await server.stop();
  }
});
