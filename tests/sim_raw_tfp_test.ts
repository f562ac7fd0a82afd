/**
 * The simulated brickd seen through a raw TCP client built from the header,
 * framing and payload modules: every assertion is about bytes on the wire.
 */
import assert from "node:assert/strict";
import { parseUid } from "../src/tfp/base58.ts";
import { authenticationDigest } from "../src/tfp/auth.ts";
import { buildPacket, type Packet } from "../src/tfp/header.ts";
import { decodeEnumerate, decodeIdentity } from "../src/tfp/identity.ts";
import { decodeNamed, encodeNamed } from "../src/tfp/payload.ts";
import { callbackByName, deviceByName, functionByName } from "../src/tfp/registry.ts";
import type { PacketSpec } from "../src/tfp/spec.ts";
import {
  ConfigError,
  DEFAULT_DEVICES,
  SimulatedBrickd,
  startSimulatedBrickd,
} from "../src/sim/mod.ts";
import { RawTfpClient } from "./support/raw_tfp_client.ts";
import { within } from "./support/deadline.ts";

const BTN = parseUid("Btn");
const TMP = parseUid("Tmp");
const SER = parseUid("Ser");
const LED = parseUid("Led");

function fn(device: string, name: string): PacketSpec {
  const packet = functionByName(deviceByName(device)!, name);
  assert.ok(packet, `${device}.${name} exists`);
  return packet;
}

const isResponse = (uid: number, fid: number) => (p: Packet) =>
  p.header.uid === uid && p.header.functionId === fid && p.header.sequence !== 0;
const isCallback = (uid: number, fid: number) => (p: Packet) =>
  p.header.uid === uid && p.header.functionId === fid && p.header.sequence === 0;
const isEnumerate = (p: Packet) => p.header.functionId === 253 && p.header.sequence === 0;

async function withSim(
  options: Parameters<typeof startSimulatedBrickd>[0],
  body: (
    sim: Awaited<ReturnType<typeof startSimulatedBrickd>>,
    client: RawTfpClient,
  ) => Promise<void>,
): Promise<void> {
  const sim = await startSimulatedBrickd({ devices: DEFAULT_DEVICES, seed: 1, ...options });
  const client = await RawTfpClient.connect(sim.port);
  try {
    await body(sim, client);
  } finally {
    await client.close();
    await sim.stop();
  }
}

Deno.test("enumerate returns every configured device with its identity", async () => {
  await withSim({}, async (_sim, client) => {
    await client.request(0, 254, undefined, false);
    const packets = await client.collect(isEnumerate, DEFAULT_DEVICES.length);
    const events = packets.map((p) => ({
      uid: p.header.uid,
      length: p.header.length,
      e: decodeEnumerate(p.payload),
    }));
    for (const config of DEFAULT_DEVICES) {
      const found = events.find((event) => event.e.uid === config.uid);
      assert.ok(found, `enumerate for ${config.uid}`);
      assert.equal(found.uid, parseUid(config.uid));
      assert.equal(found.length, 34);
      assert.equal(found.e.connectedUid, config.connected_uid);
      assert.equal(found.e.position, config.position);
      assert.deepEqual(found.e.hardwareVersion, config.hardware_version);
      assert.deepEqual(found.e.firmwareVersion, config.firmware_version);
      assert.equal(found.e.deviceIdentifier, deviceByName(config.type as string)!.identifier);
      assert.equal(found.e.enumerationType, "available");
    }
  });
});

Deno.test("get_identity answers with the configured identity and copies the header", async () => {
  await withSim({}, async (_sim, client) => {
    const response = await client.call(BTN, 255);
    assert.equal(response.header.length, 33);
    assert.equal(response.header.responseExpected, true);
    assert.equal(response.header.errorCode, 0);
    assert.deepEqual(decodeIdentity(response.payload), {
      uid: "Btn",
      connectedUid: "HAT1",
      position: "e",
      hardwareVersion: [1, 0, 0],
      firmwareVersion: [2, 0, 0],
      deviceIdentifier: 282,
    });
  });
});

Deno.test("setter then getter round trip (RGB LED Button set_color/get_color)", async () => {
  await withSim({}, async (_sim, client) => {
    const setColor = fn("rgb_led_button_bricklet", "set_color");
    const getColor = fn("rgb_led_button_bricklet", "get_color");
    const before = await client.call(BTN, getColor.id);
    assert.deepEqual(decodeNamed(getColor.out, before.payload), { red: 0, green: 64, blue: 255 });
    const ack = await client.call(
      BTN,
      setColor.id,
      encodeNamed(setColor.in, { red: 10, green: 20, blue: 30 }),
    );
    assert.equal(ack.header.length, 8);
    assert.equal(ack.header.errorCode, 0);
    const after = await client.call(BTN, getColor.id);
    assert.deepEqual(decodeNamed(getColor.out, after.payload), { red: 10, green: 20, blue: 30 });
    // R=0: no response, but the value is stored.
    await client.request(
      BTN,
      setColor.id,
      encodeNamed(setColor.in, { red: 1, green: 2, blue: 3 }),
      false,
    );
    const last = await client.call(BTN, getColor.id);
    assert.deepEqual(decodeNamed(getColor.out, last.payload), { red: 1, green: 2, blue: 3 });
    assert.equal(client.inbox.filter(isResponse(BTN, setColor.id)).length, 0);
  });
});

