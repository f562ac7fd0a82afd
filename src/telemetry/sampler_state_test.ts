import assert from "node:assert/strict";
import { TfpError } from "../tfp/errors.ts";
import {
  backoffDelay,
  effectivePeriod,
  isNotConnected,
  MAX_PERIOD_MS,
  PhaseSpreader,
} from "./sampler_state.ts";

Deno.test("effectivePeriod: interval x slowdown, rounded and capped", () => {
  assert.equal(effectivePeriod(10_000, 1), 10_000);
  assert.equal(effectivePeriod(10_000, 4), 40_000);
  assert.equal(effectivePeriod(3, 1.5), 5);
  assert.equal(effectivePeriod(MAX_PERIOD_MS, 4), MAX_PERIOD_MS);
});

Deno.test("backoffDelay: nothing below the threshold, then doubling up to the cap", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((failures) => backoffDelay(failures, 3, 1000, 10_000)),
    [0, 0, 0, 2000, 4000, 8000, 10_000],
  );
  assert.equal(backoffDelay(1000, 3, 1000, 300_000), 300_000);
});

Deno.test("PhaseSpreader: phases in [0, 1), evenly spread", () => {
  const spreader = new PhaseSpreader();
  const phases = Array.from({ length: 10 }, () => spreader.next());
  assert.equal(phases[0], 0);
  for (const phase of phases) assert.ok(phase >= 0 && phase < 1);
  // No two devices share a phase, and no stretch of the period is left much emptier than 1/n.
  const sorted = [...phases].sort((a, b) => a - b);
  const gaps = sorted.map((p, i) => (i + 1 < sorted.length ? sorted[i + 1] : 1 + sorted[0]) - p);
  assert.ok(Math.min(...gaps) > 0.05 && Math.max(...gaps) < 0.2, `gaps ${gaps}`);
});

Deno.test("isNotConnected: only the connection-level error", () => {
  assert.equal(isNotConnected(new TfpError("not_connected")), true);
  assert.equal(isNotConnected(new TfpError("timeout")), false);
  assert.equal(isNotConnected(new Error("not_connected")), false);
});
