/**
 * The bridge's command line: every flag of `tinkerforge_mqtt` 2.0.17 with the
 * same names, defaults, argparse rules and error texts, plus `--cmdline-file`
 * and the checks that run before anything connects.
 *
 * Order of checks, as in the reference: argv is parsed (usage errors, `-h`,
 * `-v`); if `--cmdline-file` is given, its words are split shell-style and
 * parsed again *before* argv (so argv wins); then the username/password and
 * TLS flag combinations; then the topic prefix. Reading the init file and the
 * negative-timeout check come after this, in the caller.
 *
 * To add a flag: one entry in {@link BRIDGE_ARGS} and one line in `resolve`.
 *
 * @module
 */

import { utf8DecodeStrict } from "../calls/py_json.ts";
import { VERSION } from "../version.ts";
import {
  type ArgAction,
  type ArgNamespace,
  argparseError,
  type ArgParseExit,
  type ArgParserSpec,
  parseArgs,
} from "./argparse.ts";
import { EXIT_CMDLINE_FILE, EXIT_INVALID_PREFIX } from "./exit_codes.ts";
import { pyFileErrorText } from "./py_os_error.ts";
import { pyUniversalNewlines, shlexSplit } from "./shlex.ts";
import { normalizePrefix, validatePrefix } from "./topics.ts";

/** The reference version whose behaviour tfedge reproduces. */
export const REFERENCE_VERSION = "2.0.17";

/** Every bridge setting, resolved: defaults applied, paired flags decided. */
export interface BridgeOptions {
  readonly ipconHost: string;
  readonly ipconPort: number;
  /** Empty: no authentication. Never log it */
  readonly ipconAuthSecret: string;
  /** May be negative here; the runtime refuses that (CRITICAL, exit 24) like the reference */
  readonly ipconTimeoutMs: number;
  readonly brokerHost: string;
  readonly brokerPort: number;
  readonly brokerUsername?: string;
  /** Never log it */
  readonly brokerPassword?: string;
  /** CA file; its presence enables TLS */
  readonly brokerCertificate?: string;
  /** Skip only the hostname check of the broker's certificate */
  readonly brokerTlsInsecure: boolean;
  /** Normalised (ends in `/` unless empty) and validated */
  readonly globalTopicPrefix: string;
  readonly debug: boolean;
  readonly symbolicResponse: boolean;
  readonly int64StringResponse: boolean;
  readonly showPayload: boolean;
  readonly initFile?: string;
}

/** What {@link parseBridgeArgs} needs from the outside world; tests replace it. */
export interface BridgeArgsEnvironment {
  /** Reads a whole file; default `Deno.readFileSync` (bytes, decoded strictly like Python) */
  readFile?: (path: string) => Uint8Array;
  /** Terminal width for help and usage; default 80, Python's value when not on a terminal */
  columns?: number;
}

