/**
 * The agent's configuration: the {@link AgentConfig} type and ONE table of options
 * ({@link OPTIONS}) from which the JSON file, the `TFEDGE_*` environment variables, the flags,
 * `--help` and `--check-config` all derive. Defaults live here only (the bridge's come from
 * `parseBridgeArgs`, where tinkerforge_mqtt's are kept).
 *
 * Each option has:
 * - a JSON path (`thingsboard.port`): the key in the config file and the name in messages;
 * - flags: tinkerforge_mqtt's for the bridge (parsed by its argparse table), `--tb-*`,
 *   `--buffer-*` ... for the rest; bool options have flags that set true and/or false;
 * - an environment variable derived from its first flag: `--tb-host` -> `TFEDGE_TB_HOST`,
 *   `--no-bridge` -> `TFEDGE_BRIDGE` (a leading `no-` is dropped: the variable holds the value).
 *
 * The file has the layout of {@link AgentConfig}, except that tinkerforge_mqtt's options sit
 * directly in `bridge` (`bridge.ipconHost`, `bridge.brokerPort`: the `BridgeOptions` names)
 * next to `bridge.enabled`, and that secrets may instead name a file (`accessTokenFile`).
 * An environment variable holds what its flag would take (`TFEDGE_TB=false` for `--no-tb`).
 * tinkerforge_mqtt's options accept what tinkerforge_mqtt accepts (no extra range checks).
 *
 * Units: the agent's durations are seconds on the command line and in the environment
 * (`--status-interval 30`, float ok) but milliseconds in the file, whose keys say so
 * (`statusIntervalMs`); `--ipcon-timeout` stays milliseconds as in tinkerforge_mqtt. Sizes take
 * `k`/`M`/`G` (binary) suffixes everywhere (`16M`, `"512KiB"`).
 *
 * @module
 */

import type { BridgeOptions } from "../bridge/options.ts";
import {
  bridge,
  buf,
  DAY,
  type DefaultContext,
  hostCheck,
  MIB,
  MINUTE,
  notEmpty,
  type OptionSpec,
  tb,
  tbFile,
  topicBaseCheck,
} from "./option_spec.ts";

export {
  type DefaultContext,
  envName,
  optionFlags,
  type OptionGroup,
  type OptionSpec,
  type OptionType,
} from "./option_spec.ts";

/** The resolved configuration the agent runs with. */
export interface AgentConfig {
  bridge: { enabled: boolean; options: BridgeOptions };
  thingsboard: {
    /** True when a host is set, unless `--no-tb` */
    enabled: boolean;
    host: string;
    /** Default 1883, 8883 with TLS (a CA or client certificate file) */
    port: number;
    mqttVersion: 4 | 5;
    /** Never log it */
    accessToken?: string;
    clientId?: string;
    username?: string;
    /** Never log it */
    password?: string;
    caFile?: string;
    certFile?: string;
    keyFile?: string;
    tlsInsecure: boolean;
    provisionKey?: string;
    /** Never log it */
    provisionSecret?: string;
    deviceName?: string;
    gateway: boolean;
    /** Never log it */
    claimSecret?: string;
    claimDurationMs?: number;
  };
  telemetry: {
    intervalMs: number;
    useCallbacks: boolean;
    /** uid -> alias */
    aliases: Record<string, string>;
  };
  buffer: {
    capacity: number;
    maxBytes: number;
    overflow: "drop-oldest" | "drop-newest";
    /** Disk spool directory; none: memory only */
    dir?: string;
    fsync: "always" | "interval" | "never";
    fsyncIntervalMs: number;
    /** Batches in flight */
    window: number;
    /** Records per publish */
    batchSize: number;
    highWatermark: number;
    lowWatermark: number;
    /** Sampling periods are multiplied by this above the high watermark */
    slowdownFactor: number;
  };
  events: { topicBase: string; statusIntervalMs: number };
  stateDir: string;
}

