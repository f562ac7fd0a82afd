import assert from "node:assert/strict";
import { pyRepr } from "../calls/py_json.ts";
import { type InitEntry, loadInitFile, parseInitFile } from "./init_file.ts";

type Expected = { pre: Array<[string, string]>; post: Array<[string, string]> } | { error: string };

/**
 * Init files and what the reference makes of them (CPython 3.11: `json.load`
 * with a pairs hook, the pre/post split, and `json.dumps(dict(payload))`).
 */
const VECTORS: Array<[string, Expected]> = [
  [
    '{"tinkerforge/request/rgb_led_button_bricklet/Dod/get_color": "", "tinkerforge/register/ip_connection/enumerate": true}',
    {
      pre: [],
      post: [["tinkerforge/request/rgb_led_button_bricklet/Dod/get_color", '""'], [
        "tinkerforge/register/ip_connection/enumerate",
        "true",
      ]],
    },
  ],
  [
    '{"t/a": {"red": 1, "green": 2, "red": 3}, "t/a": {}, "t/b": null, "t/c": 1.0, "t/d": "\\u00e9", "t/e": 12345678901234567890}',
    {
      pre: [],
      post: [["t/a", '{"red": 3, "green": 2}'], ["t/a", "{}"], ["t/b", "null"], ["t/c", "1.0"], [
        "t/d",
        '"\\u00e9"',
      ], ["t/e", "12345678901234567890"]],
    },
  ],
  [
    '{"pre_connect": {"p/1": true, "p/1": false}, "post_connect": {"q/1": {"a": 1}}, "pre_connect": {"p/2": "x"}, "post_connect": {"q/2": [["k", 2]]}}',
    {
      pre: [["p/1", "true"], ["p/1", "false"], ["p/2", '"x"']],
      post: [["q/1", '{"a": 1}'], ["q/2", '{"k": 2}']],
    },
  ],
  [
    '{"t/nested": {"x": {"y": 1, "z": [{"w": null}]}}}',
    { pre: [], post: [["t/nested", '{"x": [["y", 1], ["z", [[["w", null]]]]]}']] },
  ],
  [
    '{"t/pairs": [["a", 1], ["b", 2], ["a", 3]], "t/keys": [[1, "i"], [true, "t"], [1.0, "f"], [null, "n"], [1.5, "x"], ["1", "s"]], "t/empty": []}',
    {
      pre: [],
      post: [["t/pairs", '{"a": 3, "b": 2}'], [
        "t/keys",
        '{"1": "f", "null": "n", "1.5": "x", "1": "s"}',
      ], ["t/empty", "{}"]],
    },
  ],
  [
    '{"post_connect": {"q": 1}, "extra": 2}',
    { pre: [], post: [["q", "1"]] },
  ],
  [
    "{}",
    { pre: [], post: [] },
  ],
  ["", { error: "Expecting value: line 1 column 1 (char 0)" }],
  ["not json", { error: "Expecting value: line 1 column 1 (char 0)" }],
  ['{"a": 1,}', {
    error: "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)",
  }],
  ['{"a" 1}', { error: "Expecting ':' delimiter: line 1 column 6 (char 5)" }],
  ["[1", { error: "Expecting ',' delimiter: line 1 column 3 (char 2)" }],
  ["\ufeff{}", {
    error: "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)",
  }],
  [
    '{"t": NaN, "u": -Infinity}',
    { pre: [], post: [["t", "NaN"], ["u", "-Infinity"]] },
  ],
];

const entries = (pairs: Array<[string, string]>): InitEntry[] =>
  pairs.map(([topic, payload]) => ({ topic, payload }));

for (const [text, expected] of VECTORS) {
  Deno.test(`parseInitFile ${JSON.stringify(text)}`, () => {
    if ("error" in expected) {
      assert.throws(() => parseInitFile(text), { name: "PyJsonError", message: expected.error });
      return;
    }
    assert.deepEqual(parseInitFile(text), {
      preConnect: entries(expected.pre),
      postConnect: entries(expected.post),
    });
  });
}

