import assert from "node:assert/strict";
import type { ArgParserSpec } from "./argparse.ts";
import { fillText, formatHelp, formatUsage, wrap } from "./argparse_help.ts";

/** A parser exercising every layout rule; expected texts come from CPython 3.11's argparse. */
const DEMO: ArgParserSpec = {
  prog: "demo",
  description: "A demo parser whose description is long enough to need wrapping at eighty " +
    "columns, with hyphenated-words and auto-reconnect.",
  actions: [
    { kind: "help", flags: ["-h", "--help"], help: "show this help message and exit" },
    {
      kind: "version",
      flags: ["-v", "--version"],
      version: "demo 1.2.3",
      help: "show program's version number and exit",
    },
    {
      kind: "store",
      flags: ["--alpha-host"],
      dest: "alpha_host",
      type: "str",
      default: "localhost",
      help: "hostname or IP address of the thing (default: localhost)",
    },
    {
      kind: "store",
      flags: ["--alpha-port"],
      dest: "alpha_port",
      type: "int",
      default: 4223,
      help: "port number",
    },
    {
      kind: "store",
      flags: ["--beta-very-long-option-name-here"],
      dest: "beta_very_long_option_name_here",
      type: "str",
      help: "an option with a long invocation so the help starts on the next line",
    },
    { kind: "store_const", flags: ["--flag"], dest: "flag", const: true, help: "set the flag" },
    {
      kind: "store_const",
      flags: ["--no-flag"],
      dest: "flag",
      const: false,
      help: "unset the flag (enabled by default)",
    },
    {
      kind: "store",
      flags: ["--x"],
      dest: "x",
      type: "str",
      metavar: "X",
      help: "a supercalifragilisticexpialidocious-word-that-is-longer-than-the-help-width-" +
        "for-sure-and-more-and-more",
    },
  ],
};

/** CPython 3.11 `demo -h` output at COLUMNS=80, 50 and 200. */
const EXPECTED_HELP: Record<number, string[]> = {
  80: [
    "usage: demo [-h] [-v] [--alpha-host ALPHA_HOST] [--alpha-port ALPHA_PORT]",
    "            [--beta-very-long-option-name-here BETA_VERY_LONG_OPTION_NAME_HERE]",
    "            [--flag] [--no-flag] [--x X]",
    "",
    "A demo parser whose description is long enough to need wrapping at eighty",
    "columns, with hyphenated-words and auto-reconnect.",
    "",
    "options:",
    "  -h, --help            show this help message and exit",
    "  -v, --version         show program's version number and exit",
    "  --alpha-host ALPHA_HOST",
    "                        hostname or IP address of the thing (default:",
    "                        localhost)",
    "  --alpha-port ALPHA_PORT",
    "                        port number",
    "  --beta-very-long-option-name-here BETA_VERY_LONG_OPTION_NAME_HERE",
    "                        an option with a long invocation so the help starts on",
    "                        the next line",
    "  --flag                set the flag",
    "  --no-flag             unset the flag (enabled by default)",
    "  --x X                 a supercalifragilisticexpialidocious-word-that-is-",
    "                        longer-than-the-help-width-for-sure-and-more-and-more",
    "",
  ],
  50: [
    "usage: demo [-h] [-v] [--alpha-host ALPHA_HOST]",
    "            [--alpha-port ALPHA_PORT]",
    "            [--beta-very-long-option-name-here BETA_VERY_LONG_OPTION_NAME_HERE]",
    "            [--flag] [--no-flag] [--x X]",
    "",
    "A demo parser whose description is long enough",
    "to need wrapping at eighty columns, with",
    "hyphenated-words and auto-reconnect.",
    "",
    "options:",
    "  -h, --help            show this help message",
    "                        and exit",
    "  -v, --version         show program's version",
    "                        number and exit",
    "  --alpha-host ALPHA_HOST",
    "                        hostname or IP address",
    "                        of the thing (default:",
    "                        localhost)",
    "  --alpha-port ALPHA_PORT",
    "                        port number",
    "  --beta-very-long-option-name-here BETA_VERY_LONG_OPTION_NAME_HERE",
    "                        an option with a long",
    "                        invocation so the help",
    "                        starts on the next line",
    "  --flag                set the flag",
    "  --no-flag             unset the flag (enabled",
    "                        by default)",
    "  --x X                 a supercalifragilisticex",
    "                        pialidocious-word-that-",
    "                        is-longer-than-the-help-",
    "                        width-for-sure-and-more-",
    "                        and-more",
    "",
  ],
  200: [
    "usage: demo [-h] [-v] [--alpha-host ALPHA_HOST] [--alpha-port ALPHA_PORT] [--beta-very-long-option-name-here BETA_VERY_LONG_OPTION_NAME_HERE] [--flag] [--no-flag] [--x X]",
    "",
    "A demo parser whose description is long enough to need wrapping at eighty columns, with hyphenated-words and auto-reconnect.",
    "",
    "options:",
    "  -h, --help            show this help message and exit",
    "  -v, --version         show program's version number and exit",
    "  --alpha-host ALPHA_HOST",
    "                        hostname or IP address of the thing (default: localhost)",
    "  --alpha-port ALPHA_PORT",
    "                        port number",
    "  --beta-very-long-option-name-here BETA_VERY_LONG_OPTION_NAME_HERE",
    "                        an option with a long invocation so the help starts on the next line",
    "  --flag                set the flag",
    "  --no-flag             unset the flag (enabled by default)",
    "  --x X                 a supercalifragilisticexpialidocious-word-that-is-longer-than-the-help-width-for-sure-and-more-and-more",
    "",
  ],
};

