/**
 * `deno task demo [--seconds N]`: the whole agent on embedded defaults (see `src/sim/demo.ts`;
 * `tfedge --demo` runs the same). Runs until Ctrl-C, or for N seconds after the first
 * telemetry (smoke tests).
 *
 * @module
 */
import { parseArgs } from "../src/deps/cli.ts";
import { runDemo } from "../src/sim/demo.ts";

const { values } = parseArgs({ args: Deno.args, options: { seconds: { type: "string" } } });
const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0)) {
  console.error(`demo: --seconds must be a positive number, got "${values.seconds}"`);
  Deno.exit(2);
}
Deno.exit(await runDemo({ seconds }));
