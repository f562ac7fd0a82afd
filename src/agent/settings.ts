/**
 * Run-time settings from ThingsBoard shared attributes of the agent's device.
 *
 * - `tfedge_telemetry_interval`: sampling interval in seconds, a number > 0 (a numeric
 *   string is accepted too: ThingsBoard's attribute dialog stores strings unless told
 *   otherwise). Clamped to 0.1 s .. 1 day with a warning.
 * - `tfedge_aliases`: the complete uid -> alias map (an object, or a string holding one),
 *   replacing the aliases in use. Invalid entries are left out with a warning; the valid
 *   ones still apply.
 *
 * A bad value never throws: it is reported in `warnings` and leaves that setting as it is.
 * Other keys are ignored (users keep their own shared attributes on the device), except
 * unknown `tfedge_` keys, which get a warning because they are most likely typos. ThingsBoard
 * reports deleted attributes as `deleted: [keys]`; deleted settings are listed in `deleted`
 * so the agent can go back to its configured value.
 *
 * @module
 */

import { parseUid, UidError } from "../tfp/base58.ts";

/** Shared attribute key of the sampling interval (seconds). */
export const INTERVAL_KEY = "tfedge_telemetry_interval";
/** Shared attribute key of the alias map. */
export const ALIASES_KEY = "tfedge_aliases";
/** Smallest sampling interval accepted (a faster one is clamped to it). */
export const MIN_INTERVAL_MS = 100;
/** Largest sampling interval accepted (a slower one is clamped to it). */
export const MAX_INTERVAL_MS = 86_400_000;
/** Longest alias accepted, in UTF-16 units. */
export const MAX_ALIAS_LENGTH = 64;

/** A settings key. */
export type SettingKey = typeof INTERVAL_KEY | typeof ALIASES_KEY;

/** What an update changes. */
export interface SettingsUpdate {
  /** New sampling interval in ms, when the update carried a valid one */
  intervalMs?: number;
  /** The new complete uid -> alias map, when the update carried one */
  aliases?: Record<string, string>;
  /** Settings deleted on the server (go back to the configured value) */
  deleted: SettingKey[];
  /** One line per problem, ready to log */
  warnings: string[];
}

const SETTING_KEYS: readonly string[] = [INTERVAL_KEY, ALIASES_KEY];
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
// Aliases become telemetry key prefixes and device names: no control characters.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/** Shows a value in a warning: JSON, shortened, so a huge or odd value cannot flood the log. */
function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "bigint" ? String(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Parses a shared attribute update (or an attribute response's `shared` object). */
export function parseSettingsUpdate(data: Record<string, unknown>): SettingsUpdate {
  const update: SettingsUpdate = { deleted: [], warnings: [] };
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    update.warnings.push(`Ignoring settings update ${show(data)}: expected an object`);
    return update;
  }
  for (const key of Object.keys(data)) {
    const value = data[key];
    if (key === INTERVAL_KEY) {
      const intervalMs = parseInterval(value, update.warnings);
      if (intervalMs !== undefined) update.intervalMs = intervalMs;
    } else if (key === ALIASES_KEY) {
      const aliases = parseAliases(value, update.warnings);
      if (aliases !== undefined) update.aliases = aliases;
    } else if (key === "deleted" && Array.isArray(value)) {
      for (const name of value) {
        if (SETTING_KEYS.includes(name)) update.deleted.push(name as SettingKey);
      }
    } else if (key.startsWith("tfedge_")) {
      update.warnings.push(
        `Ignoring unknown setting "${key}": known settings are ${SETTING_KEYS.join(", ")}`,
      );
    }
  }
  return update;
}

function parseInterval(value: unknown, warnings: string[]): number | undefined {
  let seconds: number | undefined;
  if (typeof value === "number") seconds = value;
  else if (typeof value === "bigint") seconds = Number(value);
  else if (typeof value === "string" && NUMBER_TEXT.test(value.trim())) {
    seconds = Number(value.trim());
  }
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) {
    warnings.push(
      `Ignoring ${INTERVAL_KEY} ${show(value)}: expected a number of seconds greater than 0`,
    );
    return undefined;
  }
  const ms = Math.round(seconds * 1000);
  if (ms < MIN_INTERVAL_MS) {
    warnings.push(
      `${INTERVAL_KEY} ${show(value)} is below the minimum: using ${MIN_INTERVAL_MS / 1000} s`,
    );
    return MIN_INTERVAL_MS;
  }
  if (ms > MAX_INTERVAL_MS) {
    warnings.push(
      `${INTERVAL_KEY} ${show(value)} is above the maximum: using ${MAX_INTERVAL_MS / 1000} s`,
    );
    return MAX_INTERVAL_MS;
  }
  return ms;
}

function parseAliases(value: unknown, warnings: string[]): Record<string, string> | undefined {
  let map = value;
  if (typeof value === "string") {
    try {
      map = JSON.parse(value);
    } catch (error) {
      warnings.push(
        `Ignoring ${ALIASES_KEY}: the text is not JSON (${(error as Error).message})`,
      );
      return undefined;
    }
  }
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    warnings.push(`Ignoring ${ALIASES_KEY} ${show(value)}: expected an object of uid -> alias`);
    return undefined;
  }
  const aliases: Record<string, string> = {};
  const owners = new Map<string, string>();
  for (const [uid, raw] of Object.entries(map)) {
    const problem = uidProblem(uid) ?? aliasProblem(raw);
    if (problem !== undefined) {
      warnings.push(`Ignoring alias ${show(raw)} of uid ${show(uid)}: ${problem}`);
      continue;
    }
    const alias = (raw as string).trim();
    const owner = owners.get(alias);
    if (owner !== undefined) {
      // Two devices under one name would mix their telemetry keys.
      warnings.push(`Ignoring alias "${alias}" of uid "${uid}": uid "${owner}" already uses it`);
      continue;
    }
    owners.set(alias, uid);
    aliases[uid] = alias;
  }
  return aliases;
}

function uidProblem(uid: string): string | undefined {
  try {
    parseUid(uid);
    return undefined;
  } catch (error) {
    if (error instanceof UidError) return "the uid is not a Base58 device uid";
    throw error;
  }
}

function aliasProblem(raw: unknown): string | undefined {
  if (typeof raw !== "string") return "expected a string";
  const alias = raw.trim();
  if (alias === "") return "the alias is empty";
  if (alias.length > MAX_ALIAS_LENGTH) return `longer than ${MAX_ALIAS_LENGTH} characters`;
  if (CONTROL.test(alias)) return "control characters are not allowed";
  return undefined;
}
