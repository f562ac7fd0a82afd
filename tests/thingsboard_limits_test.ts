/**
 * The ThingsBoard client against the server's limits: payloads over the
 * packet limit are split (never sent to be dropped), and client-side rate
 * limiting keeps under the limits `getSessionLimits` reports.
 */
import assert from "node:assert/strict";
import type { DisconnectEvent } from "../src/sim/thingsboard/mod.ts";
import { clientFor, DEVICE, startServer, withClient } from "./support/thingsboard.ts";

function bigValues(keys: number, size: number): Record<string, string> {
  const values: Record<string, string> = {};
  // Letters: the server turns numeric strings into numbers (JSON type cast).
  for (let i = 0; i < keys; i++) values[`k${i}`] = String.fromCharCode(97 + i % 26).repeat(size);
  return values;
}

Deno.test("oversize telemetry and attributes are split to the server's reported limit", async () => {
  await withClient(
    async (client, server) => {
      const closes: DisconnectEvent[] = [];
      server.on("disconnect", (e) => closes.push(e));
      assert.equal(client.sessionLimits?.maxPayloadSize, 2048);
      const values = bigValues(40, 200); // about 9 KB
      const sent = await client.sendTelemetry({ ts: 1700000000000, values });
      assert.ok(sent.messages >= 5, `only ${sent.messages} messages`);
      const stored = server.telemetry(DEVICE).filter((r) => r.ts === 1700000000000);
      assert.deepEqual(Object.assign({}, ...stored.map((r) => r.values)), values);
      const attrs = bigValues(30, 150);
      assert.ok((await client.sendAttributes(attrs)).messages >= 3);
      assert.deepEqual(server.clientAttributes(DEVICE), attrs);
      // One value that cannot fit alone is refused before anything is sent.
      let publishes = 0;
      server.on("publish", () => publishes++);
      await assert.rejects(client.sendTelemetry({ small: 1, huge: "x".repeat(3000) }), {
        name: "RangeError",
        message: /"huge".*limit of 20\d\d/,
      });
      assert.equal(publishes, 0);
      assert.deepEqual(closes, []);
      assert.equal(client.connected, true);
    },
    {},
    { maxPayloadSize: 2048 },
  );
});

Deno.test("a 200 KB telemetry payload fits the default 64 KiB limit in several messages", async () => {
  await withClient(async (client, server) => {
    const values = bigValues(100, 2000);
    const sent = await client.sendTelemetry(values);
    assert.ok(sent.messages >= 4, `${sent.messages} messages`);
    const rows = server.telemetry(DEVICE);
    // A split group without ts gets one client timestamp, so all parts share it.
    assert.equal(new Set(rows.map((r) => r.ts)).size, 1);
    assert.deepEqual(Object.assign({}, ...rows.map((r) => r.values)), values);
  });
});

const LIMITS = { messages: "20:1", telemetryMessages: "5:1", telemetryDataPoints: "12:1" };

Deno.test("rate limits: the client keeps under the server's limits (no rate-limit close)", async () => {
  const server = await startServer();
  server.addDevice("limited", { accessToken: "lim-token" }, { rateLimits: LIMITS });
  const client = clientFor(server, { accessToken: "lim-token" });
  const closes: DisconnectEvent[] = [];
  server.on("disconnect", (e) => closes.push(e));
  try {
    await client.connect({ timeoutMs: 5000 });
    assert.deepEqual(client.sessionLimits?.rateLimits, LIMITS);
    const started = performance.now();
    // 4 messages of 2 data points, then one of 14 (split: at most 10 per message, 90 % of 12).
    const sends = [];
    for (let i = 0; i < 4; i++) sends.push(client.sendTelemetry({ a: i, b: i }));
    const wide = Object.fromEntries([...Array(14).keys()].map((i) => [`p${i}`, i]));
    sends.push(client.sendTelemetry(wide));
    const results = await Promise.all(sends);
    const elapsed = performance.now() - started;
    assert.equal(results.at(-1)!.messages, 2);
    assert.deepEqual(closes, []);
    const stored = server.telemetry("limited");
    assert.equal(stored.filter((r) => "a" in r.values).length, 4);
    assert.deepEqual(
      Object.assign(
        {},
        ...stored.filter((r) => "p0" in r.values || "p13" in r.values).map((r) => r.values),
      ),
      wide,
    );
    // 22 data points at 10 per 1.1 s window need two more windows.
    assert.ok(elapsed >= 2000, `finished in ${elapsed.toFixed(0)} ms`);
  } finally {
    await client.disconnect();
    await server.stop();
  }
});

for (const protocolVersion of [4, 5] as const) {
  Deno.test(`rate limits (MQTT ${protocolVersion === 4 ? "3.1.1" : "5"}): limits set too high: the server closes, the client slows down and delivers`, async () => {
    const server = await startServer();
    server.addDevice("limited", { accessToken: "lim-token" }, { rateLimits: LIMITS });
    // The control case: limits overridden far above the server's, so the server closes.
    const client = clientFor(server, {
      accessToken: "lim-token",
      rateLimits: { telemetryMessages: "100:1" },
      protocolVersion,
    });
    const closes: DisconnectEvent[] = [];
    server.on("disconnect", (e) => closes.push(e));
    const clientErrors: string[] = [];
    client.on("disconnect", ({ error }) => error && clientErrors.push(error.message));
    let connects = 0;
    server.on("connect", () => connects++);
    try {
      await client.connect({ timeoutMs: 5000 });
      const sends = [];
      for (let i = 0; i < 6; i++) sends.push(client.sendTelemetry({ ts: 5000 + i, values: { i } }));
      await Promise.all(sends);
      assert.ok(closes.some((e) => e.reason === "rate_limited"), JSON.stringify(closes));
      if (protocolVersion === 5) assert.match(clientErrors.join(), /0x83.*rate limit/);
      const got = new Set(server.telemetry("limited").map((r) => r.values.i));
      assert.deepEqual([...got].sort(), [0, 1, 2, 3, 4, 5]);
      assert.ok(connects < 10, `${connects} connections: a retry storm`);
    } finally {
      await client.disconnect();
      await server.stop();
    }
  });
}
