/**
 * The gateway client end to end against the ThingsBoard test server (real
 * MQTT over loopback): sub-device telemetry, attributes, attribute requests,
 * shared attribute pushes, server-side RPC, the gateway's own device API.
 */
import assert from "node:assert/strict";
import type { AttributeUpdate } from "./attributes.ts";
import { ThingsBoardError } from "./errors.ts";
import { nextEvent, within } from "../../tests/support/deadline.ts";
import { GATEWAY, gatewayFor, startGatewayServer, withGateway } from "./gateway_test_support.ts";

const ZQV = "Temperature Bricklet 2.0 ZQv";
const HUM = "Humidity Bricklet 2.0 Hx1";
const BARO = "greenhouse";

for (const protocolVersion of [4, 5] as const) {
  const v = `MQTT ${protocolVersion === 4 ? "3.1.1" : "5"}`;

  Deno.test(`gateway ${v}: telemetry of 3 sub-devices lands under each name with plain keys`, async () => {
    await withGateway(async (gateway, server) => {
      assert.deepEqual(gateway.sessionLimits?.gatewayRateLimits, {
        messages: "",
        telemetryMessages: "",
        telemetryDataPoints: "",
      });
      await gateway.connectDevice(ZQV, "Temperature Bricklet 2.0");
      const sent = await gateway.sendTelemetry({
        [ZQV]: [{ ts: 1767225600000, values: { temperature: 23.45 } }],
        [HUM]: { ts: 1767225600000, values: { humidity: 41.2 } },
        [BARO]: { air_pressure: 1013.2, altitude: 12 },
      });
      assert.deepEqual(sent, { messages: 1 });
      assert.deepEqual(server.telemetry(ZQV), [
        { ts: 1767225600000, values: { temperature: 23.45 } },
      ]);
      assert.deepEqual(server.telemetry(HUM), [{ ts: 1767225600000, values: { humidity: 41.2 } }]);
      assert.deepEqual(server.telemetry(BARO)[0].values, { air_pressure: 1013.2, altitude: 12 });
      const zqv = server.devices().find((d) => d.name === ZQV);
      assert.equal(zqv?.type, "Temperature Bricklet 2.0");
      assert.equal(zqv?.parentGateway, GATEWAY);
      assert.deepEqual(gateway.devices.sort(), [BARO, HUM, ZQV].sort());
      // The gateway's own device API shares the connection.
      await gateway.device.sendTelemetry({ uptime: 5 });
      assert.deepEqual(server.telemetry(GATEWAY).at(-1)?.values, { uptime: 5 });
      assert.deepEqual(server.telemetry(ZQV).length, 1);
    }, { client: { protocolVersion } });
  });

  Deno.test(`gateway ${v}: server RPC to a sub-device is answered`, async () => {
    await withGateway(async (gateway, server) => {
      const calls: unknown[][] = [];
      gateway.setServerSideRpcRequestHandler(async (device, method, params, id) => {
        calls.push([device, method, params, id]);
        await Promise.resolve();
        if (method === "fail") throw new Error("no such function");
        return { device, method, params };
      });
      await gateway.connectDevice(ZQV);
      await gateway.connectDevice(HUM);
      assert.deepEqual(await server.pushRpc(ZQV, "get_temperature", { a: 1 }), {
        device: ZQV,
        method: "get_temperature",
        params: { a: 1 },
      });
      assert.deepEqual(await server.pushRpc(HUM, "get_humidity"), {
        device: HUM,
        method: "get_humidity",
        params: {},
      });
      assert.deepEqual(await server.pushRpc(ZQV, "fail"), { error: "no such function" });
      // Ids count per device, as ThingsBoard's do.
      assert.deepEqual(calls.map((c) => c[3]), [0, 0, 1]);
      assert.equal(gateway.rpcStats.requests, 3);
      // undefined: no reply now; the app replies later.
      const called = Promise.withResolvers<number>();
      gateway.setServerSideRpcRequestHandler((_device, _method, _params, id) => {
        called.resolve(id);
        return undefined;
      });
      const later = server.pushRpc(HUM, "slow", {}, { timeoutMs: 5000 });
      const id = await within(called.promise, 5000, "RPC handler call");
      await gateway.sendRpcReply(HUM, id, { done: true });
      assert.deepEqual(await later, { done: true });
    }, { client: { protocolVersion } });
  });
}

