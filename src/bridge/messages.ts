/**
 * Handling of one received MQTT message (or init-file entry), spec §2.3-§8:
 * topic parsing, UTF-8 decoding, then by device segment: device requests
 * (answered by the call engine), device callback registrations, the
 * `ip_connection` pseudo-device and the `bindings` pseudo-device.
 *
 * Requests never wait for each other here: each one is handed to the call
 * engine and answered whenever its answer is ready (the engine only orders
 * calls to the same UID), so a missing device no longer delays every other
 * request as in the reference.
 *
 * Every `_ERROR` text is also logged at ERROR level.
 *
 * @module
 */

import type { CallEngine } from "../calls/engine.ts";
import {
  pyBytesRepr,
  PyFloat,
  pyJsonDumps,
  pyJsonParse,
  type PyJsonValue,
  pyRepr,
  utf8DecodeStrict,
} from "../calls/py_json.ts";
import { parseUid, UidError } from "../tfp/base58.ts";
import type { ConnectionState } from "../tfp/connection.ts";
import { callbackByName, deviceByName } from "../tfp/registry.ts";
import type { DeviceSpec } from "../tfp/spec.ts";
import type { PublishFn } from "./callback_router.ts";
import { connectionStatePayload } from "./ipcon_payloads.ts";
import type { BridgeLogger } from "./log.ts";
import { type CallbackRegistry, isIpconCallback } from "./registrations.ts";
import { type ParsedTopic, parseTopic } from "./topics.ts";

/** What the handler needs of the Brick Daemon connection. */
export interface IpconControl {
  readonly state: ConnectionState;
  enumerate(): Promise<void>;
}

/** Everything a {@link MessageHandler} works with. */
export interface MessageHandlerOptions {
  readonly engine: CallEngine;
  readonly registry: CallbackRegistry;
  readonly ipcon: IpconControl;
  readonly publish: PublishFn;
  readonly logger: BridgeLogger;
  /** The normalised global topic prefix */
  readonly prefix: string;
  /** `--show-payload` */
  readonly showPayload: boolean;
}

const ANOTHER_INSTANCE =
  "Another MQTT bindings instance started on this broker with the same global prefix. This is " +
  "not recommended as both bindings instances will receive requests and send responses.";

/** See the module doc. */
export class MessageHandler {
  readonly #o: MessageHandlerOptions;
  #pendingRequests = 0;

  constructor(options: MessageHandlerOptions) {
    this.#o = options;
  }

  /** Requests handed to the engine and not answered yet. */
  get pendingRequests(): number {
    return this.#pendingRequests;
  }

  /**
   * Handles one message. `payload` is the raw MQTT payload, or the text of an
   * init-file entry (which needs no decoding).
   */
  handle(topic: string, payload: Uint8Array | string): void {
    const parsed = parseTopic(this.#o.prefix, topic);
    if (!parsed.ok) {
      this.#o.logger.error(parsed.error);
      return;
    }
    let text: string;
    if (typeof payload === "string") {
      text = payload;
    } else {
      try {
        text = utf8DecodeStrict(payload);
      } catch (error) {
        const shown = this.#o.showPayload ? ` Payload was: ${pyBytesRepr(payload)}` : "";
        this.#error(parsed, `Could not decode payload as utf-8: ${message(error)}${shown}`);
        return;
      }
    }
    switch (parsed.device) {
      case "ip_connection":
        return this.#ipcon(parsed, text);
      case "bindings":
        return this.#bindings(parsed, text);
      default:
        return this.#device(parsed, text);
    }
  }

  #device(parsed: ParsedTopic, text: string): void {
    if (parsed.operation === "request") return this.#request(parsed, text);
    if (parsed.operation === "register") return this.#register(parsed, text);
    this.#o.logger.error(`Unknown request type ${parsed.operation} in topic ${parsed.answerTopic}`);
  }

  #request(parsed: ParsedTopic, text: string): void {
    const { engine, logger, showPayload } = this.#o;
    this.#pendingRequests++;
    engine.callFromText(parsed.device, parsed.uid!, parsed.function, text, { showPayload })
      .then((answer) => {
        if (answer.error !== undefined) logger.error(answer.error);
        if (answer.publish !== undefined) this.#answer(parsed, answer.publish);
      }, (error) => {
        // The engine answers every failure itself; this is a bug, so say so.
        logger.error(`Internal error in request ${parsed.answerTopic}: ${message(error)}`);
      })
      .finally(() => this.#pendingRequests--);
  }

