/**
 * The agent's command line: tinkerforge_mqtt's options exactly as the bridge parses them
 * (`BRIDGE_ARGS`, same argparse rules and error texts), then the agent's own options from the
 * schema table in titled help sections.
 *
 * Every option's default here is {@link UNSET}, so that the loader knows which flags were
 * given: an unset flag must not override the config file or the environment. The real
 * defaults are in the schema (and shown in `--help`).
 *
 * The agent's values are parsed as text by argparse and checked by the schema, so that their
 * errors are collected with the others instead of stopping at the first.
 *
 * @module
 */

import type { ArgAction, ArgGroup, ArgParserSpec } from "../bridge/argparse.ts";
import { BRIDGE_ARGS, REFERENCE_VERSION } from "../bridge/options.ts";
import { demoGroup } from "./demo_flags.ts";
import { type OptionGroup, OPTIONS, type OptionSpec } from "./schema.ts";

/** The namespace value of a flag that was not given. */
export const UNSET: unique symbol = Symbol("unset");
/** Dest of `--config FILE`. */
export const CONFIG_DEST = "config";
/** Dest of `--check-config`. */
export const CHECK_CONFIG_DEST = "check_config";

/** The argparse dest of an option: the bridge's, or its first flag's name. */
export function optionDest(option: OptionSpec): string {
  if (option.bridgeDest !== undefined) return option.bridgeDest;
  const flag = option.flags[0] ?? option.offFlags![0];
  return flag.replace(/^--/, "").replaceAll("-", "_");
}

const GROUP_DESCRIPTIONS: Record<OptionGroup, string | undefined> = {
  configuration: "Every option can also be set in a JSON file (--config FILE, or TFEDGE_CONFIG) " +
    "and as an environment variable named after its flag: --tb-host is TFEDGE_TB_HOST, " +
    "--no-tb is TFEDGE_TB=false. Flags win over the environment, the environment over the " +
    "file. --check-config shows the result.",
  ThingsBoard: "Credentials: an access token, basic MQTT credentials, a client certificate, " +
    "or a provision key and secret (the issued credentials are kept in --state-dir).",
  telemetry: undefined,
  buffer: "Telemetry waits here while ThingsBoard is unreachable.",
  events: undefined,
};

const META_ACTIONS: readonly ArgAction[] = [
  {
    kind: "store",
    flags: ["--config"],
    dest: CONFIG_DEST,
    type: "str",
    metavar: "FILE",
    default: UNSET,
    help: "JSON configuration file",
  },
  {
    kind: "store_const",
    flags: ["--check-config"],
    dest: CHECK_CONFIG_DEST,
    const: true,
    default: UNSET,
    help: "print the effective configuration (secrets hidden) and exit: 0 if it is valid, 2 if not",
  },
];

/** The parser: tinkerforge_mqtt's options, then the agent's in sections. */
export const AGENT_ARG_SPEC: ArgParserSpec = {
  prog: "tfedge",
  description: "Tinkerforge edge agent: MQTT bindings compatible with tinkerforge_mqtt " +
    `${REFERENCE_VERSION}, telemetry and RPC for ThingsBoard`,
  actions: BRIDGE_ARGS.map((action) =>
    action.kind === "store" || action.kind === "store_const"
      ? { ...action, default: UNSET }
      : action
  ),
  groups: [
    ...(Object.keys(GROUP_DESCRIPTIONS) as OptionGroup[]).map((title): ArgGroup => ({
      title,
      description: GROUP_DESCRIPTIONS[title],
      actions: [
        ...title === "configuration" ? META_ACTIONS : [],
        ...OPTIONS.filter((option) => option.group === title).flatMap(optionActions),
      ],
    })),
    demoGroup(UNSET),
  ],
};

function optionActions(option: OptionSpec): ArgAction[] {
  const dest = optionDest(option);
  if (option.type === "bool") {
    const help = option.help ?? "";
    return [
      ...option.flags.map((flag): ArgAction => ({
        kind: "store_const",
        flags: [flag],
        dest,
        const: true,
        default: UNSET,
        help,
      })),
      ...(option.offFlags ?? []).map((flag): ArgAction => ({
        kind: "store_const",
        flags: [flag],
        dest,
        const: false,
        default: UNSET,
        help,
      })),
    ];
  }
  const shown = defaultText(option);
  return option.flags.map((flag): ArgAction => ({
    kind: "store",
    flags: [flag],
    dest,
    type: "str",
    metavar: option.metavar ??
      (option.choices === undefined ? undefined : `{${option.choices.join(",")}}`),
    append: option.type === "aliases" ? true : undefined,
    default: UNSET,
    help: (option.help ?? "") + (shown === undefined ? "" : ` (default: ${shown})`),
  }));
}

/** The default as `--help` shows it (flags' units), if there is one to show. */
export function defaultText(option: OptionSpec): string | undefined {
  if (option.defaultText !== undefined) return option.defaultText;
  const value = option.default;
  if (value === undefined || option.secret || typeof value === "object") return undefined;
  if (option.type === "duration") return String((value as number) / 1000);
  if (option.type === "size") return formatSize(value as number);
  return String(value);
}

/** Bytes with the largest binary suffix that divides them: `16M`. */
export function formatSize(bytes: number): string {
  for (const [suffix, unit] of [["G", 1024 ** 3], ["M", 1024 ** 2], ["k", 1024]] as const) {
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}