Deno.test("unknown UID gets no answer at all", async () => {
  await withSim({}, async (_sim, client) => {
    await client.request(parseUid("Nope"), 255);
    await client.expectNothing((p) => p.header.sequence !== 0, 300, "response for an unknown UID");
  });
});

Deno.test("unknown function id → error 2, wrong length → error 1, failNext → given code", async () => {
  await withSim({}, async (sim, client) => {
    const unknown = await client.call(BTN, 200);
    assert.equal(unknown.header.errorCode, 2);
    assert.equal(unknown.header.length, 8);
    const setColor = fn("rgb_led_button_bricklet", "set_color");
    const wrong = await client.call(BTN, setColor.id, Uint8Array.of(1, 2));
    assert.equal(wrong.header.errorCode, 1);
    sim.failNext("Btn", "get_color", 3);
    const failed = await client.call(BTN, fn("rgb_led_button_bricklet", "get_color").id);
    assert.equal(failed.header.errorCode, 3);
    const fine = await client.call(BTN, fn("rgb_led_button_bricklet", "get_color").id);
    assert.equal(fine.header.errorCode, 0);
  });
});

Deno.test("a bad request header closes the connection like brickd", async (t) => {
  const bad: [string, Uint8Array][] = [
    ["sequence 0", buildPacket(BTN, 255, 0, true)],
    ["function id 0", buildPacket(BTN, 0, 1, true)],
    ["length 7", Uint8Array.of(0, 0, 0, 0, 7, 255, 0x18, 0)],
    ["length 81", Uint8Array.of(0, 0, 0, 0, 81, 255, 0x18, 0)],
  ];
  for (const [name, bytes] of bad) {
    await t.step(name, async () => {
      await withSim({}, async (_sim, client) => {
        await client.send(bytes);
        await within(client.closed, 2000, "connection close");
        assert.equal(client.isClosed, true);
      });
    });
  }
});

const SECRET = "sim secret";

async function authenticate(client: RawTfpClient, secret: string): Promise<Packet | undefined> {
  const nonce = await client.call(1, 1);
  assert.equal(nonce.header.length, 12);
  const clientNonce = Uint8Array.of(1, 2, 3, 4);
  const payload = new Uint8Array(24);
  payload.set(clientNonce, 0);
  payload.set(authenticationDigest(secret, nonce.payload, clientNonce), 4);
  const sequence = await client.request(1, 2, payload);
  return await Promise.race([
    client.waitFor((p) => p.header.uid === 1 && p.header.sequence === sequence, 2000),
    client.closed.then(() => undefined),
  ]);
}

Deno.test("authentication: nothing before the handshake, the right digest opens the door", async () => {
  await withSim({ secret: SECRET }, async (_sim, client) => {
    await client.request(BTN, 255);
    await client.request(0, 254, undefined, false);
    await client.expectNothing(() => true, 300, "packet before authentication");
    const ack = await authenticate(client, SECRET);
    assert.ok(ack, "authenticate acknowledged");
    assert.equal(ack.header.errorCode, 0);
    assert.equal(ack.header.length, 8);
    const identity = await client.call(BTN, 255);
    assert.equal(decodeIdentity(identity.payload).uid, "Btn");
  });
});

Deno.test("authentication: a wrong digest closes the connection", async () => {
  await withSim({ secret: SECRET }, async (_sim, client) => {
    const ack = await authenticate(client, "not the secret");
    assert.equal(ack, undefined);
    await within(client.closed, 2000, "connection close");
  });
});

Deno.test("authentication: a handshake against a server without secret disconnects", async () => {
  await withSim({}, async (_sim, client) => {
    await client.request(1, 1);
    await within(client.closed, 2000, "connection close");
  });
});

