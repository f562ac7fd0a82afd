/**
 * The agent's configuration from its command line, environment and config file:
 * defaults < file (`--config FILE`, else `TFEDGE_CONFIG`) < `TFEDGE_*` variables < flags.
 *
 * Command-line syntax is tinkerforge_mqtt's argparse (help, version, usage errors and
 * `--cmdline-file` end the parse right away, as they do there). Everything else is collected
 * and reported at once: `tfedge: invalid configuration (N errors):` and one indented line per
 * problem on stderr, exit 2. No secret value appears in any message.
 *
 * @module
 */

import type { ArgParseExit } from "../bridge/argparse.ts";
import { EXIT_USAGE } from "../bridge/exit_codes.ts";
import { parseArgsWithCmdlineFile } from "../bridge/options.ts";
import { AGENT_ARG_SPEC, CHECK_CONFIG_DEST, CONFIG_DEST, UNSET } from "./args.ts";
import { checkMerged, toAgentConfig } from "./checks.ts";
import { type DemoRequest, demoRequest } from "./demo_flags.ts";
import { envLayer, fileLayer, flagLayer, type Layer, type Source } from "./layers.ts";
import { mergeLayers } from "./merge.ts";
import { type AgentConfig, CONFIG_ENV } from "./schema.ts";

/** What {@link resolveAgentConfig} reads. */
export interface ResolveInput {
  /** The command line without the program name */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Reads the config, cmdline and secret files; default `Deno.readFileSync` */
  readonly readFile?: (path: string) => Uint8Array;
  /** Terminal width for help and usage; default 80 */
  readonly columns?: number;
}

/** A valid configuration. */
export interface ResolvedConfig {
  readonly config: AgentConfig;
  /** Lines to log once a logger exists (unknown variables, unused settings) */
  readonly warnings: string[];
  /** `--check-config`: print {@link formatCheckConfig} and exit 0 instead of running */
  readonly checkOnly: boolean;
  /** Where each value that is not a default came from, by path: `flag --tb-host`, ... */
  readonly sources: Record<string, string>;
  /**
   * `--demo`: run the demo (`src/sim/demo.ts`) instead of the agent; `config` then holds the
   * defaults only, since the demo brings its own settings
   */
  readonly demo?: DemoRequest;
}

/** Resolves the configuration, or says what to print and the exit code. */
export function resolveAgentConfig(input: ResolveInput): ResolvedConfig | ArgParseExit {
  const readFile = input.readFile ?? Deno.readFileSync;
  const columns = input.columns ?? 80;
  const parsed = parseArgsWithCmdlineFile(AGENT_ARG_SPEC, input.argv, readFile, columns);
  if (!("namespace" in parsed)) return parsed;
  const namespace = parsed.namespace;
  const demo = demoRequest(AGENT_ARG_SPEC, namespace, UNSET, columns);
  if (demo !== undefined && "exitCode" in demo) return demo;
  if (demo !== undefined) {
    const defaults = mergeLayers([], {}, readFile);
    return {
      config: toAgentConfig(defaults.values),
      warnings: [],
      checkOnly: false,
      sources: {},
      demo,
    };
  }

  const layers: Layer[] = [];
  const configFlag = namespace.get(CONFIG_DEST);
  const configEnv = input.env[CONFIG_ENV];
  if (typeof configFlag === "string") {
    layers.push(fileLayer(configFlag, { kind: "flag", flag: "--config" }, readFile));
  } else if (configEnv !== undefined && configEnv !== "") {
    layers.push(fileLayer(configEnv, { kind: "env", name: CONFIG_ENV }, readFile));
  }
  layers.push(envLayer(input.env), flagLayer(namespace));
  const merged = mergeLayers(layers, input.env, readFile);
  const checked = checkMerged(merged, columns);
  if (checked.exit !== undefined) return checked.exit;

  const errors = [...layers.flatMap((layer) => layer.errors), ...merged.errors, ...checked.errors];
  const warnings = [...layers.flatMap((layer) => layer.warnings), ...checked.warnings];
  if (errors.length > 0) return { exitCode: EXIT_USAGE, stderr: formatErrors(errors, warnings) };
  const sources: Record<string, string> = {};
  for (const [path, source] of [...merged.sources].sort(([a], [b]) => a.localeCompare(b))) {
    sources[path] = describeSource(source);
  }
  return {
    config: toAgentConfig(merged.values),
    warnings,
    checkOnly: namespace.get(CHECK_CONFIG_DEST) === true,
    sources,
  };
}

/** The error list as printed, then the warnings (a typo there may explain an error). */
export function formatErrors(errors: readonly string[], warnings: readonly string[] = []): string {
  const count = `${errors.length} error${errors.length === 1 ? "" : "s"}`;
  return `tfedge: invalid configuration (${count}):\n` +
    errors.map((line) => `  ${line}\n`).join("") +
    warnings.map((line) => `tfedge: warning: ${line}\n`).join("");
}

/** A source for `--check-config`: `flag --tb-host`, `env TFEDGE_TB_HOST`, `file tfedge.json`. */
export function describeSource(source: Source): string {
  switch (source.kind) {
    case "file":
      return `file ${source.file}`;
    case "env":
      return `env ${source.name}`;
    case "flag":
      return `flag ${source.flag}`;
    case "secretFile":
      return `file ${source.file} (named by ${describeSource(source.via)})`;
  }
}