/** The parser table, in the reference's order (which decides how ambiguous prefixes are listed). */
export const BRIDGE_ARGS: readonly ArgAction[] = [
  { kind: "help", flags: ["-h", "--help"], help: "show this help message and exit" },
  {
    kind: "version",
    flags: ["-v", "--version"],
    version: `tfedge ${VERSION} (compatible with tinkerforge_mqtt ${REFERENCE_VERSION})`,
    help: "show version and exit",
  },
  str("--cmdline-file", null, "read further command line options from this file"),
  str(
    "--ipcon-host",
    "localhost",
    "Brick Daemon, WIFI or Ethernet Extension host (default: localhost)",
  ),
  int("--ipcon-port", 4223, "Brick Daemon, WIFI or Ethernet Extension port (default: 4223)"),
  str("--ipcon-auth-secret", "", "Brick Daemon, WIFI or Ethernet Extension authentication secret"),
  int("--ipcon-timeout", 2500, "Brick Daemon response timeout in milliseconds (default: 2500)"),
  str("--broker-host", "localhost", "MQTT broker host (default: localhost)"),
  int("--broker-port", 1883, "MQTT broker port (default: 1883)"),
  str("--broker-username", null, "MQTT broker username"),
  str("--broker-password", null, "MQTT broker password"),
  str("--broker-certificate", null, "CA certificate file; enables TLS for the broker connection"),
  flag(
    "--broker-tls-secure",
    "broker_tls_insecure",
    false,
    "check the broker's hostname (default)",
  ),
  flag("--broker-tls-insecure", "broker_tls_insecure", true, "skip the broker hostname check"),
  str("--global-topic-prefix", "tinkerforge/", "prefix of every topic (default: tinkerforge/)"),
  flag("--debug", "debug", true, "show debug output"),
  flag("--no-debug", "debug", false, "hide debug output (default)"),
  flag("--symbolic-response", "symbolic_response", true, "answer with constant names (default)"),
  flag("--no-symbolic-response", "symbolic_response", false, "answer with constant values"),
  flag("--int64-string-response", "int64_string_response", true, "answer [u]int64 as strings"),
  flag(
    "--no-int64-string-response",
    "int64_string_response",
    false,
    "answer [u]int64 as numbers (default)",
  ),
  flag("--show-payload", "show_payload", true, "quote the payload in JSON and UTF-8 errors"),
  flag("--hide-payload", "show_payload", false, "do not quote the payload in errors (default)"),
  str("--init-file", null, "JSON file of messages to process at startup"),
  flag("--no-init-file", "init_file", null, "process no startup messages (default)"),
];

/** The parser: program `tfedge`, options {@link BRIDGE_ARGS}. */
export const BRIDGE_ARG_SPEC: ArgParserSpec = {
  prog: "tfedge",
  description:
    `Tinkerforge MQTT bindings (tfedge, compatible with tinkerforge_mqtt ${REFERENCE_VERSION})`,
  actions: BRIDGE_ARGS,
};

/**
 * Parses the bridge's command line. Returns the options, or what the
 * reference would print and its exit code (help and version: 0, usage
 * errors: 2, cmdline file: 32, topic prefix: 33); nothing is printed here.
 */
export function parseBridgeArgs(
  argv: readonly string[],
  environment: BridgeArgsEnvironment = {},
): { options: BridgeOptions } | ArgParseExit {
  const readFile = environment.readFile ?? Deno.readFileSync;
  const columns = environment.columns ?? 80;
  const parsed = parseArgsWithCmdlineFile(BRIDGE_ARG_SPEC, argv, readFile, columns);
  if (!("namespace" in parsed)) return parsed;
  const values = parsed.namespace;
  const problem = brokerFlagProblem((dest) => values.get(dest) !== null);
  if (problem !== undefined) return argparseError(BRIDGE_ARG_SPEC, problem.message, columns);
  const prefix = checkTopicPrefix(values.get("global_topic_prefix") as string);
  if (!("prefix" in prefix)) return prefix;
  return { options: resolve(values, prefix.prefix) };
}

/**
 * `parser.parse_args(argv)` plus `--cmdline-file`: when argv names one, its words are split
 * shell-style and parsed again in front of argv, so that the real command line overrides them.
 * An unreadable file is exit 32 with the reference's text.
 */
export function parseArgsWithCmdlineFile(
  spec: ArgParserSpec,
  argv: readonly string[],
  readFile: (path: string) => Uint8Array,
  columns: number,
): { namespace: ArgNamespace } | ArgParseExit {
  const parsed = parseArgs(spec, argv, columns);
  if (!("namespace" in parsed)) return parsed;
  const cmdlineFile = parsed.namespace.get("cmdline_file");
  if (typeof cmdlineFile !== "string") return parsed;
  let words: string[];
  try {
    words = shlexSplit(pyUniversalNewlines(utf8DecodeStrict(readFile(cmdlineFile))));
  } catch (error) {
    const text = pyFileErrorText(error, cmdlineFile);
    return { exitCode: EXIT_CMDLINE_FILE, stdout: `Could not read cmdline file: ${text}\n` };
  }
  return parseArgs(spec, [...words, ...argv], columns);
}

