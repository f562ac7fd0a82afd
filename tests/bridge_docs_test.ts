/**
 * Every example of the Tinkerforge MQTT bindings documentation (seed 000),
 * end to end: an MQTT.js client talks to the bridge through a real broker
 * (each kind this machine has), the bridge to the simulated brickd.
 */

import assert from "node:assert/strict";
import { brokerKinds } from "./support/broker.ts";
import { startFixture } from "./support/bridge_fixture.ts";

const T = "tinkerforge";

for (const kind of brokerKinds()) {
  Deno.test(`${kind}: set_color, then get_color answers the color (docs: requests)`, async () => {
    const f = await startFixture({ kind });
    try {
      await f.watcher.publish(
        `${T}/request/rgb_led_button_bricklet/Enx/set_color`,
        '{"red":255, "green":127, "blue":0}',
      );
      const answer = await f.watcher.request(
        `${T}/request/rgb_led_button_bricklet/Enx/get_color`,
        "",
      );
      assert.equal(answer, '{"red": 255, "green": 127, "blue": 0}');
      // Setters publish nothing on success.
      assert.deepEqual(f.watcher.all(`${T}/response/rgb_led_button_bricklet/Enx/set_color`), []);
    } finally {
      await f.close();
    }
  });

  Deno.test(`${kind}: a missing argument is answered with the documented error`, async () => {
    const f = await startFixture({ kind });
    try {
      const answer = await f.watcher.request(
        `${T}/request/rgb_led_button_bricklet/Enx/set_color`,
        '{"red":255, "blue":0}',
      );
      const text =
        "The arguments ['green'] where missing for a call of set_color of device Enx of type rgb_led_button_bricklet.";
      assert.equal(answer, `{"_ERROR": "${text}"}`);
      // Errors are logged too.
      assert.equal(f.log.grep(`<ERROR> MQTT bindings: ${text}`).length, 1);
    } finally {
      await f.close();
    }
  });

  Deno.test(`${kind}: button_state_changed registration delivers pressed and released`, async () => {
    const f = await startFixture({ kind });
    try {
      const topic = `${T}/callback/rgb_led_button_bricklet/Enx/button_state_changed`;
      await f.watcher.publish(
        `${T}/register/rgb_led_button_bricklet/Enx/button_state_changed`,
        "true",
      );
      // A request after the registration is a barrier: messages are handled in order.
      await f.watcher.request(`${T}/request/ip_connection/get_connection_state`, "");
      f.brickd.fireCallback("Enx", "button_state_changed", { state: 0 });
      f.brickd.fireCallback("Enx", "button_state_changed", { state: 1 });
      assert.equal(await f.watcher.payloadOf(topic), '{"state": "pressed"}');
      assert.equal(await f.watcher.payloadOf(topic), '{"state": "released"}');

      // {"register": false} deregisters; {"register": true} works as well.
      await f.watcher.publish(
        `${T}/register/rgb_led_button_bricklet/Enx/button_state_changed`,
        '{"register": false}',
      );
      await f.watcher.publish(
        `${T}/register/rgb_led_button_bricklet/Dod/button_state_changed`,
        '{"register": true}',
      );
      await f.watcher.request(`${T}/request/ip_connection/get_connection_state`, "");
      f.brickd.fireCallback("Enx", "button_state_changed", { state: 0 });
      f.brickd.fireCallback("Dod", "button_state_changed", { state: 0 });
      await f.watcher.next(`${T}/callback/rgb_led_button_bricklet/Dod/button_state_changed`);
      assert.equal(f.watcher.all(topic).length, 2, "no event after deregistration");
    } finally {
      await f.close();
    }
  });

  Deno.test(`${kind}: suffixes tag callbacks; room 1 gets Enx and Dod, not gBs`, async () => {
    const f = await startFixture({ kind });
    try {
      const cb = "button_state_changed";
      await f.watcher.publish(`${T}/register/rgb_led_button_bricklet/Enx/${cb}/room/1`, "true");
      await f.watcher.publish(`${T}/register/rgb_led_button_bricklet/gBs/${cb}/room/2`, "true");
      await f.watcher.publish(`${T}/register/rgb_led_button_bricklet/Dod/${cb}/room/1`, "true");
      await f.watcher.request(`${T}/request/ip_connection/get_connection_state`, "");
      const room1 = (t: string) => /^tinkerforge\/callback\/[^/]+\/[^/]+\/[^/]+\/room\/1$/.test(t);
      f.brickd.fireCallback("gBs", cb, { state: 0 });
      f.brickd.fireCallback("Enx", cb, { state: 0 });
      f.brickd.fireCallback("Dod", cb, { state: 1 });
      const first = await f.watcher.next((m) => room1(m.topic));
      const second = await f.watcher.next((m) => room1(m.topic));
      assert.deepEqual([first.topic, first.payload, second.topic, second.payload], [
        `${T}/callback/rgb_led_button_bricklet/Enx/${cb}/room/1`,
        '{"state": "pressed"}',
        `${T}/callback/rgb_led_button_bricklet/Dod/${cb}/room/1`,
        '{"state": "released"}',
      ]);
      // gBs fired first, so its room/2 message is in already; nothing of it went to room 1.
      assert.equal(
        (await f.watcher.next(`${T}/callback/rgb_led_button_bricklet/gBs/${cb}/room/2`)).payload,
        '{"state": "pressed"}',
      );
      assert.equal(f.watcher.all((m) => room1(m.topic)).length, 2);
    } finally {
      await f.close();
    }
  });

  Deno.test(`${kind}: bindings/reset_callbacks deregisters everything`, async () => {
    const f = await startFixture({ kind });
    try {
      const cb = "button_state_changed";
      await f.watcher.publish(`${T}/register/rgb_led_button_bricklet/Enx/${cb}`, "true");
      await f.watcher.publish(`${T}/register/ip_connection/enumerate`, "true");
      await f.watcher.publish(`${T}/request/bindings/reset_callbacks`, "");
      await f.watcher.request(`${T}/request/ip_connection/get_connection_state`, "");
      assert.equal(f.bridge!.counters.registrations, 0);
      // Barrier: a fresh registration on Dod delivers, the reset ones stay silent.
      await f.watcher.publish(`${T}/register/rgb_led_button_bricklet/Dod/${cb}`, "true");
      await f.watcher.request(`${T}/request/ip_connection/get_connection_state`, "");
      f.brickd.fireCallback("Enx", cb, { state: 0 });
      await f.watcher.publish(`${T}/request/ip_connection/enumerate`, "");
      await f.watcher.request(`${T}/request/ip_connection/get_connection_state`, "");
      f.brickd.fireCallback("Dod", cb, { state: 0 });
      await f.watcher.next(`${T}/callback/rgb_led_button_bricklet/Dod/${cb}`);
      assert.deepEqual(f.watcher.all(`${T}/callback/rgb_led_button_bricklet/Enx/${cb}`), []);
      assert.deepEqual(f.watcher.all(`${T}/callback/ip_connection/enumerate`), []);
    } finally {
      await f.close();
    }
  });

  Deno.test(`${kind}: an init file registers ip_connection callbacks before connecting`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "tfedge-init-" });
    const initFile = `${dir}/init.json`;
    await Deno.writeTextFile(
      initFile,
      JSON.stringify({
        pre_connect: {
          "tinkerforge/register/ip_connection/connected": { register: true },
          "tinkerforge/register/ip_connection/enumerate": { register: true },
        },
        post_connect: { "tinkerforge/request/ip_connection/enumerate": "" },
      }),
    );
    const f = await startFixture({ kind, bridge: { initFile } });
    try {
      assert.equal(
        await f.watcher.payloadOf(`${T}/callback/ip_connection/connected`),
        '{"connect_reason": "request"}',
      );
      const seen = new Map<string, string>();
      while (seen.size < 4) {
        const m = await f.watcher.next(`${T}/callback/ip_connection/enumerate`);
        seen.set(JSON.parse(m.payload).uid, m.payload);
      }
      assert.equal(
        seen.get("Tmp"),
        '{"uid": "Tmp", "connected_uid": "6Ka2Yq", "position": "d", "hardware_version": [1, 0, 0], ' +
          '"firmware_version": [2, 0, 0], "device_identifier": "temperature_v2_bricklet", ' +
          '"enumeration_type": "available", "_display_name": "Temperature Bricklet 2.0"}',
      );
      assert.equal(f.watcher.all(`${T}/callback/bindings/restart`).length, 1);
    } finally {
      await f.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
