import assert from "node:assert/strict";
import { type Bench, published, withBench } from "../calls/engine_test_helper.ts";
import { PyFloat } from "../calls/py_json.ts";
import { DEFAULT_DEVICES } from "../sim/default_devices.ts";
import { within } from "../../tests/support/deadline.ts";
import { tbJsonParse, tbJsonStringify } from "../thingsboard/json.ts";
import { DeviceInventory } from "./inventory.ts";
import { createRpcHandler, type RpcHandler, toTbJson } from "./rpc.ts";
import type { SettingsUpdate } from "./settings.ts";
import { type AgentStatus, buildStatus } from "./status.ts";

const BUTTON = "rgb_led_button_bricklet"; // "Btn" in DEFAULT_DEVICES: set_color / get_color
const TEMPERATURE = "temperature_v2_bricklet"; // "Tmp"

const STATUS: AgentStatus = buildStatus({
  startedAt: 0,
  now: 5_000,
  brickd: { host: "127.0.0.1", port: 4223, connected: true, devices: 9 },
  broker: { enabled: false },
  cloud: { state: "connected", host: "tb.example", mode: "device" },
  sampling: { intervalMs: 10_000, slowdown: 1 },
});

interface Setup {
  readonly bench: Bench;
  readonly settings: SettingsUpdate[];
  /** Enumerates and waits until every simulated device is in the inventory */
  enumerated(): Promise<void>;
}

/** The simulated demo set over TCP, an inventory fed by the connection's enumerate, a handler. */
async function withRpc(body: (rpc: RpcHandler, setup: Setup) => Promise<void>): Promise<void> {
  await withBench({ devices: [...DEFAULT_DEVICES] }, async (bench) => {
    const inventory = new DeviceInventory();
    bench.connection.on("enumerate", (event) => inventory.apply(event));
    const enumerated = async () => {
      let off = () => {};
      const complete = new Promise<void>((resolve) => {
        const check = () => inventory.size >= DEFAULT_DEVICES.length && resolve();
        off = inventory.on("arrived", check);
        check();
      });
      await bench.connection.enumerate();
      await within(complete, 5_000, "enumerate of every simulated device").finally(off);
    };
    const settings: SettingsUpdate[] = [];
    const rpc = createRpcHandler({
      engine: bench.engine,
      enumerate: () => Promise.resolve(inventory.devices),
      getStatus: () => STATUS,
      setSettings: (update) => settings.push(update),
    });
    await body(rpc, { bench, settings, enumerated });
  });
}

/** What ThingsBoard receives: the reply through the client's JSON writer and back. */
async function reply(rpc: RpcHandler, method: string, params?: unknown, uid?: string) {
  return tbJsonParse(tbJsonStringify(await rpc(method, params, uid)));
}

Deno.test("rpc: set_color then get_color round trip; a setter replies {}", async () => {
  await withRpc(async (rpc) => {
    const params = { red: 12, green: 34, blue: 56 };
    assert.deepEqual(await reply(rpc, `${BUTTON}/Btn/set_color`, params), {});
    assert.deepEqual(await reply(rpc, `${BUTTON}/Btn/get_color`), params);
    assert.deepEqual(await reply(rpc, `${BUTTON}/Btn/get_color`, null), params);
  });
});

Deno.test("rpc: params as a JSON string are parsed as the bridge parses a payload", async () => {
  await withRpc(async (rpc) => {
    const set = await reply(rpc, `${BUTTON}/Btn/set_color`, '{"red": 1, "green": 2, "blue": 3}');
    assert.deepEqual(set, {});
    assert.deepEqual(await reply(rpc, `${BUTTON}/Btn/get_color`, ""), {
      red: 1,
      green: 2,
      blue: 3,
    });
    const bad = (await reply(rpc, `${BUTTON}/Btn/set_color`, "{red")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(bad), ["_ERROR"]);
    assert.match(
      bad._ERROR as string,
      /^Could not parse payload for set_color call of rgb_led_button_bricklet Btn as JSON: /,
    );
  });
});

