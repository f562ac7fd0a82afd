/**
 * The V8 heap cap tfedge ships with (compiled binary, `deno task start`, and the
 * bridge benchmark by default). Keep `deno.json`'s start task in step: a test checks it.
 *
 * @module
 */
export const SHIPPED_V8_FLAGS = "--max-old-space-size=64,--max-semi-space-size=4";
