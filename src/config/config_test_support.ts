/**
 * Helpers of the config tests: an in-memory file system and a resolve that must succeed.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ArgParseExit } from "../bridge/argparse.ts";
import { resolveAgentConfig, type ResolvedConfig, type ResolveInput } from "./load.ts";

const encoder = new TextEncoder();

/** A readFile over an in-memory file set; missing names fail like Deno does. */
export function memoryFiles(contents: Record<string, string | Uint8Array | object>) {
  const reads: string[] = [];
  const readFile = (path: string): Uint8Array => {
    reads.push(path);
    const content = contents[path];
    if (content === undefined) {
      throw new Deno.errors.NotFound(`No such file or directory (os error 2): readfile '${path}'`);
    }
    if (content instanceof Uint8Array) return content;
    return encoder.encode(typeof content === "string" ? content : JSON.stringify(content));
  };
  return { readFile, reads };
}

type Input = Partial<ResolveInput> & { files?: Record<string, string | Uint8Array | object> };

function input(options: Input): ResolveInput {
  return {
    argv: options.argv ?? [],
    env: options.env ?? {},
    readFile: options.readFile ?? memoryFiles(options.files ?? {}).readFile,
    columns: options.columns,
  };
}

/** Resolves and asserts success. */
export function resolveOk(options: Input = {}): ResolvedConfig {
  const result = resolveAgentConfig(input(options));
  if (!("config" in result)) assert.fail(`expected a config, got ${JSON.stringify(result)}`);
  return result;
}

/** Resolves and asserts an exit. */
export function resolveExit(options: Input = {}): ArgParseExit {
  const result = resolveAgentConfig(input(options));
  if ("config" in result) assert.fail(`expected an exit, got ${JSON.stringify(result.config)}`);
  return result;
}

/** The error lines of an exit 2 with the configuration error list. */
export function errorLines(options: Input): string[] {
  const exit = resolveExit(options);
  assert.equal(exit.exitCode, 2);
  const lines = (exit.stderr ?? "").split("\n");
  assert.match(lines[0], /^tfedge: invalid configuration \(\d+ errors?\):$/);
  return lines.slice(1).filter((line) => line.startsWith("  ")).map((line) => line.slice(2));
}
