/**
 * An MQTT.js test client that records every message on its subscriptions and
 * lets a test wait for a particular one, always with a deadline.
 *
 * @module
 */

import mqtt, { type MqttClient } from "mqtt";
import { within } from "./deadline.ts";

/** One received message, payload decoded as UTF-8. */
export interface Message {
  readonly topic: string;
  readonly payload: string;
  /** Index in arrival order */
  readonly index: number;
}

/** What to wait for: an exact topic, a topic pattern, or any predicate. */
export type MessageMatch = string | RegExp | ((message: Message) => boolean);

const DEFAULT_DEADLINE_MS = 5_000;

function matcher(match: MessageMatch): (message: Message) => boolean {
  if (typeof match === "string") return (m) => m.topic === match;
  if (match instanceof RegExp) return (m) => match.test(m.topic);
  return match;
}

/** See the module doc. */
export class MqttWatcher {
  readonly client: MqttClient;
  readonly messages: Message[] = [];
  /** Indexes already returned by {@link next} */
  readonly #taken = new Set<number>();
  #waiters = new Set<() => void>();

  private constructor(client: MqttClient) {
    this.client = client;
    client.on("message", (topic, payload) => {
      this.messages.push({
        topic,
        payload: new TextDecoder().decode(payload),
        index: this.messages.length,
      });
      for (const wake of [...this.#waiters]) wake();
    });
  }

  /** Connects to `url` and subscribes to `topics` (QoS 0). */
  static async connect(url: string, topics: string[] = ["tinkerforge/#"]): Promise<MqttWatcher> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, clean: true });
    const watcher = new MqttWatcher(client);
    if (topics.length > 0) await client.subscribeAsync(topics, { qos: 0 });
    return watcher;
  }

  /**
   * The first message matching `match` not returned before (also one that
   * arrived earlier); waits for it up to `ms`.
   */
  next(match: MessageMatch, ms = DEFAULT_DEADLINE_MS): Promise<Message> {
    const test = matcher(match);
    const find = () => this.messages.find((m) => !this.#taken.has(m.index) && test(m));
    const found = find();
    if (found !== undefined) {
      this.#taken.add(found.index);
      return Promise.resolve(found);
    }
    let wake = () => {};
    const arrived = new Promise<Message>((resolve) => {
      wake = () => {
        const message = find();
        if (message === undefined) return;
        // Off the list at once: a later message must not be taken by a waiter that is done.
        this.#waiters.delete(wake);
        this.#taken.add(message.index);
        resolve(message);
      };
      this.#waiters.add(wake);
    });
    const what = typeof match === "function" ? "matching message" : `message on ${match}`;
    return within(arrived, ms, what).finally(() => this.#waiters.delete(wake));
  }

  /** Payload of the next message on `topic`. */
  async payloadOf(topic: string, ms = DEFAULT_DEADLINE_MS): Promise<string> {
    return (await this.next(topic, ms)).payload;
  }

  /** Every message received so far on topics matching `match`. */
  all(match: MessageMatch): Message[] {
    const test = matcher(match);
    return this.messages.filter(test);
  }

  /** Publishes at QoS 0. */
  async publish(topic: string, payload: string | Uint8Array): Promise<void> {
    await this.client.publishAsync(topic, payload as string, { qos: 0 });
  }

  /** Publishes `payload` to `requestTopic` and returns the payload of the next `answerTopic` message. */
  async request(
    requestTopic: string,
    payload: string,
    answerTopic = requestTopic.replace(/(^|\/)request\//, "$1response/"),
    ms = DEFAULT_DEADLINE_MS,
  ): Promise<string> {
    const answer = this.next(answerTopic, ms);
    await this.publish(requestTopic, payload);
    return (await answer).payload;
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
