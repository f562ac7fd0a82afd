import assert from "node:assert/strict";
import { startFixture } from "../../tests/support/bridge_fixture.ts";
import { VERSION } from "../version.ts";
import {
  AGENT_EVENT_NAMES,
  AgentEventPublisher,
  eventPayload,
  eventTopic,
  statusTopic,
} from "./events.ts";
import { buildStatus } from "./status.ts";

/** A publisher that records what it would publish, at a fixed clock. */
function recording(base = "tfedge/", nowMs = 1_700_000_000_999) {
  const sent: [topic: string, payload: string][] = [];
  const logged: string[] = [];
  const events = new AgentEventPublisher({
    base,
    publish: (topic, payload) => sent.push([topic, payload]),
    log: (line) => logged.push(line),
    now: () => nowMs,
  });
  return { events, sent, logged };
}

Deno.test("events: topic <base>event/<Event>, payload fields + _event + _timestamp", () => {
  const { events, sent, logged } = recording();
  events.emit("DeviceConnected", {
    uid: "Tmp",
    device: "temperature_v2_bricklet",
    name: "Temperature Bricklet 2.0",
    position: "a",
    connectedUid: "HAT1",
  });
  assert.deepEqual(sent, [[
    "tfedge/event/DeviceConnected",
    '{"uid":"Tmp","device":"temperature_v2_bricklet","name":"Temperature Bricklet 2.0",' +
    '"position":"a","connectedUid":"HAT1","_event":"DeviceConnected","_timestamp":1700000000}',
  ]]);
  assert.deepEqual(logged, [`Event DeviceConnected ${sent[0][1]}`]);
});

Deno.test("events: an event without fields carries only _event and _timestamp", () => {
  const { events, sent } = recording("octoPrint/", 1_500);
  events.emit("Shutdown", {});
  assert.deepEqual(sent, [["octoPrint/event/Shutdown", '{"_event":"Shutdown","_timestamp":1}']]);
});

Deno.test("events: every event name builds its topic under the base", () => {
  assert.equal(AGENT_EVENT_NAMES.length, 10);
  for (const name of AGENT_EVENT_NAMES) {
    assert.equal(eventTopic("site/a/", name), `site/a/event/${name}`);
  }
  assert.equal(eventTopic("", "Startup"), "event/Startup");
  assert.equal(statusTopic("tfedge/"), "tfedge/status");
  assert.deepEqual(eventPayload("BufferOverflow", { dropped: 3, policy: "drop-oldest" }, 0), {
    dropped: 3,
    policy: "drop-oldest",
    _event: "BufferOverflow",
    _timestamp: 0,
  });
});

Deno.test("events: a base with MQTT wildcards is refused", () => {
  for (const base of ["tfedge/#/", "+/", "a\0b/"]) {
    assert.throws(() => recording(base), {
      name: "TypeError",
      message: /^Invalid event topic base ".*": MQTT wildcards \(\+, #\) and NUL are not allowed$/s,
    });
  }
});

Deno.test("events: status goes to <base>status with _timestamp; it is not logged", () => {
  const { events, sent, logged } = recording("tfedge/", 42_000);
  const status = buildStatus({
    startedAt: 0,
    now: 42_000,
    brickd: { host: "localhost", port: 4223, connected: false },
    broker: { enabled: true, connected: true },
    cloud: { state: "disabled" },
    sampling: { intervalMs: 10_000, slowdown: 1 },
  });
  events.publishStatus({ ...status, state: "running" });
  assert.equal(sent.length, 1);
  assert.equal(sent[0][0], "tfedge/status");
  const payload = JSON.parse(sent[0][1]);
  assert.equal(payload.state, "running");
  assert.equal(payload._timestamp, 42);
  assert.equal(payload.uptime, 42);
  assert.equal(payload.version, VERSION);
  assert.deepEqual(payload.broker, { enabled: true, state: "connected" });
  assert.equal(payload.buffer, null);
  assert.deepEqual(logged, []);
});

Deno.test("events: a throwing publish is logged, not thrown", () => {
  const logged: string[] = [];
  const events = new AgentEventPublisher({
    base: "tfedge/",
    publish: () => {
      throw new Error("queue closed");
    },
    log: (line) => logged.push(line),
  });
  events.emit("CloudDisconnected", { reason: "timeout" });
  assert.equal(logged.length, 2);
  assert.equal(logged[1], "Could not publish tfedge/event/CloudDisconnected: queue closed");
});

Deno.test("events: published through the bridge's queue to a real broker", async () => {
  const fixture = await startFixture();
  try {
    const bridge = fixture.bridge!;
    await fixture.watcher.client.subscribeAsync("tfedge/#", { qos: 0 });
    const events = new AgentEventPublisher({
      base: "tfedge/",
      publish: (topic, payload) => bridge.publish(topic, payload),
    });
    const before = Math.floor(Date.now() / 1000);
    events.emit("Startup", { version: VERSION });
    events.emit("BrickdConnected", { host: "127.0.0.1", port: fixture.brickd.port });
    const startup = JSON.parse(await fixture.watcher.payloadOf("tfedge/event/Startup"));
    assert.deepEqual(Object.keys(startup), ["version", "_event", "_timestamp"]);
    assert.equal(startup.version, VERSION);
    assert.equal(startup._event, "Startup");
    assert.ok(Number.isInteger(startup._timestamp) && startup._timestamp >= before);
    const connected = JSON.parse(await fixture.watcher.payloadOf("tfedge/event/BrickdConnected"));
    assert.deepEqual(connected, {
      host: "127.0.0.1",
      port: fixture.brickd.port,
      _event: "BrickdConnected",
      _timestamp: connected._timestamp,
    });
    assert.equal(bridge.counters.publish.dropped, 0);
  } finally {
    await fixture.close();
  }
});