Deno.test("rpc: get_temperature replies the object the bridge publishes", async () => {
  await withRpc(async (rpc, { bench }) => {
    const method = `${TEMPERATURE}/Tmp/get_temperature`;
    const answer = await reply(rpc, method, {});
    const bridge = JSON.parse(
      published(await bench.engine.callFromText(TEMPERATURE, "Tmp", "get_temperature", "")),
    );
    assert.deepEqual(Object.keys(answer as object), Object.keys(bridge));
    const temperature = (answer as { temperature: unknown }).temperature;
    assert.equal(typeof temperature, "number");
    assert.ok(Number.isInteger(temperature), `not an integer: ${temperature}`);
  });
});

Deno.test("rpc: missing arguments reply the bridge's _ERROR object", async () => {
  await withRpc(async (rpc) => {
    assert.deepEqual(await reply(rpc, `${BUTTON}/Btn/set_color`, { red: 1, blue: 3 }), {
      _ERROR:
        "The arguments ['green'] where missing for a call of set_color of device Btn of type rgb_led_button_bricklet.",
    });
  });
});

Deno.test("rpc: unknown device type, function and uid reply _ERROR objects", async () => {
  await withRpc(async (rpc) => {
    assert.deepEqual(await reply(rpc, "no_such_bricklet/Tmp/get_temperature"), {
      _ERROR: "Unknown device type no_such_bricklet",
    });
    assert.deepEqual(await reply(rpc, `${TEMPERATURE}/Tmp/get_nothing`), {
      _ERROR: "Unknown function get_nothing for device Tmp of type temperature_v2_bricklet",
    });
    const absent = await reply(rpc, `${TEMPERATURE}/Zz9/get_temperature`) as Record<
      string,
      unknown
    >;
    assert.deepEqual(Object.keys(absent), ["temperature", "_ERROR"]);
    assert.equal(absent.temperature, null);
    assert.match(absent._ERROR as string, /call of get_temperature of temperature_v2_bricklet Zz9/);
    const badUid = await reply(rpc, `${TEMPERATURE}/0l/get_temperature`) as Record<string, unknown>;
    assert.match(badUid._ERROR as string, /^Could not parse UID "0l"/);
  });
});

Deno.test("rpc: malformed methods reply an error object and never reject", async () => {
  const rpc = createRpcHandler({
    engine: {
      call: () => Promise.reject(new Error("must not be called")),
      callFromText: () => Promise.reject(new Error("must not be called")),
    },
    enumerate: () => Promise.resolve([]),
    getStatus: () => STATUS,
  });
  for (const method of ["", "enumerat", "a/b", "a//c", "/b/c", "a/b/c/d", "setSettings"]) {
    const answer = await rpc(method, {}) as { error?: string };
    assert.equal(
      answer.error,
      `Unknown RPC method "${method}": expected "enumerate", "getStatus" or "<device>/<uid>/<function>"`,
    );
  }
  const long = await rpc("x".repeat(5000), {}) as { error: string };
  assert.ok(long.error.length < 300, "the method is cut short in the error text");
  const notString = await rpc(42 as unknown as string, {}) as { error: string };
  assert.equal(notString.error, 'Invalid RPC method "42": expected a string');
});

Deno.test("rpc: a failing source still gives an error reply", async () => {
  const rpc = createRpcHandler({
    engine: {
      call: () => Promise.reject(new Error("engine down")),
      callFromText: () => Promise.reject(new Error("engine down")),
    },
    enumerate: () => Promise.reject(new Error("inventory gone")),
    getStatus: () => {
      throw new Error("no status");
    },
  });
  assert.deepEqual(await rpc("enumerate", null), {
    error: 'RPC "enumerate" failed: inventory gone',
  });
  assert.deepEqual(await rpc("getStatus", null), { error: 'RPC "getStatus" failed: no status' });
  assert.deepEqual(await rpc("a/b/c", null), { error: 'RPC "a/b/c" failed: engine down' });
});

