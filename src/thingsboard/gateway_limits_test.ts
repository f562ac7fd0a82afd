/**
 * The gateway client under a reconnect and against the server's limits:
 * devices are connected again (so RPC reaches them), oversize maps are split,
 * and the gateway rate limits from `getSessionLimits` are kept.
 */
import assert from "node:assert/strict";
import type { DisconnectEvent } from "../sim/thingsboard/mod.ts";
import { nextEvent, within } from "../../tests/support/deadline.ts";
import {
  collectPublishes,
  gatewayFor,
  startGatewayServer,
  withGateway,
} from "./gateway_test_support.ts";

const A = "Temperature Bricklet 2.0 ZQv";
const B = "Humidity Bricklet 2.0 Hx1";
const C = "greenhouse";

function namesIn(payloads: unknown[]): Set<string> {
  return new Set(payloads.map((p) => (p as { device: string }).device));
}

for (const protocolVersion of [4, 5] as const) {
  Deno.test(`gateway (MQTT ${protocolVersion}): a reconnect connects every device again; RPC works`, async () => {
    await withGateway(async (gateway, server) => {
      const calls: string[] = [];
      gateway.setServerSideRpcRequestHandler((device, method) => {
        calls.push(`${device}/${method}`);
        return { ok: device };
      });
      await gateway.connectDevice(A, "Temperature Bricklet 2.0");
      await gateway.connectDevice(B);
      await gateway.sendTelemetry({ [C]: { temperature: 21 } }); // connects C implicitly
      const reconnected = nextEvent(gateway, "connect");
      const connects = collectPublishes(
        server,
        "v1/gateway/connect",
        (p) => namesIn(p).size === 3,
      );
      server.dropAllConnections();
      // Dropped: ThingsBoard forgot the devices; this RPC waits for the gateway to name C again.
      const pending = server.pushRpc(C, "while_away", {}, { timeoutMs: 5000 });
      pending.catch(() => {}); // awaited below; a failure before that must not go unhandled
      assert.deepEqual(await reconnected, [{ reconnect: true }]);
      const sent = await connects;
      assert.deepEqual(namesIn(sent), new Set([A, B, C]));
      assert.equal(sent.length, 3, "one connect per device");
      assert.deepEqual(sent.find((p) => (p as { device: string }).device === A), {
        device: A,
        type: "Temperature Bricklet 2.0",
      });
      assert.deepEqual(await pending, { ok: C });
      assert.deepEqual(await server.pushRpc(A, "after", {}, { timeoutMs: 2000 }), { ok: A });
      assert.deepEqual(await server.pushRpc(B, "after", {}, { timeoutMs: 2000 }), { ok: B });
      assert.deepEqual(calls, [`${C}/while_away`, `${A}/after`, `${B}/after`]);
    }, { client: { protocolVersion } });
  });
}

Deno.test("gateway: an RPC re-delivered after a reconnect runs the handler once", async () => {
  await withGateway(async (gateway, server) => {
    const started = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    let calls = 0;
    gateway.setServerSideRpcRequestHandler(async () => {
      calls++;
      started.resolve();
      await release.promise;
      return "done";
    });
    await gateway.connectDevice(A);
    const call = server.pushRpc(A, "slow", {}, { timeoutMs: 5000 });
    await within(started.promise, 5000, "handler call");
    const reconnected = nextEvent(gateway, "connect");
    // The new connect makes the server push the pending request again.
    const redelivered = collectPublishes(server, "v1/gateway/connect", (p) => p.length === 1);
    server.dropAllConnections();
    await reconnected;
    await redelivered;
    await gateway.device.sendTelemetry({ marker: 1 }); // the push is out before this PUBACK
    release.resolve();
    assert.equal(await call, "done");
    assert.equal(calls, 1);
    assert.equal(gateway.rpcStats.duplicatesIgnored, 1);
  });
});

Deno.test("gateway: a disconnected device is not connected again after a reconnect", async () => {
  await withGateway(async (gateway, server) => {
    await gateway.connectDevice(A);
    await gateway.connectDevice(B);
    await gateway.disconnectDevice(B);
    const reconnected = nextEvent(gateway, "connect");
    const connects: unknown[] = [];
    server.on("publish", (e) => {
      if (e.topic === "v1/gateway/connect") {
        connects.push(JSON.parse(new TextDecoder().decode(e.payload)));
      }
    });
    server.dropAllConnections();
    await reconnected;
    // Connects go out before the connect event, ahead of data: all are seen before this marker.
    await gateway.device.sendTelemetry({ marker: 1 });
    assert.deepEqual(connects, [{ device: A }]);
    assert.deepEqual(
      server.devices().filter((d) => d.connected).map((d) => d.name).sort(),
      [A, "edge-gw"].sort(),
    );
  });
});

function bigValues(keys: number, size: number): Record<string, string> {
  const values: Record<string, string> = {};
  // Letters: the server turns numeric strings into numbers (JSON type cast).
  for (let i = 0; i < keys; i++) values[`k${i}`] = String.fromCharCode(97 + i % 26).repeat(size);
  return values;
}