Deno.test("gateway: client attributes of sub-devices", async () => {
  await withGateway(async (gateway, server) => {
    await gateway.sendAttributes({ [ZQV]: { firmware_version: "2.0.4", temperature_unit: "°C" } });
    await gateway.sendAttributes({ [HUM]: { humidity_unit: "%RH" }, [BARO]: { alias: true } });
    assert.deepEqual(server.clientAttributes(ZQV), {
      firmware_version: "2.0.4",
      temperature_unit: "°C",
    });
    assert.deepEqual(server.clientAttributes(HUM), { humidity_unit: "%RH" });
    assert.deepEqual(server.clientAttributes(BARO), { alias: true });
    assert.deepEqual(server.clientAttributes(GATEWAY), {});
  });
});

Deno.test("gateway: attribute requests for a sub-device, both scopes", async () => {
  await withGateway(async (gateway, server) => {
    await gateway.sendAttributes({ [ZQV]: { model: "TMP-2", fw: 3 } });
    server.setSharedAttributes(ZQV, { interval: 5, mode: "eco" });
    assert.deepEqual(
      await gateway.requestAttributes(ZQV, { client: ["model", "fw"], shared: ["interval"] }),
      { client: { model: "TMP-2", fw: 3 }, shared: { interval: 5 } },
    );
    // One of two keys exists: the server answers with a nameless value; asked again per key.
    assert.deepEqual(await gateway.requestAttributes(ZQV, { shared: ["nope", "mode"] }), {
      client: {},
      shared: { mode: "eco" },
    });
    assert.deepEqual(await gateway.requestAttributes(ZQV, { client: ["missing"] }), {
      client: {},
      shared: {},
    });
    await assert.rejects(gateway.requestAttributes(ZQV, {}), TypeError);
    await assert.rejects(gateway.requestAttributes("", { client: ["a"] }), TypeError);
    await assert.rejects(gateway.requestAttributes(ZQV, { client: [""] }), TypeError);
    assert.equal(gateway.connected, true);
  });
});

Deno.test("gateway: shared attribute updates arrive with the device name", async () => {
  await withGateway(async (gateway, server) => {
    const updates: [string, AttributeUpdate][] = [];
    let wake: () => void = () => {};
    const id = gateway.subscribeToAttributes((device, update) => {
      updates.push([device, update]);
      wake();
    });
    const arrived = (n: number) =>
      within(
        new Promise<void>((resolve) => {
          wake = () => updates.length >= n && resolve();
          wake();
        }),
        5000,
        `${n} attribute updates`,
      );
    await gateway.connectDevice(ZQV);
    await gateway.connectDevice(HUM);
    server.setSharedAttributes(HUM, { interval: 10 });
    await arrived(1);
    server.setSharedAttributes(ZQV, { threshold: 30.5 });
    server.deleteSharedAttributes(ZQV, ["threshold"]);
    await arrived(3);
    assert.deepEqual(updates, [
      [HUM, { values: { interval: 10 }, deleted: [] }],
      [ZQV, { values: { threshold: 30.5 }, deleted: [] }],
      [ZQV, { values: {}, deleted: ["threshold"] }],
    ]);
    assert.equal(gateway.unsubscribeFromAttributes(id), true);
    assert.equal(gateway.unsubscribeFromAttributes(id), false);
  });
});

Deno.test("gateway: disconnectDevice stops routing to it", async () => {
  await withGateway(async (gateway, server) => {
    gateway.setServerSideRpcRequestHandler(() => "pong");
    await gateway.connectDevice(ZQV);
    assert.equal(await server.pushRpc(ZQV, "ping"), "pong");
    await gateway.disconnectDevice(ZQV);
    assert.equal(server.devices().find((d) => d.name === ZQV)?.connected, false);
    assert.deepEqual(gateway.devices, []);
    await assert.rejects(server.pushRpc(ZQV, "ping", {}, { timeoutMs: 200 }), {
      status: "NO_ACTIVE_CONNECTION",
    });
  });
});

