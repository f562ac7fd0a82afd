/**
 * The agent: one process that bridges Tinkerforge to the local broker (tinkerforge_mqtt
 * compatible), reports to ThingsBoard, keeps telemetry through outages and tells the local
 * broker what happens (OctoPrint-style event topics and a status topic).
 *
 * Parts, each a start/stop unit talking through events:
 * - the bridge (`src/bridge/`, optional) with its own Brick Daemon connection, unchanged;
 * - the agent's own Brick Daemon connection + call engine: device inventory (enumerate),
 *   sampling and ThingsBoard RPC. A second connection keeps the drop-in bridge exactly as the
 *   reference behaves (its connection, its errors, its exit codes) while the agent samples;
 *   brickd serves many clients and sends callbacks to each;
 * - the telemetry pipeline (sampler -> buffer -> uplink -> ThingsBoard) and the cloud link,
 *   both only when ThingsBoard is configured.
 *
 * Start never waits for a peer: brickd, the broker and ThingsBoard may all come up later (at
 * boot they usually do). Fatal errors of the bridge (init file, authentication, ...) end the
 * agent through {@link Agent.fatal}, as they end tinkerforge_mqtt.
 *
 * @module
 */

import type { AgentConfig } from "../config/schema.ts";
import { type BridgeDependencies, type BridgeTuning, MqttBridge } from "../bridge/bridge.ts";
import { BridgeLogger } from "../bridge/log.ts";
import { CallEngine } from "../calls/engine.ts";
import { TfpConnection } from "../tfp/connection.ts";
import { Sampler } from "../telemetry/sampler.ts";
import type { TelemetryRecord } from "../telemetry/types.ts";
import { VERSION } from "../version.ts";
import { CloudLink } from "./cloud.ts";
import { AgentEventPublisher } from "./events.ts";
import { DeviceInventory } from "./inventory.ts";
import { TelemetryPipeline } from "./pipeline.ts";
import { createRpcHandler } from "./rpc.ts";
import { ALIASES_KEY, INTERVAL_KEY, parseSettingsUpdate, type SettingsUpdate } from "./settings.ts";
import { type AgentStatus, buildStatus, statusTelemetry } from "./status.ts";

/** Local messages kept while the broker is away; older ones are dropped (they are logged). */
const HELD_MESSAGES = 200;

/** What an agent is built from besides its config (tests and benchmarks tune these). */
export interface AgentDependencies {
  readonly logger?: BridgeLogger;
  readonly bridgeTuning?: BridgeTuning;
  readonly bridgeDependencies?: BridgeDependencies;
  /** Delay range of the slow retry after ThingsBoard refused the credentials */
  readonly cloudRefusedRetryMs?: readonly [number, number];
  /** Reconnect delays of the ThingsBoard client. @default [1000, 60000] */
  readonly cloudReconnectDelayMs?: readonly [number, number];
  /** How long after a re-enumerate devices that did not answer count as departed. @default 2000 */
  readonly enumerateSettleMs?: number;
  /** Period of BufferOverflow reports. @default 10000 */
  readonly overflowReportMs?: number;
}

/** See the module doc. */
export class Agent {
  readonly config: AgentConfig;
  readonly logger: BridgeLogger;
  readonly bridge: MqttBridge | undefined;
  readonly connection: TfpConnection;
  readonly engine: CallEngine;
  readonly inventory = new DeviceInventory();
  readonly events: AgentEventPublisher;
  readonly cloud: CloudLink | undefined;
  readonly sampler: Sampler | undefined;
  #pipeline: TelemetryPipeline | undefined;
  readonly #deps: AgentDependencies;
  readonly #startedAt = Date.now();
  readonly #aliases: Map<string, string>;
  readonly #fatal = Promise.withResolvers<never>();
  #bridgeStarted: Promise<void> | undefined;
  #statusTimer: ReturnType<typeof setInterval> | undefined;
  #settleTimer: ReturnType<typeof setTimeout> | undefined;
  #state: "new" | "running" | "stopping" | "stopped" = "new";
  #brokerConnected = false;
  /** Events and status while the broker is away (boot: brickd usually answers first) */
  readonly #heldMessages: [topic: string, payload: string][] = [];

