/**
 * Command line parsing, behind one module so the implementation can switch.
 *
 * `@std/cli` lives on JSR, which our build machines cannot reach; Node's
 * `parseArgs` (built into Deno) does the same job. When JSR is reachable,
 * swap the line below for `export { parseArgs } from "@std/cli/parse-args";`
 * and adapt the call sites' option objects.
 *
 * @module
 */
export { parseArgs } from "node:util";
