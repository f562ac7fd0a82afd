/**
 * The three places a setting can come from, each read into a {@link Layer}: the JSON file, the
 * `TFEDGE_*` environment variables and the parsed command line. A layer keeps every value it
 * could parse with its source, and a line for every one it could not; reading goes on after a
 * problem so that all of them are reported at once.
 *
 * The file: an object of sections (`bridge`, `thingsboard`, `telemetry`, `buffer`, `events`)
 * plus `stateDir`; keys as in the schema's paths. Keys starting with `_` are comments. Unknown
 * keys are errors (with the closest known key); unknown `TFEDGE_*` variables only warnings,
 * because environments carry variables for other programs and tests.
 *
 * @module
 */

import type { ArgNamespace } from "../bridge/argparse.ts";
import { optionDest, UNSET } from "./args.ts";
import { CONFIG_ENV, envName, OPTIONS, OPTIONS_BY_PATH, type OptionSpec } from "./schema.ts";
import { closest } from "./suggest.ts";
import { parseAliasList, type Parsed, parseJson, parseText } from "./values.ts";

/** Where a value came from. */
export type Source =
  | { readonly kind: "file"; readonly file: string }
  | { readonly kind: "env"; readonly name: string }
  | { readonly kind: "flag"; readonly flag: string }
  /** A secret read from `file`, which was named by `via` */
  | { readonly kind: "secretFile"; readonly file: string; readonly via: Source };

/** A value with its source. */
export interface Entry {
  readonly value: unknown;
  readonly source: Source;
}

/** What one place says. */
export interface Layer {
  /** By schema path */
  readonly entries: Map<string, Entry>;
  /** Ready-made lines of the error list */
  readonly errors: string[];
  readonly warnings: string[];
}

/** A source as messages name it: the flag, the variable, or the file. */
export function sourceLabel(source: Source): string {
  switch (source.kind) {
    case "file":
      return source.file;
    case "env":
      return source.name;
    case "flag":
      return source.flag;
    case "secretFile":
      return `${source.file} via ${sourceLabel(source.via)}`;
  }
}

/** One line of the error list: `path (from source): problem`. */
export function problemLine(subject: string, source: Source | undefined, problem: string): string {
  return source === undefined
    ? `${subject}: ${problem}`
    : `${subject} (from ${sourceLabel(source)}): ${problem}`;
}

function emptyLayer(): Layer {
  return { entries: new Map(), errors: [], warnings: [] };
}

function add(layer: Layer, option: OptionSpec, parsed: Parsed, source: Source): void {
  if ("problem" in parsed) layer.errors.push(problemLine(option.path, source, parsed.problem));
  else layer.entries.set(option.path, { value: parsed.value, source });
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Why a file could not be read, without its content. */
export function fileError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "is a directory";
  if (error instanceof TypeError) return "not UTF-8 text";
  return error instanceof Error ? error.message : String(error);
}

/** Reads the config file named by `via` (`--config` or `TFEDGE_CONFIG`). */
export function fileLayer(
  path: string,
  via: Source,
  readFile: (path: string) => Uint8Array,
): Layer {
  const layer = emptyLayer();
  const subject = `config file "${path}"`;
  let data: unknown;
  try {
    data = JSON.parse(decoder.decode(readFile(path)).replace(/^\uFEFF/, ""));
  } catch (error) {
    const problem = error instanceof SyntaxError
      ? `not valid JSON: ${jsonErrorText(error)}`
      : `cannot read it: ${fileError(error)}`;
    layer.errors.push(problemLine(subject, via, problem));
    return layer;
  }
  if (!isObject(data)) {
    layer.errors.push(problemLine(subject, via, "expected a JSON object"));
    return layer;
  }
  const source: Source = { kind: "file", file: path };
  const sections = new Set(
    OPTIONS.filter((o) => o.path.includes(".")).map((o) => o.path.split(".")[0]),
  );
  const readKey = (key: string, value: unknown) => {
    const option = OPTIONS_BY_PATH.get(key);
    if (option !== undefined) add(layer, option, parseJson(option, value), source);
    else layer.errors.push(problemLine(key, source, unknownKey(key)));
  };
  for (const [key, value] of Object.entries(data)) {
    if (key.startsWith("_")) continue;
    if (!sections.has(key) && isObject(value) && !OPTIONS_BY_PATH.has(key)) {
      layer.errors.push(problemLine(key, source, unknownSection(key, sections)));
      continue;
    }
    if (!sections.has(key)) {
      readKey(key, value);
      continue;
    }
    if (!isObject(value)) {
      layer.errors.push(problemLine(key, source, "expected an object"));
      continue;
    }
    for (const [subkey, subvalue] of Object.entries(value)) {
      if (!subkey.startsWith("_")) readKey(`${key}.${subkey}`, subvalue);
    }
  }
  return layer;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unknownKey(path: string): string {
  const suggestion = closest(path, OPTIONS_BY_PATH.keys());
  return suggestion === undefined ? "unknown key" : `unknown key; did you mean "${suggestion}"?`;
}

function unknownSection(key: string, sections: ReadonlySet<string>): string {
  const suggestion = closest(key, sections);
  if (suggestion !== undefined) return `unknown section; did you mean "${suggestion}"?`;
  return `unknown section; the sections are ${[...sections].join(", ")}`;
}

/** V8's JSON error without the quoted file content (which may hold a secret). */
function jsonErrorText(error: SyntaxError): string {
  const message = error.message;
  const quote = message.indexOf(', "');
  return quote >= 0 ? message.slice(0, quote) : message;
}

const OPTIONS_BY_ENV: ReadonlyMap<string, OptionSpec> = new Map(
  OPTIONS.map((option) => [envName(option), option]),
);

/** Reads the `TFEDGE_*` variables (`TFEDGE_CONFIG` names the file and is read elsewhere). */
export function envLayer(env: Readonly<Record<string, string>>): Layer {
  const layer = emptyLayer();
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith("TFEDGE_") || name === CONFIG_ENV) continue;
    const option = OPTIONS_BY_ENV.get(name);
    if (option === undefined) {
      // Compared without the common prefix, which would make every name look close.
      const names = [...OPTIONS_BY_ENV.keys(), CONFIG_ENV].map((known) => known.slice(7));
      const suggestion = closest(name.slice(7), names);
      layer.warnings.push(
        `Ignoring unknown environment variable ${name}` +
          (suggestion === undefined ? "" : ` (did you mean TFEDGE_${suggestion}?)`),
      );
      continue;
    }
    add(layer, option, parseText(option, env[name]), { kind: "env", name });
  }
  return layer;
}

/** Reads the options given on the command line (argparse leaves the others {@link UNSET}). */
export function flagLayer(namespace: ArgNamespace): Layer {
  const layer = emptyLayer();
  for (const option of OPTIONS) {
    const given = namespace.get(optionDest(option));
    if (given === UNSET || given === undefined) continue;
    // Which flag set it: paired flags store true / false (or null for --no-init-file).
    const off = given === false || given === null;
    const flag = off ? option.offFlags![0] : option.flags[0];
    const source: Source = { kind: "flag", flag };
    let parsed: Parsed;
    if (option.bridgeDest !== undefined || option.type === "bool") {
      // tinkerforge_mqtt's flags are taken as its argparse table parsed them.
      parsed = { value: given === null ? undefined : given };
    } else if (option.type === "aliases") {
      parsed = parseAliasList(option, given as string[]);
    } else {
      parsed = parseText(option, given as string);
    }
    add(layer, option, parsed, source);
  }
  return layer;
}
