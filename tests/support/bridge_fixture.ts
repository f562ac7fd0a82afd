/**
 * One end-to-end setup for bridge tests: a test broker, the simulated brickd,
 * the bridge in-process (its log captured), and an MQTT.js watcher subscribed
 * to `tinkerforge/#`. `close()` stops everything in reverse order.
 *
 * `TFEDGE_TEST_LOG=1` shows the bridge's log (with DEBUG lines) on stderr.
 *
 * @module
 */

import type { MqttBridge } from "../../src/bridge/bridge.ts";
import { BridgeLogger } from "../../src/bridge/log.ts";
import { startBridge, type StartBridgeOptions } from "../../src/bridge/start.ts";
import type { DeviceConfig } from "../../src/sim/config.ts";
import { type SimulatedBrickd, startSimulatedBrickd } from "../../src/sim/brickd.ts";
import { type BrokerKind, startTestBroker, type TestBroker } from "./broker.ts";
import { within } from "./deadline.ts";
import { MqttWatcher } from "./mqtt_watcher.ts";

/** The devices of the Tinkerforge MQTT documentation's examples (seed 000). */
export const DOC_DEVICES: readonly DeviceConfig[] = [
  { type: "rgb_led_button_bricklet", uid: "Enx", position: "a", connected_uid: "6Ka2Yq" },
  { type: "rgb_led_button_bricklet", uid: "gBs", position: "b", connected_uid: "6Ka2Yq" },
  { type: "rgb_led_button_bricklet", uid: "Dod", position: "c", connected_uid: "6Ka2Yq" },
  { type: "temperature_v2_bricklet", uid: "Tmp", position: "d", connected_uid: "6Ka2Yq" },
];

/** Log lines of the bridge, captured. */
export class CapturedLog {
  readonly lines: string[] = [];
  #waiters = new Set<() => void>();

  logger(debug = false): BridgeLogger {
    return new BridgeLogger({
      debug,
      sink: (line) => {
        this.lines.push(line);
        if (Deno.env.get("TFEDGE_TEST_LOG") === "1") console.error(line);
        for (const wake of [...this.#waiters]) wake();
      },
    });
  }

  /** Lines containing `text`. */
  grep(text: string): string[] {
    return this.lines.filter((line) => line.includes(text));
  }

  /** Waits for a line containing `text`; returns the first such line. */
  async waitFor(text: string, ms = 5_000): Promise<string> {
    return (await this.waitForCount(text, 1, ms))[0];
  }

  /** Waits until `count` lines contain `text`; returns them. */
  waitForCount(text: string, count: number, ms = 5_000): Promise<string[]> {
    const found = this.grep(text);
    if (found.length >= count) return Promise.resolve(found);
    let wake = () => {};
    const seen = new Promise<string[]>((resolve) => {
      wake = () => {
        const lines = this.grep(text);
        if (lines.length >= count) resolve(lines);
      };
      this.#waiters.add(wake);
    });
    return within(seen, ms, `${count} log line(s) with "${text}"`).finally(() =>
      this.#waiters.delete(wake)
    );
  }
}

/** Options of {@link startFixture}. */
export interface FixtureOptions {
  readonly kind?: BrokerKind;
  readonly devices?: readonly DeviceConfig[];
  readonly secret?: string;
  /** Bridge options besides the ports */
  readonly bridge?: Partial<StartBridgeOptions>;
  /** Start the bridge (default true); false leaves it to the test */
  readonly startBridge?: boolean;
  readonly debug?: boolean;
}

/** A running setup. */
export interface Fixture {
  readonly broker: TestBroker;
  readonly brickd: SimulatedBrickd;
  readonly watcher: MqttWatcher;
  readonly log: CapturedLog;
  /** Undefined with `startBridge: false` until the test sets it through {@link start} */
  bridge: MqttBridge | undefined;
  /** Starts the bridge with the fixture's ports plus `options` */
  start(options?: Partial<StartBridgeOptions>): Promise<MqttBridge>;
  close(): Promise<void>;
}

/** Starts broker, brickd, watcher and (by default) the bridge. */
export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const broker = await startTestBroker({ kind: options.kind });
  const brickd = await startSimulatedBrickd({
    devices: options.devices ?? DOC_DEVICES,
    secret: options.secret,
    seed: 1,
  });
  const watcher = await MqttWatcher.connect(broker.url);
  const log = new CapturedLog();
  const fixture: Fixture = {
    broker,
    brickd,
    watcher,
    log,
    bridge: undefined,
    async start(extra = {}) {
      fixture.bridge = await startBridge(
        {
          brokerPort: broker.port,
          ipconPort: brickd.port,
          brokerRetryMs: [50, 200],
          ipconRetryMs: [50, 200],
          ...options.bridge,
          ...extra,
        },
        { logger: log.logger(options.debug ?? Deno.env.get("TFEDGE_TEST_LOG") === "1") },
      );
      return fixture.bridge;
    },
    async close() {
      await fixture.bridge?.stop();
      await watcher.close();
      await brickd.stop();
      await broker.stop();
    },
  };
  if (options.startBridge !== false) {
    try {
      await fixture.start();
    } catch (error) {
      await fixture.close();
      throw error;
    }
  }
  return fixture;
}
