/**
 * Random MQTT messages for the bridge fuzz test, and what the bridge must do
 * with each. Seeded, so a failing run replays exactly.
 *
 * Topics are built under `<prefix>request/` and `<prefix>register/` from real
 * device, function and callback names, UIDs of simulated and absent devices,
 * invalid, empty and huge UIDs, junk and empty segments; every well-formed
 * topic ends in `/~fz/<n>` so its answer can be told from every other.
 * Payloads: argument objects with right and wrong keys and types, arrays,
 * scalars, invalid JSON, invalid UTF-8, huge strings and deep nesting.
 *
 * What the bridge must do with each message: fuzz_expectations.ts.
 *
 * @module
 */

import { parseUid } from "../../src/tfp/base58.ts";
import { allDevices, deviceByName, functionByName } from "../../src/tfp/registry.ts";
import type { DeviceSpec, ElementSpec } from "../../src/tfp/spec.ts";
import { type Expectation, expectationOf, IPCON_CALLBACKS } from "./fuzz_expectations.ts";

export type { Expectation } from "./fuzz_expectations.ts";

/** One generated message. */
export interface FuzzMessage {
  readonly n: number;
  readonly topic: string;
  readonly payload: Uint8Array;
  /** Where answers go; undefined for malformed topics */
  readonly answerTopic?: string;
  readonly expect: Expectation;
}

/** A simulated device the fuzzer aims at: type name and UID. */
export interface FuzzTarget {
  readonly type: string;
  readonly uid: string;
}

/** mulberry32: small, fast, good enough to pick test cases. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE58 = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
/** Topic-safe junk: no `/`, `+`, `#`, NUL, control characters or `~` (the marker). */
const JUNK = "abcXYZ019_-.:; 'é日ü€\u{1F600}!?()[]{}\"\\$&%=,0OIl";
const RELEASED = allDevices().filter((d) => d.released).map((d) => d.name);
const UNRELEASED = allDevices().filter((d) => !d.released).map((d) => d.name);
const UTF8 = new TextEncoder();

/** Generates message `n` of a run (call in order: it draws from `random`). */
export class FuzzGenerator {
  readonly #random: () => number;
  readonly #prefix: string;
  readonly #targets: readonly FuzzTarget[];
  /** Simulated UIDs (32-bit) → device type name */
  readonly #present: ReadonlyMap<number, string>;

  constructor(seed: number, prefix: string, targets: readonly FuzzTarget[]) {
    this.#random = createRandom(seed);
    this.#prefix = prefix;
    this.#targets = targets;
    this.#present = new Map(targets.map((t) => [parseUid(t.uid), t.type]));
  }

  next(n: number): FuzzMessage {
    const op = this.#chance(0.65) ? "request" : "register";
    if (this.#chance(0.02)) return this.#malformed(n, op);
    const [device, spec] = this.#device();
    const uidless = device === "ip_connection" || device === "bindings";
    const uid = uidless ? undefined : this.#uid(device);
    const fn = this.#function(op, device, spec);
    const segments = [op, device, ...(uid === undefined ? [] : [uid]), fn];
    const extra = this.#int(0, 3);
    for (let i = 0; i < extra; i++) segments.push(this.#chance(0.3) ? "" : this.#junk(1, 6));
    segments.push("~fz", String(n));
    const payload = this.#payload(op, spec, fn);
    const topic = this.#prefix + segments.join("/");
    const answerTopic = this.#prefix + (op === "request" ? "response" : "callback") +
      topic.slice(this.#prefix.length + op.length);
    const expect = expectationOf(this.#present, op, device, uid, fn, payload);
    return { n, topic, payload, answerTopic, expect };
  }

  // ---- topics ------------------------------------------------------------------------------

  #malformed(n: number, op: string): FuzzMessage {
    const target = this.#pick(this.#targets);
    const topic = this.#pick([
      `${this.#prefix}${op}`,
      `${this.#prefix}${op}/${target.type}`,
      `${this.#prefix}${op}/${target.type}/${target.uid}`,
      `${this.#prefix}${op}/ip_connection`,
      `${this.#prefix}${op}/${this.#junk(0, 5)}`,
      `${this.#prefix}${op}//`,
    ]);
    return { n, topic, payload: UTF8.encode("{}"), expect: { kind: "malformed" } };
  }

  #device(): [string, DeviceSpec | undefined] {
    const r = this.#random();
    let name: string;
    if (r < 0.55) name = this.#pick(this.#targets).type;
    else if (r < 0.7) name = this.#pick(RELEASED);
    else if (r < 0.8) name = "ip_connection";
    else if (r < 0.86) name = "bindings";
    else if (r < 0.9) name = this.#pick(UNRELEASED);
    else if (r < 0.93) name = "";
    else name = this.#junk(1, 12);
    return [name, deviceByName(name)];
  }

