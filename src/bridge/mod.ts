/**
 * The tinkerforge_mqtt-compatible MQTT bridge: run it from the command line
 * ({@link runBridge}) or inside a process ({@link startBridge},
 * {@link MqttBridge}).
 *
 * @module
 */

export {
  type BridgeCounters,
  type BridgeDependencies,
  type BridgeEvents,
  BridgeExit,
  type BridgeTuning,
  MqttBridge,
} from "./bridge.ts";
export { defaultBridgeOptions, startBridge, type StartBridgeOptions } from "./start.ts";
export { runBridge, type RunBridgeIo } from "./main.ts";
export { type BridgeOptions, parseBridgeArgs, REFERENCE_VERSION } from "./options.ts";
export { BridgeLogger, type BridgeLoggerOptions, type LogLevel, type LogSink } from "./log.ts";
export { type PublishCounters, PublishQueue, type PublishQueueOptions } from "./publish_queue.ts";
export { normalizePrefix, parseTopic, validatePrefix } from "./topics.ts";
