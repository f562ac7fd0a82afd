import assert from "node:assert/strict";
import {
  attributeRequestFields,
  attributeResponseValues,
  gatewayAttributePayloads,
  type GatewayPayload,
  gatewayTelemetryPayloads,
  withRequestId,
} from "./gateway_payloads.ts";
import { utf8Length } from "./json.ts";

const WIDE = { maxBytes: 65_536, maxDataPoints: Infinity, maxDevices: Infinity };

function checkShape(payloads: GatewayPayload[], maxBytes: number): Record<string, unknown>[] {
  return payloads.map((p) => {
    assert.equal(p.bytes, utf8Length(p.text), p.text);
    assert.ok(p.bytes <= maxBytes, `${p.bytes} > ${maxBytes}`);
    const body = JSON.parse(p.text) as Record<string, unknown>;
    assert.equal(Object.keys(body).length, p.devices);
    return body;
  });
}

Deno.test("gateway telemetry: one message, each device's data an array", () => {
  const payloads = gatewayTelemetryPayloads({
    "Temperature Bricklet 2.0 ZQv": { temperature: 23.5 },
    "pump-7": { ts: 1767225600000, values: { rpm: 1480 } },
    "valve": [{ open: true }, { ts: 5, values: { open: false } }],
  }, WIDE);
  assert.equal(payloads.length, 1);
  assert.deepEqual(checkShape(payloads, WIDE.maxBytes)[0], {
    "Temperature Bricklet 2.0 ZQv": [{ temperature: 23.5 }],
    "pump-7": [{ ts: 1767225600000, values: { rpm: 1480 } }],
    "valve": [{ open: true }, { ts: 5, values: { open: false } }],
  });
  assert.equal(payloads[0].dataPoints, 4);
  assert.equal(payloads[0].devices, 3);
});

Deno.test("gateway telemetry: split by device, then within a device; never a device twice", () => {
  const big = (n: number) =>
    Object.fromEntries([...Array(n).keys()].map((i) => [`k${i}`, "ü".repeat(40)]));
  const data = { a: big(3), b: big(3), c: big(30), "d é": big(2) };
  const maxBytes = 700;
  const payloads = gatewayTelemetryPayloads(data, { ...WIDE, maxBytes }, () => 1234);
  const bodies = checkShape(payloads, maxBytes);
  assert.ok(payloads.length >= 6, `${payloads.length} messages`);
  const merged: Record<string, Record<string, unknown>> = {};
  for (const body of bodies) {
    for (const [name, items] of Object.entries(body)) {
      for (const item of items as { ts?: number; values?: object }[]) {
        // Split groups without ts get one client timestamp.
        if (name === "c") assert.equal(item.ts, 1234);
        Object.assign(merged[name] ??= {}, item.values ?? item);
      }
    }
  }
  assert.deepEqual(merged, data);
});

Deno.test("gateway telemetry: data points and devices per message stay within the rate limits", () => {
  const data = {
    d1: { a: 1, b: 2, c: 3 },
    d2: { a: 1, b: 2, c: 3 },
    d3: { a: 1 },
    d4: { a: 1 },
    d5: Object.fromEntries([...Array(7).keys()].map((i) => [`p${i}`, i])),
  };
  const payloads = gatewayTelemetryPayloads(data, { ...WIDE, maxDataPoints: 4, maxDevices: 2 });
  checkShape(payloads, WIDE.maxBytes);
  for (const p of payloads) {
    assert.ok(p.dataPoints <= 4 && p.devices <= 2, p.text);
  }
  assert.equal(payloads.reduce((n, p) => n + p.dataPoints, 0), 15);
});

Deno.test("gateway attributes: objects per device, split when too large", () => {
  const one = gatewayAttributePayloads({ d1: { fw: "1.0" }, d2: { model: 7 } }, WIDE);
  assert.deepEqual(checkShape(one, WIDE.maxBytes), [{ d1: { fw: "1.0" }, d2: { model: 7 } }]);
  const values = Object.fromEntries([...Array(20).keys()].map((i) => [`k${i}`, "x".repeat(50)]));
  const parts = gatewayAttributePayloads({ d1: values }, { ...WIDE, maxBytes: 400 });
  const merged = Object.assign({}, ...checkShape(parts, 400).map((b) => b.d1));
  assert.deepEqual(merged, values);
  assert.ok(parts.length >= 3);
});

Deno.test("gateway payloads: bad input names the device", () => {
  assert.throws(() => gatewayTelemetryPayloads({}, WIDE), TypeError);
  assert.throws(() => gatewayTelemetryPayloads([] as never, WIDE), TypeError);
  assert.throws(() => gatewayTelemetryPayloads({ " ": { a: 1 } }, WIDE), /device name/);
  assert.throws(
    () => gatewayTelemetryPayloads({ pump: { a: NaN } }, WIDE),
    { name: "RangeError", message: /"a".*\(device "pump"\)/ },
  );
  assert.throws(() => gatewayAttributePayloads({ pump: 5 as never }, WIDE), {
    name: "TypeError",
    message: /device "pump"/,
  });
  assert.throws(
    () => gatewayTelemetryPayloads({ pump: { huge: "x".repeat(500) } }, { ...WIDE, maxBytes: 300 }),
    { name: "RangeError", message: /"huge"/ },
  );
  assert.throws(
    () => gatewayTelemetryPayloads({ ["n".repeat(300)]: { a: 1 } }, { ...WIDE, maxBytes: 300 }),
    RangeError,
  );
});

Deno.test("gateway attribute requests: body with id, response values", () => {
  const fields = attributeRequestFields("pump-7", false, ["setpoint", "mode"]);
  assert.deepEqual(JSON.parse(withRequestId(9, fields)), {
    id: 9,
    device: "pump-7",
    client: false,
    keys: ["setpoint", "mode"],
  });
  assert.deepEqual(attributeResponseValues({ id: 9, device: "d", value: 1500 }, ["setpoint"]), {
    setpoint: 1500,
  });
  assert.deepEqual(
    attributeResponseValues({ id: 9, device: "d", values: { a: 1, b: 2 } }, ["a", "b"]),
    { a: 1, b: 2 },
  );
  assert.deepEqual(attributeResponseValues({ id: 9, device: "d" }, ["a", "b"]), {});
  // One of two keys found: the nameless value cannot be placed.
  assert.equal(attributeResponseValues({ id: 9, device: "d", value: 1 }, ["a", "b"]), undefined);
  assert.throws(() => attributeResponseValues([1], ["a"]), TypeError);
});
