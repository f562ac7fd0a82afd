/**
 * The agent's configuration: one schema for the JSON file, `TFEDGE_*` variables and flags.
 *
 * @module
 */

export type { AgentConfig, OptionSpec } from "./schema.ts";
export { envName, OPTIONS } from "./schema.ts";
export { AGENT_ARG_SPEC } from "./args.ts";
export {
  formatErrors,
  resolveAgentConfig,
  type ResolvedConfig,
  type ResolveInput,
} from "./load.ts";
export { formatCheckConfig, REDACTED } from "./check_config.ts";
