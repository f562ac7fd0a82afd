/**
 * The README's option table ("Every option" under "Configuration") must list every option of
 * the schema table with its flags, environment variable and default, and nothing else; every
 * flag `tfedge --help` shows must be mentioned somewhere in the README; and every config file
 * example in the README must be a valid configuration.
 */
import assert from "node:assert/strict";
import { allActions } from "../src/bridge/argparse.ts";
import { AGENT_ARG_SPEC, defaultText } from "../src/config/args.ts";
import { resolveAgentConfig } from "../src/config/load.ts";
import { envName, optionFlags, OPTIONS } from "../src/config/schema.ts";

const README = await Deno.readTextFile(new URL("../README.md", import.meta.url));

/** The rows of the option table: cells without the surrounding backticks' spaces. */
function optionRows(): Map<string, string[]> {
  const start = README.indexOf("\n## Configuration\n");
  assert.ok(start >= 0, "README has no '## Configuration' section");
  const end = README.indexOf("\n## ", start + 1);
  const section = README.slice(start, end < 0 ? undefined : end);
  const header = section.indexOf("| JSON path");
  assert.ok(header >= 0, "the Configuration section has no option table ('| JSON path | ...')");
  const rows = new Map<string, string[]>();
  for (const line of section.slice(header).split("\n").slice(2)) {
    if (!line.startsWith("|")) break;
    const cells = line.slice(1, -1).split("|").map((cell) => cell.trim());
    const path = /^`([^`]+)`$/.exec(cells[0])?.[1];
    assert.ok(path !== undefined, `Option row without a JSON path: ${line}`);
    assert.ok(!rows.has(path), `Option ${path} is listed twice`);
    rows.set(path, cells);
  }
  return rows;
}

Deno.test("README option table: every schema option with flags, variable and default", () => {
  const rows = optionRows();
  const missing = OPTIONS.map((option) => option.path).filter((path) => !rows.has(path));
  assert.deepEqual(missing, [], "options missing from the README table");
  const unknown = [...rows.keys()].filter((path) => !OPTIONS.some((o) => o.path === path));
  assert.deepEqual(unknown, [], "README table rows that are no option");
  for (const option of OPTIONS) {
    const [, flags, env, shownDefault, meaning] = rows.get(option.path)!;
    const listed = [...flags.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
    assert.deepEqual(listed, [...optionFlags(option)], `flags of ${option.path}`);
    assert.equal(env, `\`${envName(option)}\``, `environment variable of ${option.path}`);
    assert.equal(
      shownDefault.replaceAll("`", ""),
      defaultText(option) ?? "",
      `default of ${option.path}`,
    );
    assert.ok(meaning !== "", `meaning of ${option.path}`);
  }
});

Deno.test("README mentions every flag of tfedge --help", () => {
  const flags = allActions(AGENT_ARG_SPEC).flatMap((action) => action.flags);
  assert.ok(flags.includes("--demo") && flags.includes("--tb-host"));
  const missing = flags.filter((flag) => !new RegExp(`\`[^\`]*${flag}\\b`).test(README));
  assert.deepEqual(missing, []);
});

Deno.test("README config file examples are valid configurations", () => {
  const sections = new Set(["bridge", "thingsboard", "telemetry", "buffer", "events"]);
  const examples = [...README.matchAll(/^( *)```json\n([^]*?)^\1```$/gm)]
    .map((match) => JSON.parse(match[2]))
    // Config files have only sections and stateDir (the status JSON shares "buffer").
    .filter((json) => Object.keys(json).every((key) => sections.has(key) || key === "stateDir"));
  assert.ok(examples.length >= 2, `found ${examples.length} config examples`);
  for (const example of examples) {
    const readFile = (path: string): Uint8Array => {
      if (path === "config.json") return new TextEncoder().encode(JSON.stringify(example));
      // Secret files the examples name (systemd credentials): any content will do.
      if (path.startsWith("/run/credentials/")) return new TextEncoder().encode("secret\n");
      throw new Deno.errors.NotFound(path);
    };
    const resolved = resolveAgentConfig({ argv: ["--config", "config.json"], env: {}, readFile });
    assert.ok("config" in resolved, `${JSON.stringify(example)}: ${JSON.stringify(resolved)}`);
    assert.deepEqual(resolved.warnings, [], JSON.stringify(example));
  }
});
