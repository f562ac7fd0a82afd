/**
 * Simulated Brick Daemon: a TFP server for tests, benchmarks and the demo.
 *
 * @module
 */

export {
  type SimStats,
  SimulatedBrickd,
  type SimulatedBrickdOptions,
  startSimulatedBrickd,
} from "./brickd.ts";
export {
  ConfigError,
  type DeviceConfig,
  parseConfig,
  type ResolvedDevice,
  resolveDevice,
  resolveDevices,
  type SimConfig,
} from "./config.ts";
export { DEFAULT_DEVICES, DEMO_HAT_UID } from "./default_devices.ts";
export { SimDevice, type SimIdentity } from "./device_model.ts";
export { type CallbackRule, type CallbackRuleKind, deriveCallbackRules } from "./callback_rules.ts";
export { createRandom, type Random } from "./readings.ts";
