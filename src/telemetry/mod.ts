/**
 * Telemetry of Bricks and Bricklets: which values each device type has (catalog), sampling
 * them by polling or callbacks (sampler), their ThingsBoard attributes and key names.
 *
 * @module
 */

export type { TelemetryRecord } from "./types.ts";
export {
  type CallbackBinding,
  callbackConfigurationPayload,
  catalogFor,
  catalogOf,
  type CatalogSummary,
  catalogSummary,
  type DeviceCatalog,
  type SampledGetter,
  type SampledValue,
} from "./catalog.ts";
export {
  Sampler,
  type SamplerConnection,
  type SamplerEvents,
  type SamplerOptions,
  STALE_PERIODS,
} from "./sampler.ts";
export {
  type AttributeValue,
  departedAttributes,
  identityAttributes,
  unitAttributes,
  versionText,
} from "./attributes.ts";
export {
  deviceModeKey,
  gatewayDeviceName,
  MAX_ALIAS_LENGTH,
  unitKey,
  validateAlias,
  validateAliases,
} from "./keys.ts";