Deno.test("gateway: maps over the server's packet limit are split by device and by entries", async () => {
  await withGateway(async (gateway, server) => {
    const closes: DisconnectEvent[] = [];
    server.on("disconnect", (e) => closes.push(e));
    assert.equal(gateway.sessionLimits?.maxPayloadSize, 2048);
    // Three devices of about 800 bytes each: split by device.
    const small = { [A]: bigValues(5, 150), [B]: bigValues(5, 150), [C]: bigValues(5, 150) };
    const bySize = await gateway.sendTelemetry(
      Object.fromEntries(Object.entries(small).map(([n, v]) => [n, { ts: 1000, values: v }])),
    );
    assert.ok(bySize.messages >= 2 && bySize.messages <= 3, `${bySize.messages} messages`);
    for (const [name, values] of Object.entries(small)) {
      assert.deepEqual(server.telemetry(name), [{ ts: 1000, values }]);
    }
    // One device of about 9 KB: split by entries.
    const big = bigValues(40, 200);
    const byEntries = await gateway.sendTelemetry({
      [A]: { ts: 2000, values: big },
      [B]: { x: "y" },
    });
    assert.ok(byEntries.messages >= 5, `${byEntries.messages} messages`);
    const rows = server.telemetry(A).filter((r) => r.ts === 2000);
    assert.deepEqual(Object.assign({}, ...rows.map((r) => r.values)), big);
    assert.equal(server.telemetry(B).at(-1)?.values.x, "y");
    const attrs = bigValues(30, 150);
    assert.ok((await gateway.sendAttributes({ [C]: attrs })).messages >= 3);
    assert.deepEqual(server.clientAttributes(C), attrs);
    await assert.rejects(gateway.sendTelemetry({ [A]: { huge: "x".repeat(3000) } }), {
      name: "RangeError",
      message: /"huge".*device "Temperature/,
    });
    assert.deepEqual(closes, []);
    assert.equal(gateway.connected, true);
  }, { server: { maxPayloadSize: 2048 } });
});

const GATEWAY_LIMITS = { messages: "20:1", telemetryMessages: "5:1", telemetryDataPoints: "12:1" };

Deno.test("gateway: the gatewayRateLimits the server reports are kept (no rate-limit close)", async () => {
  await withGateway(async (gateway, server) => {
    const closes: DisconnectEvent[] = [];
    server.on("disconnect", (e) => closes.push(e));
    assert.deepEqual(gateway.sessionLimits?.gatewayRateLimits, GATEWAY_LIMITS);
    const started = performance.now();
    const sends = [];
    for (let i = 0; i < 4; i++) {
      sends.push(gateway.sendTelemetry({ [A]: { ts: 10 + i, values: { a: i, b: i } } }));
    }
    // 15 data points of 3 devices: more than one message may carry (10 = 90 % of 12).
    const wide = (d: number) =>
      Object.fromEntries([...Array(5).keys()].map((i) => [`p${i}`, d * 10 + i]));
    sends.push(gateway.sendTelemetry({ [A]: wide(1), [B]: wide(2), [C]: wide(3) }));
    const results = await Promise.all(sends);
    const elapsed = performance.now() - started;
    assert.equal(results.at(-1)!.messages, 2);
    assert.deepEqual(closes, []);
    assert.equal(server.telemetry(A).filter((r) => "a" in r.values).length, 4);
    assert.deepEqual(server.telemetry(C).at(-1)?.values, wide(3));
    // 23 data points at 10 per 1.1 s window need two more windows.
    assert.ok(elapsed >= 2000, `finished in ${elapsed.toFixed(0)} ms`);
  }, { device: { gatewayRateLimits: GATEWAY_LIMITS } });
});

Deno.test("gateway: limits overridden too high: the server closes (MQTT 5), data still arrives", async () => {
  const server = await startGatewayServer({}, {
    gatewayRateLimits: { telemetryMessages: "3:1" },
  });
  // The control case of the test above: the client is told a far higher limit.
  const gateway = gatewayFor(server, {
    gatewayRateLimits: { telemetryMessages: "100:1" },
    protocolVersion: 5,
  });
  const closes: DisconnectEvent[] = [];
  server.on("disconnect", (e) => closes.push(e));
  const warnings: string[] = [];
  gateway.on("warning", (e) => warnings.push(e.message));
  try {
    await gateway.connect({ timeoutMs: 5000 });
    const sends = [];
    for (let i = 0; i < 6; i++) {
      sends.push(gateway.sendTelemetry({ [A]: { ts: 5000 + i, values: { i } } }));
    }
    await Promise.all(sends);
    assert.ok(closes.some((e) => e.reason === "rate_limited"), JSON.stringify(closes));
    assert.ok(
      warnings.some((w) => /disconnected device "Temperature.*0x96/.test(w)),
      warnings.join(),
    );
    const got = new Set(server.telemetry(A).map((r) => r.values.i));
    assert.deepEqual([...got].sort(), [0, 1, 2, 3, 4, 5]);
  } finally {
    await gateway.disconnect();
    await server.stop();
  }
});
