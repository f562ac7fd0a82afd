/**
 * Builds tfedge for shipping.
 *
 *   deno task bundle [--out FILE]     one JavaScript file (npm packages inside), for `deno run`
 *   deno task compile [--target T]    single binaries for Linux x86_64 and aarch64
 *
 * The binaries are compiled from the bundle (dist/tfedge.js), not from mod.ts:
 * they then embed exactly the file that tests/bundle_test.ts runs in CI, and
 * only that file (no node_modules tree).
 *
 * `deno compile` needs `denort`, Deno's slim runtime, for each target. Without
 * `DENORT_BIN` it downloads it from Deno's download server, which machines
 * that only reach the npm and Debian registries cannot do. So this script
 * passes `DENORT_BIN` through (per target: `DENORT_BIN_X86_64`,
 * `DENORT_BIN_AARCH64`), checks that it is a binary for the target's CPU and
 * not the `deno` CLI itself (that yields a binary that starts a REPL), and
 * bounds every child process with a timeout, so a blocked download fails
 * with a message that names `DENORT_BIN` instead of hanging.
 *
 * @module
 */
import { parseArgs } from "../src/deps/cli.ts";
import { dirname, fromFileUrl, join } from "../src/deps/path.ts";
import { SHIPPED_V8_FLAGS } from "./v8_flags.ts";

/** Same heap cap as `deno task start` (see {@link COMPILE_FLAGS}). */
export const V8_HEAP_FLAGS = `--v8-flags=${SHIPPED_V8_FLAGS}`;

const ROOT = fromFileUrl(new URL("../", import.meta.url));
const ENTRY = join(ROOT, "mod.ts");
const DIST = join(ROOT, "dist");

/**
 * The flags baked into the binary: the agent's permissions, the sd_notify API, and a heap
 * cap. Without the cap V8 collects lazily on a big machine and RSS drifts upwards under a
 * callback flood (measured: 175 -> 224 MB in 60 s); with it RSS stays flat at ~115 MB
 * (`deno task bench bridge`). The bridge's own queues are bounded, so the cap holds.
 */
export const COMPILE_FLAGS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys",
  "--unstable-net",
  V8_HEAP_FLAGS,
];

/** A target of `deno compile` that tfedge ships for. */
export interface CompileTarget {
  readonly arch: "x86_64" | "aarch64";
  readonly triple: string;
  /** ELF e_machine of binaries for this CPU */
  readonly elfMachine: number;
  /** The per-target denort variable, tried before DENORT_BIN */
  readonly denortVariable: string;
}

export const TARGETS: readonly CompileTarget[] = [
  {
    arch: "x86_64",
    triple: "x86_64-unknown-linux-gnu",
    elfMachine: 0x3e,
    denortVariable: "DENORT_BIN_X86_64",
  },
  {
    arch: "aarch64",
    triple: "aarch64-unknown-linux-gnu",
    elfMachine: 0xb7,
    denortVariable: "DENORT_BIN_AARCH64",
  },
];

const ELF_MACHINE_NAMES: Record<number, string> = {
  0x03: "x86 (32-bit)",
  0x28: "ARM (32-bit)",
  0x3e: "x86_64",
  0xb7: "aarch64",
};

/** A failure the user can fix; printed without a stack trace. */
class BuildError extends Error {}

interface ChildResult {
  code: number;
  output: string;
  timedOut: boolean;
}

/** Runs `deno args`, collecting stdout and stderr; kills the child after `timeoutMs`. */
async function runDeno(
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<ChildResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT, // where deno.json (import map, unstable flags) is found
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).spawn();
  const [status, stdout, stderr] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return { code: status.code, output: stdout + stderr, timedOut: signal.aborted };
}

/** The last `lines` lines of `text`, indented, for error reports. */
function tail(text: string, lines = 15): string {
  return text.trimEnd().split("\n").slice(-lines).map((line) => `    ${line}`).join("\n");
}

/** The ELF e_machine of `path`; throws a BuildError when it is not a readable ELF file. */
function elfMachine(path: string, variable: string): number {
  let header: Uint8Array;
  try {
    const file = Deno.openSync(path);
    try {
      header = new Uint8Array(20);
      const read = file.readSync(header) ?? 0;
      if (read < 20) throw new BuildError(`${variable} "${path}" is too short to be a binary`);
    } finally {
      file.close();
    }
  } catch (error) {
    if (error instanceof BuildError) throw error;
    throw new BuildError(`${variable} "${path}" cannot be read: ${(error as Error).message}`);
  }
  if (header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46) {
    throw new BuildError(`${variable} "${path}" is not an ELF binary`);
  }
  const littleEndian = header[5] === 1;
  return new DataView(header.buffer).getUint16(18, littleEndian);
}

/** Which denort to use for `target`, from the environment; undefined means "download". */
export function denortFor(
  target: CompileTarget,
  env: (name: string) => string | undefined,
): { variable: string; path: string } | undefined {
  for (const variable of [target.denortVariable, "DENORT_BIN"]) {
    const path = env(variable);
    if (path !== undefined && path !== "") {
      const machine = elfMachine(path, variable);
      if (machine !== target.elfMachine) {
        const found = ELF_MACHINE_NAMES[machine] ?? `machine 0x${machine.toString(16)}`;
        throw new BuildError(
          `${variable} "${path}" is a binary for ${found}, not for ${target.arch}; ` +
            `set ${target.denortVariable} for this target or build one target with --target`,
        );
      }
      if (Deno.realPathSync(path) === Deno.realPathSync(Deno.execPath())) {
        throw new BuildError(
          `${variable} "${path}" is the deno CLI, not denort: the result would start a REPL ` +
            "instead of tfedge; point it at the denort binary of a Deno release",
        );
      }
      return { variable, path };
    }
  }
  return undefined;
}

