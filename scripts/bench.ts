/**
 * `deno task bench`: prints the project's performance figures.
 *
 * Figures, not pass/fail: targets are stated next to them and checked by a
 * reader (and recorded in the README), never by timed tests.
 *
 * Usage: deno task bench [section...] [--flood-seconds N] [--bridge-v8-flags=FLAGS]
 *                        [--agent-seconds N] [--agent-devices N] [--agent-v8-flags=FLAGS]
 *   sections: payload, tfp, bridge, agent (default: all); --flood-seconds: length of the
 *   bridge's slow-subscriber flood (default 60); --bridge-v8-flags: deno --v8-flags for the
 *   bridge process (e.g. --max-old-space-size=48,--max-semi-space-size=4); --agent-seconds:
 *   the agent's throughput window (default 10; its RSS windows are 3 times as long);
 *   --agent-devices: one throughput run with N sensor Bricklets instead of the two default
 *   ones; --agent-v8-flags: deno --v8-flags for the agent process
 *
 * @module
 */
import { agentBenchOptionsFromArgs, benchAgent } from "./bench/agent_bench.ts";
import { benchBridge, bridgeBenchOptionsFromArgs } from "./bench/bridge_bench.ts";
import { benchPayload } from "./bench/payload_bench.ts";
import { benchRoundTrips } from "./bench/tfp_bench.ts";

const SECTIONS: Record<string, () => void | Promise<void>> = {
  payload: benchPayload,
  tfp: benchRoundTrips,
  bridge: () => benchBridge(bridgeBenchOptionsFromArgs(Deno.args)),
  agent: () => benchAgent(agentBenchOptionsFromArgs(Deno.args)),
};

// Flags ("--name value", "--name=value") belong to the sections that read them; the rest are
// section names.
const takesValue = (arg: string | undefined) => arg?.startsWith("--") && !arg.includes("=");
const names = Deno.args.filter((arg, i) => !arg.startsWith("--") && !takesValue(Deno.args[i - 1]));
const wanted = names.length > 0 ? names : Object.keys(SECTIONS);
const unknown = wanted.filter((name) => !(name in SECTIONS));
if (unknown.length > 0) {
  console.error(
    `Unknown benchmark section(s): ${unknown.join(", ")}; known: ${
      Object.keys(SECTIONS).join(", ")
    }`,
  );
  Deno.exit(2);
}
console.log(
  `tfedge benchmarks on ${Deno.build.arch}-${Deno.build.os}, Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores`,
);
for (const name of wanted) await SECTIONS[name]();
