/**
 * Encode/decode rates of the generic payload codec for a representative set of
 * packets: small getters, the biggest structured responses, bit-packed bools,
 * char chunks of streams and 64-bit counters.
 *
 * @module
 */
import { decodePayload, encodePayload, type Value } from "../../src/tfp/payload.ts";
import { deviceByName, functionByName } from "../../src/tfp/registry.ts";
import type { ElementSpec } from "../../src/tfp/spec.ts";
import { formatRate, printTable, rateOf } from "./measure.ts";

const CASES: readonly [device: string, fn: string, side: "in" | "out"][] = [
  ["rgb_led_button_bricklet", "get_color", "out"],
  ["temperature_v2_bricklet", "get_temperature", "out"],
  ["imu_v3_bricklet", "get_all_data", "out"],
  ["rs232_v2_bricklet", "write_low_level", "in"],
  ["io16_v2_bricklet", "get_value", "out"],
  ["industrial_counter_bricklet", "get_all_counter", "out"],
  ["rgb_led_button_bricklet", "get_identity", "out"],
];

function sampleValue(element: ElementSpec): Value {
  const one = (): Value => {
    switch (element.type) {
      case "bool":
        return true;
      case "char":
        return "a";
      case "string":
        return "hello";
      case "int64":
      case "uint64":
        return 123456789n;
      case "float":
        return 1.5;
      default:
        return 7;
    }
  };
  if (element.type === "string" || element.count === 1) return one();
  return Array.from({ length: element.count }, one);
}

/** Runs the payload benchmark and prints its table. */
export function benchPayload(): void {
  const rows: string[][] = [["packet", "bytes", "encode/s", "decode/s"]];
  for (const [deviceName, fnName, side] of CASES) {
    const device = deviceByName(deviceName);
    const fn = device && functionByName(device, fnName);
    if (!fn) throw new Error(`Benchmark case ${deviceName}.${fnName} not found in the codecs`);
    const elements = fn[side];
    const values = elements.map(sampleValue);
    const payload = encodePayload(elements, values);
    const encode = rateOf(() => encodePayload(elements, values));
    const decode = rateOf(() => decodePayload(elements, payload));
    rows.push([
      `${deviceName}.${fnName} (${side})`,
      String(payload.length),
      formatRate(encode),
      formatRate(decode),
    ]);
  }
  printTable("Payload codec (operations per second)", rows);
}
