/**
 * One end-to-end setup for agent tests: the simulated brickd (DEFAULT_DEVICES), a test broker
 * with a watcher on `tfedge/#`, the ThingsBoard test server and the agent in-process, built
 * from flags through `resolveAgentConfig` so the config path is exercised. The agent's log is
 * captured (`fixture.log`); `TFEDGE_TEST_LOG=1` shows it on stderr.
 *
 * ```ts
 * const f = await startAgentFixture({ flags: ["--alias", "Tmp=greenhouse"] });
 * try {
 *   await f.waitForTelemetry((values) => "greenhouse_temperature" in values);
 * } finally {
 *   await f.close();
 * }
 * ```
 *
 * ThingsBoard credentials (`tb`):
 * - `"token"` (default): device {@link TB_DEVICE} with token {@link TB_TOKEN}, `--tb-token`;
 * - `"gateway"`: the same device flagged as a gateway, `--tb-token` and `--tb-gateway`;
 * - `"provision"`: the server gets the provisioning profile {@link PROVISIONING}, the agent
 *   `--tb-provision-key/-secret` and `--tb-device-name` {@link TB_DEVICE};
 * - `"none"`: only host and port; the test passes credential flags itself.
 *
 * The fixture's own flags (brickd/broker/ThingsBoard host and port, `--state-dir`,
 * `--telemetry-interval=0.1`, credentials) come first, so a test's `flags` override them (last
 * flag wins; `--alias` adds). Default dependencies: the captured logger, bridge and brickd
 * retries 50-200 ms, `enumerateSettleMs` 500, `cloudRefusedRetryMs` 100-1000 ms; a test's
 * `dependencies` replace single entries. The ThingsBoard client's own reconnect delay is not
 * injectable (1 s first): outage tests wait that long for a reconnect.
 * `close()` stops the agent, watcher, server, broker and brickd (reverse order of start) and
 * removes the state directory unless the test passed its own.
 *
 * @module
 */

import { Agent, type AgentDependencies } from "../../src/agent/agent.ts";
import type { AgentConfig } from "../../src/config/schema.ts";
import { resolveAgentConfig } from "../../src/config/load.ts";
import type { DeviceConfig } from "../../src/sim/config.ts";
import { type SimulatedBrickd, startSimulatedBrickd } from "../../src/sim/brickd.ts";
import { DEFAULT_DEVICES } from "../../src/sim/default_devices.ts";
import {
  startThingsBoardServer,
  type TbValue,
  type ThingsBoardServer,
  type ThingsBoardServerOptions,
} from "../../src/sim/thingsboard/mod.ts";
import { CapturedLog } from "./bridge_fixture.ts";
import { type BrokerKind, startTestBroker, type TestBroker } from "./broker.ts";
import { type Message, MqttWatcher } from "./mqtt_watcher.ts";

/** Name of the agent's ThingsBoard device (token, gateway and provisioned). */
export const TB_DEVICE = "tfedge-test";
/** Access token of {@link TB_DEVICE} in the "token" and "gateway" setups. */
export const TB_TOKEN = "AgentTestToken42";
/** Provisioning profile of the "provision" setup. */
export const PROVISIONING = { key: "agent-test-key", secret: "agent-test-secret" } as const;

/** How the agent gets its ThingsBoard credentials; see the module doc. */
export type TbSetup = "token" | "gateway" | "provision" | "none";

/** Options of {@link startAgentFixture}. */
export interface AgentFixtureOptions {
  /** Agent flags after the fixture's own (they override them) */
  readonly flags?: readonly string[];
  /** @default "token" */
  readonly tb?: TbSetup;
  /** ThingsBoard test server options besides the port (and the "provision" profile) */
  readonly server?: ThingsBoardServerOptions;
  /** @default DEFAULT_DEVICES */
  readonly devices?: readonly DeviceConfig[];
  /** Broker implementation; default mosquitto when installed */
  readonly brokerKind?: BrokerKind;
  /** State directory to use (kept on close); default a fresh temp dir (removed on close) */
  readonly stateDir?: string;
  /** Passed to the agent; the fixture's captured logger and fast retries unless given */
  readonly dependencies?: AgentDependencies;
  /** Start the agent (default true); false leaves it to {@link AgentFixture.startAgent} */
  readonly startAgent?: boolean;
}

/** A running setup. */
export interface AgentFixture {
  readonly brickd: SimulatedBrickd;
  readonly broker: TestBroker;
  readonly server: ThingsBoardServer;
  /** Subscribed to `tfedge/#` before the agent starts, so no event is missed */
  readonly watcher: MqttWatcher;
  readonly log: CapturedLog;
  readonly stateDir: string;
  /** The running agent (the last one {@link startAgent} started) */
  readonly agent: Agent;
  /** The fixture's flags plus the test's, as passed to `resolveAgentConfig` */
  readonly argv: readonly string[];
  /** Builds and starts an agent with the fixture's flags plus `flags` (after stopping one) */
  startAgent(flags?: readonly string[]): Promise<Agent>;
  /** Stops the running agent (no-op without one) */
  stopAgent(): Promise<void>;
  /** Payload object of the next `tfedge/event/<event>` message (earlier ones count) */
  nextEvent(event: string, ms?: number): Promise<Record<string, unknown>>;
  /** Waits for a telemetry entry of `device` (default {@link TB_DEVICE}) whose values match */
  waitForTelemetry(
    match: (values: Record<string, TbValue>) => boolean,
    device?: string,
    ms?: number,
  ): Promise<Record<string, TbValue>>;
  /** Waits until the client attributes of `device` match; returns them */
  waitForAttributes(
    match: (attributes: Record<string, TbValue>) => boolean,
    device?: string,
    ms?: number,
  ): Promise<Record<string, TbValue>>;
  close(): Promise<void>;
}

