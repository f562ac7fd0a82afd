/**
 * `--check-config`: the effective configuration as JSON, in the config file's layout (so it
 * can serve as a starting point for one), secrets shown as `"***"`, with the source of every
 * value that is not a default and the warnings.
 *
 * @module
 */

import { configValue } from "./checks.ts";
import type { ResolvedConfig } from "./load.ts";
import { OPTIONS } from "./schema.ts";

/** Stands for a secret's value. */
export const REDACTED = "***";

/** The text `--check-config` prints. */
export function formatCheckConfig(resolved: ResolvedConfig): string {
  // Sections in a fixed order, `enabled` first in each, `stateDir` last.
  const config: Record<string, unknown> = {
    bridge: {},
    thingsboard: {},
    telemetry: {},
    buffer: {},
    events: {},
  };
  const ordered = [
    ...OPTIONS.filter((option) => option.path.endsWith(".enabled")),
    ...OPTIONS.filter((option) => !option.path.endsWith(".enabled")),
  ];
  for (const option of ordered) {
    if (option.type === "secretFile") continue;
    let value = configValue(resolved.config, option.path);
    // Unset optional settings are left out (the ThingsBoard host is "" when it is off).
    if (value === undefined || (value === "" && option.default === undefined)) continue;
    // An empty secret (no brickd authentication) reveals nothing.
    if (option.secret && value !== "") value = REDACTED;
    const [section, key] = option.path.split(".");
    if (key === undefined) config[section] = value;
    else (config[section] as Record<string, unknown>)[key] = value;
  }
  const output = { config, sources: resolved.sources, warnings: resolved.warnings };
  return JSON.stringify(output, null, 2) + "\n";
}
