/**
 * Agent events and status on the local broker, in the OctoPrint MQTT plugin's style.
 *
 * An event goes to `<base>event/<Event>` (e.g. `tfedge/event/DeviceConnected`) as a JSON
 * object: the event's fields plus `"_event": "<Event>"` and `"_timestamp": <unix seconds>`,
 * as OctoPrint-MQTT publishes `<baseTopic>event/<Event>`. The status goes to `<base>status`
 * as the status object plus `_timestamp`. `base` is used as given, so it normally ends with
 * `/` (OctoPrint's default is `octoPrint/`, ours `tfedge/`).
 *
 * The publisher only formats: the agent injects `publish` (the bridge's bounded publish
 * queue, QoS 0, not retained; nothing when the bridge is off). Every event is also logged,
 * so with the bridge off the log still tells what happened.
 *
 * @module
 */

/** The fields of each event, besides `_event` and `_timestamp`. */
export type AgentEventFields = {
  Startup: { version: string };
  Shutdown: Record<string, never>;
  BrickdConnected: { host: string; port: number };
  BrickdDisconnected: { reason: string };
  DeviceConnected: {
    uid: string;
    /** Codec name such as `temperature_v2_bricklet` */
    device: string;
    /** Display name such as `Temperature Bricklet 2.0` */
    name: string;
    position: string;
    connectedUid: string;
  };
  DeviceDisconnected: { uid: string };
  CloudConnected: { host: string };
  CloudDisconnected: { reason: string };
  Provisioned: { deviceName: string };
  BufferOverflow: { dropped: number; policy: string };
};

/** Names of the agent's events. */
export type AgentEventName = keyof AgentEventFields;

/** Every event name, in the order of the list. */
export const AGENT_EVENT_NAMES: readonly AgentEventName[] = [
  "Startup",
  "Shutdown",
  "BrickdConnected",
  "BrickdDisconnected",
  "DeviceConnected",
  "DeviceDisconnected",
  "CloudConnected",
  "CloudDisconnected",
  "Provisioned",
  "BufferOverflow",
];

/** Publishes one message on the local broker (QoS 0, not retained). */
export type PublishFn = (topic: string, payload: string) => void;

/** Options of an {@link AgentEventPublisher}. */
export interface AgentEventPublisherOptions {
  /** Topic base, e.g. `tfedge/`; no MQTT wildcards */
  readonly base: string;
  readonly publish: PublishFn;
  /** Log line per event (and per failed publish) */
  readonly log?: (line: string) => void;
  /** ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

/** `<base>event/<Event>`. */
export function eventTopic(base: string, event: AgentEventName): string {
  return `${base}event/${event}`;
}

/** `<base>status`. */
export function statusTopic(base: string): string {
  return `${base}status`;
}

/** Unix seconds (integer), as OctoPrint-MQTT's `_timestamp`. */
function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The payload object of an event: its fields, then `_event` and `_timestamp`. */
export function eventPayload<E extends AgentEventName>(
  event: E,
  fields: AgentEventFields[E],
  nowMs: number,
): Record<string, unknown> {
  return { ...fields, _event: event, _timestamp: unixSeconds(nowMs) };
}

/** Throws a TypeError for a base no topic can be built from. */
function checkBase(base: unknown): string {
  if (typeof base !== "string") {
    throw new TypeError(`Invalid event topic base "${String(base)}": expected a string`);
  }
  if (/[+#\0]/.test(base)) {
    throw new TypeError(
      `Invalid event topic base "${base}": MQTT wildcards (+, #) and NUL are not allowed`,
    );
  }
  return base;
}

/** See the module doc. */
export class AgentEventPublisher {
  /** The topic base, e.g. `tfedge/` */
  readonly base: string;
  readonly statusTopic: string;
  readonly #publish: PublishFn;
  readonly #log: (line: string) => void;
  readonly #now: () => number;

  constructor(options: AgentEventPublisherOptions) {
    this.base = checkBase(options.base);
    this.statusTopic = statusTopic(this.base);
    this.#publish = options.publish;
    this.#log = options.log ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  /** Publishes `event` with `fields` on `<base>event/<Event>` and logs it. */
  emit<E extends AgentEventName>(event: E, fields: AgentEventFields[E]): void {
    const payload = JSON.stringify(eventPayload(event, fields, this.#now()));
    this.#log(`Event ${event} ${payload}`);
    this.#send(eventTopic(this.base, event), payload);
  }

  /**
   * Publishes the status object (the agent adds its run state) on `<base>status`, with
   * `_timestamp` added. Not logged: it repeats every status interval.
   */
  publishStatus(status: object): void {
    const payload = JSON.stringify({ ...status, _timestamp: unixSeconds(this.#now()) });
    this.#send(this.statusTopic, payload);
  }

  #send(topic: string, payload: string): void {
    try {
      this.#publish(topic, payload);
    } catch (error) {
      // Events report on other failures; one failing must not become another failure.
      this.#log(`Could not publish ${topic}: ${(error as Error)?.message ?? error}`);
    }
  }
}
