/**
 * End-to-end: claiming (`--tb-claim-secret-file`, `--tb-claim-duration`). After every connect
 * the agent opens claiming of its ThingsBoard device, and as a gateway of every sub-device;
 * the secret never reaches the log.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "../src/deps/path.ts";
import type { ThingsBoardServer } from "../src/sim/thingsboard/mod.ts";
import { type AgentFixture, startAgentFixture, TB_DEVICE } from "./support/agent_fixture.ts";

const SECRET = "Claim-Me-7f3a";

/** Waits until `device` has at least `count` claims; returns them as [secret, duration]. */
async function claimsOf(server: ThingsBoardServer, device: string, count = 1) {
  const claims = () =>
    server.devices().some((d) => d.name === device)
      ? server.claims(device).map(({ secretKey, durationMs }) => [secretKey, durationMs])
      : [];
  if (claims().length < count) {
    await server.waitFor("publish", () => claims().length >= count).catch(() => {
      throw new Error(`"${device}" has ${claims().length} claims, expected ${count}`);
    });
  }
  return claims();
}

async function withClaimingAgent(
  tb: "token" | "gateway",
  body: (fixture: AgentFixture) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tfedge-claim-test-" });
  const secretFile = join(dir, "claim-secret");
  await Deno.writeTextFile(secretFile, `${SECRET}\n`);
  const fixture = await startAgentFixture({
    tb,
    flags: ["--tb-claim-secret-file", secretFile, "--tb-claim-duration", "90"],
  });
  try {
    await body(fixture);
    assert.ok(!fixture.log.lines.some((line) => line.includes(SECRET)), "no secret in the log");
  } finally {
    await fixture.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("claiming opens for the agent's device after every connect, the secret from a file", async () => {
  await withClaimingAgent("token", async (fixture) => {
    assert.deepEqual(await claimsOf(fixture.server, TB_DEVICE), [[SECRET, 90_000]]);
    await fixture.log.waitFor("claiming is open for 90 s");
    // A new session (ThingsBoard closed the old one) opens claiming again.
    fixture.server.dropAllConnections();
    assert.deepEqual(await claimsOf(fixture.server, TB_DEVICE, 2), [
      [SECRET, 90_000],
      [SECRET, 90_000],
    ]);
  });
});

Deno.test("as a gateway the agent opens claiming of itself and of every sub-device", async () => {
  await withClaimingAgent("gateway", async (fixture) => {
    assert.deepEqual(await claimsOf(fixture.server, TB_DEVICE), [[SECRET, 90_000]]);
    assert.deepEqual(await claimsOf(fixture.server, "Temperature Bricklet 2.0 Tmp"), [
      [SECRET, 90_000],
    ]);
  });
});
