/**
 * The call engine shared by the MQTT bridge, ThingsBoard RPC and sampling:
 * tinkerforge_mqtt-compatible calls, results, callback payloads and
 * CPython-compatible JSON.
 *
 * @module
 */

export {
  type CallAnswer,
  CallEngine,
  type CallEngineOptions,
  type CallLogLevel,
  type CallTransport,
  type DeviceObjectResult,
} from "./engine.ts";
export {
  DeviceObject,
  type GetIdentityFn,
  type IdentityState,
  WrongDeviceTypeError,
} from "./device_object.ts";
export {
  type ArgumentsResult,
  type CallTarget,
  checkArguments,
  payloadObject,
  rangeError,
  requestedResponseExpected,
} from "./arguments.ts";
export {
  DEFAULT_FORMAT_OPTIONS,
  displayNameOf,
  formatCallback,
  type FormatOptions,
  formatResults,
  formatValue,
  nullResults,
  resultNames,
  topicNameOf,
} from "./results.ts";
export { requestSymbols, symbolFor } from "./symbols.ts";
export { PyIntError, pyIntFromString } from "./py_int.ts";
export { structPackError } from "./struct_pack.ts";
export { DIFFERENCES_FROM_REFERENCE } from "./differences.ts";
export * from "./py_json.ts";