  constructor(config: AgentConfig, dependencies: AgentDependencies = {}) {
    this.config = config;
    this.#deps = dependencies;
    const options = config.bridge.options;
    this.logger = dependencies.logger ?? new BridgeLogger({ debug: options.debug });
    const log = this.logger.child("agent");
    this.#aliases = new Map(Object.entries(config.telemetry.aliases));
    this.bridge = config.bridge.enabled
      ? new MqttBridge({ ...options, ...dependencies.bridgeTuning }, {
        logger: this.logger,
        ...dependencies.bridgeDependencies,
      })
      : undefined;
    this.events = new AgentEventPublisher({
      base: config.events.topicBase,
      publish: (topic, payload) => this.#publishLocal(topic, payload),
      log: (line) => log.info(line),
    });
    this.connection = new TfpConnection({
      host: options.ipconHost,
      port: options.ipconPort,
      timeoutMs: Math.max(0, options.ipconTimeoutMs),
      secret: options.ipconAuthSecret === "" ? undefined : options.ipconAuthSecret,
      reconnectDelayMs: dependencies.bridgeTuning?.ipconRetryMs,
    });
    this.engine = new CallEngine({
      transport: this.connection,
      timeoutMs: Math.max(0, options.ipconTimeoutMs),
      symbolic: options.symbolicResponse,
      int64Strings: options.int64StringResponse,
    });
    if (config.thingsboard.enabled) {
      this.sampler = new Sampler({
        connection: this.connection,
        intervalMs: config.telemetry.intervalMs,
        useCallbacks: config.telemetry.useCallbacks,
      });
      this.cloud = new CloudLink({
        config: config.thingsboard,
        stateDir: config.stateDir,
        logger: log,
        alias: (uid) => this.#aliases.get(uid),
        rpc: createRpcHandler({
          engine: this.engine,
          enumerate: () => Promise.resolve(this.inventory.devices),
          getStatus: () => this.status(),
          setSettings: (update) => this.#applySettings(update, log),
        }),
        refusedRetryMs: dependencies.cloudRefusedRetryMs,
        reconnectDelayMs: dependencies.cloudReconnectDelayMs,
      });
    }
    this.#wire(log);
  }

  /** Rejects when a part failed in a way that must end the process (bridge exit codes). */
  get fatal(): Promise<never> {
    return this.#fatal.promise;
  }

  /** The telemetry pipeline, once started with ThingsBoard enabled. */
  get pipeline(): TelemetryPipeline | undefined {
    return this.#pipeline;
  }