Deno.test("periodic callback after set_temperature_callback_configuration", async () => {
  await withSim({}, async (_sim, client) => {
    const config = fn("temperature_v2_bricklet", "set_temperature_callback_configuration");
    const callback = callbackByName(deviceByName("temperature_v2_bricklet")!, "temperature")!;
    const request = { period: 50, value_has_to_change: false, option: "x", min: 0, max: 0 };
    const ack = await client.call(TMP, config.id, encodeNamed(config.in, request));
    assert.equal(ack.header.errorCode, 0);
    const packets = await client.collect(isCallback(TMP, callback.id), 3, 3000);
    for (const packet of packets) {
      assert.equal(packet.header.responseExpected, true);
      const { temperature } = decodeNamed(callback.out, packet.payload);
      assert.ok(typeof temperature === "number" && temperature >= -4500 && temperature <= 13000);
    }
    const getConfig = fn("temperature_v2_bricklet", "get_temperature_callback_configuration");
    const stored = await client.call(TMP, getConfig.id);
    assert.deepEqual(decodeNamed(getConfig.out, stored.payload), request);
  });
});

Deno.test("fired event callback reaches every client and updates the getter", async () => {
  await withSim({}, async (sim, client) => {
    const second = await RawTfpClient.connect(sim.port);
    try {
      await client.call(BTN, 255); // both sessions are registered once they have been served
      await second.call(BTN, 255);
      const callback = callbackByName(
        deviceByName("rgb_led_button_bricklet")!,
        "button_state_changed",
      )!;
      assert.equal(sim.fireCallback("Btn", "button_state_changed", { state: 0 }), true);
      for (const c of [client, second]) {
        const packet = await c.waitFor(isCallback(BTN, callback.id));
        assert.deepEqual(decodeNamed(callback.out, packet.payload), { state: 0 });
      }
      const getState = fn("rgb_led_button_bricklet", "get_button_state");
      const state = await client.call(BTN, getState.id);
      assert.deepEqual(decodeNamed(getState.out, state.payload), { state: 0 });
    } finally {
      await second.close();
    }
  });
});

Deno.test("stream in then stream out: RS232 2.0 write → read loopback", async () => {
  await withSim({}, async (_sim, client) => {
    const write = fn("rs232_v2_bricklet", "write_low_level");
    const read = fn("rs232_v2_bricklet", "read_low_level");
    const message =
      "The quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps again!";
    const chars = [...message];
    let total = 0;
    for (let offset = 0; offset < chars.length; offset += 60) {
      const chunk = chars.slice(offset, offset + 60);
      while (chunk.length < 60) chunk.push("\0");
      const payload = encodeNamed(write.in, {
        message_length: chars.length,
        message_chunk_offset: offset,
        message_chunk_data: chunk,
      });
      const response = await client.call(SER, write.id, payload);
      total += decodeNamed(write.out, response.payload).message_chunk_written as number;
    }
    assert.equal(total, chars.length);
    const received: string[] = [];
    while (received.length < chars.length) {
      const response = await client.call(SER, read.id, encodeNamed(read.in, { length: 1000 }));
      const values = decodeNamed(read.out, response.payload);
      assert.equal(values.message_length, chars.length);
      assert.equal(values.message_chunk_offset, received.length);
      received.push(...(values.message_chunk_data as string[]));
    }
    assert.equal(received.slice(0, chars.length).join(""), message);
    const empty = await client.call(SER, read.id, encodeNamed(read.in, { length: 1000 }));
    assert.equal(decodeNamed(read.out, empty.payload).message_length, 0);
  });
});

Deno.test("stream in then stream out: LED Strip 2.0 set_led_values → get_led_values", async () => {
  await withSim({}, async (_sim, client) => {
    const set = fn("led_strip_v2_bricklet", "set_led_values_low_level");
    const get = fn("led_strip_v2_bricklet", "get_led_values_low_level");
    const values = Array.from({ length: 150 }, (_, i) => (i * 7) % 256);
    for (let offset = 0; offset < values.length; offset += 58) {
      const chunk = values.slice(offset, offset + 58);
      while (chunk.length < 58) chunk.push(0);
      await client.call(
        LED,
        set.id,
        encodeNamed(set.in, {
          index: 3,
          value_length: values.length,
          value_chunk_offset: offset,
          value_chunk_data: chunk,
        }),
      );
    }
    const collected: number[] = [];
    while (collected.length < 153) {
      const response = await client.call(
        LED,
        get.id,
        encodeNamed(get.in, { index: 0, length: 153 }),
      );
      const out = decodeNamed(get.out, response.payload);
      assert.equal(out.value_length, 153);
      assert.equal(out.value_chunk_offset, collected.length);
      collected.push(...(out.value_chunk_data as number[]));
    }
    assert.deepEqual(collected.slice(0, 153), [0, 0, 0, ...values]);
  });
});

