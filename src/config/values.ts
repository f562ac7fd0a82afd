/**
 * One option's value from text (a flag's argument, an environment variable) or from JSON (the
 * config file), checked against the option's type, bounds and check. Problems are sentences
 * for the error list; a secret's value never appears in one.
 *
 * @module
 */

import { pyInt } from "../bridge/argparse.ts";
import { parseUid, UidError } from "../tfp/base58.ts";
import type { OptionSpec } from "./option_spec.ts";

/** A value, or what is wrong with it. */
export type Parsed = { readonly value: unknown } | { readonly problem: string };

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE_WORDS = ["true", "yes", "on", "1"];
const FALSE_WORDS = ["false", "no", "off", "0"];
const SIZE_TEXT = /^(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|b)?$/i;
const SIZE_UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** Longest alias accepted, as for the `tfedge_aliases` shared attribute. */
const MAX_ALIAS_LENGTH = 64;
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** Parses a flag's argument or an environment variable. */
export function parseText(option: OptionSpec, text: string): Parsed {
  const trimmed = text.trim();
  switch (option.type) {
    case "string":
    case "secretFile":
      return finish(option, text, text, true);
    case "int": {
      const value = pyInt(text);
      return value === undefined ? fail(option, text, true) : finish(option, value, text, true);
    }
    case "number":
      return NUMBER_TEXT.test(trimmed)
        ? finish(option, Number(trimmed), text, true)
        : fail(option, text, true);
    case "bool": {
      const word = trimmed.toLowerCase();
      if (TRUE_WORDS.includes(word)) return { value: true };
      if (FALSE_WORDS.includes(word)) return { value: false };
      return fail(option, text, true);
    }
    case "enum":
      return finish(option, trimmed, text, true);
    case "duration": {
      if (!NUMBER_TEXT.test(trimmed)) return fail(option, text, true);
      return finish(option, Math.round(Number(trimmed) * 1000), text, true);
    }
    case "size": {
      const bytes = parseSize(trimmed);
      return bytes === undefined ? fail(option, text, true) : finish(option, bytes, text, true);
    }
    case "aliases":
      return parseAliasList(option, text === "" ? [] : text.split(","));
  }
}

/** Parses a value of the JSON file. */
export function parseJson(option: OptionSpec, value: unknown): Parsed {
  if (value === null && option.default === undefined) return { value: undefined };
  switch (option.type) {
    case "string":
    case "secretFile":
    case "enum":
      return typeof value === "string"
        ? finish(option, value, value, false)
        : fail(option, value, false);
    case "int":
      return Number.isInteger(value)
        ? finish(option, value, value, false)
        : fail(option, value, false);
    case "number":
      return typeof value === "number"
        ? finish(option, value, value, false)
        : fail(option, value, false);
    case "bool":
      return typeof value === "boolean" ? { value } : fail(option, value, false);
    case "duration":
      return typeof value === "number"
        ? finish(option, Math.round(value), value, false)
        : fail(option, value, false);
    case "size": {
      const bytes = typeof value === "number"
        ? (Number.isInteger(value) ? value : undefined)
        : typeof value === "string"
        ? parseSize(value.trim())
        : undefined;
      return bytes === undefined ? fail(option, value, false) : finish(option, bytes, value, false);
    }
    case "aliases": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return fail(option, value, false);
      }
      const pairs = Object.entries(value);
      const wrong = pairs.find(([, name]) => typeof name !== "string");
      if (wrong !== undefined) return { problem: `the alias of "${wrong[0]}" is not a string` };
      return checkAliases(pairs as Array<[string, string]>);
    }
  }
}

/** Parses `--alias` arguments (each `UID=NAME`, or several separated by commas). */
export function parseAliasList(_option: OptionSpec, items: readonly string[]): Parsed {
  const pairs: Array<[string, string]> = [];
  for (const item of items.flatMap((entry) => entry.split(","))) {
    if (item.trim() === "") continue;
    const equals = item.indexOf("=");
    if (equals < 0) return { problem: `expected UID=NAME, got ${show(item)}` };
    pairs.push([item.slice(0, equals).trim(), item.slice(equals + 1)]);
  }
  return checkAliases(pairs);
}

/** `16M`, `512KiB`, `1g`, `4096`: bytes (binary units), undefined when not a size. */
export function parseSize(text: string): number | undefined {
  const match = SIZE_TEXT.exec(text);
  if (match === null) return undefined;
  const bytes = Number(match[1]) *
    (match[2] === undefined ? 1 : SIZE_UNITS[match[2].toLowerCase()]);
  return Number.isSafeInteger(Math.floor(bytes)) ? Math.floor(bytes) : undefined;
}

/** A value as a message shows it: JSON, shortened. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function checkAliases(pairs: readonly (readonly [string, string])[]): Parsed {
  const aliases: Record<string, string> = {};
  const owners = new Map<string, string>();
  for (const [uid, raw] of pairs) {
    try {
      parseUid(uid);
    } catch (error) {
      if (!(error instanceof UidError)) throw error;
      return { problem: `${show(uid)} is not a Base58 device uid` };
    }
    const alias = raw.trim();
    if (alias === "") return { problem: `the alias of "${uid}" is empty` };
    if (alias.length > MAX_ALIAS_LENGTH) {
      return { problem: `the alias of "${uid}" is longer than ${MAX_ALIAS_LENGTH} characters` };
    }
    if (CONTROL.test(alias)) return { problem: `the alias of "${uid}" has control characters` };
    const owner = owners.get(alias);
    // Two devices under one name would mix their telemetry keys.
    if (owner !== undefined && owner !== uid) {
      return { problem: `"${uid}" and "${owner}" have the same alias ${show(alias)}` };
    }
    owners.set(alias, uid);
    aliases[uid] = alias;
  }
  return { value: aliases };
}

/** Bounds, choices and the option's own check. */
function finish(option: OptionSpec, value: unknown, raw: unknown, fromText: boolean): Parsed {
  if (typeof value === "number") {
    const out = (option.min !== undefined && value < option.min) ||
      (option.max !== undefined && value > option.max) || !Number.isFinite(value);
    if (out) return fail(option, raw, fromText);
  }
  if (option.choices !== undefined && !option.choices.includes(value as string | number)) {
    return fail(option, raw, fromText);
  }
  const problem = option.check?.(value);
  return problem === undefined ? { value } : { problem };
}

function fail(option: OptionSpec, raw: unknown, fromText: boolean): Parsed {
  const expected = expectation(option, fromText);
  return { problem: option.secret ? expected : `${expected}, got ${show(raw)}` };
}

/** What an option takes, as the start of a message; `text`: given as text, not JSON. */
export function expectation(option: OptionSpec, text: boolean): string {
  const { min, max, choices } = option;
  if (choices !== undefined) {
    const list = choices.map((choice) => typeof choice === "string" ? `"${choice}"` : choice);
    return `expected ${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}`;
  }
  const range = (scale: number) =>
    min !== undefined && max !== undefined ? ` ${min / scale}-${max / scale}` : "";
  switch (option.type) {
    case "int":
      return `expected an integer${range(1)}`;
    case "number":
      return `expected a number${range(1)}`;
    case "bool":
      return text ? "expected true or false (also yes/no, on/off, 1/0)" : "expected true or false";
    case "duration":
      return text ? `expected seconds${range(1000)}` : `expected milliseconds${range(1)}`;
    case "size":
      return `expected a size in bytes${range(1)} (suffixes k, M, G)`;
    case "aliases":
      return text ? "expected UID=NAME,UID=NAME" : "expected an object of uid -> alias";
    default:
      return "expected a string";
  }
}