Deno.test("parseInitFile: pre_connect alone runs no section keys as topics", () => {
  // The reference would also run {"pre_connect": ...} as a topic and log a malformed-topic error.
  assert.deepEqual(parseInitFile('{"pre_connect": {"a/b/c": true}}'), {
    preConnect: entries([["a/b/c", "true"]]),
    postConnect: [],
  });
  assert.deepEqual(parseInitFile('{"pre_connect": {"a": 1}, "post_connect": {}, "t/x": 2}'), {
    preConnect: entries([["a", "1"]]),
    postConnect: entries([["t/x", "2"]]),
  });
});

Deno.test("parseInitFile: a top level that is not an object is an error", () => {
  for (const text of ["[]", "1", "null", '"x"', '[["t", 1]]']) {
    assert.throws(() => parseInitFile(text), {
      name: "TypeError",
      message: "Expected a JSON object of topics and payloads at the top level",
    }, text);
  }
});

Deno.test("parseInitFile: a section that is not an object is an error", () => {
  assert.throws(() => parseInitFile('{"pre_connect": 5}'), {
    name: "TypeError",
    message: 'Expected a JSON object of topics and payloads as "pre_connect"',
  });
  assert.throws(() => parseInitFile('{"post_connect": []}'), {
    name: "TypeError",
    message: 'Expected a JSON object of topics and payloads as "post_connect"',
  });
});

Deno.test("parseInitFile: an array payload must be a list of [key, value] pairs", () => {
  for (const payload of ["[1, 2]", '[["a", 1, 2]]', '[[["a"], 1]]', '["ab"]', '[{"a": 1}]']) {
    assert.throws(() => parseInitFile(`{"t/x": ${payload}}`), {
      name: "TypeError",
      message: "Payload of topic 't/x' is a JSON array that is not a list of [key, value] pairs",
    }, payload);
  }
  // CPython's decoder returns one shared NaN object, so NaN keys collapse; -0.0 == 0.
  assert.deepEqual(parseInitFile('{"t": [[NaN, 1], [NaN, 2], [-0.0, 3], [0, 4]]}').postConnect, [
    { topic: "t", payload: '{"NaN": 2, "-0.0": 4}' },
  ]);
});

const decoder = new TextEncoder();

Deno.test("loadInitFile reads a file and parses it", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/init.json`;
    Deno.writeTextFileSync(path, '{"pre_connect": {"t/a": true}, "post_connect": {"t/b": {}}}');
    assert.deepEqual(loadInitFile(path), {
      config: { preConnect: entries([["t/a", "true"]]), postConnect: entries([["t/b", "{}"]]) },
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("loadInitFile: OS errors read like Python's", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const missing = `${dir}/missing.json`;
    assert.deepEqual(loadInitFile(missing), {
      exitCode: 31,
      stdout: `Could not read init file: [Errno 2] No such file or directory: ${pyRepr(missing)}\n`,
    });
    assert.deepEqual(loadInitFile(dir), {
      exitCode: 31,
      stdout: `Could not read init file: [Errno 21] Is a directory: ${pyRepr(dir)}\n`,
    });
    assert.deepEqual(loadInitFile(""), {
      exitCode: 31,
      stdout: "Could not read init file: [Errno 2] No such file or directory: ''\n",
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("loadInitFile: decoding, JSON and shape errors", () => {
  const cases: Array<[Uint8Array, string]> = [
    [
      new Uint8Array([0x7b, 0xff]),
      "'utf-8' codec can't decode byte 0xff in position 1: invalid start byte",
    ],
    [decoder.encode("not json"), "Expecting value: line 1 column 1 (char 0)"],
    [
      decoder.encode("{oops"),
      "Expecting property name enclosed in double quotes: " +
      "line 1 column 2 (char 1)",
    ],
    [decoder.encode("[]"), "Expected a JSON object of topics and payloads at the top level"],
  ];
  for (const [bytes, error] of cases) {
    assert.deepEqual(loadInitFile("x.json", () => bytes), {
      exitCode: 31,
      stdout: `Could not read init file: ${error}\n`,
    });
  }
});