Deno.test("attach and detach send CONNECTED and DISCONNECTED enumerate callbacks", async () => {
  await withSim({}, async (sim, client) => {
    await client.call(BTN, 255);
    sim.attachDevice({
      type: "ambient_light_v3_bricklet",
      uid: "Lux2",
      position: "z",
      connected_uid: "HAT1",
    });
    const connected = decodeEnumerate((await client.waitFor(isEnumerate)).payload);
    assert.equal(connected.uid, "Lux2");
    assert.equal(connected.enumerationType, "connected");
    assert.equal(connected.deviceIdentifier, 2131);
    assert.equal((await client.call(parseUid("Lux2"), 255)).header.errorCode, 0);
    sim.detachDevice("Lux2");
    const gone = decodeEnumerate((await client.waitFor(isEnumerate)).payload);
    assert.deepEqual(gone, {
      uid: "Lux2",
      connectedUid: "",
      position: "\0",
      hardwareVersion: [0, 0, 0],
      firmwareVersion: [0, 0, 0],
      deviceIdentifier: 0,
      enumerationType: "disconnected",
      enumerationTypeCode: 2,
    });
    await client.request(parseUid("Lux2"), 255);
    await client.expectNothing(
      (p) => p.header.sequence !== 0,
      300,
      "response from a detached device",
    );
  });
});

Deno.test("stop() then start() serves again on the same port", async () => {
  const sim = await startSimulatedBrickd({ devices: DEFAULT_DEVICES, seed: 2 });
  try {
    const port = sim.port;
    const first = await RawTfpClient.connect(port);
    await first.call(BTN, 255);
    await sim.stop();
    await within(first.closed, 2000, "close on stop");
    await first.close();
    await sim.start();
    assert.equal(sim.port, port);
    const second = await RawTfpClient.connect(port);
    try {
      assert.equal(decodeIdentity((await second.call(BTN, 255)).payload).uid, "Btn");
      assert.equal(sim.stats.clients, 1);
      assert.ok(sim.stats.requests >= 2);
    } finally {
      await second.close();
    }
  } finally {
    await sim.stop();
  }
});

Deno.test("setSilent drops requests and dropAllConnections closes clients", async () => {
  await withSim({}, async (sim, client) => {
    sim.setSilent(true);
    await client.request(BTN, 255);
    await client.expectNothing(() => true, 300, "answer while silent");
    sim.setSilent(false);
    assert.equal((await client.call(BTN, 255)).header.errorCode, 0);
    await sim.dropAllConnections();
    await within(client.closed, 2000, "close after dropAllConnections");
  });
});

Deno.test("RS232 2.0 with the read callback enabled: written data comes back as callbacks", async () => {
  await withSim({}, async (sim, client) => {
    const enable = fn("rs232_v2_bricklet", "enable_read_callback");
    const write = fn("rs232_v2_bricklet", "write_low_level");
    const callback = callbackByName(deviceByName("rs232_v2_bricklet")!, "read_low_level")!;
    assert.equal((await client.call(SER, enable.id)).header.errorCode, 0);
    const chunk = [..."ping".padEnd(60, "\0")];
    await client.call(
      SER,
      write.id,
      encodeNamed(write.in, {
        message_length: 4,
        message_chunk_offset: 0,
        message_chunk_data: chunk,
      }),
    );
    const echoed = decodeNamed(
      callback.out,
      (await client.waitFor(isCallback(SER, callback.id))).payload,
    );
    assert.equal(echoed.message_length, 4);
    assert.equal((echoed.message_chunk_data as string[]).slice(0, 4).join(""), "ping");
    // The in-process API sends a longer message in 60-character chunks.
    assert.equal(sim.emitStreamCallback("Ser", "read", "x".repeat(100)), 2);
    const chunks = await client.collect(isCallback(SER, callback.id), 2);
    assert.deepEqual(
      chunks.map((p) => decodeNamed(callback.out, p.payload).message_chunk_offset),
      [0, 60],
    );
  });
});

Deno.test("sendGarbage reaches the client, which resynchronises", async () => {
  await withSim({}, async (sim, client) => {
    await client.call(BTN, 255);
    sim.sendGarbage(new Uint8Array(8).fill(0xff));
    const identity = await client.call(BTN, 255);
    assert.equal(decodeIdentity(identity.payload).uid, "Btn");
    assert.equal(client.isClosed, false);
    const stats = sim.stats;
    assert.equal(stats.clients, 1);
    assert.equal(stats.connections, 1);
    assert.equal(stats.requests, 2);
    assert.equal(stats.responses, 2);
  });
});

Deno.test("constructor rejects bad secrets and device lists without starting anything", () => {
  assert.throws(
    () => new SimulatedBrickd({ secret: "geheimnis ü" }),
    (error: Error) => error instanceof TypeError && !error.message.includes("geheimnis"),
  );
  assert.throws(() => new SimulatedBrickd({ devices: [{ type: "x", uid: "A" }] }), ConfigError);
});
