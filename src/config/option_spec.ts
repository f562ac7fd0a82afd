/**
 * How an option of the configuration is declared ({@link OptionSpec}), the helpers that build
 * the table in `schema.ts`, and the rules derived from a declaration (environment variable
 * name, flags).
 *
 * @module
 */

import { show } from "./values.ts";
import { BRIDGE_ARGS, type BridgeOptions, parseBridgeArgs } from "../bridge/options.ts";

/**
 * How a value is written: `duration` is ms in the file and seconds in flags and env; `size` is
 * bytes with an optional suffix; `aliases` a `UID=NAME` list; `secretFile` the path of a file
 * holding the secret at {@link OptionSpec.target}.
 */
export type OptionType =
  | "string"
  | "int"
  | "number"
  | "bool"
  | "enum"
  | "duration"
  | "size"
  | "aliases"
  | "secretFile";

/** What a computed default may look at. */
export interface DefaultContext {
  readonly env: Readonly<Record<string, string>>;
  /** The value at a path as resolved so far (options are resolved in table order) */
  readonly value: (path: string) => unknown;
}

/** One configurable setting. */
export interface OptionSpec {
  readonly path: string;
  readonly type: OptionType;
  /** Flags that set the value (bool: to true) */
  readonly flags: readonly string[];
  /** Bool: flags that set false; string: flags that unset it (`--no-init-file`) */
  readonly offFlags?: readonly string[];
  /** The argparse dest in `BRIDGE_ARGS` for tinkerforge_mqtt's options (their help is there) */
  readonly bridgeDest?: string;
  /** A value, or a function of the environment and earlier values; none: unset */
  readonly default?: unknown;
  /** `--help`'s text for a computed default */
  readonly defaultText?: string;
  readonly help?: string;
  readonly metavar?: string;
  readonly group?: OptionGroup;
  /** Never shown: not in messages, not in `--check-config` (`"***"`), not in help */
  readonly secret?: true;
  /** `secretFile`: the path of the secret the file fills */
  readonly target?: string;
  /** `enum`: the allowed words; `int`: the allowed numbers */
  readonly choices?: readonly (string | number)[];
  /** Inclusive bounds (duration: in ms) */
  readonly min?: number;
  readonly max?: number;
  /** A further check of a parsed value: the problem, or undefined */
  readonly check?: (value: unknown) => string | undefined;
}

/** Help sections of the agent's own options (tinkerforge_mqtt's stay under `options:`). */
export type OptionGroup = "configuration" | "ThingsBoard" | "telemetry" | "buffer" | "events";

/** The bridge's defaults, as tinkerforge_mqtt has them (kept in `src/bridge/options.ts`). */
const BRIDGE_DEFAULTS = (() => {
  const parsed = parseBridgeArgs([]);
  if (!("options" in parsed)) throw new Error("The bridge's defaults do not parse");
  return parsed.options as unknown as Record<string, unknown>;
})();

export const MINUTE = 60_000;
export const DAY = 86_400_000;
export const MIB = 1024 * 1024;

export function hostCheck(value: unknown): string | undefined {
  if (typeof value !== "string" || value.trim() === "" || /\s/.test(value)) {
    return `expected a host name without spaces, got ${show(value)}`;
  }
  return undefined;
}

export function notEmpty(value: unknown): string | undefined {
  return value === "" ? "must not be empty" : undefined;
}

export function topicBaseCheck(value: unknown): string | undefined {
  const text = value as string;
  if (/[#+\0]/.test(text)) return "must not contain '#', '+' or NUL (MQTT wildcards)";
  if (text.startsWith("$")) return "must not start with '$' (reserved by brokers)";
  return undefined;
}

/** A tinkerforge_mqtt option: `--ipcon-host` is dest `ipcon_host`, JSON `bridge.ipconHost`. */
export function bridge(
  key: keyof BridgeOptions,
  type: "string" | "int" | "bool",
  flags: readonly string[],
  extra: Partial<OptionSpec> = {},
): OptionSpec {
  const action = BRIDGE_ARGS.find((candidate) => candidate.flags.includes(flags[0]));
  if (action === undefined || !("dest" in action)) throw new Error(`No bridge flag ${flags[0]}`);
  const path = `bridge.${key}`;
  return { path, type, flags, bridgeDest: action.dest, default: BRIDGE_DEFAULTS[key], ...extra };
}

/** A ThingsBoard option: `thingsboard.<key>`, one flag. */
export function tb(
  key: string,
  type: OptionType,
  flag: string,
  help: string,
  extra: Partial<OptionSpec> = {},
): OptionSpec {
  return { path: `thingsboard.${key}`, type, flags: [flag], group: "ThingsBoard", help, ...extra };
}

/** A file holding a ThingsBoard secret. */
export function tbFile(key: string, flag: string, target: string, what: string): OptionSpec {
  return tb(key, "secretFile", flag, `read ${what} from this file`, {
    target: `thingsboard.${target}`,
    metavar: "FILE",
  });
}

/** A buffer option: `buffer.<key>`, flag `--buffer-<key in kebab case>` (without `Ms`). */
export function buf(
  key: string,
  type: OptionType,
  help: string,
  fallback: unknown,
  extra: Partial<OptionSpec> = {},
): OptionSpec {
  const flag = "--buffer-" + key.replace(/Ms$/, "").replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
  return {
    path: `buffer.${key}`,
    type,
    flags: [flag],
    default: fallback,
    group: "buffer",
    help,
    ...extra,
  };
}

/** The environment variable of an option: its first flag, `no-` dropped, as `TFEDGE_...`. */
export function envName(option: OptionSpec): string {
  const flag = option.flags[0] ?? option.offFlags![0];
  return "TFEDGE_" + flag.replace(/^--(no-)?/, "").replaceAll("-", "_").toUpperCase();
}

/** Every flag of an option. */
export function optionFlags(option: OptionSpec): readonly string[] {
  return [...option.flags, ...option.offFlags ?? []];
}
