/**
 * Fuzz test of the bridge over MQTT: 10,000 seeded random messages under
 * `request/` and `register/` (tests/support/fuzz_messages.ts). The bridge
 * must never crash, must answer every message the reference would answer (and
 * with the expected `_ERROR` where the error is certain), must stay silent
 * where the reference is silent, and must still answer a known-good request
 * at the end.
 *
 * Replay: TFEDGE_FUZZ_SEED=<seed> [TFEDGE_FUZZ_COUNT=<n>] deno test -A tests/bridge_fuzz_test.ts
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import mqtt from "mqtt";
import type { DeviceConfig } from "../src/sim/config.ts";
import { startFixture } from "./support/bridge_fixture.ts";
import { within } from "./support/deadline.ts";
import { FuzzGenerator, type FuzzMessage, type FuzzTarget } from "./support/fuzz_messages.ts";

const P = "tinkerforge/";
const SEED = Number(Deno.env.get("TFEDGE_FUZZ_SEED") ?? 20261122);
const COUNT = Number(Deno.env.get("TFEDGE_FUZZ_COUNT") ?? 10_000);
/** Messages that must be answered and are not yet: at most this many */
const WINDOW = 64;
const ANSWER_DEADLINE_MS = 15_000;
const MARKER = /\/~fz\/(\d+)$/;

const TARGETS: readonly FuzzTarget[] = [
  { type: "rgb_led_button_bricklet", uid: "Dod" },
  { type: "temperature_v2_bricklet", uid: "Tmp" },
  { type: "led_strip_v2_bricklet", uid: "Led" },
  { type: "rs232_v2_bricklet", uid: "Ser" },
  { type: "industrial_dual_relay_bricklet", uid: "RLY" },
  { type: "industrial_counter_bricklet", uid: "Cnt" },
];

interface Answer {
  readonly topic: string;
  readonly payload: string;
}