/** The table. Order: help order within a group, and resolution order of computed defaults. */
export const OPTIONS: readonly OptionSpec[] = [
  bridge("ipconHost", "string", ["--ipcon-host"]),
  bridge("ipconPort", "int", ["--ipcon-port"]),
  bridge("ipconAuthSecret", "string", ["--ipcon-auth-secret"], { secret: true }),
  bridge("ipconTimeoutMs", "int", ["--ipcon-timeout"]),
  bridge("brokerHost", "string", ["--broker-host"]),
  bridge("brokerPort", "int", ["--broker-port"]),
  bridge("brokerUsername", "string", ["--broker-username"]),
  bridge("brokerPassword", "string", ["--broker-password"], { secret: true }),
  bridge("brokerCertificate", "string", ["--broker-certificate"]),
  bridge("brokerTlsInsecure", "bool", ["--broker-tls-insecure"], {
    offFlags: ["--broker-tls-secure"],
  }),
  bridge("globalTopicPrefix", "string", ["--global-topic-prefix"]),
  bridge("debug", "bool", ["--debug"], { offFlags: ["--no-debug"] }),
  bridge("symbolicResponse", "bool", ["--symbolic-response"], {
    offFlags: ["--no-symbolic-response"],
  }),
  bridge("int64StringResponse", "bool", ["--int64-string-response"], {
    offFlags: ["--no-int64-string-response"],
  }),
  bridge("showPayload", "bool", ["--show-payload"], { offFlags: ["--hide-payload"] }),
  bridge("initFile", "string", ["--init-file"], { offFlags: ["--no-init-file"] }),

  // configuration
  {
    path: "bridge.enabled",
    type: "bool",
    flags: [],
    offFlags: ["--no-bridge"],
    default: true,
    group: "configuration",
    help: "do not run the MQTT bindings (the local broker gets no topics)",
  },
  {
    path: "bridge.ipconAuthSecretFile",
    type: "secretFile",
    flags: ["--ipcon-auth-secret-file"],
    target: "bridge.ipconAuthSecret",
    metavar: "FILE",
    group: "configuration",
    help: "read --ipcon-auth-secret from this file",
  },
  {
    path: "bridge.brokerPasswordFile",
    type: "secretFile",
    flags: ["--broker-password-file"],
    target: "bridge.brokerPassword",
    metavar: "FILE",
    group: "configuration",
    help: "read --broker-password from this file",
  },
  {
    path: "stateDir",
    type: "string",
    flags: ["--state-dir"],
    default: (c: DefaultContext) => c.env.STATE_DIRECTORY?.split(":")[0] || "./state",
    defaultText: "$STATE_DIRECTORY, else ./state",
    metavar: "DIR",
    group: "configuration",
    check: notEmpty,
    help: "directory for issued ThingsBoard credentials",
  },

  // ThingsBoard
  {
    path: "thingsboard.enabled",
    type: "bool",
    flags: [],
    offFlags: ["--no-tb"],
    default: (c: DefaultContext) => c.value("thingsboard.host") !== undefined,
    defaultText: "on when a host is set",
    group: "ThingsBoard",
    help: "do not connect to ThingsBoard",
  },
  tb("host", "string", "--tb-host", "ThingsBoard MQTT host; turns the uplink on", {
    metavar: "HOST",
    check: hostCheck,
  }),
  tb("port", "int", "--tb-port", "ThingsBoard MQTT port", {
    metavar: "PORT",
    min: 1,
    max: 65535,
    default: (c: DefaultContext) =>
      c.value("thingsboard.caFile") !== undefined || c.value("thingsboard.certFile") !== undefined
        ? 8883
        : 1883,
    defaultText: "1883, 8883 with TLS",
  }),
  tb("mqttVersion", "int", "--tb-mqtt-version", "MQTT protocol: 4 (3.1.1) or 5", {
    choices: [4, 5],
    default: 4,
  }),
  tb("accessToken", "string", "--tb-token", "device access token", {
    secret: true,
    check: notEmpty,
  }),
  tbFile("accessTokenFile", "--tb-token-file", "accessToken", "--tb-token"),
  tb("clientId", "string", "--tb-client-id", "MQTT client id (basic MQTT credentials)"),
  tb("username", "string", "--tb-username", "MQTT username (basic MQTT credentials)"),
  tb("password", "string", "--tb-password", "MQTT password (basic MQTT credentials)", {
    secret: true,
  }),
  tbFile("passwordFile", "--tb-password-file", "password", "--tb-password"),
  tb("caFile", "string", "--tb-ca-file", "CA certificate file; turns TLS on", { metavar: "FILE" }),
  tb("certFile", "string", "--tb-cert-file", "client certificate file (X.509 authentication)", {
    metavar: "FILE",
  }),
  tb("keyFile", "string", "--tb-key-file", "private key file of --tb-cert-file", {
    metavar: "FILE",
  }),
  {
    path: "thingsboard.tlsInsecure",
    type: "bool",
    flags: ["--tb-tls-insecure"],
    default: false,
    group: "ThingsBoard",
    help: "do not verify ThingsBoard's certificate",
  },
  tb("provisionKey", "string", "--tb-provision-key", "device provisioning key (first boot)", {
    check: notEmpty,
  }),
  tb("provisionSecret", "string", "--tb-provision-secret", "device provisioning secret", {
    secret: true,
    check: notEmpty,
  }),
  tbFile(
    "provisionSecretFile",
    "--tb-provision-secret-file",
    "provisionSecret",
    "the provisioning secret",
  ),
  tb("deviceName", "string", "--tb-device-name", "device name to provision", {
    check: notEmpty,
    defaultText: "tfedge-<hostname>",
  }),
  {
    path: "thingsboard.gateway",
    type: "bool",
    flags: ["--tb-gateway"],
    default: false,
    group: "ThingsBoard",
    help: "gateway mode: one ThingsBoard device per Tinkerforge device",
  },
  tb(
    "claimSecret",
    "string",
    "--tb-claim-secret",
    "secret key a customer claims the device with (sent after every connect)",
    { secret: true, check: notEmpty },
  ),
  tbFile("claimSecretFile", "--tb-claim-secret-file", "claimSecret", "the claim secret"),
  tb(
    "claimDurationMs",
    "duration",
    "--tb-claim-duration",
    "how long a claim stays open, in seconds",
    {
      min: 1000,
      max: DAY * 365,
      metavar: "SECONDS",
      defaultText: "the server's device.claim.duration",
    },
  ),

  // telemetry
  {
    path: "telemetry.intervalMs",
    type: "duration",
    flags: ["--telemetry-interval"],
    default: 10_000,
    min: 100,
    max: DAY,
    metavar: "SECONDS",
    group: "telemetry",
    help: "sampling interval in seconds",
  },
  {
    path: "telemetry.useCallbacks",
    type: "bool",
    flags: [],
    offFlags: ["--no-telemetry-callbacks"],
    default: true,
    group: "telemetry",
    help: "poll every value instead of using device callbacks where they exist",
  },
  {
    path: "telemetry.aliases",
    type: "aliases",
    flags: ["--alias"],
    default: {},
    metavar: "UID=NAME",
    group: "telemetry",
    help: "name a device in telemetry keys and gateway device names (repeatable; env: " +
      "comma-separated)",
  },

  // buffer
  buf("capacity", "int", "most records kept while ThingsBoard is unreachable", 100_000, {
    min: 1,
    max: 100_000_000,
    metavar: "N",
  }),
  buf("maxBytes", "size", "most bytes kept (suffixes k, M, G)", 16 * MIB, {
    metavar: "SIZE",
    min: 1024,
    max: 1024 * 1024 * MIB,
  }),
  buf("overflow", "enum", "which record to drop when full", "drop-oldest", {
    choices: ["drop-oldest", "drop-newest"],
  }),
  buf("dir", "string", "keep the buffer on disk in this directory (survives restarts)", undefined, {
    metavar: "DIR",
    check: notEmpty,
  }),
  buf("fsync", "enum", "when the disk buffer syncs", "interval", {
    choices: ["always", "interval", "never"],
  }),
  buf("fsyncIntervalMs", "duration", "seconds between syncs with --buffer-fsync interval", 1000, {
    min: 1,
    max: 60 * MINUTE,
    metavar: "SECONDS",
  }),
  buf("window", "int", "batches sent before waiting for acknowledgements", 10, {
    min: 1,
    max: 1000,
    metavar: "N",
  }),
  buf("batchSize", "int", "records per message", 50, { min: 1, max: 10_000, metavar: "N" }),
  buf("highWatermark", "number", "fill level (0-1) above which sampling slows down", 0.8, {
    min: 0,
    max: 1,
    metavar: "FRACTION",
  }),
  buf("lowWatermark", "number", "fill level (0-1) below which sampling is normal again", 0.5, {
    min: 0,
    max: 1,
    metavar: "FRACTION",
  }),
  buf("slowdownFactor", "number", "sampling slowdown above the high watermark", 4, {
    min: 1,
    max: 1000,
    metavar: "FACTOR",
  }),

  // events
  {
    path: "events.topicBase",
    type: "string",
    flags: ["--events-topic-base"],
    default: "tfedge/",
    metavar: "PREFIX",
    group: "events",
    check: topicBaseCheck,
    help: "local broker topics of agent events (<PREFIX>event/<Event>) and status",
  },
  {
    path: "events.statusIntervalMs",
    type: "duration",
    flags: ["--status-interval"],
    default: MINUTE,
    min: 1000,
    max: DAY,
    metavar: "SECONDS",
    group: "events",
    help: "seconds between status messages",
  },
];

/** Options by path. */
export const OPTIONS_BY_PATH: ReadonlyMap<string, OptionSpec> = new Map(
  OPTIONS.map((option) => [option.path, option]),
);

/** The config file (`--config`), as a variable. */
export const CONFIG_ENV = "TFEDGE_CONFIG";
