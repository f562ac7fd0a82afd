import assert from "node:assert/strict";
import {
  closed,
  connect,
  end,
  nextMessage,
  publishAcked,
  serverDisconnect,
  subscribeCodes,
  withServer,
} from "./mqtt_test_helper.ts";

const TOKEN = { accessToken: "A1b2C3" };

Deno.test("telemetry: every accepted shape is stored with its timestamp", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", TOKEN);
    const client = await connect(server, { username: "A1b2C3", protocolVersion: 5 });
    const before = Date.now();
    const t = "v1/devices/me/telemetry";
    assert.equal(await publishAcked(client, t, '{"temp":21.5,"door":"open","on":true}'), 0);
    assert.equal(await publishAcked(client, t, '[{"a":1},{"b":"x"}]'), 0);
    assert.equal(await publishAcked(client, t, '{"ts":1767225600000,"values":{"cfg":{"m":2}}}'), 0);
    assert.equal(
      await publishAcked(
        client,
        t,
        '[{"ts":1,"values":{"k":1}},{"c":3},{"ts":2,"values":{"k":2}}]',
      ),
      0,
    );
    // Type cast, 64-bit longs, over-long decimals, skipped nulls.
    assert.equal(
      await publishAcked(
        client,
        t,
        '{"ts":5,"values":{"s":"42","big":9007199254740993,"huge":123456789012345678901,' +
          '"dec":0.12345678901234567891,"n":null,"f":42.0}}',
      ),
      0,
    );
    const after = Date.now();
    const stored = server.telemetry("dev");
    assert.equal(stored.length, 8);
    assert.deepEqual(stored[0].values, { temp: 21.5, door: "open", on: true });
    assert.ok(stored[0].ts >= before && stored[0].ts <= after);
    assert.deepEqual(stored[1].values, { a: 1 });
    assert.equal(stored[1].ts, stored[2].ts); // one server timestamp per message
    assert.deepEqual(stored[3], { ts: 1767225600000, values: { cfg: { m: 2 } } });
    assert.deepEqual(stored.slice(4, 7).map((e) => e.values), [{ k: 1 }, { c: 3 }, { k: 2 }]);
    assert.deepEqual([stored[4].ts, stored[6].ts], [1, 2]);
    assert.deepEqual(stored[7], {
      ts: 5,
      values: {
        s: 42,
        big: 9007199254740993n,
        huge: "123456789012345678901",
        dec: "0.12345678901234567891",
        f: 42,
      },
    });
    await end(client);
  });
});

Deno.test("client attributes, attribute request with found scopes only", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", TOKEN);
    server.setSharedAttributes("dev", { fw_title: "tracker", fw_version: "1.4.0" });
    const client = await connect(server, { username: "A1b2C3" });
    assert.equal(await publishAcked(client, "v1/devices/me/attributes", '{"model":"X","n":7}'), 0);
    assert.deepEqual(server.clientAttributes("dev"), { model: "X", n: 7 });
    // No subscription needed for responses.
    const ask = async (id: number, body: string) => {
      const response = nextMessage(client, `v1/devices/me/attributes/response/${id}`);
      await publishAcked(client, `v1/devices/me/attributes/request/${id}`, body);
      return (await response).json;
    };
    assert.deepEqual(await ask(7, '{"sharedKeys":"fw_title,fw_version"}'), {
      shared: { fw_title: "tracker", fw_version: "1.4.0" },
    });
    assert.deepEqual(await ask(8, '{"clientKeys":"model, missing","sharedKeys":"nope"}'), {
      client: { model: "X" },
    });
    assert.deepEqual(await ask(9, '{"clientKeys":"a","sharedKeys":"b"}'), {});
    assert.deepEqual(await ask(10, '{"clientKeys":["n"]}'), { client: { n: 7 } });
    await end(client);
  });
});

Deno.test("shared attribute pushes reach only subscribed sessions, deletions too", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", TOKEN);
    const client = await connect(server, { username: "A1b2C3" });
    let early = 0;
    client.on("message", (topic) => topic === "v1/devices/me/attributes" && early++);
    server.setSharedAttributes("dev", { before: 1 }); // not subscribed: not pushed
    await client.subscribeAsync("v1/devices/me/attributes", { qos: 1 });
    assert.equal(early, 0);
    const push = nextMessage(client, "v1/devices/me/attributes");
    server.setSharedAttributes("dev", { target: 5 });
    assert.deepEqual((await push).json, { target: 5 });
    assert.equal((await push).qos, 1);
    const deleted = nextMessage(client, "v1/devices/me/attributes");
    server.deleteSharedAttributes("dev", ["target"]);
    assert.deepEqual((await deleted).json, { deleted: ["target"] });
    assert.deepEqual(server.sharedAttributes("dev"), { before: 1 });
    assert.equal(early, 2);
    await end(client);
  });
});

Deno.test("claim is recorded with the default duration when none is given", async () => {
  await withServer({ claimDurationMs: 1234 }, async (server) => {
    server.addDevice("dev", TOKEN);
    const client = await connect(server, { username: "A1b2C3" });
    await publishAcked(client, "v1/devices/me/claim", '{"secretKey":"s","durationMs":60000}');
    await publishAcked(client, "v1/devices/me/claim", "");
    const claims = server.claims("dev");
    assert.deepEqual(claims.map(({ secretKey, durationMs }) => [secretKey, durationMs]), [
      ["s", 60000],
      ["", 1234],
    ]);
    await end(client);
  });
});