/**
 * The reference's checks of broker flag combinations, password first. `isSet(dest)` says
 * whether a destination (`broker_username`, `broker_password`, `broker_certificate`,
 * `broker_tls_insecure`) was given. Returns the offending destination and the argparse
 * error message, or undefined.
 */
export function brokerFlagProblem(
  isSet: (dest: string) => boolean,
): { dest: string; message: string } | undefined {
  if (!isSet("broker_username") && isSet("broker_password")) {
    return {
      dest: "broker_password",
      message: "--broker-password cannot be used without --broker-username",
    };
  }
  if (!isSet("broker_certificate") && isSet("broker_tls_insecure")) {
    return {
      dest: "broker_tls_insecure",
      message: "--broker-tls-[in]secure cannot be used without --broker-certificate",
    };
  }
  return undefined;
}

/** The reference's topic prefix check: the normalised prefix, or one line on stdout, exit 33. */
export function checkTopicPrefix(text: string): { prefix: string } | ArgParseExit {
  const prefix = normalizePrefix(text);
  const invalid = validatePrefix(prefix);
  if (invalid !== undefined) return { exitCode: EXIT_INVALID_PREFIX, stdout: invalid + "\n" };
  return { prefix };
}

/** Turns the parsed values into {@link BridgeOptions}; unset paired flags take their default. */
function resolve(values: ArgNamespace, prefix: string): BridgeOptions {
  const text = (dest: string) => values.get(dest) as string;
  const optionalText = (dest: string) => (values.get(dest) ?? undefined) as string | undefined;
  const number = (dest: string) => values.get(dest) as number;
  const flagValue = (dest: string, unset: boolean) => (values.get(dest) ?? unset) as boolean;
  const options: BridgeOptions = {
    ipconHost: text("ipcon_host"),
    ipconPort: number("ipcon_port"),
    ipconAuthSecret: text("ipcon_auth_secret"),
    ipconTimeoutMs: number("ipcon_timeout"),
    brokerHost: text("broker_host"),
    brokerPort: number("broker_port"),
    brokerUsername: optionalText("broker_username"),
    brokerPassword: optionalText("broker_password"),
    brokerCertificate: optionalText("broker_certificate"),
    brokerTlsInsecure: flagValue("broker_tls_insecure", false),
    globalTopicPrefix: prefix,
    debug: flagValue("debug", false),
    symbolicResponse: flagValue("symbolic_response", true),
    int64StringResponse: flagValue("int64_string_response", false),
    showPayload: flagValue("show_payload", false),
    initFile: optionalText("init_file"),
  };
  // Drop the optional fields that are unset, so the object prints and compares cleanly.
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) delete (options as unknown as Record<string, unknown>)[key];
  }
  return options;
}

/** `--flag VALUE` stored as text; null default: not given. */
function str(name: string, fallback: string | null, help: string): ArgAction {
  return { kind: "store", flags: [name], dest: dest(name), type: "str", default: fallback, help };
}

/** `--flag N` stored as a Python `int`. */
function int(name: string, fallback: number, help: string): ArgAction {
  return { kind: "store", flags: [name], dest: dest(name), type: "int", default: fallback, help };
}

/** One half of a paired flag: sets `destination` to `value`; unset stays null. */
function flag(name: string, destination: string, value: unknown, help: string): ArgAction {
  return { kind: "store_const", flags: [name], dest: destination, const: value, help };
}

/** argparse's dest for a long option: `--ipcon-host` is `ipcon_host`. */
function dest(name: string): string {
  return name.replace(/^-+/, "").replaceAll("-", "_");
}
