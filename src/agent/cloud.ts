/**
 * The agent's ThingsBoard side: credentials (given, stored, or provisioned on first boot), the
 * client in device or gateway mode, and what keeps it alive.
 *
 * The ThingsBoard client retries network failures by itself but stops for good when the server
 * refuses the credentials. For an unattended agent that would be silence until somebody looks,
 * so the link logs the refusal clearly (never the credential) and builds a fresh client after a
 * slow backoff (30 s doubling to 10 min): a token fixed on the server side is picked up without a
 * restart, and a wrong one costs the server one connect per 10 minutes.
 *
 * @module
 */

import type { AgentConfig } from "../config/schema.ts";
import type { BridgeLogger } from "../bridge/log.ts";
import type { KnownDevice } from "./inventory.ts";
import type { TelemetryRecord } from "../telemetry/types.ts";
import { ThingsBoardClient } from "../thingsboard/client.ts";
import type { ThingsBoardClientOptions } from "../thingsboard/options.ts";
import {
  credentialsToOptions,
  loadCredentials,
  loadOrProvisionCredentials,
} from "../thingsboard/credentials_store.ts";
import type { ProvisionedCredentials } from "../thingsboard/provisioning.ts";
import { Backoff } from "../util/backoff.ts";
import { TypedEmitter } from "../util/typed_emitter.ts";
import { type CloudMode, DeviceMode, type SettingsData } from "./cloud_device_mode.ts";
import { GatewayMode } from "./cloud_gateway_mode.ts";
import { DeviceAnnouncer } from "./device_announcer.ts";

/** Where the link is. */
export type CloudState =
  | "disabled"
  | "provisioning"
  | "connecting"
  | "connected"
  | "reconnecting"
  | "refused"
  | "stopped";

/** Events of a {@link CloudLink}. */
export type CloudLinkEvents = {
  connected: [];
  disconnected: [reason: string];
  provisioned: [deviceName: string];
  /** A server-side attribute update (shared attributes) for the agent itself */
  settings: [data: SettingsData];
};

/** Runs an RPC: `device` is the gateway sub-device's uid, undefined for the agent itself. */
export type CloudRpcHandler = (
  method: string,
  params: unknown,
  deviceUid?: string,
) => Promise<unknown>;

/** What the link needs from the agent. */
export interface CloudLinkOptions {
  readonly config: AgentConfig["thingsboard"];
  readonly stateDir: string;
  readonly logger: BridgeLogger;
  readonly rpc: CloudRpcHandler;
  /** Alias of a uid, if the user gave one (read at send time: aliases change at run time) */
  readonly alias: (uid: string) => string | undefined;
  /** Reconnect delays of the ThingsBoard client (tests shorten them) */
  readonly reconnectDelayMs?: readonly [first: number, max: number];
  /** Overrides for tests: slow retry after refused credentials */
  readonly refusedRetryMs?: readonly [first: number, max: number];
}

/** See the module doc. */
export class CloudLink extends TypedEmitter<CloudLinkEvents> {
  readonly #o: CloudLinkOptions;
  readonly #retry: Backoff;
  #state: CloudState = "connecting";
  #mode: CloudMode | undefined;
  #running = false;
  #abort = new AbortController();
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #loop: Promise<void> | undefined;
  /** Identity attributes of present devices, re-sent after every connect */
  readonly #devices = new Map<string, KnownDevice>();
  #claimLogged = false;
  readonly #announcer = new DeviceAnnouncer({ onError: (error) => this.#warn(error) });

  constructor(options: CloudLinkOptions) {
    super((error, event) =>
      options.logger.error(`Listener of cloud event ${event} failed: ${error}`)
    );
    this.#o = options;
    const [first, max] = options.refusedRetryMs ?? [30_000, 600_000];
    this.#retry = new Backoff(first, max);
  }

  get state(): CloudState {
    return this.#state;
  }

  /** `device` or `gateway` */
  get modeName(): "device" | "gateway" {
    return this.#o.config.gateway ? "gateway" : "device";
  }