Deno.test("gateway: errors match the device client's", async () => {
  const server = await startGatewayServer();
  const gateway = gatewayFor(server);
  try {
    await assert.rejects(gateway.sendTelemetry({ [ZQV]: { a: 1 } }), { code: "not_connected" });
    await assert.rejects(gateway.connectDevice(ZQV), ThingsBoardError);
    const connected = nextEvent(gateway, "connect");
    await gateway.connect({ timeoutMs: 5000 });
    assert.deepEqual(await connected, [{ reconnect: false }]);
    await assert.rejects(gateway.connectDevice(" "), TypeError);
    await assert.rejects(gateway.connectDevice(ZQV, "" as string), TypeError);
    await assert.rejects(gateway.sendTelemetry({}), TypeError);
    await assert.rejects(gateway.sendTelemetry({ [ZQV]: { a: NaN } }), RangeError);
    await assert.rejects(gateway.sendAttributes({ [ZQV]: [] as never }), TypeError);
    assert.throws(() => gateway.setServerSideRpcRequestHandler(5 as never), TypeError);
    assert.throws(() => gateway.subscribeToAttributes(5 as never), TypeError);
    assert.throws(
      () => gatewayFor(server, { gatewayRateLimits: { messages: "ten per second" } }),
      SyntaxError,
    );
    // Nothing invalid reached the server: the session is still the first one.
    assert.equal(gateway.connected, true);
    assert.deepEqual(gateway.devices, []);
    await gateway.disconnect();
    assert.equal(gateway.state, "stopped");
    await assert.rejects(gateway.sendTelemetry({ [ZQV]: { a: 1 } }), { code: "not_connected" });
  } finally {
    await gateway.disconnect();
    await server.stop();
  }
});

Deno.test("gateway: a non-gateway device's session gets no PUBACK, the send times out", async () => {
  const server = await startGatewayServer();
  server.addDevice("plain", { accessToken: "plain-token" });
  const gateway = gatewayFor(server, { accessToken: "plain-token" });
  try {
    await gateway.connect({ timeoutMs: 5000 });
    assert.equal(gateway.sessionLimits?.gatewayRateLimits, undefined);
    const ignored = server.waitFor("publish", (e) => e.topic === "v1/gateway/connect");
    await assert.rejects(gateway.connectDevice(ZQV, undefined, { timeoutMs: 300 }), {
      code: "timeout",
    });
    assert.equal((await ignored).outcome, "ignored");
  } finally {
    await gateway.disconnect();
    await server.stop();
  }
});

Deno.test("gateway: claims of sub-devices reach the server; bad claims fail without the secret", async () => {
  await withGateway(async (gateway, server) => {
    await gateway.claimDevices({
      [ZQV]: { secretKey: "zqv-secret", durationMs: 60_000 },
      [HUM]: { secretKey: "hum-secret" },
    });
    const claimed = (name: string) =>
      server.claims(name).map(({ secretKey, durationMs }) => [secretKey, durationMs]);
    assert.deepEqual(claimed(ZQV), [["zqv-secret", 60_000]]);
    assert.equal(claimed(HUM)[0][0], "hum-secret");
    for (
      const [claims, text] of [
        [{}, /at least one device name/],
        [{ [ZQV]: { secretKey: 42 } }, /Invalid claim secret key: expected a string \(device/],
        [{ [ZQV]: { secretKey: "top-secret", durationMs: -1 } }, /Invalid claim duration "-1"/],
        [{ " ": { secretKey: "top-secret" } }, /Invalid device name/],
      ] as const
    ) {
      const error = await gateway.claimDevices(claims as never).then(
        () => assert.fail("accepted"),
        (e: Error) => e,
      );
      assert.match(error.message, text);
      assert.doesNotMatch(error.message, /top-secret/);
    }
    assert.equal(gateway.connected, true);
  });
});
