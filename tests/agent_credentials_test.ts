/**
 * End-to-end: ThingsBoard refuses the agent's credentials. The agent must say so clearly in
 * its log without the secret, keep retrying slowly in the background (a client that stops for
 * good would leave an unattended agent silent), and pick up a fix made on the server without
 * a restart.
 *
 * @module
 */

import assert from "node:assert/strict";
import { startAgentFixture } from "./support/agent_fixture.ts";
import { within } from "./support/deadline.ts";

const WRONG_TOKEN = "NotKnownToken9Z";

Deno.test("a refused access token is logged without its value, retried slowly, fixed on the server", async () => {
  const fixture = await startAgentFixture({
    tb: "none",
    flags: [`--tb-token=${WRONG_TOKEN}`],
    dependencies: { cloudRefusedRetryMs: [50, 200] },
  });
  try {
    const refusedAt: number[] = [];
    const usernames = new Set<string | undefined>();
    const third = Promise.withResolvers<void>();
    fixture.server.on("refuse", (event) => {
      usernames.add(event.username);
      refusedAt.push(performance.now());
      if (refusedAt.length === 3) third.resolve();
    });
    // The state is checked right after the third ERROR line: the link stays "refused" until
    // its retry timer fires.
    const errors = await fixture.log.waitForCount("<ERROR>", 3);
    assert.equal(fixture.agent.cloud!.state, "refused");
    assert.equal(fixture.agent.status().cloud.state, "refused");
    await within(third.promise, 5_000, "third refused connect");
    assert.deepEqual([...usernames], [WRONG_TOKEN], "the server saw the agent's token");
    for (const line of errors) {
      assert.match(line, /ThingsBoard refused the connection: .*access token/);
      assert.doesNotMatch(line, /not retrying/, "the agent does retry");
    }
    // Backoff, not a busy loop: every retry waited (50 ms first, jitter ±25 %).
    for (let i = 1; i < refusedAt.length; i++) {
      assert.ok(refusedAt[i] - refusedAt[i - 1] >= 30, `retry ${i} waited`);
    }

    // The administrator registers the token: the agent connects, no restart.
    fixture.server.addDevice("fixed-later", { accessToken: WRONG_TOKEN });
    await fixture.nextEvent("CloudConnected", 5_000);
    assert.equal(fixture.agent.cloud!.state, "connected");
    await fixture.waitForTelemetry((v) => "Tmp_temperature" in v, "fixed-later");
    await fixture.waitForAttributes((a) => a.Tmp_uid === "Tmp", "fixed-later");

    // The token never appears in the log, the events or the status.
    for (const line of fixture.log.lines) assert.ok(!line.includes(WRONG_TOKEN), line);
    for (const message of fixture.watcher.messages) {
      assert.ok(!message.payload.includes(WRONG_TOKEN), message.topic);
    }
    assert.ok(!JSON.stringify(fixture.agent.status()).includes(WRONG_TOKEN));
  } finally {
    await fixture.close();
  }
});

Deno.test("without any credentials the agent says what to configure and keeps the rest running", async () => {
  const fixture = await startAgentFixture({
    tb: "none",
    dependencies: { cloudRefusedRetryMs: [50, 200] },
  });
  try {
    const line = await fixture.log.waitFor("<ERROR>");
    assert.match(line, /no credentials: give an access token .*provision key and secret/);
    assert.equal(fixture.agent.cloud!.state, "refused");
    // The local side is unaffected: brickd and the broker get the agent's events.
    await fixture.nextEvent("BrickdConnected");
    const tmp = await fixture.watcher.next((m) =>
      m.topic === "tfedge/event/DeviceConnected" && m.payload.includes('"Tmp"')
    );
    assert.equal(JSON.parse(tmp.payload).uid, "Tmp");
    assert.equal(fixture.server.devices().length, 0);
  } finally {
    await fixture.close();
  }
});
