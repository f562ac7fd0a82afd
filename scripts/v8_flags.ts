/**
 * The V8 heap cap tfedge ships with (compiled binary, `deno task start`, and the
 * bridge benchmark by default). Keep `deno.json`'s start task in step: a test checks it.
 *
 * @module
 */
// A 1 MB semi-space (young generation) instead of 4 MB keeps the agent with 20 devices ~5 MB
// smaller and the bridge under a flood ~3-8 MB; measured throughput stays the same (agent
// ~13,400 records/s at 900 devices, CPU 22 -> 24 % of a core; bridge round trips within 5 %).
export const SHIPPED_V8_FLAGS = "--max-old-space-size=64,--max-semi-space-size=1";
