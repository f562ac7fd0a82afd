/**
 * Generates `codecs/` from Tinkerforge's JSON device specs.
 *
 * Usage: `deno run --allow-read --allow-write --allow-run scripts/gen_codecs.ts [SPEC_DIR] [OUT_DIR]`
 *
 * SPEC_DIR defaults to `../shared/tinkerforge-api` next to the repository,
 * OUT_DIR to the repository's `codecs/`. Writes one module per device plus
 * `mod.ts`, removes generated modules of devices that no longer exist, and
 * formats the result with the repository's `deno fmt` settings so a
 * regeneration is byte-identical to the committed files.
 *
 * @module
 */
import { basename, fromFileUrl, join, resolve } from "../src/deps/path.ts";
import type { DeviceSpec } from "../src/tfp/spec.ts";
import { checkDevice, checkDevices } from "./codec_checks.ts";
import { mapDevice } from "./codec_mapping.ts";
import { GENERATED_HEADER, renderDevice, renderIndex } from "./codec_render.ts";
import { readSourceDevice } from "./codec_source.ts";

/** Repository root, derived from this file so the script works from any cwd */
export const REPO_ROOT: string = resolve(fromFileUrl(new URL("..", import.meta.url)));
export const DEFAULT_SPEC_DIR: string = resolve(REPO_ROOT, "..", "shared", "tinkerforge-api");
export const DEFAULT_OUT_DIR: string = join(REPO_ROOT, "codecs");

/** What a generation run produced */
export interface GenerateResult {
  readonly devices: number;
  /** Files written, including mod.ts, in the order written */
  readonly files: readonly string[];
  /** Stale generated modules that were deleted */
  readonly removed: readonly string[];
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function specFiles(specDir: string): Promise<string[]> {
  if (!await isDirectory(specDir)) {
    throw new Error(`Spec directory "${specDir}" does not exist`);
  }
  const files: string[] = [];
  for await (const entry of Deno.readDir(specDir)) {
    if (entry.isFile && entry.name.endsWith(".json")) files.push(entry.name);
  }
  if (files.length === 0) throw new Error(`Spec directory "${specDir}" has no .json files`);
  return files.sort();
}

/** Reads, maps and checks one spec file; errors name the file */
async function loadDevice(path: string): Promise<DeviceSpec> {
  try {
    const device = mapDevice(readSourceDevice(JSON.parse(await Deno.readTextFile(path))));
    checkDevice(device);
    return device;
  } catch (error) {
    throw new Error(`Spec file "${basename(path)}": ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function isGenerated(path: string): Promise<boolean> {
  const text = await Deno.readTextFile(path);
  return text.startsWith(GENERATED_HEADER);
}

/** Deletes generated `*.ts` files that are not in `keep`; hand-written files are left alone */
async function removeStale(outDir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const removed: string[] = [];
  for await (const entry of Deno.readDir(outDir)) {
    if (!entry.isFile || !entry.name.endsWith(".ts") || keep.has(entry.name)) continue;
    const path = join(outDir, entry.name);
    if (!await isGenerated(path)) continue;
    await Deno.remove(path);
    removed.push(entry.name);
  }
  return removed.sort();
}

async function format(outDir: string): Promise<void> {
  // The repository's deno.json carries the fmt options (lineWidth); pass it
  // explicitly so output written outside the repository is formatted alike.
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", "--config", join(REPO_ROOT, "deno.json"), outDir],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`"deno fmt" failed on "${outDir}": ${new TextDecoder().decode(stderr).trim()}`);
  }
}

/** Generates every codec module and `mod.ts` from `specDir` into `outDir` */
export async function generateCodecs(
  specDir: string = DEFAULT_SPEC_DIR,
  outDir: string = DEFAULT_OUT_DIR,
): Promise<GenerateResult> {
  const devices: DeviceSpec[] = [];
  for (const file of await specFiles(specDir)) devices.push(await loadDevice(join(specDir, file)));
  checkDevices(devices);
  devices.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

  await Deno.mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const device of devices) {
    const file = `${device.name}.ts`;
    await Deno.writeTextFile(join(outDir, file), renderDevice(device));
    files.push(file);
  }
  await Deno.writeTextFile(join(outDir, "mod.ts"), renderIndex(devices));
  files.push("mod.ts");
  const removed = await removeStale(outDir, new Set(files));
  await format(outDir);
  return { devices: devices.length, files, removed };
}

async function main(args: readonly string[]): Promise<number> {
  if (args.length > 2 || args.some((arg) => arg.startsWith("-"))) {
    console.error("Usage: gen_codecs.ts [SPEC_DIR] [OUT_DIR]");
    return 2;
  }
  const specDir = args[0] === undefined ? DEFAULT_SPEC_DIR : resolve(args[0]);
  const outDir = args[1] === undefined ? DEFAULT_OUT_DIR : resolve(args[1]);
  try {
    const result = await generateCodecs(specDir, outDir);
    console.log(`Generated ${result.devices} device codecs in "${outDir}"`);
    for (const file of result.removed) console.log(`Removed stale "${file}"`);
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
