/**
 * The simulated brickd of the agent benchmark, in a process of its own: `--devices N` sensor
 * Bricklets (temperature, humidity, ambient light, air pressure in turn) behind one HAT Brick,
 * on a free port. The agent configures their callbacks at its sampling interval and the
 * simulator's callback engine fires them.
 *
 * Protocol: one JSON object per stdout line. First `{"event": "ready", "port": ...,
 * "devices": N}`; then stdin commands: `stats` prints `{"event": "stats", ...SimStats}`, `quit`
 * (or the end of stdin) stops the simulator.
 *
 * @module
 */

import { parseArgs } from "../../src/deps/cli.ts";
import { startSimulatedBrickd } from "../../src/sim/brickd.ts";
import type { DeviceConfig } from "../../src/sim/config.ts";
import { base58Encode } from "../../src/tfp/base58.ts";

const SENSORS = [
  "temperature_v2_bricklet",
  "humidity_v2_bricklet",
  "ambient_light_v3_bricklet",
  "barometer_v2_bricklet",
];
const HAT = "HAT1";

/** The HAT Brick plus `count` sensor Bricklets with distinct uids. */
export function benchDevices(count: number): DeviceConfig[] {
  const devices: DeviceConfig[] = [
    { type: "hat_brick", uid: HAT, position: "i", connected_uid: "0" },
  ];
  for (let i = 0; i < count; i++) {
    devices.push({
      type: SENSORS[i % SENSORS.length],
      // Far from the HAT's uid and from each other: 1000 + i in base58.
      uid: base58Encode(1000 + i),
      position: "abcdefgh"[i % 8],
      connected_uid: HAT,
    });
  }
  return devices;
}

function emit(record: Record<string, unknown>): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(record) + "\n"));
}

if (import.meta.main) {
  const count = Number(
    parseArgs({ args: Deno.args, options: { devices: { type: "string" } } })
      .values.devices ?? 20,
  );
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`--devices must be a non-negative integer, got "${count}"`);
  }
  const brickd = await startSimulatedBrickd({ devices: benchDevices(count), seed: 1 });
  emit({ event: "ready", port: brickd.port, devices: count });
  let buffered = "";
  commands: for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const command = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (command === "stats") emit({ event: "stats", ...brickd.stats });
      else if (command === "quit") break commands;
    }
  }
  await brickd.stop();
}