  #uid(device: string): string {
    const r = this.#random();
    if (r < 0.5) {
      const same = this.#targets.filter((t) => t.type === device);
      return this.#pick(same.length > 0 && this.#chance(0.8) ? same : this.#targets).uid;
    }
    if (r < 0.75) return this.#base58(this.#int(1, 7));
    if (r < 0.82) return this.#base58(this.#int(8, 11)); // maybe folded from 64 bits
    if (r < 0.86) return "z".repeat(this.#int(12, 40)); // too big
    if (r < 0.9) return "";
    if (r < 0.93) return "2";
    return this.#junk(1, this.#chance(0.05) ? 3000 : 8);
  }

  #function(op: string, device: string, spec: DeviceSpec | undefined): string {
    const r = this.#random();
    if (device === "ip_connection") {
      if (r < 0.85) {
        return this.#pick(
          op === "request" ? ["enumerate", "get_connection_state"] : [...IPCON_CALLBACKS],
        );
      }
    } else if (device === "bindings") {
      if (r < 0.6) return op === "request" ? "reset_callbacks" : "restart";
    } else if (spec !== undefined && r < 0.85) {
      const own = op === "request" ? spec.functions : spec.callbacks;
      const other = op === "request" ? spec.callbacks : spec.functions;
      if (r < 0.78 && own.length > 0) return this.#pick(own).name;
      if (other.length > 0) return this.#pick(other).name;
    }
    return this.#chance(0.2) ? "" : this.#junk(1, 12);
  }

  // ---- payloads ----------------------------------------------------------------------------

  #payload(op: string, spec: DeviceSpec | undefined, fnName: string): Uint8Array {
    const r = this.#random();
    if (r < 0.04) return this.#invalidUtf8();
    if (r < 0.06) return UTF8.encode("");
    if (r < 0.1) {
      return UTF8.encode(
        this.#pick(["{oops", "not json", " ", "{'a': 1}", "[1,]", '{"a": 1,}', "tru", "{", "]"]),
      );
    }
    if (r < 0.11) return UTF8.encode(this.#huge());
    if (op === "register" && r < 0.6) return UTF8.encode(this.#registration());
    const fn = spec === undefined ? undefined : functionByName(spec, fnName);
    if (fn !== undefined && r < 0.8) return UTF8.encode(this.#arguments(fn.in, spec!));
    return UTF8.encode(this.#value(3, spec));
  }

  #registration(): string {
    const value = this.#pick(["true", "false", "1", "0", "null", '"yes"', "[]", "{}"]);
    if (this.#chance(0.6)) return value;
    return this.#chance(0.5) ? `{"register": ${value}}` : `{"register": ${value}, "x": 1}`;
  }

  /** An object for these arguments: mostly right names, values mostly of the right kind. */
  #arguments(elements: readonly ElementSpec[], spec: DeviceSpec): string {
    const parts: string[] = [];
    for (const element of elements) {
      if (this.#chance(0.1)) continue;
      const value = this.#chance(0.75) ? this.#valueFor(element, spec) : this.#value(2, spec);
      parts.push(`${JSON.stringify(element.name)}: ${value}`);
    }
    if (this.#chance(0.2)) {
      parts.push(`"_response_expected": ${this.#pick(["true", "false", "1"])}`);
    }
    if (this.#chance(0.15)) parts.push(`${JSON.stringify(this.#junk(0, 6))}: ${this.#value(1)}`);
    return `{${parts.join(", ")}}`;
  }

  #valueFor(element: ElementSpec, spec: DeviceSpec): string {
    const one = () => this.#scalarFor(element, spec);
    if (element.count === 1 || element.type === "string") return one();
    const length = element.count < 0
      ? this.#pick([0, 1, 3, 58, 61, 200])
      : this.#chance(0.8)
      ? element.count
      : element.count + this.#int(-1, 1);
    return `[${Array.from({ length }, one).join(", ")}]`;
  }

  #scalarFor(element: ElementSpec, spec: DeviceSpec): string {
    const symbols = element.symbols === undefined ? undefined : spec.constants[element.symbols];
    if (symbols !== undefined && this.#chance(0.3)) {
      return JSON.stringify(this.#pick(Object.keys(symbols)));
    }
    switch (element.type) {
      case "bool":
        return this.#pick(["true", "false", "1"]);
      case "char":
        return JSON.stringify(this.#pick(["a", "x", "", "ab", "\u00e9", "\u20ac"]));
      case "string":
        return JSON.stringify(this.#junk(0, 20));
      case "float":
        return this.#pick(["1.5", "0.0", "1e40", "2"]);
      default: {
        const value = this.#pick([0, 1, 7, 255, 256, -1, 65535, 65536, 2 ** 31, 2 ** 32]);
        return this.#chance(0.15) ? JSON.stringify(String(value)) : String(value);
      }
    }
  }

  #value(depth: number, spec?: DeviceSpec): string {
    const r = this.#random();
    if (depth <= 0 || r < 0.45) return this.#scalar(spec);
    if (r < 0.7) {
      return `[${
        Array.from({ length: this.#int(0, 4) }, () => this.#value(depth - 1)).join(", ")
      }]`;
    }
    const keys = Array.from({ length: this.#int(0, 4) }, () => JSON.stringify(this.#junk(0, 6)));
    return `{${keys.map((k) => `${k}: ${this.#value(depth - 1)}`).join(", ")}}`;
  }

  #scalar(spec?: DeviceSpec): string {
    const symbols = spec === undefined ? [] : Object.values(spec.constants).flatMap(Object.keys);
    return this.#pick([
      "0",
      "-1",
      "255",
      "18446744073709551616",
      "1.5",
      "-0.0",
      "1e400",
      "NaN",
      "-Infinity",
      "true",
      "false",
      "null",
      '""',
      '"0x10"',
      '"010"',
      '" 7 "',
      '"1_000"',
      '"\\u20ac"',
      '"\\ud800"',
      JSON.stringify(this.#junk(0, 10)),
      JSON.stringify(symbols.length > 0 ? this.#pick(symbols) : "off"),
    ]);
  }

  #huge(): string {
    const r = this.#random();
    if (r < 0.4) return `{"message": "${"a".repeat(this.#int(1_000, 300_000))}"}`;
    if (r < 0.7) return "[".repeat(this.#int(900, 20_000)) + "]".repeat(this.#int(0, 5));
    return `{"value": [${Array(this.#int(1_000, 70_000)).fill("1").join(",")}], "index": 0}`;
  }

  #invalidUtf8(): Uint8Array {
    const good = UTF8.encode(this.#pick(["", "{", '{"red": 1', "true"]));
    const bad = this.#pick([[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0x80], [
      0xc0,
      0xaf,
    ]]);
    return new Uint8Array([...good, ...bad, ...UTF8.encode(this.#chance(0.5) ? "}" : "")]);
  }

  // ---- randomness --------------------------------------------------------------------------

  #chance(p: number): boolean {
    return this.#random() < p;
  }

  #int(min: number, max: number): number {
    return min + Math.floor(this.#random() * (max - min + 1));
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)];
  }

  #base58(length: number): string {
    let text = BASE58[this.#int(1, 57)];
    while (text.length < length) text += BASE58[this.#int(0, 57)];
    return text;
  }

  #junk(min: number, max: number): string {
    const chars = [...JUNK];
    return Array.from({ length: this.#int(min, max) }, () => this.#pick(chars)).join("");
  }
}
