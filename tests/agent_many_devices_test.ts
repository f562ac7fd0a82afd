/**
 * A large stack: 1,200 Bricklets enumerate at once, so 1,200 identity announcements meet the
 * ThingsBoard client's bounded send queue (1,000 messages). Every one must reach the server,
 * and the agent must not log a full queue.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { DeviceConfig } from "../src/sim/config.ts";
import { base58Encode } from "../src/tfp/base58.ts";
import { startAgentFixture } from "./support/agent_fixture.ts";

const COUNT = 1_200;

function stack(): DeviceConfig[] {
  const devices: DeviceConfig[] = [
    { type: "hat_brick", uid: "HAT1", position: "i", connected_uid: "0" },
  ];
  for (let i = 0; i < COUNT; i++) {
    devices.push({
      type: "temperature_v2_bricklet",
      uid: base58Encode(1000 + i),
      position: "abcdefgh"[i % 8],
      connected_uid: "HAT1",
    });
  }
  return devices;
}

Deno.test("1,200 Bricklets: every identity reaches ThingsBoard, no send queue overflows", async () => {
  const fixture = await startAgentFixture({
    devices: stack(),
    flags: ["--no-bridge", "--telemetry-interval=60"],
  });
  try {
    const uids = Array.from({ length: COUNT }, (_, i) => base58Encode(1000 + i));
    const attributes = await fixture.waitForAttributes(
      (a) => uids.every((uid) => a[`${uid}_uid`] === uid),
      undefined,
      30_000,
    );
    assert.equal(attributes[`${uids[COUNT - 1]}_connected`], true);
    const full = fixture.log.lines.filter((line) =>
      /already wait for the connection|queue_full/.test(line)
    );
    assert.deepEqual(full, []);
  } finally {
    await fixture.close();
  }
});
