import assert from "node:assert/strict";
import { attributePayloads, type Payload, telemetryPayloads } from "./telemetry.ts";
import { tbJsonParse } from "./json.ts";

const WIDE = { maxBytes: 65_000, maxDataPoints: 1_000 };
const NOW = () => 1_767_225_600_000;

/** Merges split telemetry back into ts → values, to check nothing was lost. */
function merge(payloads: Payload[]): Map<number | undefined, Record<string, unknown>> {
  const out = new Map<number | undefined, Record<string, unknown>>();
  for (const p of payloads) {
    const parsed = tbJsonParse(p.text);
    const items = Array.isArray(parsed) ? parsed : [parsed];
    for (const item of items as Record<string, unknown>[]) {
      const ts = "ts" in item ? item.ts as number : undefined;
      const values = ("ts" in item ? item.values : item) as Record<string, unknown>;
      out.set(ts, { ...out.get(ts), ...values });
    }
  }
  return out;
}

Deno.test("telemetry: the four accepted shapes pass through unchanged when small", () => {
  const shapes = [
    { temp: 21.5, on: true },
    [{ a: 1 }, { b: "x" }],
    { ts: 1451649600512, values: { a: 1 } },
    [{ ts: 1, values: { a: 1 } }, { ts: 2, values: { a: 2 } }, { c: 3 }],
  ];
  for (const shape of shapes) {
    const payloads = telemetryPayloads(shape, WIDE, NOW);
    assert.equal(payloads.length, 1);
    assert.deepEqual(JSON.parse(payloads[0].text), shape);
    assert.equal(payloads[0].bytes, new TextEncoder().encode(payloads[0].text).length);
  }
  assert.equal(
    telemetryPayloads([{ a: 1, b: 2 }, { ts: 5, values: { c: 1 } }], WIDE)[0].dataPoints,
    3,
  );
});

Deno.test("telemetry: bigints stay exact", () => {
  const [p] = telemetryPayloads({ ts: 1, values: { c: 2n ** 62n + 3n } }, WIDE);
  assert.equal(p.text, `{"ts":1,"values":{"c":4611686018427387907}}`);
});

Deno.test("telemetry: bad shapes are TypeErrors naming the problem", () => {
  assert.throws(() => telemetryPayloads(null as never, WIDE), {
    name: "TypeError",
    message: /null/,
  });
  assert.throws(() => telemetryPayloads([], WIDE), /empty array/);
  assert.throws(() => telemetryPayloads({}, WIDE), /no keys/);
  assert.throws(() => telemetryPayloads({ ts: 1, x: 1 } as never, WIDE), /both "ts" and "values"/);
  assert.throws(() => telemetryPayloads({ ts: 1, values: {}, x: 1 } as never, WIDE), /"x"/);
  assert.throws(() => telemetryPayloads({ ts: -1, values: { a: 1 } }, WIDE), /"ts" must be/);
  assert.throws(() => telemetryPayloads({ ts: "1" as never, values: { a: 1 } }, WIDE), /"ts"/);
  assert.throws(() => telemetryPayloads({ ts: 1, values: [] as never }, WIDE), /"values"/);
  assert.throws(() => telemetryPayloads([{ a: 1 }, 5 as never], WIDE), /item 1/);
  assert.throws(() => telemetryPayloads({ a: NaN }, WIDE), RangeError);
  assert.throws(() => telemetryPayloads({ "": 1 }, WIDE), /empty key/);
});

Deno.test("telemetry: oversize payloads split at key boundaries and keep every value", () => {
  const values: Record<string, string> = {};
  for (let i = 0; i < 200; i++) values[`key${i}`] = "v".repeat(1000);
  const limits = { maxBytes: 10_000, maxDataPoints: 1_000 };
  const payloads = telemetryPayloads({ ts: 42, values }, limits, NOW);
  assert.ok(payloads.length >= 20, `only ${payloads.length} messages`);
  for (const p of payloads) {
    assert.ok(p.bytes <= limits.maxBytes, `${p.bytes} > ${limits.maxBytes}`);
    assert.equal(p.bytes, new TextEncoder().encode(p.text).length);
  }
  assert.deepEqual(merge(payloads), new Map([[42, values]]));
  assert.equal(payloads.reduce((n, p) => n + p.dataPoints, 0), 200);
});

Deno.test("telemetry: a split group without ts gets one client timestamp", () => {
  const values: Record<string, number> = {};
  for (let i = 0; i < 10; i++) values[`k${i}`] = i;
  const payloads = telemetryPayloads(values, { maxBytes: 1000, maxDataPoints: 3 }, NOW);
  assert.equal(payloads.length, 4);
  assert.deepEqual([...merge(payloads).keys()], [NOW()]);
  assert.deepEqual(payloads.map((p) => p.dataPoints), [3, 3, 3, 1]);
});

Deno.test("telemetry: mixed groups split exactly at the byte limit", () => {
  const data = [];
  for (let ts = 0; ts < 50; ts++) data.push({ ts, values: { a: ts, b: "ü".repeat(ts) } });
  for (let maxBytes = 140; maxBytes < 400; maxBytes += 7) {
    const payloads = telemetryPayloads(data, { maxBytes, maxDataPoints: 1000 }, NOW);
    for (const p of payloads) {
      assert.ok(p.bytes <= maxBytes);
      assert.equal(p.bytes, new TextEncoder().encode(p.text).length);
    }
    const merged = merge(payloads);
    assert.equal(merged.size, 50);
    assert.deepEqual(merged.get(49), { a: 49, b: "ü".repeat(49) });
  }
});

Deno.test("telemetry: one value larger than the limit is refused, not sent", () => {
  assert.throws(
    () =>
      telemetryPayloads({ small: 1, huge: "x".repeat(70_000) }, {
        maxBytes: 65_000,
        maxDataPoints: 10,
      }),
    { name: "RangeError", message: /"huge".*65000/ },
  );
});

Deno.test("attributes: flat object, split into flat objects", () => {
  assert.deepEqual(attributePayloads({ a: 1, b: "x" }, WIDE), [{
    text: `{"a":1,"b":"x"}`,
    bytes: 15,
    dataPoints: 2,
  }]);
  const attrs: Record<string, string> = {};
  for (let i = 0; i < 30; i++) attrs[`attr${i}`] = "y".repeat(100);
  const payloads = attributePayloads(attrs, { maxBytes: 500, maxDataPoints: 100 });
  assert.ok(payloads.length > 5);
  const merged = {};
  for (const p of payloads) {
    assert.ok(p.bytes <= 500);
    const parsed = JSON.parse(p.text);
    assert.ok(!Array.isArray(parsed));
    Object.assign(merged, parsed);
  }
  assert.deepEqual(merged, attrs);
  assert.throws(() => attributePayloads([] as never, WIDE), /expected an object/);
  assert.throws(() => attributePayloads({ u: undefined }, WIDE), {
    name: "TypeError",
    message: /"u"/,
  });
});