/** Up to `max` characters of `text`, with the full length when cut. */
function clip(text: string, max = 160): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} chars)`;
}

/** What is wrong with the answers to `message`, or undefined. */
function problemWith(message: FuzzMessage, answers: readonly Answer[]): string | undefined {
  const expect = message.expect;
  const wrongTopic = answers.find((a) => a.topic !== message.answerTopic);
  if (wrongTopic !== undefined) return `answer on ${clip(wrongTopic.topic)}`;
  const internal = answers.find((a) => a.payload.includes("Internal error"));
  if (internal !== undefined) return `internal error: ${clip(internal.payload)}`;
  switch (expect.kind) {
    case "answer": {
      if (answers.length === 0) return "no answer";
      if (expect.error === undefined) return undefined;
      const error = JSON.parse(answers[0].payload)._ERROR;
      return typeof error === "string" && error.startsWith(expect.error)
        ? undefined
        : `expected _ERROR "${expect.error}...", got ${clip(answers[0].payload)}`;
    }
    case "silent":
      return answers.length === 0 ? undefined : `answered ${clip(answers[0].payload)}`;
    case "no_error": {
      const error = answers.find((a) => a.payload.includes('"_ERROR"'));
      return error === undefined ? undefined : `error answer ${clip(error.payload)}`;
    }
    default:
      return undefined;
  }
}

Deno.test(`bridge survives ${COUNT} random messages (seed ${SEED})`, async () => {
  const devices: DeviceConfig[] = TARGETS.map((t, i) => ({
    type: t.type,
    uid: t.uid,
    position: "abcdef"[i],
    connected_uid: "6Ka2Yq",
  }));
  const fixture = await startFixture({ devices, bridge: { ipconTimeoutMs: 30 } });
  const collector = await mqtt.connectAsync(fixture.broker.url, { reconnectPeriod: 0 });
  const answers = new Map<number, Answer[]>();
  const waiting = new Map<number, () => void>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  try {
    collector.on("message", (topic, payload) => {
      const match = MARKER.exec(topic);
      if (match === null) return;
      const n = Number(match[1]);
      const list = answers.get(n) ?? [];
      list.push({ topic, payload: new TextDecoder().decode(payload) });
      answers.set(n, list);
      waiting.get(n)?.();
    });
    await collector.subscribeAsync([`${P}response/#`, `${P}callback/#`], { qos: 0 });

    const memoryBefore = Deno.memoryUsage();
    const started = performance.now();
    const generator = new FuzzGenerator(SEED, P, TARGETS);
    const messages: FuzzMessage[] = [];
    const unanswered = new Set<Promise<void>>();
    const counts = new Map<string, number>();
    // Every distinct UID makes a device object (an unbounded map, as in the reference);
    // reset_callbacks drops them all, so the peak is what memory has to hold.
    let peakDeviceObjects = 0;
    for (let n = 0; n < COUNT; n++) {
      if (n % 100 === 0) {
        peakDeviceObjects = Math.max(peakDeviceObjects, [...fixture.bridge!.engine.devices].length);
      }
      const message = generator.next(n);
      messages.push(message);
      counts.set(message.expect.kind, (counts.get(message.expect.kind) ?? 0) + 1);
      if (message.expect.kind === "answer" && !answers.has(n)) {
        while (unanswered.size >= WINDOW) await Promise.race(unanswered);
        // Settles on the first answer or at the deadline; missing answers are reported below.
        const answered: Promise<void> = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ANSWER_DEADLINE_MS);
          timers.add(timer);
          waiting.set(n, () => {
            clearTimeout(timer);
            timers.delete(timer);
            resolve();
          });
        }).finally(() => {
          waiting.delete(n);
          unanswered.delete(answered);
        });
        unanswered.add(answered);
      }
      await collector.publishAsync(message.topic, Buffer.from(message.payload), { qos: 0 });
    }
    await Promise.all(unanswered);

    // Handled in order: once this is answered, every earlier message has been handled (and any
    // synchronous answer to it published), and the bridge is alive.
    const final = `${P}request/rgb_led_button_bricklet/Dod/get_color/~fz/${COUNT}`;
    const finalAnswer = new Promise<void>((resolve) => waiting.set(COUNT, resolve));
    await collector.publishAsync(final, "", { qos: 0 });
    await within(finalAnswer, 10_000, "answer to the final get_color");
    assert.match(answers.get(COUNT)![0].payload, /^\{"red": \d+, "green": \d+, "blue": \d+\}$/);
    const seconds = (performance.now() - started) / 1000;

    const problems: string[] = [];
    for (const message of messages) {
      const problem = problemWith(message, answers.get(message.n) ?? []);
      if (problem !== undefined) {
        problems.push(
          `#${message.n} ${clip(message.topic)} payload ${
            clip(JSON.stringify(new TextDecoder().decode(message.payload)))
          } (expected ${JSON.stringify(message.expect)}): ${problem}`,
        );
      }
    }
    const crashes = fixture.log.grep("Could not handle message").length;
    const memoryAfter = Deno.memoryUsage();
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
    console.log(
      `fuzz seed ${SEED}: ${COUNT} messages in ${seconds.toFixed(1)} s; ` +
        `${JSON.stringify(Object.fromEntries(counts))}; answered ${answers.size - 1} topics; ` +
        `device objects at most ${peakDeviceObjects}; heap ${mb(memoryBefore.heapUsed)} -> ` +
        `${mb(memoryAfter.heapUsed)}, rss ${mb(memoryBefore.rss)} -> ${mb(memoryAfter.rss)}`,
    );
    assert.equal(crashes, 0, `message handler failures:\n${fixture.log.grep("Could not handle")}`);
    assert.deepEqual(
      problems.slice(0, 20),
      [],
      `${problems.length} of ${COUNT} messages were mishandled (seed ${SEED})`,
    );
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await collector.endAsync(true);
    await fixture.close();
  }
});