for (const columns of [80, 50, 200]) {
  Deno.test(`formatHelp matches argparse at ${columns} columns`, () => {
    assert.equal(formatHelp(DEMO, columns), EXPECTED_HELP[columns].join("\n"));
  });
}

Deno.test("formatUsage is the help's usage paragraph", () => {
  const help = EXPECTED_HELP[80].join("\n");
  assert.equal(formatUsage(DEMO, 80), help.slice(0, help.indexOf("\n\n") + 1));
});

Deno.test("formatUsage stays on one line when it fits", () => {
  const spec: ArgParserSpec = { ...DEMO, actions: DEMO.actions.slice(0, 2) };
  assert.equal(formatUsage(spec), "usage: demo [-h] [-v]\n");
});

Deno.test("wrap follows textwrap: hyphen breaks, long words, whitespace dropping", () => {
  const cases: Array<[string, number, string[]]> = [
    ["", 10, []],
    ["one two three", 7, ["one two", "three"]],
    ["auto-reconnect now", 8, ["auto-rec", "onnect", "now"]],
    ["abcdefghij", 4, ["abcd", "efgh", "ij"]],
    ["x [u]int64 values", 6, ["x [u]i", "nt64", "values"]],
    ["well--said", 6, ["well--", "said"]],
    ["the auto-reconnect", 13, ["the auto-", "reconnect"]],
    ["a-b-c-d-e-f", 5, ["a-b-", "c-d-", "e-f"]],
  ];
  for (const [text, width, lines] of cases) assert.deepEqual(wrap(text, width), lines, text);
});

Deno.test("fillText collapses whitespace before wrapping", () => {
  assert.equal(fillText("  a\n\tb   c ", 80), "a b c");
});

Deno.test("formatHelp: argument groups and append options match CPython 3.11", () => {
  const spec: ArgParserSpec = {
    prog: "demo",
    description: "Demo.",
    actions: [
      { kind: "help", flags: ["-h", "--help"], help: "show this help message and exit" },
      {
        kind: "store",
        flags: ["--alpha"],
        dest: "alpha",
        type: "str",
        help: "alpha option (default: 1)",
      },
    ],
    groups: [
      {
        title: "group one",
        description: "A group description that is long enough to wrap at this narrow width, " +
          "certainly.",
        actions: [
          {
            kind: "store",
            flags: ["--beta-longer-option"],
            dest: "beta_longer_option",
            type: "str",
            metavar: "B",
            help: "beta",
          },
          {
            kind: "store",
            flags: ["--tag"],
            dest: "tag",
            type: "str",
            metavar: "K=V",
            append: true,
            help: "repeatable tag",
          },
        ],
      },
      {
        title: "group two",
        actions: [
          {
            kind: "store_const",
            flags: ["--gamma"],
            dest: "gamma",
            const: true,
            help: "gamma flag",
          },
        ],
      },
    ],
  };
  // argparse.HelpFormatter(prog, width=58) is what 60 columns give.
  assert.equal(
    formatHelp(spec, 60),
    "usage: demo [-h] [--alpha ALPHA] [--beta-longer-option B]\n            [--tag K=V] " +
      "[--gamma]\n\nDemo.\n\noptions:\n  -h, --help            show this help message and exit\n" +
      "  --alpha ALPHA         alpha option (default: 1)\n\ngroup one:\n  A group description " +
      "that is long enough to wrap at\n  this narrow width, certainly.\n\n" +
      "  --beta-longer-option B\n                        beta\n" +
      "  --tag K=V             repeatable tag\n\ngroup two:\n  --gamma               gamma flag\n",
  );
});
