/**
 * `--demo [--demo-seconds N]`: the whole agent against a simulated brickd, an embedded MQTT
 * broker and a ThingsBoard test server (`src/sim/demo.ts`), from the shipped single file.
 *
 * The demo brings its own settings (free loopback ports, a temporary state directory), so it
 * takes no other option: any other flag is a usage error, and the config file and `TFEDGE_*`
 * variables are not read. These flags are not settings of the agent, so they are not in the
 * schema table (no JSON key, no variable); they only appear in `--help`.
 *
 * @module
 */

import {
  allActions,
  type ArgAction,
  type ArgGroup,
  type ArgNamespace,
  argparseError,
  type ArgParseExit,
  type ArgParserSpec,
} from "../bridge/argparse.ts";

/** Dest of `--demo`. */
export const DEMO_DEST = "demo";
/** Dest of `--demo-seconds`. */
export const DEMO_SECONDS_DEST = "demo_seconds";
const MAX_DEMO_SECONDS = 86_400;

/** What `--demo` asks for. */
export interface DemoRequest {
  /** Run this long after the first telemetry; none: until SIGINT/SIGTERM */
  readonly seconds?: number;
}

/** The help section; `unset` is the default that marks a flag as not given. */
export function demoGroup(unset: unknown): ArgGroup {
  const actions: ArgAction[] = [
    {
      kind: "store_const",
      flags: ["--demo"],
      dest: DEMO_DEST,
      const: true,
      default: unset,
      help: "run the demo: the agent with a simulated brickd, an embedded MQTT broker and a " +
        "ThingsBoard test server on free loopback ports, until Ctrl-C",
    },
    {
      kind: "store",
      flags: ["--demo-seconds"],
      dest: DEMO_SECONDS_DEST,
      type: "str",
      metavar: "SECONDS",
      default: unset,
      help: "stop the demo this many seconds after the first telemetry (smoke tests)",
    },
  ];
  return {
    title: "demo",
    description: "--demo takes no other option than --demo-seconds; the config file and " +
      "TFEDGE_* variables are not read.",
    actions,
  };
}

/**
 * The demo request of a parsed command line, an exit for a usage error, or undefined when the
 * demo was not asked for.
 */
export function demoRequest(
  spec: ArgParserSpec,
  namespace: ArgNamespace,
  unset: unknown,
  columns: number,
): DemoRequest | ArgParseExit | undefined {
  const demo = namespace.get(DEMO_DEST);
  const secondsText = namespace.get(DEMO_SECONDS_DEST);
  if (demo === unset) {
    if (secondsText === unset) return undefined;
    return argparseError(spec, "argument --demo-seconds: only allowed with --demo", columns);
  }
  const others = [...namespace]
    .filter(([dest, value]) =>
      dest !== DEMO_DEST && dest !== DEMO_SECONDS_DEST && value !== unset && value !== undefined
    )
    .map(([dest, value]) => flagOf(spec, dest, value));
  if (others.length > 0) {
    return argparseError(
      spec,
      `argument --demo: not allowed with ${others.join(", ")} (the demo brings its own settings)`,
      columns,
    );
  }
  if (secondsText === unset) return {};
  const seconds = Number(secondsText);
  if (
    typeof secondsText !== "string" || secondsText.trim() === "" || !Number.isFinite(seconds) ||
    seconds <= 0 || seconds > MAX_DEMO_SECONDS
  ) {
    return argparseError(
      spec,
      `argument --demo-seconds: expected seconds above 0 and at most ${MAX_DEMO_SECONDS}, ` +
        `got '${secondsText}'`,
      columns,
    );
  }
  return { seconds };
}

/** The flag that stored `value` at `dest` (of paired flags, the one with that constant). */
function flagOf(spec: ArgParserSpec, dest: string, value: unknown): string {
  const actions = allActions(spec).filter((action) => "dest" in action && action.dest === dest);
  const exact = actions.find((action) => action.kind === "store_const" && action.const === value);
  const action = exact ?? actions.find((candidate) => candidate.kind === "store") ?? actions[0];
  return action?.flags[0] ?? dest;
}
