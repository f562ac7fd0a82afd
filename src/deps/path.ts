/**
 * Path helpers, behind one module so the implementation can switch.
 *
 * `@std/path` lives on JSR, which our build machines cannot reach; Node's
 * `node:path` (built into Deno) has the same functions. When JSR is
 * reachable, replace the exports below with `export * from "@std/path";`.
 *
 * @module
 */
export { basename, dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
// node:path has no file URL helpers; node:url's are their equivalents.
export { fileURLToPath as fromFileUrl, pathToFileURL as toFileUrl } from "node:url";
