/**
 * Layers on top of each other (file < environment < flags), secrets read from their files,
 * then the defaults for whatever nobody set.
 *
 * - A later layer replaces a value; aliases are merged per uid instead, so `--alias` adds to
 *   the file's aliases.
 * - A secret and its file (`accessToken`, `accessTokenFile`) are two ways to give one value:
 *   the later layer wins, both in one layer is an error.
 * - A secret file is read only when it is the one that counts: one trailing newline is
 *   dropped (editors add one), an empty or unreadable file is an error naming the file.
 * - Computed defaults run after the plain ones, so they may look at any plain value.
 *
 * @module
 */

import { fileError, type Layer, problemLine, type Source, sourceLabel } from "./layers.ts";
import { type DefaultContext, OPTIONS, OPTIONS_BY_PATH, type OptionSpec } from "./schema.ts";

/** Every setting after merging. */
export interface Merged {
  /** By path, defaults included (secret file options are not kept: their secret is) */
  readonly values: Map<string, unknown>;
  /** Sources of given values by path; aliases by `telemetry.aliases.<uid>` */
  readonly sources: Map<string, Source>;
  readonly errors: string[];
  /** Secrets whose file could not be read (already an error): given, for the cross-checks */
  readonly unreadable: ReadonlySet<string>;
}

const ALIASES = "telemetry.aliases";
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Merges `layers` (lowest first) and fills in secrets and defaults. */
export function mergeLayers(
  layers: readonly Layer[],
  env: Readonly<Record<string, string>>,
  readFile: (path: string) => Uint8Array,
): Merged {
  const given = new Map<string, { value: unknown; source: Source; fromFile?: boolean }>();
  const sources = new Map<string, Source>();
  const errors: string[] = [];
  const unreadable = new Set<string>();
  const aliases: Record<string, string> = {};
  let aliasesGiven = false;

  for (const layer of layers) {
    for (const [path, entry] of layer.entries) {
      const option = OPTIONS_BY_PATH.get(path)!;
      if (option.target !== undefined) {
        const direct = layer.entries.get(option.target);
        if (direct !== undefined) {
          const other = `${option.target} (from ${sourceLabel(direct.source)})`;
          errors.push(problemLine(path, entry.source, `cannot be used with ${other}; give one`));
          continue;
        }
        given.set(option.target, { value: entry.value, source: entry.source, fromFile: true });
      } else if (path === ALIASES) {
        aliasesGiven = true;
        for (const [uid, alias] of Object.entries(entry.value as Record<string, string>)) {
          aliases[uid] = alias;
          sources.set(`${ALIASES}.${uid}`, entry.source);
        }
      } else {
        given.set(path, entry);
      }
    }
  }

  for (const [path, entry] of given) {
    if (!entry.fromFile) {
      sources.set(path, entry.source);
      continue;
    }
    const file = entry.value as string;
    const text = readSecretFile(file, readFile);
    const fileOption = OPTIONS.find((option) => option.target === path)!;
    if ("problem" in text) {
      errors.push(problemLine(fileOption.path, entry.source, text.problem));
      given.delete(path);
      unreadable.add(path);
    } else {
      given.set(path, { value: text.value, source: entry.source });
      sources.set(path, { kind: "secretFile", file, via: entry.source });
    }
  }

  const values = new Map<string, unknown>();
  const computed: OptionSpec[] = [];
  for (const option of OPTIONS) {
    if (option.type === "secretFile") continue;
    const entry = given.get(option.path);
    if (entry !== undefined) values.set(option.path, entry.value);
    else if (option.path === ALIASES && aliasesGiven) values.set(option.path, aliases);
    else if (typeof option.default === "function") computed.push(option);
    else values.set(option.path, structuredClone(option.default));
  }
  const context: DefaultContext = { env, value: (path: string) => values.get(path) };
  for (const option of computed) {
    values.set(option.path, (option.default as (context: DefaultContext) => unknown)(context));
  }
  return { values, sources, errors, unreadable };
}

/** A secret's file: its text without one trailing newline, or why not. */
function readSecretFile(
  path: string,
  readFile: (path: string) => Uint8Array,
): { value: string } | { problem: string } {
  let text: string;
  try {
    text = decoder.decode(readFile(path));
  } catch (error) {
    return { problem: `cannot read "${path}": ${fileError(error)}` };
  }
  text = text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
  if (text === "") return { problem: `"${path}" is empty` };
  return { value: text };
}
