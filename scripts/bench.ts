/**
 * `deno task bench`: prints the project's performance figures.
 *
 * Figures, not pass/fail: targets are stated next to them and checked by a
 * reader (and recorded in the README), never by timed tests.
 *
 * Usage: deno task bench [section...]   (sections: payload, tfp; default: all)
 *
 * @module
 */
import { benchPayload } from "./bench/payload_bench.ts";
import { benchRoundTrips } from "./bench/tfp_bench.ts";

const SECTIONS: Record<string, () => void | Promise<void>> = {
  payload: benchPayload,
  tfp: benchRoundTrips,
};

const wanted = Deno.args.length > 0 ? Deno.args : Object.keys(SECTIONS);
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
