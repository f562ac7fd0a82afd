/**
 * The MQTT bridge runtime: tinkerforge_mqtt 2.0.17's process (spec §1, §2.2,
 * §7-§9, §11, §12) on top of the call engine, the Brick Daemon connection and
 * MQTT.js.
 *
 * Start order, as in the reference: read the init file; connect to the broker
 * (retrying with backoff until it accepts); on every broker connection
 * subscribe `request/#` and `register/#`, publish `callback/bindings/restart`
 * (first connection only) and only then subscribe to it, so the bridge never
 * hears its own restart message; run the `pre_connect` entries; connect to
 * brickd (retrying; authentication failure on the first connection exits 26);
 * run the `post_connect` entries; then serve until stopped.
 *
 * Stop: close brickd (a registered `disconnected` callback goes out with
 * "request"), publish `callback/bindings/shutdown`, send DISCONNECT.
 *
 * Registrations, device objects and response-expected flags survive broker
 * and brickd reconnects; the Brick Daemon connection re-authenticates after
 * every reconnect (the reference does not).
 *
 * @module
 */

import { CallEngine } from "../calls/engine.ts";
import { validateSecret } from "../tfp/auth.ts";
import { TfpError } from "../tfp/errors.ts";
import { type ConnectionState, TfpConnection } from "../tfp/connection.ts";
import { TypedEmitter } from "../util/typed_emitter.ts";
import { BrokerLink } from "./broker_link.ts";
import {
  type BridgeCounters,
  type BridgeDependencies,
  type BridgeEvents,
  BridgeExit,
  type BridgeTuning,
  pySocketErrorText,
} from "./bridge_types.ts";
import { CallbackRouter } from "./callback_router.ts";
import {
  EXIT_AUTHENTICATION,
  EXIT_BROKER_SETUP,
  EXIT_INIT_FILE,
  EXIT_OTHER_ERROR,
} from "./exit_codes.ts";
import { type InitConfig, type InitEntry, loadInitFile } from "./init_file.ts";
import { BridgeLogger } from "./log.ts";
import { MessageHandler } from "./messages.ts";
import { pyFileErrorText } from "./py_os_error.ts";
import type { BridgeOptions } from "./options.ts";
import { PublishQueue } from "./publish_queue.ts";
import { CallbackRegistry } from "./registrations.ts";
import { validateInitTopic } from "./topics.ts";

export {
  type BridgeCounters,
  type BridgeDependencies,
  type BridgeEvents,
  BridgeExit,
  type BridgeTuning,
} from "./bridge_types.ts";

