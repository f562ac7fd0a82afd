/**
 * Proves `codecs/` is exactly what scripts/gen_codecs.ts makes from the specs.
 * The specs live outside the repository, so without them the test is skipped.
 */
import assert from "node:assert/strict";
import { join } from "../src/deps/path.ts";
import { DEFAULT_OUT_DIR, DEFAULT_SPEC_DIR, generateCodecs } from "../scripts/gen_codecs.ts";

function specsPresent(): boolean {
  try {
    return Deno.statSync(DEFAULT_SPEC_DIR).isDirectory;
  } catch {
    return false;
  }
}

async function tsFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ts")) names.push(entry.name);
  }
  return names.sort();
}

const present = specsPresent();
if (!present) {
  console.log(
    "codecs_regenerate_test: skipped, the device specs (../shared/tinkerforge-api next to the " +
      "repository) are not available",
  );
}

Deno.test({
  name: "generateCodecs() reproduces the committed codecs/ byte for byte",
  ignore: !present,
  async fn() {
    const outDir = await Deno.makeTempDir({ prefix: "tfedge_codecs_" });
    try {
      const result = await generateCodecs(DEFAULT_SPEC_DIR, outDir);
      assert.ok(result.devices > 0);
      const generated = await tsFiles(outDir);
      assert.deepEqual(await tsFiles(DEFAULT_OUT_DIR), generated, "same file list");
      for (const name of generated) {
        const expected = await Deno.readFile(join(DEFAULT_OUT_DIR, name));
        const actual = await Deno.readFile(join(outDir, name));
        assert.ok(
          expected.length === actual.length && expected.every((byte, i) => byte === actual[i]),
          `"codecs/${name}" differs from a fresh generation; run "deno task gen:codecs"`,
        );
      }
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  },
});
