/**
 * Getter round trips per second between our client and the simulated brickd
 * over loopback, with 1 and with 15 requests in flight. Pipelining has to be
 * worth it: the target is at least 3x the 1-in-flight rate.
 *
 * @module
 */
import { TfpConnection } from "../../src/tfp/connection.ts";
import { startSimulatedBrickd } from "../../src/sim/brickd.ts";
import { parseUid } from "../../src/tfp/base58.ts";
import { deviceByName, functionByName } from "../../src/tfp/registry.ts";
import { payloadSize } from "../../src/tfp/payload.ts";
import { formatRate, printTable } from "./measure.ts";

const DURATION_MS = 2000;

async function roundTripsPerSecond(
  connection: TfpConnection,
  inFlight: number,
  uids: readonly number[],
  functionId: number,
  expectedLength: number,
): Promise<number> {
  const empty = new Uint8Array(0);
  const options = { responseExpected: true, expectedLength } as const;
  let done = 0;
  const start = performance.now();
  const deadline = start + DURATION_MS;
  // Each worker keeps one request in flight: `inFlight` workers = that many in flight.
  const worker = async (index: number) => {
    const uid = uids[index % uids.length];
    while (performance.now() < deadline) {
      await connection.request(uid, functionId, empty, options);
      done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, (_, i) => worker(i)));
  return done / ((performance.now() - start) / 1000);
}

/** Runs the round-trip benchmark and prints its table. */
export async function benchRoundTrips(): Promise<void> {
  const device = deviceByName("temperature_v2_bricklet")!;
  const getter = functionByName(device, "get_temperature")!;
  const uids = ["Tmp1", "Tmp2", "Tmp3"];
  const brickd = await startSimulatedBrickd({
    devices: uids.map((uid, i) => ({ type: device.name, uid, position: "abc"[i] })),
    seed: 1,
  });
  const connection = new TfpConnection({ host: "127.0.0.1", port: brickd.port });
  await connection.connect();
  try {
    const numericUids = uids.map(parseUid);
    const length = payloadSize(getter.out);
    // Warm-up: JIT and socket buffers.
    await roundTripsPerSecond(connection, 15, numericUids, getter.id, length);
    const one = await roundTripsPerSecond(
      connection,
      1,
      numericUids.slice(0, 1),
      getter.id,
      length,
    );
    const fifteen = await roundTripsPerSecond(
      connection,
      15,
      numericUids.slice(0, 1),
      getter.id,
      length,
    );
    const fifteenSpread = await roundTripsPerSecond(connection, 15, numericUids, getter.id, length);
    printTable("TFP getter round trips, client <-> simulated brickd over loopback (per second)", [
      ["case", "round trips/s", "vs 1 in flight"],
      ["1 in flight", formatRate(one), "1.0x"],
      ["15 in flight, one device", formatRate(fifteen), `${(fifteen / one).toFixed(1)}x`],
      [
        "15 in flight, three devices",
        formatRate(fifteenSpread),
        `${(fifteenSpread / one).toFixed(1)}x`,
      ],
    ]);
    console.log("  target: 15 in flight >= 3x the 1-in-flight rate");
  } finally {
    await connection.close();
    await brickd.stop();
  }
}