  /** Unacknowledged publishes of the current client. */
  get inFlight(): number {
    return this.#mode?.inFlight ?? 0;
  }

  /** Starts in the background; progress shows in events and {@link state}. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#abort.abort();
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    await this.#loop;
    await this.#mode?.disconnect();
    this.#mode = undefined;
    this.#state = "stopped";
  }

  /** Sends one batch of telemetry; resolves on PUBACK, rejects when it could not be sent. */
  sendRecords(batch: readonly TelemetryRecord[]): Promise<void> {
    const mode = this.#mode;
    if (mode === undefined) return Promise.reject(new Error("ThingsBoard is not connected"));
    return mode.sendRecords(batch);
  }

  /** Telemetry of the agent itself (status counters); dropped while offline. */
  async sendAgentTelemetry(values: Record<string, number | string | boolean>): Promise<void> {
    if (this.#state !== "connected") return;
    await this.#mode?.sendAgentTelemetry(values).catch(() => {});
  }

  /** A device appeared: its identity attributes (and, in gateway mode, its own TB device). */
  deviceArrived(device: KnownDevice): void {
    this.#devices.set(device.uid, device);
    this.#announcer.arrived(device);
  }

  /** A device left: marked in its attributes. */
  deviceDeparted(device: KnownDevice): void {
    this.#devices.delete(device.uid);
    this.#announcer.departed(device);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let credentials: Partial<ThingsBoardClientOptions>;
      try {
        credentials = await this.#credentials();
      } catch (error) {
        if (!this.#running) return;
        this.#state = "refused";
        this.#o.logger.error(`ThingsBoard: ${(error as Error).message}`);
        if (!await this.#pause()) return;
        continue;
      }
      if (!this.#running) return;
      const error = await this.#session(credentials);
      if (!this.#running) return;
      this.#state = "refused";
      // The client's text ends "not retrying" (true for the client); the link does retry.
      const reason = error.message.replace(/; not retrying$/, "");
      this.#o.logger.error(
        `ThingsBoard refused the connection: ${reason}; retrying in the background`,
      );
      if (!await this.#pause()) return;
    }
  }

  /** Runs one client until it stops for good; returns why. */
  async #session(credentials: Partial<ThingsBoardClientOptions>): Promise<Error> {
    const c = this.#o.config;
    const tls = c.caFile !== undefined || c.certFile !== undefined
      ? {
        caFile: c.caFile,
        certFile: c.certFile,
        keyFile: c.keyFile,
        rejectUnauthorized: !c.tlsInsecure,
      }
      : undefined;
    const options: ThingsBoardClientOptions = {
      host: c.host,
      port: c.port,
      protocolVersion: c.mqttVersion,
      reconnectDelayMs: this.#o.reconnectDelayMs,
      tls,
      ...credentials,
    };
    const claim = c.claimSecret === undefined
      ? undefined
      : { secretKey: c.claimSecret, durationMs: c.claimDurationMs };
    const modeOptions = { alias: this.#o.alias, rpc: this.#o.rpc, logger: this.#o.logger, claim };
    const mode: CloudMode = c.gateway
      ? new GatewayMode(options, modeOptions)
      : new DeviceMode(new ThingsBoardClient(options), modeOptions);
    this.#mode = mode;
    const client = mode.events;
    const stopped = Promise.withResolvers<Error>();
    client.on("connect", () => {
      this.#state = "connected";
      this.#retry.reset();
      this.emit("connected");
      for (const device of this.#devices.values()) this.#announcer.arrived(device);
      this.#announcer.connected(mode);
      // Claiming stays open for its duration from this connect on; the first success is logged.
      mode.claimSelf().then(
        (sent) => sent && this.#claimOpened(claim?.durationMs),
        (e) => this.#warn(e),
      );
      // Settings changed while the agent was away arrive with no update push.
      mode.fetchSettings().then(
        (data) => Object.keys(data).length > 0 && this.emit("settings", data),
        (e) => this.#warn(e),
      );
    });
    client.on("disconnect", ({ error, willReconnect }) => {
      this.#announcer.disconnected();
      if (!willReconnect) return;
      this.#state = "reconnecting";
      this.emit("disconnected", error?.message ?? "connection closed");
    });
    client.on("error", (error) => stopped.resolve(error));
    client.on("warning", (error) => this.#warn(error));
    mode.onSettings((data) => this.emit("settings", data));
    this.#state = "connecting";
    mode.connect().catch(() => {});
    const onAbort = () => stopped.resolve(new Error("stopped"));
    this.#abort.signal.addEventListener("abort", onAbort, { once: true });
    const error = await stopped.promise;
    this.#announcer.disconnected();
    this.#abort.signal.removeEventListener("abort", onAbort);
    if (this.#running) {
      if (this.state === "connected") this.emit("disconnected", error.message);
      await mode.disconnect();
      this.#mode = undefined;
    }
    return error;
  }

  /** Given credentials, else stored ones, else provisioned (first boot). */
  async #credentials(): Promise<Partial<ThingsBoardClientOptions>> {
    const c = this.#o.config;
    if (c.accessToken !== undefined) return { accessToken: c.accessToken };
    if (c.clientId !== undefined || c.username !== undefined) {
      return { clientId: c.clientId, username: c.username, password: c.password };
    }
    if (c.certFile !== undefined) return {};
    let credentials: ProvisionedCredentials | undefined = await loadCredentials(this.#o.stateDir);
    if (credentials === undefined) {
      if (c.provisionKey === undefined || c.provisionSecret === undefined) {
        throw new Error(
          "no credentials: give an access token (--tb-token-file), MQTT basic credentials, " +
            "a client certificate, or a provision key and secret",
        );
      }
      this.#state = "provisioning";
      const deviceName = c.deviceName ?? `tfedge-${Deno.hostname()}`;
      const result = await loadOrProvisionCredentials({
        stateDir: this.#o.stateDir,
        host: c.host,
        port: c.port,
        provisionKey: c.provisionKey,
        provisionSecret: c.provisionSecret,
        request: c.gateway ? { deviceName, gateway: true } : { deviceName },
        signal: this.#abort.signal,
        retry: { attempts: Number.MAX_SAFE_INTEGER, firstDelayMs: 1000, maxDelayMs: 60_000 },
        onRetry: ({ delayMs, error }) =>
          this.#o.logger.warning(
            `ThingsBoard provisioning: ${error.message}; retry in ${delayMs} ms`,
          ),
      });
      credentials = result.credentials;
      if (result.provisioned) {
        this.#o.logger.info(`ThingsBoard: provisioned as device "${deviceName}"`);
        this.emit("provisioned", deviceName);
      }
    }
    if (credentials.type === "X509_CERTIFICATE") {
      throw new Error("provisioned X.509 credentials need --tb-cert-file and --tb-key-file");
    }
    return credentialsToOptions(credentials);
  }

  /** Waits the next slow-retry delay; false when stopped meanwhile. */
  #pause(): Promise<boolean> {
    const delay = this.#retry.next();
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(this.#retryTimer);
        resolve(false);
      };
      this.#retryTimer = setTimeout(() => {
        this.#abort.signal.removeEventListener("abort", onAbort);
        resolve(this.#running);
      }, delay);
      this.#abort.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  #claimOpened(durationMs: number | undefined): void {
    if (this.#claimLogged) return;
    this.#claimLogged = true;
    const how = durationMs === undefined ? "the server's claim duration" : `${durationMs / 1000} s`;
    this.#o.logger.info(
      `ThingsBoard: claiming is open for ${how} after each connect; a customer claims this ` +
        "device by its name and the claim secret",
    );
  }

  #warn(error: unknown): void {
    this.#o.logger.warning(`ThingsBoard: ${error instanceof Error ? error.message : error}`);
  }
}
