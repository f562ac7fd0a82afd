/**
 * Device mode: the agent is one ThingsBoard device, every Brick/Bricklet value is a key of it
 * prefixed with the device's alias or uid (`Tmp_temperature`, `greenhouse_humidity`), and every
 * identity attribute likewise (`Tmp_firmware_version`).
 *
 * @module
 */

import type { BridgeLogger } from "../bridge/log.ts";
import { departedAttributes, identityAttributes } from "../telemetry/attributes.ts";
import { deviceModeKey } from "../telemetry/keys.ts";
import type { TelemetryRecord } from "../telemetry/types.ts";
import type { ClaimBody } from "../thingsboard/claim.ts";
import type { ThingsBoardClient } from "../thingsboard/client.ts";
import type { ThingsBoardClientEvents } from "../thingsboard/client_core.ts";
import type { TypedEmitter } from "../util/typed_emitter.ts";
import { ALIASES_KEY, INTERVAL_KEY } from "./settings.ts";
import { asEnumerateEvent, type KnownDevice } from "./inventory.ts";

/** Runs an RPC: `deviceUid` names a gateway sub-device, undefined for the agent itself. */
export type ModeRpcHandler = (
  method: string,
  params: unknown,
  deviceUid?: string,
) => Promise<unknown>;

/** What a mode needs from the agent. */
export interface ModeOptions {
  readonly alias: (uid: string) => string | undefined;
  readonly rpc: ModeRpcHandler;
  readonly logger: BridgeLogger;
  /** Claiming: sent for the agent's device (and, as a gateway, each sub-device) on connect */
  readonly claim?: ClaimBody;
}

/** Settings as ThingsBoard holds them: shared attribute values plus deleted keys. */
export type SettingsData = Record<string, unknown> & { deleted?: string[] };

/** The mode-specific half of the cloud link. */
export interface CloudMode {
  /** Connection events of the session (the gateway's in gateway mode) */
  readonly events: TypedEmitter<ThingsBoardClientEvents>;
  readonly inFlight: number;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  sendRecords(batch: readonly TelemetryRecord[]): Promise<void>;
  /** Telemetry of the agent itself */
  sendAgentTelemetry(values: Record<string, unknown>): Promise<void>;
  deviceArrived(device: KnownDevice): Promise<void>;
  deviceDeparted(device: KnownDevice): Promise<void>;
  /** Shared attribute updates addressed to the agent itself */
  onSettings(listener: (data: SettingsData) => void): void;
  /** The agent's settings as stored on the server now */
  fetchSettings(): Promise<SettingsData>;
  /** Opens claiming of the agent's own device; false without a claim secret */
  claimSelf(): Promise<boolean>;
}

/** Prefixes every key of `values` with the device's alias or uid. */
function prefixed(
  uid: string,
  alias: string | undefined,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in values) out[deviceModeKey(uid, alias, key)] = values[key];
  return out;
}

/** The agent's own device API, shared by both modes (in gateway mode: the gateway device). */
export function agentDevice(
  client: ThingsBoardClient,
  claim: ClaimBody | undefined,
): Pick<CloudMode, "onSettings" | "fetchSettings" | "claimSelf"> {
  return {
    async claimSelf() {
      if (claim === undefined) return false;
      await client.claimDevice(claim.secretKey, claim.durationMs);
      return true;
    },
    onSettings(listener) {
      client.subscribeToAllAttributes((update) =>
        listener({ ...update.values, deleted: update.deleted })
      );
    },
    async fetchSettings() {
      const response = await client.requestAttributes({ sharedKeys: [INTERVAL_KEY, ALIASES_KEY] });
      return { ...response.shared };
    },
  };
}

/** See the module doc. */
export class DeviceMode implements CloudMode {
  readonly client: ThingsBoardClient;
  readonly onSettings: CloudMode["onSettings"];
  readonly fetchSettings: CloudMode["fetchSettings"];
  readonly claimSelf: CloudMode["claimSelf"];
  readonly #o: ModeOptions;

  constructor(client: ThingsBoardClient, options: ModeOptions) {
    this.client = client;
    this.#o = options;
    client.setServerSideRpcRequestHandler((_id, request) =>
      options.rpc(request.method, request.params)
    );
    ({ onSettings: this.onSettings, fetchSettings: this.fetchSettings, claimSelf: this.claimSelf } =
      agentDevice(client, options.claim));
  }

  get events(): TypedEmitter<ThingsBoardClientEvents> {
    return this.client;
  }

  get inFlight(): number {
    return this.client.inFlight;
  }

  async connect(): Promise<void> {
    await this.client.connect({ timeoutMs: 2_147_000_000 });
  }

  disconnect(): Promise<void> {
    return this.client.disconnect();
  }

  async sendRecords(batch: readonly TelemetryRecord[]): Promise<void> {
    const alias = this.#o.alias;
    const entries = batch.map((record) => ({
      ts: record.ts,
      values: prefixed(record.uid, alias(record.uid), record.values),
    }));
    await this.client.sendTelemetry(entries);
  }

  async sendAgentTelemetry(values: Record<string, unknown>): Promise<void> {
    await this.client.sendTelemetry(values);
  }

  async deviceArrived(device: KnownDevice): Promise<void> {
    const attributes = identityAttributes(asEnumerateEvent(device));
    await this.client.sendAttributes(
      prefixed(device.uid, this.#o.alias(device.uid), attributes),
    );
  }

  async deviceDeparted(device: KnownDevice): Promise<void> {
    await this.client.sendAttributes(
      prefixed(device.uid, this.#o.alias(device.uid), departedAttributes(device.uid)),
    );
  }
}