  /** Starts every part; resolves once they run (peers may still be unreachable). */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new Error("The agent was already started");
    this.#state = "running";
    this.events.emit("Startup", { version: VERSION });
    if (this.bridge !== undefined) {
      this.#bridgeStarted = this.bridge.start();
      this.#bridgeStarted.catch((error) => this.#fatal.reject(error));
    }
    if (this.cloud !== undefined) {
      const cloud = this.cloud;
      this.#pipeline = await this.#openPipeline(cloud);
      this.#wirePipeline(this.#pipeline);
      this.sampler!.start();
      cloud.start();
      this.#pipeline.start();
    }
    this.connection.connect({ retry: true }).catch(() => {});
    this.#statusTimer = setInterval(
      () => this.#publishStatus(),
      this.config.events.statusIntervalMs,
    );
  }

  /**
   * The telemetry pipeline; a spool directory that cannot be used is logged and the pipeline
   * runs in memory: the bridge and telemetry keep working, only crash safety is lost.
   */
  async #openPipeline(cloud: CloudLink): Promise<TelemetryPipeline> {
    const send = (batch: TelemetryRecord[]) => cloud.sendRecords(batch);
    const options = { overflowReportMs: this.#deps.overflowReportMs };
    try {
      return await TelemetryPipeline.open(this.config.buffer, send, options);
    } catch (error) {
      if (this.config.buffer.dir === undefined) throw error;
      this.logger.child("agent").error(
        `${(error as Error).message}; buffering telemetry in memory only`,
      );
      return await TelemetryPipeline.open({ ...this.config.buffer, dir: undefined }, send, options);
    }
  }

  /**
   * Stops in reverse order: sampling, uplink (buffer synced), cloud, brickd, bridge. After a
   * fatal bridge error (`quiet`) nothing more is published or logged: the bridge's CRITICAL
   * line stays the last, as in tinkerforge_mqtt.
   */
  async stop(options: { quiet?: boolean } = {}): Promise<void> {
    if (this.#state !== "running") return;
    this.#state = "stopping";
    clearInterval(this.#statusTimer);
    clearTimeout(this.#settleTimer);
    await this.sampler?.stop();
    await this.#pipeline?.stop();
    await this.cloud?.stop();
    await this.connection.close();
    if (!options.quiet) {
      this.events.emit("Shutdown", {});
      this.#publishStatus("stopped");
    }
    if (this.bridge !== undefined) {
      await this.bridge.stop();
      await this.#bridgeStarted?.catch(() => {});
    }
    this.#state = "stopped";
  }

  /** Everything `getStatus` and the status topic report. */
  status(): AgentStatus {
    return buildStatus({
      startedAt: this.#startedAt,
      brickd: {
        host: this.connection.host,
        port: this.connection.port,
        connected: this.connection.state === "connected",
        devices: this.inventory.size,
      },
      broker: this.bridge === undefined
        ? { enabled: false }
        : { enabled: true, connected: this.#brokerConnected },
      cloud: this.cloud === undefined ? { state: "disabled" } : {
        state: this.cloud.state,
        host: this.config.thingsboard.host,
        mode: this.cloud.modeName,
      },
      buffer: this.#pipeline?.counters(),
      sampling: {
        intervalMs: this.sampler?.intervalMs ?? this.config.telemetry.intervalMs,
        slowdown: this.#pipeline?.slowdown ?? 1,
      },
    });
  }

  #wire(log: BridgeLogger): void {
    this.bridge?.events.on("brokerReady", () => {
      this.#brokerConnected = true;
      for (const [topic, payload] of this.#heldMessages.splice(0)) {
        this.bridge!.publish(topic, payload);
      }
    });
    this.bridge?.events.on("brokerLost", () => this.#brokerConnected = false);
    const connection = this.connection;
    connection.on("connected", () => {
      this.events.emit("BrickdConnected", { host: connection.host, port: connection.port });
      const since = Date.now();
      connection.enumerate().catch((error) => log.warning(`Enumerate failed: ${error.message}`));
      clearTimeout(this.#settleTimer);
      this.#settleTimer = setTimeout(
        () => this.inventory.sweep(since),
        this.#deps.enumerateSettleMs ?? 2_000,
      );
    });
    // Logged once per minute: with the bridge off this is the only sign of an unreachable brickd.
    let lastConnectFailure = -Infinity;
    connection.on("connectFailed", (error) => {
      const now = performance.now();
      if (now - lastConnectFailure < 60_000) return;
      lastConnectFailure = now;
      log.warning(
        `Brick Daemon at ${connection.host}:${connection.port} unreachable: ${error.message} (retrying)`,
      );
    });
    connection.on("disconnected", (reason, error) => {
      if (this.#state !== "running") return;
      this.events.emit("BrickdDisconnected", { reason: error?.message ?? reason });
    });
    connection.on("enumerate", (event) => this.inventory.apply(event));
    this.inventory.on("arrived", (device) => {
      this.events.emit("DeviceConnected", {
        uid: device.uid,
        device: device.deviceName,
        name: device.displayName,
        position: device.position,
        connectedUid: device.connectedUid,
      });
      this.sampler?.addDevice(device.uid, device.deviceIdentifier);
      this.cloud?.deviceArrived(device);
    });
    this.inventory.on("departed", (device) => {
      this.events.emit("DeviceDisconnected", { uid: device.uid });
      this.sampler?.removeDevice(device.uid);
      this.cloud?.deviceDeparted(device);
    });
    const cloud = this.cloud;
    if (cloud === undefined) return;
    const host = this.config.thingsboard.host;
    cloud.on("connected", () => {
      // Sends that failed while ThingsBoard was away must not wait out their grown retry delay.
      this.#pipeline?.uplink.retryNow();
      this.events.emit("CloudConnected", { host });
    });
    cloud.on("disconnected", (reason) => this.events.emit("CloudDisconnected", { reason }));
    cloud.on("provisioned", (deviceName) => this.events.emit("Provisioned", { deviceName }));
    cloud.on("settings", (data) => this.#applySettings(parseSettingsUpdate(data), log));
  }

  /** Shared attributes (or the setSettings RPC) change sampling and aliases at run time. */
  #applySettings(update: SettingsUpdate, log: BridgeLogger): void {
    for (const warning of update.warnings) log.warning(warning);
    const configured = this.config.telemetry;
    if (update.deleted.includes(INTERVAL_KEY)) this.sampler?.setIntervalMs(configured.intervalMs);
    if (update.intervalMs !== undefined) this.sampler?.setIntervalMs(update.intervalMs);
    const aliases = update.aliases ??
      (update.deleted.includes(ALIASES_KEY) ? configured.aliases : undefined);
    if (aliases !== undefined) {
      this.#aliases.clear();
      for (const [uid, alias] of Object.entries(aliases)) this.#aliases.set(uid, String(alias));
    }
  }

  #wirePipeline(pipeline: TelemetryPipeline): void {
    const log = this.logger.child("agent");
    this.sampler!.on("record", (record) => pipeline.push(record));
    // One line per device and minute: a Bricklet that stopped answering must show in the log
    // without flooding it at the sampling rate.
    const lastErrorLogged = new Map<string, number>();
    this.sampler!.on("error", (uid, error) => {
      const now = performance.now();
      if (now - (lastErrorLogged.get(uid) ?? -Infinity) < 60_000) return;
      lastErrorLogged.set(uid, now);
      log.warning(`Sampling ${uid} failed: ${error.message}`);
    });
    pipeline.on("slowdown", (factor) => {
      log.warning(
        factor === 1
          ? "Telemetry buffer below its low watermark: sampling at the normal rate again"
          : `Telemetry buffer above its high watermark: sampling ${factor} times slower`,
      );
      this.sampler!.setSlowdown(factor);
    });
    pipeline.on(
      "spoolError",
      (error, operation) =>
        log.error(`Telemetry spool ${operation} failed (records kept in memory only): ${error}`),
    );
    pipeline.on("overflow", (dropped, policy) => {
      log.warning(`Telemetry buffer full: ${dropped} records dropped (${policy})`);
      this.events.emit("BufferOverflow", { dropped, policy });
    });
  }

  /** Publishes on the local broker, holding the last {@link HELD_MESSAGES} while it is away. */
  #publishLocal(topic: string, payload: string): void {
    if (this.bridge === undefined) return;
    if (this.#brokerConnected) return this.bridge.publish(topic, payload);
    if (this.#heldMessages.length >= HELD_MESSAGES) this.#heldMessages.shift();
    this.#heldMessages.push([topic, payload]);
  }

  #publishStatus(state: "running" | "stopped" = "running"): void {
    const status = this.status();
    this.events.publishStatus({ ...status, state });
    if (state === "running") this.cloud?.sendAgentTelemetry(statusTelemetry(status));
  }
}