Deno.test("unknown topic: PUBACK 0x90 on v5, plain PUBACK on 3.1.1; session stays", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", TOKEN);
    for (const protocolVersion of [5, 4] as const) {
      const client = await connect(server, { username: "A1b2C3", protocolVersion });
      const outcome = server.waitFor("publish", (e) => e.topic === "some/topic");
      const code = await publishAcked(client, "some/topic", "{}");
      assert.equal(code, protocolVersion === 5 ? 0x90 : 0);
      assert.equal((await outcome).outcome, "unknown_topic");
      assert.equal(client.connected, true);
      await end(client);
    }
  });
});

Deno.test("invalid JSON: v5 PUBACK 0x99 and the session stays; 3.1.1 session closed", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", TOKEN);
    const v5 = await connect(server, { username: "A1b2C3", protocolVersion: 5 });
    assert.equal(await publishAcked(v5, "v1/devices/me/telemetry", "{oops"), 0x99);
    assert.equal(await publishAcked(v5, "v1/devices/me/telemetry", '{"ok":1}'), 0);
    await end(v5);

    const v4 = await connect(server, { username: "A1b2C3", protocolVersion: 4 });
    const gone = closed(v4);
    const reason = server.waitFor("disconnect");
    v4.publish("v1/devices/me/telemetry", "42", { qos: 1 }, () => {});
    await gone;
    assert.equal((await reason).reason, "invalid_payload");
    await end(v4, true);
    assert.deepEqual(server.telemetry("dev").map((e) => e.values), [{ ok: 1 }]);
  });
});

Deno.test("a 3.1.1 profile with sendAckOnValidationException keeps the session", async () => {
  await withServer({ sendAckOnValidationException: true }, async (server) => {
    server.addDevice("dev", TOKEN);
    const client = await connect(server, { username: "A1b2C3", protocolVersion: 4 });
    assert.equal(await publishAcked(client, "v1/devices/me/attributes", "[1]"), 0);
    assert.equal(client.connected, true);
    await end(client);
  });
});

Deno.test("SUBACK: TB filters granted at QoS <= 1, others refused (0x80 / 0x8F)", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", TOKEN);
    for (const protocolVersion of [4, 5] as const) {
      const client = await connect(server, { username: "A1b2C3", protocolVersion });
      const granted = await subscribeCodes(client, {
        "v1/devices/me/attributes": { qos: 1 },
        "v1/devices/me/rpc/request/+": { qos: 2 },
        "v1/devices/me/attributes/response/+": { qos: 0 },
        "v1/devices/me/#": { qos: 1 },
      });
      assert.deepEqual(granted, [1, 1, 0, protocolVersion === 5 ? 0x8f : 0x80]);
      await end(client);
    }
  });
});

Deno.test("session takeover: the older session is closed (v5 DISCONNECT 0x8E)", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", TOKEN);
    const first = await connect(server, { username: "A1b2C3", protocolVersion: 5 });
    const reason = serverDisconnect(first);
    const gone = closed(first);
    const event = server.waitFor("disconnect");
    const second = await connect(server, { username: "A1b2C3", protocolVersion: 5 });
    assert.equal(await reason, 0x8e);
    await gone;
    assert.deepEqual(await event, {
      session: (await event).session,
      device: "dev",
      reason: "takeover",
      reasonCode: 0x8e,
    });
    assert.equal(second.connected, true);
    await end(first, true);

    const old4 = await connect(server, { username: "A1b2C3", protocolVersion: 4 });
    const gone4 = closed(second);
    await gone4; // the v5 one was taken over by a 3.1.1 client
    const gone3 = closed(old4);
    const newest = await connect(server, { username: "A1b2C3", protocolVersion: 4 });
    await gone3;
    await end(second, true);
    await end(old4, true);
    await end(newest);
  });
});

Deno.test("a packet over maxPayloadSize closes the session (v5 DISCONNECT 0x81)", async () => {
  await withServer({}, async (server) => {
    server.addDevice("dev", TOKEN);
    const client = await connect(server, { username: "A1b2C3", protocolVersion: 5 });
    const ok = JSON.stringify({ blob: "x".repeat(60000) });
    assert.equal(await publishAcked(client, "v1/devices/me/telemetry", ok), 0);
    const reason = serverDisconnect(client);
    const event = server.waitFor("disconnect");
    client.publish("v1/devices/me/telemetry", JSON.stringify({ blob: "x".repeat(70000) }), {
      qos: 1,
    }, () => {});
    assert.equal(await reason, 0x81);
    assert.equal((await event).reason, "packet_too_large");
    await closed(client);
    await end(client, true);
    assert.equal(server.telemetry("dev").length, 1);
  });
});

Deno.test("a smaller maxPayloadSize closes a 3.1.1 session without DISCONNECT", async () => {
  await withServer({ maxPayloadSize: 1024 }, async (server) => {
    server.addDevice("dev", TOKEN);
    const client = await connect(server, { username: "A1b2C3", protocolVersion: 4 });
    const gone = closed(client);
    client.publish("v1/devices/me/telemetry", JSON.stringify({ b: "x".repeat(2000) }), {
      qos: 1,
    }, () => {});
    await gone;
    await end(client, true);
    assert.equal(server.telemetry("dev").length, 0);
  });
});
