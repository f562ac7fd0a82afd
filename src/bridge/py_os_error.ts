/**
 * Python's `str(exception)` for a failed file read, so that the
 * `Could not read init file: ...` and `Could not read cmdline file: ...`
 * lines match the reference, e.g.
 * `[Errno 2] No such file or directory: '/nonexistent'`.
 *
 * @module
 */

import { pyRepr } from "../calls/py_json.ts";

/** Deno's OS error messages: `<strerror> (os error <errno>)`, then `: <op> '<path>'`. */
const DENO_OS_ERROR = /^(.*?) \(os error (\d+)\)/;

/**
 * The text Python would show for `error`, raised while reading `path`.
 * OS errors become `[Errno <n>] <strerror>: '<path>'` (Rust and CPython both
 * take `<strerror>` from the C library); other errors keep their message,
 * which for the Python-compatible decoders is already Python's text.
 */
export function pyFileErrorText(error: unknown, path: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const os = DENO_OS_ERROR.exec(message);
  if (os === null) return message;
  return `[Errno ${os[2]}] ${os[1]}: ${pyRepr(path)}`;
}
