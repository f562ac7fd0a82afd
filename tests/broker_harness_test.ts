/**
 * The test brokers themselves: every available kind (mosquitto, aedes) carries
 * QoS 0 and QoS 1 both ways, survives a restart on the same port, and frees its
 * port on stop. Talks to them with MQTT.js, the client the agent uses.
 */

import assert from "node:assert/strict";
import mqtt, { type MqttClient } from "mqtt";
import { brokerKinds, startTestBroker } from "./support/broker.ts";
import { within } from "./support/deadline.ts";

const DEADLINE_MS = 5_000;

/** Resolves on the client's next `event`, or rejects after the deadline. */
function nextEvent(client: MqttClient, event: "connect" | "close"): Promise<void> {
  const seen = new Promise<void>((resolve) => client.once(event, () => resolve()));
  return within(seen, DEADLINE_MS, `"${event}" event`);
}

/** Collects `count` messages, or rejects after the deadline with what arrived. */
function collectMessages(
  client: MqttClient,
  count: number,
): Promise<{ topic: string; payload: string }[]> {
  const got: { topic: string; payload: string }[] = [];
  return new Promise((resolve, reject) => {
    const onMessage = (topic: string, payload: Uint8Array) => {
      got.push({ topic, payload: new TextDecoder().decode(payload) });
      if (got.length < count) return;
      finish();
      resolve(got);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`Got ${got.length} of ${count} messages within ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    const finish = () => {
      clearTimeout(timer);
      client.off("message", onMessage);
    };
    client.on("message", onMessage);
  });
}

/** Publishes at QoS 1 and returns the command of the packet that answered it. */
async function publishQos1(client: MqttClient, topic: string, payload: string): Promise<string> {
  let answer = "none";
  const watch = (packet: { cmd: string }) => answer = packet.cmd;
  client.on("packetreceive", watch);
  try {
    // MQTT.js settles a QoS 1 publish only once its PUBACK is in.
    await client.publishAsync(topic, payload, { qos: 1 });
    return answer;
  } finally {
    client.off("packetreceive", watch);
  }
}

async function refusesConnections(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return false;
  } catch (error) {
    return error instanceof Deno.errors.ConnectionRefused;
  }
}

for (const kind of brokerKinds()) {
  Deno.test(`${kind}: a subscriber receives QoS 0 and QoS 1 publishes`, async () => {
    const broker = await startTestBroker({ kind });
    assert.equal(broker.kind, kind);
    assert.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`);
    const subscriber = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const publisher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    try {
      const granted = await subscriber.subscribeAsync("harness/#", { qos: 1 });
      assert.deepEqual(granted.map((g) => g.qos), [1]);
      const arrived = collectMessages(subscriber, 2);
      await publisher.publishAsync("harness/zero", "q0", { qos: 0 });
      assert.equal(await publishQos1(publisher, "harness/one", "q1"), "puback");
      assert.deepEqual(await arrived, [
        { topic: "harness/zero", payload: "q0" },
        { topic: "harness/one", payload: "q1" },
      ]);
    } finally {
      await subscriber.endAsync();
      await publisher.endAsync();
      await broker.stop();
    }
  });

  Deno.test(`${kind}: restart keeps the port and a reconnecting client comes back`, async () => {
    const broker = await startTestBroker({ kind });
    const port = broker.port;
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 20 });
    try {
      const lost = nextEvent(client, "close");
      const back = lost.then(() => nextEvent(client, "connect"));
      await broker.restart();
      assert.equal(broker.port, port);
      await lost;
      await back;
      assert.equal(client.connected, true);
      // The new broker answers.
      assert.equal(await publishQos1(client, "harness/after-restart", "x"), "puback");
    } finally {
      await client.endAsync();
      await broker.stop();
    }
  });

  Deno.test(`${kind}: stop frees the port and can be called twice`, async () => {
    const broker = await startTestBroker({ kind });
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const closed = nextEvent(client, "close");
    await broker.stop();
    await closed;
    assert.equal(await refusesConnections(broker.port), true);
    await broker.stop();
    await client.endAsync();
  });
}

Deno.test("startTestBroker rejects an unknown kind", async () => {
  await assert.rejects(
    // @ts-expect-error: deliberately wrong kind
    () => startTestBroker({ kind: "emqx" }),
    { name: "TypeError", message: 'Cannot start broker: unknown kind "emqx"' },
  );
});

Deno.test("brokerKinds always offers the embedded broker", () => {
  assert.equal(brokerKinds().includes("aedes"), true);
});

Deno.test("startTestBroker defaults to the first available kind", async () => {
  const broker = await startTestBroker();
  try {
    assert.equal(broker.kind, brokerKinds()[0]);
  } finally {
    await broker.stop();
  }
});