function getEnv(name: string): string | undefined {
  return Deno.env.get(name);
}

async function bundle(out: string, timeoutMs: number): Promise<void> {
  console.log(`bundle: mod.ts -> ${out} (npm packages included)`);
  const started = performance.now();
  const result = await runDeno(
    ["bundle", "--platform", "deno", "--packages", "bundle", "--output", out, ENTRY],
    {},
    timeoutMs,
  );
  if (result.timedOut) {
    throw new BuildError(
      `deno bundle did not finish within ${timeoutMs / 1000} s:\n${tail(result.output)}`,
    );
  }
  if (result.code !== 0) {
    throw new BuildError(
      `deno bundle failed with exit code ${result.code}:\n${tail(result.output)}`,
    );
  }
  const size = (Deno.statSync(out).size / 1e6).toFixed(1);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`bundle: ${out}, ${size} MB in ${seconds} s; run it with`);
  console.log(`  deno run --allow-all --unstable-net ${out} --help`);
}

/** Compiles `bundleFile` (the output of {@link bundle}) into a binary for `target`. */
async function compile(
  target: CompileTarget,
  bundleFile: string,
  timeoutMs: number,
): Promise<void> {
  const out = join(DIST, `tfedge-${target.arch}-linux`);
  const denort = denortFor(target, getEnv);
  const env: Record<string, string> = {};
  if (denort === undefined) {
    console.log(
      `compile: ${target.triple} -> ${out}; no DENORT_BIN, so deno compile downloads denort ` +
        `for ${target.triple} from Deno's download server (unreachable from machines that only ` +
        `reach the npm and Debian registries; giving up after ${timeoutMs / 1000} s)`,
    );
  } else {
    env.DENORT_BIN = denort.path;
    console.log(`compile: ${target.triple} -> ${out} with ${denort.variable}=${denort.path}`);
  }
  const result = await runDeno(
    [
      "compile",
      "--target",
      target.triple,
      "--output",
      out,
      "--no-config", // the bundle needs none, exactly as tests/bundle_test.ts runs it
      ...COMPILE_FLAGS,
      bundleFile,
    ],
    env,
    timeoutMs,
  );
  if (result.code === 0 && !result.timedOut) {
    console.log(`compile: ${out}, ${(Deno.statSync(out).size / 1e6).toFixed(1)} MB`);
    return;
  }
  const what = result.timedOut
    ? `deno compile for ${target.triple} did not finish within ${timeoutMs / 1000} s`
    : `deno compile for ${target.triple} failed with exit code ${result.code}`;
  const hint = denort === undefined
    ? `\nIt could not get denort without DENORT_BIN. Set DENORT_BIN (or ${target.denortVariable}) ` +
      `to the denort binary for ${target.triple} of this Deno version (${Deno.version.deno}), ` +
      "taken from the denort zip of that Deno release, and run again; or run " +
      "`deno task bundle` for a single JavaScript file instead."
    : "";
  throw new BuildError(`${what}:\n${tail(result.output)}${hint}`);
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      target: { type: "string" },
      out: { type: "string" },
      "timeout-s": { type: "string" },
    },
  });
  const command = positionals[0];
  if (positionals.length !== 1 || (command !== "bundle" && command !== "compile")) {
    throw new BuildError(
      "Usage: build.ts bundle [--out FILE] | compile [--target x86_64|aarch64] [--timeout-s N]",
    );
  }
  const timeoutS = Number(values["timeout-s"] ?? (command === "bundle" ? 120 : 300));
  if (!(timeoutS > 0)) {
    throw new BuildError(`--timeout-s must be a positive number, got "${values["timeout-s"]}"`);
  }
  if (command === "bundle") {
    const out = values.out ?? join(DIST, "tfedge.js");
    Deno.mkdirSync(dirname(out), { recursive: true });
    await bundle(out, timeoutS * 1000);
    return 0;
  }
  if (values.out !== undefined) throw new BuildError("--out is for bundle only");
  const targets = values.target === undefined
    ? TARGETS
    : TARGETS.filter((t) => t.arch === values.target || t.triple === values.target);
  if (targets.length === 0) {
    throw new BuildError(
      `Unknown --target "${values.target}"; use ${TARGETS.map((t) => t.arch).join(" or ")}`,
    );
  }
  // Check every denort before the first (slow) compile.
  for (const target of targets) denortFor(target, getEnv);
  Deno.mkdirSync(DIST, { recursive: true });
  // The binaries embed the bundle, so they run the very file that CI tests.
  const bundleFile = join(DIST, "tfedge.js");
  await bundle(bundleFile, timeoutS * 1000);
  for (const target of targets) await compile(target, bundleFile, timeoutS * 1000);
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    if (!(error instanceof BuildError) && !(error instanceof TypeError)) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(1);
  }
}
