/**
 * ThingsBoard device client and gateway client over MQTT.
 *
 * @module
 */

export {
  type AttributeResponseCallback,
  type SendOptions,
  type SendResult,
  ThingsBoardClient,
} from "./client.ts";
export { ThingsBoardGatewayClient, type ThingsBoardGatewayClientOptions } from "./gateway.ts";
export type { GatewayAttributeCallback, GatewayAttributeKeys } from "./gateway_attributes.ts";
export type { GatewayAttributes, GatewayClaims, GatewayTelemetry } from "./gateway_payloads.ts";
export type { GatewayRpcHandler } from "./gateway_rpc.ts";
export type { ClientState, SessionLimits, ThingsBoardClientEvents } from "./client_core.ts";
export type { ThingsBoardClientOptions, ThingsBoardTlsOptions } from "./options.ts";
export type {
  AttributeCallback,
  AttributeKeys,
  AttributeResponse,
  AttributeUpdate,
} from "./attributes.ts";
export type { ServerRpcHandler, ServerRpcRequest, ServerRpcStats } from "./server_rpc.ts";
export type { TelemetryData, TelemetryValues, TimedTelemetry } from "./telemetry.ts";
export { type TbJsonObject, tbJsonParse, tbJsonStringify, type TbJsonValue } from "./json.ts";
export {
  type CredentialKind,
  type ProvisionStatus,
  ThingsBoardConnackError,
  ThingsBoardError,
  type ThingsBoardErrorCode,
  ThingsBoardProvisionError,
} from "./errors.ts";
export {
  getProvisionRequest,
  provision,
  type ProvisionCredentialsType,
  type ProvisionedCredentials,
  type ProvisionOptions,
  type ProvisionRequest,
  type ProvisionRequestOptions,
} from "./provisioning.ts";
export {
  createProvisionedClient,
  CREDENTIALS_FILE,
  credentialsToOptions,
  type FirstBootOptions,
  type FirstBootResult,
  loadCredentials,
  loadOrProvisionCredentials,
  type ProvisionedClientOptions,
  storeCredentials,
} from "./credentials_store.ts";
export { parseRateLimit, type RateLimitStrings } from "./rate_limiter.ts";