/** See the module doc. */
export class MqttBridge {
  readonly options: BridgeOptions & BridgeTuning;
  readonly logger: BridgeLogger;
  readonly engine: CallEngine;
  readonly registry = new CallbackRegistry();
  readonly events: TypedEmitter<BridgeEvents>;
  readonly #readFile: (path: string) => Uint8Array;
  readonly #queue: PublishQueue;
  readonly #broker: BrokerLink;
  readonly #ipcon: TfpConnection;
  readonly #router: CallbackRouter;
  readonly #messages: MessageHandler;
  #state: "new" | "starting" | "running" | "stopping" | "stopped" = "new";
  #brokerConnects = 0;
  /** Settles when the broker accepted the first connection and the subscriptions are made */
  #firstBrokerReady = Promise.withResolvers<void>();
  #ipconStarting = true;
  #ipconFailureLogged = false;
  #fatal: BridgeExit | undefined;
  #secretError: string | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: BridgeOptions & BridgeTuning, dependencies: BridgeDependencies = {}) {
    this.options = options;
    this.logger = dependencies.logger ?? new BridgeLogger({ debug: options.debug });
    this.#readFile = dependencies.readFile ?? Deno.readFileSync;
    const logger = this.logger;
    this.events = new TypedEmitter<BridgeEvents>((error, event) =>
      logger.error(`Listener of bridge event ${event} failed: ${error}`)
    );
    this.#queue = new PublishQueue({
      capacity: options.publishQueueCapacity,
      window: options.publishWindow,
      warnIntervalMs: options.dropWarningIntervalMs,
      logger,
    });
    const publish = (topic: string, payload: string) => this.#queue.publish(topic, payload);
    let secret: string | undefined = options.ipconAuthSecret;
    try {
      if (secret !== "") validateSecret(secret);
    } catch (error) {
      // Reported by start() like the reference's other fatal errors (the text has no secret).
      this.#secretError = (error as Error).message;
      secret = undefined;
    }
    this.#ipcon = new TfpConnection({
      host: options.ipconHost,
      port: options.ipconPort,
      // A negative timeout is refused in start(), as the reference does at that point.
      timeoutMs: Math.max(0, options.ipconTimeoutMs),
      secret: secret === "" ? undefined : secret,
      reconnectDelayMs: options.ipconRetryMs,
    });
    this.engine = new CallEngine({
      transport: this.#ipcon,
      timeoutMs: Math.max(0, options.ipconTimeoutMs),
      symbolic: options.symbolicResponse,
      int64Strings: options.int64StringResponse,
      log: (level, message) => level === "info" ? logger.info(message) : logger.debug(message),
      onDisplaced: (old) => this.registry.dropDevice(old),
      canEvict: (device) => this.registry.of(device) === undefined,
    });
    this.#router = new CallbackRouter(this.engine, this.registry, publish, logger);
    this.#messages = new MessageHandler({
      engine: this.engine,
      registry: this.registry,
      ipcon: this.#ipcon,
      publish,
      logger,
      prefix: options.globalTopicPrefix,
      showPayload: options.showPayload,
    });
    this.#broker = new BrokerLink({
      host: options.brokerHost,
      port: options.brokerPort,
      username: options.brokerUsername,
      password: options.brokerPassword,
      certificate: options.brokerCertificate,
      tlsInsecure: options.brokerTlsInsecure,
      prefix: options.globalTopicPrefix,
      logger,
      retryDelayMs: options.brokerRetryMs,
      readFile: this.#readFile,
    });
    this.#wireBroker();
    this.#wireIpcon();
  }

  /** The Brick Daemon connection state, as `get_connection_state` reports it. */
  get connectionState(): ConnectionState {
    return this.#ipcon.state;
  }

  /** Whether the broker connection is up. */
  get brokerConnected(): boolean {
    return this.#broker.connected;
  }

  /**
   * Publishes one message (QoS 0, not retained) through the bridge's bounded publish queue,
   * so it shares the queue's window, drop-oldest bound and drop accounting with the bridge's
   * own messages. For the agent's own topics (events, status); the topic is used as given
   * (no global prefix). Dropped, and counted, while the broker is disconnected.
   */
  publish(topic: string, payload: string): void {
    this.#queue.publish(topic, payload);
  }

  get counters(): BridgeCounters {
    return {
      publish: this.#queue.counters,
      callbacks: { ...this.#router.counters },
      pendingRequests: this.#messages.pendingRequests,
      registrations: this.registry.size,
    };
  }

  /**
   * Runs the start sequence; resolves once the post_connect entries ran (or
   * when {@link stop} was called meanwhile). Rejects with {@link BridgeExit}
   * where the reference exits (init file 31, authentication 26, ...); the
   * broker then publishes the last will, as after the reference's exit.
   */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new Error(`Cannot start bridge: it is ${this.#state}`);
    this.#state = "starting";
    try {
      await this.#startSequence();
    } catch (error) {
      if (this.#isStopping) return;
      await this.#abort();
      if (error instanceof BridgeExit) throw error;
      const text = error instanceof Error ? error.message : String(error);
      this.logger.critical(text);
      throw new BridgeExit(EXIT_OTHER_ERROR, text);
    }
    if (!this.#isStopping) this.#state = "running";
  }

  /** Stops cleanly (SIGINT/SIGTERM): brickd closed, `shutdown` published, DISCONNECT sent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  get #isStopping(): boolean {
    return this.#state === "stopping" || this.#state === "stopped";
  }

  async #startSequence(): Promise<void> {
    const o = this.options;
    let init: InitConfig = { preConnect: [], postConnect: [] };
    if (o.initFile !== undefined) {
      const loaded = loadInitFile(o.initFile, this.#readFile);
      if ("exitCode" in loaded) {
        throw new BridgeExit(loaded.exitCode, "Could not read init file", loaded.stdout);
      }
      init = loaded.config;
    }
    if (o.ipconTimeoutMs < 0) {
      this.logger.critical("timeout cannot be negative");
      throw new BridgeExit(EXIT_OTHER_ERROR, "timeout cannot be negative");
    }
    if (this.#secretError !== undefined) {
      this.logger.critical(this.#secretError);
      throw new BridgeExit(EXIT_OTHER_ERROR, this.#secretError);
    }
    try {
      this.#broker.start();
    } catch (error) {
      const text = `Connecting to MQTT broker failed: ${
        pyFileErrorText(error, o.brokerCertificate ?? "")
      }`;
      this.logger.critical(text);
      throw new BridgeExit(EXIT_BROKER_SETUP, text);
    }
    await this.#firstBrokerReady.promise;
    if (this.#isStopping) return;
    this.#runInitEntries(init.preConnect);
    await this.#connectIpcon();
    if (this.#isStopping) return;
    this.#runInitEntries(init.postConnect);
  }

  async #connectIpcon(): Promise<void> {
    try {
      await this.#ipcon.connect({ retry: true });
    } catch (error) {
      if (this.#fatal !== undefined) throw this.#fatal;
      if (this.#isStopping) return;
      throw error;
    } finally {
      this.#ipconStarting = false;
    }
  }

  /** Handles init-file entries like received messages; an invalid topic ends the process (31). */
  #runInitEntries(entries: readonly InitEntry[]): void {
    for (const entry of entries) {
      const invalid = validateInitTopic(entry.topic);
      if (invalid !== undefined) throw new BridgeExit(EXIT_INIT_FILE, invalid, invalid + "\n");
      this.#handle(entry.topic, entry.payload);
    }
  }

  #handle(topic: string, payload: Uint8Array | string): void {
    try {
      this.#messages.handle(topic, payload);
    } catch (error) {
      // The reference prints a traceback and carries on; so do we, with one line.
      this.logger.error(
        `Could not handle message on ${topic}: ${(error as Error)?.stack ?? error}`,
      );
    }
  }

  #wireBroker(): void {
    const broker = this.#broker;
    const prefix = this.options.globalTopicPrefix;
    broker.on("message", (topic, payload) => this.#handle(topic, payload));
    broker.on("disconnected", () => {
      this.#queue.setSink(undefined);
      this.events.emit("brokerLost");
    });
    broker.on("connected", (client) => {
      const first = this.#brokerConnects++ === 0;
      this.logger.debug(
        `Connected to MQTT broker ${this.options.brokerHost}:${this.options.brokerPort}`,
      );
      const subscribe = (topic: string) => client.subscribeAsync(topic, { qos: 0 });
      const subscriptions = [subscribe(`${prefix}request/#`), subscribe(`${prefix}register/#`)];
      if (first) broker.publishNow(`${prefix}callback/bindings/restart`, "null");
      // After the restart message, so the broker does not send it back to us.
      subscriptions.push(subscribe(`${prefix}callback/bindings/restart`));
      this.#queue.setSink((topic, payload, done) => {
        client.publish(topic, payload, { qos: 0, retain: false }, () => done());
      });
      Promise.all(subscriptions).then(
        () => {
          this.#firstBrokerReady.resolve();
          this.events.emit("brokerReady", first);
        },
        (error) => {
          // The connection died meanwhile (the next one subscribes again) or the broker refused;
          // in the latter case the bridge carries on, as the reference does.
          if (broker.client !== client) return;
          this.logger.error(`Could not subscribe: ${error.message}`);
          this.#firstBrokerReady.resolve();
        },
      );
    });
  }

  #wireIpcon(): void {
    const ipcon = this.#ipcon;
    const router = this.#router;
    ipcon.on(
      "callback",
      (uid, functionId, payload) => router.deviceCallback(uid, functionId, payload),
    );
    ipcon.on("enumerate", (event) => router.enumerate(event));
    ipcon.on("connected", (reason) => {
      this.logger.debug(`Connected to Brick Daemon (${reason})`);
      this.#ipconFailureLogged = false;
      router.connected(reason);
    });
    ipcon.on("disconnected", (reason, error) => {
      if (reason !== "request") {
        this.logger.warning(
          `Connection to Brick Daemon lost (${reason}${
            error ? `: ${error.message}` : ""
          }). Will retry.`,
        );
      }
      router.disconnected(reason);
    });
    ipcon.on("connectFailed", (error) => {
      const auth = error instanceof TfpError && error.code === "authentication_failed";
      if (auth && this.#ipconStarting) {
        this.logger.critical("Could not authenticate.");
        this.#fatal = new BridgeExit(EXIT_AUTHENTICATION, "Could not authenticate.");
        // Not synchronously: connect() registers its waiter only after this listener returns.
        queueMicrotask(() => void ipcon.close());
        return;
      }
      if (auth) {
        this.logger.error(`Could not authenticate after reconnect: ${error.message}. Will retry.`);
      } else if (!this.#ipconFailureLogged) {
        this.logger.info(
          `Could not connect to Brick Daemon: ${pySocketErrorText(error)}. Will retry.`,
        );
      } else {
        this.logger.debug(`Could not connect to Brick Daemon: ${pySocketErrorText(error)}`);
      }
      this.#ipconFailureLogged = true;
    });
  }

  async #stop(): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopping";
    this.#firstBrokerReady.resolve(); // wakes a start() still waiting for the broker
    await this.#ipcon.close();
    await this.#queue.drain(this.options.shutdownDrainMs ?? 2000);
    if (
      this.#broker.publishNow(`${this.options.globalTopicPrefix}callback/bindings/shutdown`, "null")
    ) {
      this.logger.debug("Published shutdown message");
    }
    this.#queue.close();
    await this.#broker.stop(true);
    this.#state = "stopped";
  }

  /** A fatal exit: no shutdown message and no DISCONNECT, so the broker sends the last will. */
  async #abort(): Promise<void> {
    this.#state = "stopping";
    this.#firstBrokerReady.resolve();
    await this.#ipcon.close();
    this.#queue.close();
    await this.#broker.stop(false);
    this.#state = "stopped";
  }
}
