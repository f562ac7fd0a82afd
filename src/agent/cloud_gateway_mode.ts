/**
 * Gateway mode (`--tb-gateway`): the agent is a ThingsBoard gateway and every Brick/Bricklet a
 * ThingsBoard device of its own, named after its alias or `<display name> <uid>` (for example
 * `Temperature Bricklet 2.0 Tmp`), with the device type as its ThingsBoard type, so dashboards
 * and device profiles use plain keys (`temperature`).
 *
 * The name is derived from the record itself (uid + device identifier), not from the current
 * inventory: records replayed from the disk spool after a restart arrive before the enumerate
 * does, and a different name would create a second ThingsBoard device.
 *
 * RPC to a sub-device takes the plain function name (`get_temperature`) or the full
 * `<device>/<uid>/<function>` form; RPC to the gateway device itself is as in device mode.
 *
 * @module
 */

import { departedAttributes, identityAttributes } from "../telemetry/attributes.ts";
import { gatewayDeviceName } from "../telemetry/keys.ts";
import type { TelemetryRecord } from "../telemetry/types.ts";
import { ThingsBoardGatewayClient } from "../thingsboard/gateway.ts";
import type { ThingsBoardClientEvents } from "../thingsboard/client_core.ts";
import type { ThingsBoardClientOptions } from "../thingsboard/options.ts";
import { deviceByIdentifier } from "../tfp/registry.ts";
import type { TypedEmitter } from "../util/typed_emitter.ts";
import {
  agentDevice,
  type CloudMode,
  type ModeOptions,
  type SettingsData,
} from "./cloud_device_mode.ts";
import { asEnumerateEvent, type KnownDevice } from "./inventory.ts";

/** Values of one gateway telemetry entry. */
type TimedValues = { ts: number; values: Record<string, unknown> };

/** See the module doc. */
export class GatewayMode implements CloudMode {
  readonly gateway: ThingsBoardGatewayClient;
  readonly onSettings: (listener: (data: SettingsData) => void) => void;
  readonly fetchSettings: () => Promise<SettingsData>;
  readonly claimSelf: CloudMode["claimSelf"];
  readonly #o: ModeOptions;
  /** ThingsBoard device name -> uid, for RPC routing */
  readonly #uidByName = new Map<string, string>();

  constructor(options: ThingsBoardClientOptions, modeOptions: ModeOptions) {
    this.#o = modeOptions;
    this.gateway = new ThingsBoardGatewayClient(options);
    this.gateway.device.setServerSideRpcRequestHandler((_id, request) =>
      modeOptions.rpc(request.method, request.params)
    );
    this.gateway.setServerSideRpcRequestHandler((device, method, params) => {
      const uid = this.#uidByName.get(device);
      if (uid === undefined) {
        return { error: `Unknown device "${device}": not connected to this gateway` };
      }
      return modeOptions.rpc(method, params, uid);
    });
    ({ onSettings: this.onSettings, fetchSettings: this.fetchSettings, claimSelf: this.claimSelf } =
      agentDevice(this.gateway.device, modeOptions.claim));
  }

  get events(): TypedEmitter<ThingsBoardClientEvents> {
    return this.gateway;
  }

  get inFlight(): number {
    return this.gateway.inFlight;
  }

  async connect(): Promise<void> {
    await this.gateway.connect({ timeoutMs: 2_147_000_000 });
  }

  disconnect(): Promise<void> {
    return this.gateway.disconnect();
  }

  async sendRecords(batch: readonly TelemetryRecord[]): Promise<void> {
    const data: Record<string, TimedValues[]> = {};
    for (const record of batch) {
      const name = this.#name(record.uid, record.deviceIdentifier);
      (data[name] ??= []).push({ ts: record.ts, values: record.values });
    }
    await this.gateway.sendTelemetry(data);
  }

  async sendAgentTelemetry(values: Record<string, unknown>): Promise<void> {
    await this.gateway.device.sendTelemetry(values);
  }

  async deviceArrived(device: KnownDevice): Promise<void> {
    const name = this.#name(device.uid, device.deviceIdentifier);
    await this.gateway.connectDevice(name, device.deviceName);
    await this.gateway.sendAttributes({ [name]: identityAttributes(asEnumerateEvent(device)) });
    if (this.#o.claim !== undefined) await this.gateway.claimDevices({ [name]: this.#o.claim });
  }

  async deviceDeparted(device: KnownDevice): Promise<void> {
    const name = this.#name(device.uid, device.deviceIdentifier);
    await this.gateway.sendAttributes({ [name]: departedAttributes(device.uid) });
    await this.gateway.disconnectDevice(name);
  }

  #name(uid: string, deviceIdentifier: number | undefined): string {
    const displayName = deviceIdentifier === undefined
      ? undefined
      : deviceByIdentifier(deviceIdentifier)?.displayName;
    const name = gatewayDeviceName(uid, displayName ?? "Tinkerforge device", this.#o.alias(uid));
    this.#uidByName.set(name, uid);
    return name;
  }
}