/** Builds an agent config from flags the way `tfedge` does; throws with its stderr on errors. */
export function configFromFlags(argv: readonly string[]): AgentConfig {
  const resolved = resolveAgentConfig({ argv, env: {} });
  if (!("config" in resolved)) {
    throw new Error(`Invalid agent flags: ${resolved.stderr ?? resolved.stdout}`);
  }
  return resolved.config;
}

/** Starts brickd, broker, watcher, ThingsBoard server and (by default) the agent. */
export async function startAgentFixture(options: AgentFixtureOptions = {}): Promise<AgentFixture> {
  const tb = options.tb ?? "token";
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const ownStateDir = options.stateDir === undefined;
    const stateDir = options.stateDir ??
      await Deno.makeTempDir({ prefix: "tfedge-agent-test-" });
    if (ownStateDir) cleanups.push(() => Deno.remove(stateDir, { recursive: true }));
    const brickd = await startSimulatedBrickd({
      devices: options.devices ?? DEFAULT_DEVICES,
      seed: 1,
    });
    cleanups.push(() => brickd.stop());
    const broker = await startTestBroker({ kind: options.brokerKind });
    cleanups.push(() => broker.stop());
    const server = await startThingsBoardServer({
      ...(tb === "provision" ? { provisioning: { ...PROVISIONING } } : {}),
      ...options.server,
      port: 0,
    });
    cleanups.push(() => server.stop());
    if (tb === "token" || tb === "gateway") {
      server.addDevice(TB_DEVICE, { accessToken: TB_TOKEN }, { gateway: tb === "gateway" });
    }
    const watcher = await MqttWatcher.connect(broker.url, ["tfedge/#"]);
    cleanups.push(() => watcher.close());

    const argv = [
      "--ipcon-host=127.0.0.1",
      `--ipcon-port=${brickd.port}`,
      "--broker-host=127.0.0.1",
      `--broker-port=${broker.port}`,
      "--tb-host=127.0.0.1",
      `--tb-port=${server.port}`,
      `--state-dir=${stateDir}`,
      "--telemetry-interval=0.1",
      ...credentialFlags(tb),
      ...(options.flags ?? []),
    ];
    const log = new CapturedLog();
    let agent: Agent | undefined;
    const stopAgent = async () => {
      const running = agent;
      agent = undefined;
      await running?.stop();
    };
    cleanups.push(stopAgent);

    const fixture: AgentFixture = {
      brickd,
      broker,
      server,
      watcher,
      log,
      stateDir,
      argv,
      get agent(): Agent {
        if (agent === undefined) throw new Error("The fixture's agent is not running");
        return agent;
      },
      async startAgent(flags = []) {
        await stopAgent();
        const started = new Agent(configFromFlags([...argv, ...flags]), {
          logger: log.logger(Deno.env.get("TFEDGE_TEST_LOG") === "1"),
          bridgeTuning: { brokerRetryMs: [50, 200], ipconRetryMs: [50, 200] },
          enumerateSettleMs: 500,
          cloudRefusedRetryMs: [100, 1000],
          ...options.dependencies,
        });
        agent = started;
        await started.start();
        return started;
      },
      stopAgent,
      async nextEvent(event, ms = 5_000) {
        const message: Message = await watcher.next(`tfedge/event/${event}`, ms);
        return JSON.parse(message.payload);
      },
      async waitForTelemetry(match, device = TB_DEVICE, ms = 5_000) {
        const find = () => {
          if (!server.devices().some((d) => d.name === device)) return undefined;
          return server.telemetry(device).find((entry) => match(entry.values))?.values;
        };
        const found = find();
        if (found !== undefined) return found;
        await server.waitFor("publish", () => find() !== undefined, ms).catch(() => {
          throw new Error(`No matching telemetry of "${device}" within ${ms} ms`);
        });
        return find()!;
      },
      async waitForAttributes(match, device = TB_DEVICE, ms = 5_000) {
        const attributes = () =>
          server.devices().some((d) => d.name === device)
            ? server.clientAttributes(device)
            : undefined;
        const check = () => {
          const current = attributes();
          return current !== undefined && match(current);
        };
        if (check()) return attributes()!;
        await server.waitFor("publish", check, ms).catch(() => {
          const now = JSON.stringify(
            attributes(),
            (_, v) => typeof v === "bigint" ? String(v) : v,
          ) ?? "none";
          // A large stack has thousands of keys: the start says enough.
          const shown = now.length > 2_000
            ? `${now.slice(0, 2_000)}... (${now.length} chars)`
            : now;
          throw new Error(`No matching attributes of "${device}" within ${ms} ms; now: ${shown}`);
        });
        return attributes()!;
      },
      close: cleanUp,
    };
    if (options.startAgent !== false) await fixture.startAgent();
    return fixture;
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

function credentialFlags(tb: TbSetup): string[] {
  switch (tb) {
    case "token":
      return [`--tb-token=${TB_TOKEN}`];
    case "gateway":
      return [`--tb-token=${TB_TOKEN}`, "--tb-gateway"];
    case "provision":
      return [
        `--tb-provision-key=${PROVISIONING.key}`,
        `--tb-provision-secret=${PROVISIONING.secret}`,
        `--tb-device-name=${TB_DEVICE}`,
      ];
    case "none":
      return [];
  }
}
