/**
 * Turns the Brick Daemon connection's events into MQTT callback messages
 * (spec §6.2, §7): device callbacks to the topics registered for them,
 * high-level callbacks reassembled from their chunks first, and the
 * IP-connection callbacks `enumerate`, `connected` and `disconnected`.
 *
 * Device callbacks pass the lazy identity check first: the first event of a
 * device object asks the device for its identity, events arriving meanwhile
 * are held in order, and all of them are dropped if the UID turns out to
 * belong to another device type (or the check fails; the next event retries).
 *
 * Nothing here may stop later callbacks: a failure while delivering one event
 * is logged and the next event is delivered normally (the reference's
 * callback thread dies on an unknown enumerate identifier or a leftover
 * high-level handler, and all callbacks stop until a restart).
 *
 * @module
 */

import type { CallEngine } from "../calls/engine.ts";
import { pyJsonDumps } from "../calls/py_json.ts";
import { formatCallback } from "../calls/results.ts";
import type { ConnectReason, DisconnectReason } from "../tfp/connection.ts";
import type { EnumerateEvent } from "../tfp/identity.ts";
import { decodeNamed, decodePayload } from "../tfp/payload.ts";
import { callbackById, highLevelCallbackFor } from "../tfp/registry.ts";
import { connectedPayload, disconnectedPayload, enumeratePayload } from "./ipcon_payloads.ts";
import type { BridgeLogger } from "./log.ts";
import type { CallbackRegistry, DeviceRegistrations, IpconCallbackName } from "./registrations.ts";

/** Publishes one message (QoS 0, not retained). */
export type PublishFn = (topic: string, payload: string) => void;

/** Counters of a {@link CallbackRouter}. */
export interface CallbackCounters {
  /** Callback messages published (one per topic) */
  published: number;
  /** Device events dropped because the UID belongs to another device type or the check failed */
  droppedIdentity: number;
  /** Device events that could not be decoded (too short for their callback) or failed otherwise */
  failed: number;
}

/** Events held per device while its identity check runs; more are dropped. */
const MAX_HELD_EVENTS = 10_000;

/** See the module doc. */
export class CallbackRouter {
  readonly #engine: CallEngine;
  readonly #registry: CallbackRegistry;
  readonly #publish: PublishFn;
  readonly #logger: BridgeLogger;
  readonly counters: CallbackCounters = { published: 0, droppedIdentity: 0, failed: 0 };

  constructor(
    engine: CallEngine,
    registry: CallbackRegistry,
    publish: PublishFn,
    logger: BridgeLogger,
  ) {
    this.#engine = engine;
    this.#registry = registry;
    this.#publish = publish;
    this.#logger = logger;
  }

  /** A device callback packet (TfpConnection "callback" event). */
  deviceCallback(uid: number, functionId: number, payload: Uint8Array): void {
    const device = this.#engine.deviceByUid(uid);
    if (device === undefined) return;
    const entry = this.#registry.of(device);
    if (entry === undefined || !this.#wanted(entry, functionId)) return;
    switch (device.identity) {
      case "match":
        this.#deliver(entry, functionId, payload);
        return;
      case "mismatch":
        this.counters.droppedIdentity++;
        return;
      case "pending":
        this.#hold(entry, functionId, payload);
    }
  }

  /** An enumerate event. */
  enumerate(event: EnumerateEvent): void {
    this.#ipcon("enumerate", () => enumeratePayload(event, this.#symbolic));
  }

  /** The Brick Daemon connection came up. */
  connected(reason: ConnectReason): void {
    this.#ipcon("connected", () => connectedPayload(reason, this.#symbolic));
  }

  /** The Brick Daemon connection went down. */
  disconnected(reason: DisconnectReason): void {
    // A stream cut by the disconnect can never complete.
    this.#registry.resetStreams();
    this.#ipcon("disconnected", () => disconnectedPayload(reason, this.#symbolic));
  }

  get #symbolic(): boolean {
    return this.#engine.formatOptions.symbolic;
  }

  #ipcon(name: IpconCallbackName, payload: () => Map<string, unknown>): void {
    const topics = this.#registry.ipcon(name);
    if (topics.size === 0) return;
    try {
      this.#publishAll(topics, pyJsonDumps(payload()));
    } catch (error) {
      this.#logger.error(`Could not publish ${name} callback: ${describe(error)}`);
    }
  }

  /** Whether the packet's callback (or the high-level callback built from it) has topics. */
  #wanted(entry: DeviceRegistrations, functionId: number): boolean {
    const spec = entry.device.spec;
    const low = callbackById(spec, functionId);
    if (low !== undefined && entry.topics.has(low.name)) return true;
    const high = highLevelCallbackFor(spec, functionId);
    return high !== undefined && entry.topics.has(high.name);
  }

  #hold(entry: DeviceRegistrations, functionId: number, payload: Uint8Array): void {
    if (entry.held !== undefined) {
      if (entry.held.length < MAX_HELD_EVENTS) entry.held.push({ functionId, payload });
      else this.counters.droppedIdentity++;
      return;
    }
    entry.held = [{ functionId, payload }];
    const device = entry.device;
    void this.#engine.identityMatches(device).then((matches) => {
      const held = entry.held ?? [];
      entry.held = undefined;
      const current = this.#registry.of(device) === entry;
      if (!matches || !current) {
        this.counters.droppedIdentity += held.length;
        if (!matches) {
          this.#logger.debug(
            `Dropping ${held.length} callback(s) of ${device.spec.name} ${device.uidText}: ` +
              `identity check ${
                device.identity === "mismatch" ? "found another device type" : "failed"
              }`,
          );
        }
        return;
      }
      for (const event of held) this.#deliver(entry, event.functionId, event.payload);
      if (entry.topics.size === 0) this.#registry.dropDevice(device);
    });
  }

  #deliver(entry: DeviceRegistrations, functionId: number, payload: Uint8Array): void {
    const spec = entry.device.spec;
    const options = this.#engine.formatOptions;
    try {
      const low = callbackById(spec, functionId);
      if (low === undefined) return;
      const lowTopics = entry.topicsOf(low.name);
      if (lowTopics !== undefined) {
        const values = decodePayload(low.out, payload);
        this.#publishAll(lowTopics, pyJsonDumps(formatCallback(spec, low, values, options)));
      }
      const high = highLevelCallbackFor(spec, functionId);
      const highTopics = high === undefined ? undefined : entry.topicsOf(high.name);
      const assembler = high === undefined ? undefined : entry.assemblers.get(high.name);
      if (high === undefined || highTopics === undefined || assembler === undefined) return;
      const result = assembler.push(decodeNamed(low.out, payload));
      if (result === undefined) return;
      if ("outOfSync" in result) {
        this.#logger.debug(
          `Dropping ${high.name} callback of ${spec.name} ${entry.device.uidText}: stream is out-of-sync`,
        );
        return;
      }
      this.#publishAll(
        highTopics,
        pyJsonDumps(formatCallback(spec, high, result.complete, options)),
      );
    } catch (error) {
      this.counters.failed++;
      this.#logger.error(
        `Could not deliver callback ${functionId} of ${spec.name} ${entry.device.uidText}: ${
          describe(error)
        }`,
      );
    }
  }

  #publishAll(topics: ReadonlySet<string>, text: string): void {
    const debug = this.#logger.debugEnabled;
    for (const topic of topics) {
      if (debug) this.#logger.debug(`Publishing callback to ${topic}`);
      this.#publish(topic, text);
      this.counters.published++;
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
