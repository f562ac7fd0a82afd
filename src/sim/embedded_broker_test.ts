import assert from "node:assert/strict";
import mqtt from "mqtt";
import { startEmbeddedBroker } from "./embedded_broker.ts";

Deno.test("embedded broker listens on 127.0.0.1 with a system-picked port", async () => {
  const broker = await startEmbeddedBroker();
  try {
    assert.equal(broker.host, "127.0.0.1");
    assert.ok(broker.port > 0);
    assert.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`);
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    assert.equal(client.connected, true);
    await client.endAsync();
  } finally {
    await broker.close();
  }
});

Deno.test("embedded broker lets through only what authenticate accepts", async () => {
  const seen: [string | undefined, string | undefined][] = [];
  const broker = await startEmbeddedBroker({
    authenticate: (username, password) => {
      seen.push([username, password]);
      return username === "agent" && password === "s3cret-ü";
    },
  });
  try {
    const good = await mqtt.connectAsync(broker.url, {
      reconnectPeriod: 0,
      username: "agent",
      password: "s3cret-ü",
    });
    await good.endAsync();
    await assert.rejects(
      mqtt.connectAsync(broker.url, { reconnectPeriod: 0, username: "agent", password: "wrong" }),
      { code: 4 }, // CONNACK "bad user name or password"
    );
    await assert.rejects(mqtt.connectAsync(broker.url, { reconnectPeriod: 0 }), { code: 4 });
    assert.deepEqual(seen, [["agent", "s3cret-ü"], ["agent", "wrong"], [undefined, undefined]]);
  } finally {
    await broker.close();
  }
});

Deno.test("a throwing authenticate hook denies instead of crashing the broker", async () => {
  const broker = await startEmbeddedBroker({
    authenticate: () => {
      throw new Error("hook bug");
    },
  });
  try {
    await assert.rejects(mqtt.connectAsync(broker.url, { reconnectPeriod: 0 }), { code: 4 });
  } finally {
    await broker.close();
  }
});

Deno.test("close ends connections that never sent CONNECT and frees the port", async () => {
  const broker = await startEmbeddedBroker();
  const silent = await Deno.connect({ hostname: "127.0.0.1", port: broker.port });
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  await Promise.all([broker.close(), broker.close()]);
  // The broker closed the silent connection: reading hits end of stream.
  const read = await silent.read(new Uint8Array(16)).catch(() => null);
  assert.equal(read, null);
  silent.close();
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port: broker.port }),
    Deno.errors.ConnectionRefused,
  );
  await client.endAsync();
});

Deno.test("embedded broker can listen again on the port it had", async () => {
  const first = await startEmbeddedBroker();
  await first.close();
  const second = await startEmbeddedBroker({ port: first.port });
  try {
    assert.equal(second.port, first.port);
  } finally {
    await second.close();
  }
});

Deno.test("embedded broker reports a port in use clearly", async () => {
  const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = holder.addr as Deno.NetAddr;
  try {
    await assert.rejects(startEmbeddedBroker({ port }), (error: Error) => {
      assert.match(error.message, new RegExp(`^Cannot start broker on "127.0.0.1:${port}": `));
      return true;
    });
  } finally {
    holder.close();
  }
});

Deno.test("embedded broker rejects bad options", async () => {
  await assert.rejects(startEmbeddedBroker({ port: 70000 }), {
    name: "RangeError",
    message: 'Cannot start broker: port must be an integer 0..65535, got "70000"',
  });
  await assert.rejects(startEmbeddedBroker({ port: 1.5 }), { name: "RangeError" });
  await assert.rejects(startEmbeddedBroker({ host: "" }), { name: "TypeError" });
  await assert.rejects(
    // @ts-expect-error: deliberately not a function
    startEmbeddedBroker({ authenticate: "yes" }),
    { name: "TypeError", message: "Cannot start broker: authenticate must be a function" },
  );
});