Deno.test("rpc: enumerate lists the devices brickd reported; getStatus the status", async () => {
  await withRpc(async (rpc, { enumerated }) => {
    await enumerated();
    const { devices } = (await reply(rpc, "enumerate")) as { devices: Record<string, unknown>[] };
    assert.equal(devices.length, DEFAULT_DEVICES.length);
    const temperature = devices.find((device) => device.uid === "Tmp");
    assert.deepEqual(temperature, {
      uid: "Tmp",
      device: TEMPERATURE,
      name: "Temperature Bricklet 2.0",
      position: "a",
      connectedUid: "HAT1",
      hardwareVersion: [1, 0, 0],
      firmwareVersion: [2, 0, 0],
      deviceIdentifier: 2113,
    });
    assert.deepEqual(await reply(rpc, "getStatus"), JSON.parse(JSON.stringify(STATUS)));
  });
});

Deno.test("rpc: gateway sub-device RPC takes the function name alone", async () => {
  await withRpc(async (rpc, { enumerated }) => {
    assert.deepEqual(await rpc("get_color", {}, "Btn"), {
      error: 'Unknown device "Btn": it is not connected to the Brick Daemon',
    });
    await enumerated(); // the handler looks the device type up in the inventory
    const answer = await rpc("get_color", {}, "Btn");
    assert.deepEqual(answer, { red: 0, green: 64, blue: 255 });
    assert.deepEqual(await reply(rpc, `${BUTTON}/Btn/get_color`, {}, "Btn"), answer);
    assert.deepEqual(await rpc(`${BUTTON}/Btn/get_color`, {}, "Tmp"), {
      error:
        'RPC method "rgb_led_button_bricklet/Btn/get_color" names uid "Btn", but was sent to "Tmp"',
    });
    assert.deepEqual(await rpc("get_color", {}, "Nope"), {
      error: 'Unknown device "Nope": it is not connected to the Brick Daemon',
    });
    assert.match((await rpc("a/b", {}, "Btn") as { error: string }).error, /^Unknown RPC method/);
  });
});

Deno.test("rpc: setSettings applies a settings update and reports warnings", async () => {
  await withRpc(async (rpc, { settings }) => {
    const answer = await rpc("setSettings", {
      tfedge_telemetry_interval: 5,
      tfedge_aliases: { Tmp: "greenhouse", "0l": "bad" },
    });
    assert.equal(settings.length, 1);
    assert.equal(settings[0].intervalMs, 5_000);
    assert.deepEqual(answer, {
      applied: { intervalMs: 5_000, aliases: { Tmp: "greenhouse" } },
      warnings: ['Ignoring alias "bad" of uid "0l": the uid is not a Base58 device uid'],
    });
    assert.deepEqual(await rpc("setSettings", "[1]"), {
      error: "Invalid setSettings params: expected an object",
    });
    assert.equal(settings.length, 1);
  });
});

Deno.test("rpc: toTbJson makes py_json answers plain JSON ThingsBoard can take", () => {
  const answer = new Map<string, unknown>([
    ["float", new PyFloat(23)],
    ["nan", new PyFloat(NaN)],
    ["inf", -Infinity],
    ["int64", -(2n ** 63n)],
    ["uint64", 2n ** 64n - 1n],
    ["list", [new PyFloat(1.5), true, null, "x"]],
    ["__proto__", 1],
  ]);
  const plain = toTbJson(answer) as Record<string, unknown>;
  assert.equal(
    tbJsonStringify(plain),
    '{"float":23,"nan":"NaN","inf":"-Infinity","int64":-9223372036854775808,' +
      '"uint64":"18446744073709551615","list":[1.5,true,null,"x"],"__proto__":1}',
  );
  assert.equal(Object.getPrototypeOf(plain), Object.prototype);
});
