import assert from "node:assert/strict";
import { pyUniversalNewlines, shlexSplit } from "./shlex.ts";

/** Inputs and results of CPython 3.11's `shlex.split(text, comments=True)`. */
const SPLITS: Array<[string, string[] | { error: string }]> = [
  ["a b  c", ["a", "b", "c"]],
  ["--ipcon-host 'my host' # comment", ["--ipcon-host", "my host"]],
  ["foo#bar baz", ["foo"]],
  ["# full\n--debug\n", ["--debug"]],
  ["'a#b' \"c#d\"", ["a#b", "c#d"]],
  ["a\\ b", ["a b"]],
  ['"a\\"b\\\\c\\n"', ['a"b\\c\\n']],
  ["'a\\b'", ["a\\b"]],
  ["''", [""]],
  ['""', [""]],
  ["a''b", ["ab"]],
  ["x 'unterminated", { error: "No closing quotation" }],
  ["x \\", { error: "No escaped character" }],
  ['"open', { error: "No closing quotation" }],
  ['"esc\\', { error: "No escaped character" }],
  ["a\tb\rc\nd", ["a", "b", "c", "d"]],
  ["\u00e9 \u00fc\u00a0x", ["\u00e9", "\u00fc\u00a0x"]],
  ["a\\\nb", ["a\nb"]],
  ['a"b c"d', ["ab cd"]],
  ["  ", []],
  ["", []],
  ["#", []],
  ["a #b\nc", ["a", "c"]],
  ['--x="1 2"', ["--x=1 2"]],
  ["\\#a", ["#a"]],
  ["a\\#b", ["a#b"]],
  ["'it'\\''s'", ["it's"]],
  ['"$HOME"', ["$HOME"]],
  ["a\x0bb\x0cc", ["a\x0bb\x0cc"]],
];

for (const [text, expected] of SPLITS) {
  Deno.test(`shlexSplit ${JSON.stringify(text)}`, () => {
    if (Array.isArray(expected)) {
      assert.deepEqual(shlexSplit(text), expected);
    } else {
      assert.throws(() => shlexSplit(text), { name: "SyntaxError", message: expected.error });
    }
  });
}

Deno.test("pyUniversalNewlines turns CRLF and CR into LF", () => {
  assert.equal(pyUniversalNewlines("a\r\nb\rc\n"), "a\nb\nc\n");
  assert.equal(pyUniversalNewlines("plain"), "plain");
  // A comment ended by a lone CR ends at that CR once the file is read as Python does.
  assert.deepEqual(shlexSplit(pyUniversalNewlines("# c\r--debug")), ["--debug"]);
});
