/**
 * Checks across settings, after merging, and the {@link AgentConfig} built from the result.
 *
 * tinkerforge_mqtt's own checks keep its behaviour when the offending value is a flag: the
 * username/password and TLS combinations end with its argparse error (exit 2, usage on
 * stderr), an invalid topic prefix with its line on stdout and exit 33, right away, in that
 * order. The same mistakes made in the file or the environment join the error list instead.
 *
 * @module
 */

import { argparseError, type ArgParseExit } from "../bridge/argparse.ts";
import { brokerFlagProblem, checkTopicPrefix } from "../bridge/options.ts";
import { normalizePrefix } from "../bridge/topics.ts";
import { AGENT_ARG_SPEC } from "./args.ts";
import { problemLine } from "./layers.ts";
import type { Merged } from "./merge.ts";
import { type AgentConfig, OPTIONS } from "./schema.ts";

/** What the checks found. */
export interface CheckResult {
  readonly errors: string[];
  readonly warnings: string[];
  /** tinkerforge_mqtt's immediate exit, for a flag it refuses */
  readonly exit?: ArgParseExit;
}

const BRIDGE_PATHS: Record<string, string> = {
  broker_username: "bridge.brokerUsername",
  broker_password: "bridge.brokerPassword",
  broker_certificate: "bridge.brokerCertificate",
  broker_tls_insecure: "bridge.brokerTlsInsecure",
};

/** Runs every check; fixes up normalised values (topic prefixes) in `merged.values`. */
export function checkMerged(merged: Merged, columns: number): CheckResult {
  const { values, sources } = merged;
  const errors: string[] = [];
  const warnings: string[] = [];
  const has = (path: string) => values.get(path) !== undefined;
  const given = (path: string) => sources.has(path);
  const fail = (path: string, problem: string) =>
    errors.push(problemLine(path, sources.get(path), problem));

  // tinkerforge_mqtt's checks. Its flags set the TLS mode either way; elsewhere only `true`
  // counts, so that a file may spell out the default (as --check-config prints it).
  const tlsPath = BRIDGE_PATHS.broker_tls_insecure;
  const tlsSet = sources.get(tlsPath)?.kind === "flag" || values.get(tlsPath) === true;
  const reported = new Set<string>();
  for (;;) {
    const problem = brokerFlagProblem((dest) =>
      !reported.has(dest) &&
      (dest === "broker_tls_insecure" ? tlsSet : has(BRIDGE_PATHS[dest]))
    );
    if (problem === undefined) break;
    const path = BRIDGE_PATHS[problem.dest];
    if (sources.get(path)?.kind === "flag") {
      return { errors, warnings, exit: argparseError(AGENT_ARG_SPEC, problem.message, columns) };
    }
    const needs = problem.dest === "broker_password" ? "brokerUsername" : "brokerCertificate";
    fail(path, `cannot be used without bridge.${needs}`);
    reported.add(problem.dest);
  }
  const prefixPath = "bridge.globalTopicPrefix";
  const prefix = checkTopicPrefix(values.get(prefixPath) as string);
  if ("prefix" in prefix) {
    values.set(prefixPath, prefix.prefix);
  } else if (sources.get(prefixPath)?.kind === "flag") {
    return { errors, warnings, exit: prefix };
  } else {
    fail(prefixPath, prefix.stdout!.trimEnd());
  }
  const topicBase = values.get("events.topicBase");
  if (typeof topicBase === "string") values.set("events.topicBase", normalizePrefix(topicBase));

  if (values.get("thingsboard.enabled") === true) checkThingsBoard(merged, fail, warnings);
  else if (!given("thingsboard.enabled")) {
    const ignored = [...sources.keys()].filter((path) => path.startsWith("thingsboard."));
    if (ignored.length > 0) {
      warnings.push(`ThingsBoard is off (no thingsboard.host): ignoring ${ignored.join(", ")}`);
    }
  }
  if (values.get("bridge.enabled") === false && values.get("thingsboard.enabled") === false) {
    fail("bridge.enabled", "nothing left to run: ThingsBoard is off too");
  }
  checkAliases(merged, errors);
  const low = values.get("buffer.lowWatermark") as number;
  const high = values.get("buffer.highWatermark") as number;
  if (low > high) {
    if (given("buffer.lowWatermark")) {
      fail("buffer.lowWatermark", `${low} must not exceed buffer.highWatermark (${high})`);
    } else {
      fail("buffer.highWatermark", `${high} must not be below buffer.lowWatermark (${low})`);
    }
  }
  return { errors, warnings };
}

