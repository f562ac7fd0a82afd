/**
 * End-to-end: `tfedge` as a user runs it, a `deno run mod.ts` subprocess with ThingsBoard
 * flags against the simulated brickd, a test broker and the ThingsBoard test server.
 *
 * @module
 */

import assert from "node:assert/strict";
import { startAgentFixture, TB_DEVICE, TB_TOKEN } from "./support/agent_fixture.ts";

const MOD = new URL("../mod.ts", import.meta.url).pathname;

/** Only what a Deno process needs: no TFEDGE_* or STATE_DIRECTORY of the machine running tests. */
function cleanEnv(): Record<string, string> {
  const keep: Record<string, string> = { COLUMNS: "80" };
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "DENO_CERT"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) keep[name] = value;
  }
  return keep;
}

function tfedge(args: readonly string[], stdout: "piped" | "null" = "piped"): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MOD, ...args],
    env: cleanEnv(),
    clearEnv: true,
    stdin: "null",
    stdout,
    stderr: "piped",
  }).spawn();
}

Deno.test("tfedge reports to ThingsBoard and stops cleanly on SIGTERM with a Shutdown event", async () => {
  const fixture = await startAgentFixture({ startAgent: false });
  fixture.brickd.setValues("Tmp", "get_temperature", { temperature: 2107 });
  const child = tfedge(fixture.argv, "null");
  const stderr = new Response(child.stderr).text();
  let exited = false;
  try {
    // Generous deadlines: the subprocess loads the whole module graph first.
    const values = await fixture.waitForTelemetry((v) => "Tmp_temperature" in v, TB_DEVICE, 20_000);
    assert.equal(values.Tmp_temperature, 21.07);
    await fixture.nextEvent("CloudConnected", 5_000);
    await fixture.waitForAttributes((a) => a.Tmp_uid === "Tmp");

    child.kill("SIGTERM");
    const status = await child.status;
    exited = true;
    assert.equal(status.code, 0);
    const shutdown = await fixture.nextEvent("Shutdown");
    assert.equal(shutdown._event, "Shutdown");
    const last = fixture.watcher.all("tfedge/status").at(-1);
    assert.equal(JSON.parse(last!.payload).state, "stopped");

    const log = await stderr;
    assert.match(
      log,
      /<INFO> agent: tfedge \S+ starting \(ThingsBoard 127\.0\.0\.1:\d+, device mode\)/,
    );
    assert.match(log, /<INFO> agent: Event Shutdown /);
    assert.ok(!log.includes(TB_TOKEN), "the access token is not logged");
    assert.equal(fixture.server.devices().find((d) => d.name === TB_DEVICE)?.connected, false);
  } finally {
    if (!exited) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
      await child.status;
    }
    await stderr;
    await fixture.close();
  }
});

Deno.test("tfedge --check-config prints the ThingsBoard settings without secrets", async () => {
  const child = tfedge([
    "--check-config",
    "--tb-host=tb.example",
    `--tb-token=${TB_TOKEN}`,
    "--tb-gateway",
    "--telemetry-interval=0.5",
    "--alias",
    "Tmp=greenhouse",
    "--broker-username=edge",
    "--broker-password=br0ker-Secret",
  ]);
  const output = await child.output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.ok(!stdout.includes(TB_TOKEN), "no access token");
  assert.ok(!stdout.includes("br0ker-Secret"), "no broker password");
  const printed = JSON.parse(stdout);
  const tb = printed.config.thingsboard;
  assert.deepEqual([tb.host, tb.port, tb.gateway, tb.accessToken], [
    "tb.example",
    1883,
    true,
    "***",
  ]);
  assert.equal(printed.config.telemetry.intervalMs, 500);
  assert.deepEqual(printed.config.telemetry.aliases, { Tmp: "greenhouse" });
});