  /** §6.1, checks in the reference's order: device type, callback, payload, UID. */
  #register(parsed: ParsedTopic, text: string): void {
    const { engine, registry, logger } = this.#o;
    const deviceName = parsed.device;
    const uidText = parsed.uid!;
    const spec = deviceByName(deviceName);
    if (spec === undefined || !spec.released) {
      return this.#error(parsed, `Unknown device type ${deviceName}`);
    }
    const callback = callbackByName(spec, parsed.function);
    if (callback === undefined) {
      return this.#error(
        parsed,
        `Unknown callback ${parsed.function} for device ${uidText} of type ${deviceName}`,
      );
    }
    const value = this.#parseRegistration(
      parsed,
      text,
      `${callback.name} callback registration of ${pyClassRepr(spec)} ${deviceName}`,
    );
    if (value === undefined) return;
    const on = registrationFlag(value, truthy);
    if (on === undefined) return this.#expectedBool(parsed, text);

    if (on) {
      const resolved = engine.deviceObject(uidText, deviceName);
      if ("error" in resolved) return this.#error(parsed, resolved.error);
      if (registry.register(resolved.device, callback, parsed.answerTopic) && logger.debugEnabled) {
        logger.debug(
          `Registered callback ${callback.name} for device ${uidText} of type ${deviceName} ` +
            `to topic ${parsed.answerTopic}`,
        );
      }
      return;
    }
    let uid: number;
    try {
      uid = parseUid(uidText);
    } catch (error) {
      if (!(error instanceof UidError)) throw error;
      // An empty or too big UID cannot have been registered: nothing to do.
      if (error.reason !== "invalid_character") return;
      return this.#error(parsed, `Could not parse UID "${uidText}": ${error.message} (-13)`);
    }
    const device = engine.deviceByUid(uid);
    if (device === undefined || device.spec !== spec) return;
    if (registry.deregister(device, callback.name, parsed.answerTopic) && logger.debugEnabled) {
      logger.debug(
        `Deregistered callback ${callback.name} for device ${uidText} of type ${deviceName} ` +
          `from topic ${parsed.answerTopic}`,
      );
    }
  }

  #ipcon(parsed: ParsedTopic, text: string): void {
    const { ipcon, registry, logger } = this.#o;
    const fn = parsed.function;
    if (parsed.operation === "request") {
      if (fn === "enumerate") {
        ipcon.enumerate().catch((error) => logger.error(`Could not enumerate: ${message(error)}`));
      } else if (fn === "get_connection_state") {
        this.#answer(parsed, connectionStatePayload(ipcon.state));
      } else {
        this.#error(parsed, `Unknown ip connection function ${fn}`);
      }
      return;
    }
    if (parsed.operation !== "register") {
      logger.error(`Unknown ip connection request ${parsed.operation}`);
      return;
    }
    if (!isIpconCallback(fn)) return this.#error(parsed, `Unknown ip connection callback ${fn}`);
    const value = this.#parseRegistration(parsed, text, `${fn} callback registration`);
    if (value === undefined) return;
    // Strict here, unlike device callbacks: `register` must be a real bool.
    const on = registrationFlag(value, (v) => typeof v === "boolean" ? v : undefined);
    if (on === undefined) return this.#expectedBool(parsed, text);
    if (registry.setIpcon(fn, parsed.answerTopic, on) && logger.debugEnabled) {
      logger.debug(
        `${on ? "Registered" : "Deregistered"} ip connection callback ${fn} ` +
          `${on ? "to" : "from"} topic ${parsed.answerTopic}`,
      );
    }
  }

  #bindings(parsed: ParsedTopic, _text: string): void {
    const { engine, registry, logger } = this.#o;
    if (parsed.operation === "request") {
      if (parsed.function !== "reset_callbacks") {
        return this.#error(parsed, `Unknown bindings function ${parsed.function}`);
      }
      registry.clear();
      engine.reset();
      logger.debug("Reset all callback registrations and device objects");
      return;
    }
    if (parsed.operation === "callback" && parsed.function === "restart") {
      logger.warning(ANOTHER_INSTANCE);
      return;
    }
    this.#error(parsed, `Unknown bindings request ${parsed.operation}`);
  }

  /** Parses a registration payload; publishes the JSON error and returns undefined on failure. */
  #parseRegistration(parsed: ParsedTopic, text: string, what: string): PyJsonValue | undefined {
    try {
      return pyJsonParse(text);
    } catch (error) {
      const shown = this.#o.showPayload ? `. \n\tPayload was: ${pyRepr(text)}` : "";
      this.#error(
        parsed,
        `Could not parse payload for ${what} as JSON encoding a boolean: ${message(error)}${shown}`,
      );
      return undefined;
    }
  }

  #expectedBool(parsed: ParsedTopic, text: string): void {
    this.#error(parsed, `Expected bool as parameter of callback registration, but got ${text}`);
  }

  #error(parsed: ParsedTopic, text: string): void {
    this.#o.logger.error(text);
    this.#answer(parsed, new Map([["_ERROR", text]]));
  }

  #answer(parsed: ParsedTopic, payload: Map<string, unknown>): void {
    const { logger, publish } = this.#o;
    if (logger.debugEnabled) logger.debug(`Publishing response to ${parsed.answerTopic}`);
    publish(parsed.answerTopic, pyJsonDumps(payload));
  }
}

/**
 * `true`/`false`, or `{"register": <v>}` judged by `judge`; undefined when
 * the payload is neither (the "Expected bool" error).
 */
function registrationFlag(
  value: PyJsonValue,
  judge: (value: PyJsonValue) => boolean | undefined,
): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value instanceof Map && value.has("register")) return judge(value.get("register")!);
  return undefined;
}

/** Python's truth value of a parsed JSON value (the reference's rule for device callbacks). */
function truthy(value: PyJsonValue): boolean {
  if (value === null) return false;
  if (value instanceof PyFloat) return value.value !== 0; // NaN is true, as in Python
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map) return value.size > 0;
  return Boolean(value); // bool, int (number or bigint), str
}

/** `str(<device class>)` in the reference, e.g. `<class '__main__.RGBLEDButtonBricklet'>`. */
export function pyClassRepr(spec: DeviceSpec): string {
  return `<class '__main__.${spec.baseName.replaceAll(" ", "")}${spec.category}'>`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