/** Aliases merged from several places must still name one device each. */
function checkAliases(merged: Merged, errors: string[]): void {
  const aliases = merged.values.get("telemetry.aliases") as Record<string, string>;
  const owners = new Map<string, string>();
  for (const [uid, alias] of Object.entries(aliases)) {
    const owner = owners.get(alias);
    if (owner === undefined) {
      owners.set(alias, uid);
      continue;
    }
    const source = merged.sources.get(`telemetry.aliases.${uid}`);
    errors.push(problemLine(
      "telemetry.aliases",
      source,
      `"${uid}" and "${owner}" have the same alias "${alias}"`,
    ));
  }
}

function checkThingsBoard(
  merged: Merged,
  fail: (path: string, problem: string) => void,
  warnings: string[],
): void {
  const v = (key: string) => merged.values.get(`thingsboard.${key}`);
  // A secret whose file could not be read counts as given: that error is reported already.
  const has = (key: string) => v(key) !== undefined || merged.unreadable.has(`thingsboard.${key}`);
  if (!has("host")) fail("thingsboard.enabled", "needs thingsboard.host (--tb-host)");
  if (has("password") && !has("username")) {
    fail("thingsboard.password", "cannot be used without thingsboard.username");
  }
  if (has("keyFile") !== has("certFile")) {
    fail(
      has("keyFile") ? "thingsboard.keyFile" : "thingsboard.certFile",
      "needs both " +
        "thingsboard.certFile and thingsboard.keyFile (X.509 authentication)",
    );
  }
  if (v("tlsInsecure") === true && !has("caFile") && !has("certFile")) {
    fail("thingsboard.tlsInsecure", "cannot be used without TLS (thingsboard.caFile or certFile)");
  }
  if (has("provisionKey") !== has("provisionSecret")) {
    fail(
      has("provisionKey") ? "thingsboard.provisionKey" : "thingsboard.provisionSecret",
      "needs both thingsboard.provisionKey and thingsboard.provisionSecret",
    );
  }
  if (has("claimDurationMs") && !has("claimSecret")) {
    fail("thingsboard.claimDurationMs", "needs thingsboard.claimSecret (--tb-claim-secret)");
  }
  // The link uses the first kind of credentials it finds (see src/agent/cloud.ts).
  const kinds: Array<[string, boolean]> = [
    ["an access token", has("accessToken")],
    ["basic MQTT credentials", has("clientId") || has("username")],
    ["a client certificate", has("certFile")],
    ["provisioning", has("provisionKey")],
  ];
  const used = kinds.findIndex(([, present]) => present);
  for (const [name, present] of kinds.slice(used + 1)) {
    if (used >= 0 && present) {
      warnings.push(`ThingsBoard: ${name} is not used: ${kinds[used][0]} is`);
    }
  }
}

/** The {@link AgentConfig} of checked values. */
export function toAgentConfig(values: ReadonlyMap<string, unknown>): AgentConfig {
  const options: Record<string, unknown> = {};
  const sections: Record<string, Record<string, unknown>> = {
    bridge: { options },
    thingsboard: {},
    telemetry: {},
    buffer: {},
    events: {},
  };
  const config: Record<string, unknown> = { ...sections };
  for (const option of OPTIONS) {
    const value = values.get(option.path);
    if (option.type === "secretFile" || value === undefined) continue;
    const [section, key] = option.path.split(".");
    if (key === undefined) config[section] = value;
    else if (option.bridgeDest !== undefined) options[key] = value;
    else sections[section][key] = value;
  }
  // The type has a host even when ThingsBoard is off (then nothing reads it).
  sections.thingsboard.host ??= "";
  return config as unknown as AgentConfig;
}

/** A value of `config` by schema path (`bridge.ipconHost` lives in `bridge.options`). */
export function configValue(config: AgentConfig, path: string): unknown {
  const [section, key] = path.split(".");
  if (key === undefined) return (config as unknown as Record<string, unknown>)[section];
  if (section === "bridge" && key !== "enabled") {
    return (config.bridge.options as unknown as Record<string, unknown>)[key];
  }
  return (config as unknown as Record<string, Record<string, unknown>>)[section][key];
}
