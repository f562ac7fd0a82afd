/**
 * Table-driven checks of the bridge's answers over MQTT: each row publishes
 * one message and expects one exact answer payload on the answer topic. Rows
 * get a unique topic suffix, so an answer can never be mistaken for another
 * row's, and every `_ERROR` must also appear in the bridge's log at ERROR level.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Fixture } from "./bridge_fixture.ts";

/** One message and the exact answer it must get. */
export interface AnswerRow {
  readonly name: string;
  /** Topic after the global prefix, without suffix: `request/...` or `register/...` */
  readonly topic: string;
  readonly payload: string | Uint8Array;
  /** The exact answer payload (json.dumps text) */
  readonly expected: string;
  /** Runs before the message is published (fault injection) */
  readonly before?: (fixture: Fixture) => Promise<void> | void;
  /** Runs after the answer arrived or the row failed (undo the fault) */
  readonly after?: (fixture: Fixture) => Promise<void> | void;
}

/** Printable ASCII only: json.dumps output never has anything else. */
const ASCII_JSON = /^[\x20-\x7e]*$/;

let rowCounter = 0;

/** `request/...` → `response/...`, any other operation → `callback/...` (spec §2.3 step 7). */
export function answerTopicOf(topic: string): string {
  const slash = topic.indexOf("/");
  const operation = topic.slice(0, slash);
  return (operation === "request" ? "response" : "callback") + topic.slice(slash);
}

/** Bytes from numbers, for payloads that are not valid UTF-8. */
export function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

/** Publishes the row's message and checks its answer and the ERROR log line. */
export async function checkRow(fixture: Fixture, prefix: string, row: AnswerRow): Promise<void> {
  const suffix = `row${++rowCounter}`;
  const topic = `${prefix}${row.topic}/${suffix}`;
  const answerTopic = `${prefix}${answerTopicOf(row.topic)}/${suffix}`;
  await row.before?.(fixture);
  try {
    const answer = fixture.watcher.next(answerTopic, 5_000);
    await fixture.watcher.publish(topic, row.payload);
    const { payload } = await answer;
    assert.match(payload, ASCII_JSON, "answer is not printable ASCII");
    assert.equal(payload, row.expected);
    const error = JSON.parse(payload)._ERROR;
    if (typeof error === "string") {
      await fixture.log.waitFor(`<ERROR> MQTT bindings: ${error}`, 2_000);
    }
  } finally {
    await row.after?.(fixture);
  }
}

/** Runs every row as its own step of `t`. */
export async function checkRows(
  t: Deno.TestContext,
  fixture: Fixture,
  prefix: string,
  rows: readonly AnswerRow[],
): Promise<void> {
  for (const row of rows) {
    await t.step({
      name: row.name,
      // The shared bridge, broker and sockets outlive each step; the test itself checks leaks.
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => checkRow(fixture, prefix, row),
    });
  }
}

/** Waits until the bridge answers `get_connection_state` with `state` (polling, with a deadline). */
export async function waitConnectionState(
  fixture: Fixture,
  prefix: string,
  state: "connected" | "pending" | "disconnected",
  ms = 5_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  let last = "";
  while (Date.now() < deadline) {
    const suffix = `state${++rowCounter}`;
    last = await fixture.watcher.request(
      `${prefix}request/ip_connection/get_connection_state/${suffix}`,
      "",
      `${prefix}response/ip_connection/get_connection_state/${suffix}`,
    );
    if (last === `{"connection_state": "${state}"}`) return;
  }
  throw new Error(`Connection state did not become "${state}" within ${ms} ms; last: ${last}`);
}
