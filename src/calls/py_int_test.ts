import assert from "node:assert/strict";
import { PyIntError, pyIntFromString } from "./py_int.ts";

/** [input, int(input, 0) as decimal text, or CPython's error text] taken from CPython 3.11. */
const CPYTHON_CASES: [string, string | null, string | null][] = [
  ["20", "20", null],
  ["0x10", "16", null],
  ["0b101", "5", null],
  ["0o17", "15", null],
  [" 7 ", "7", null],
  ["-5", "-5", null],
  ["1_000", "1000", null],
  ["010", null, "invalid literal for int() with base 0: '010'"],
  ["00", "0", null],
  ["0_0", "0", null],
  ["1__0", null, "invalid literal for int() with base 0: '1__0'"],
  ["_1", null, "invalid literal for int() with base 0: '_1'"],
  ["0x", null, "invalid literal for int() with base 0: '0x'"],
  ["+0x1_0", "16", null],
  ["\t12\n", "12", null],
  ["\u0661\u0662", "12", null],
  ["0X1F", "31", null],
  [" -0b1 ", "-1", null],
  ["1e2", null, "invalid literal for int() with base 0: '1e2'"],
  ["", null, "invalid literal for int() with base 0: ''"],
  ["  ", null, "invalid literal for int() with base 0: '  '"],
  ["0_", null, "invalid literal for int() with base 0: '0_'"],
  ["0b_1", "1", null],
  ["0x_f", "15", null],
  ["1_", null, "invalid literal for int() with base 0: '1_'"],
  ["+-1", null, "invalid literal for int() with base 0: '+-1'"],
  ["- 1", null, "invalid literal for int() with base 0: '- 1'"],
  ["0\u00a0", "0", null],
  ["\u20071", "1", null],
  ["\u001c1", null, "invalid literal for int() with base 0: '\\x1c1'"],
  ["\u00851", "1", null],
  ["\u007f1", null, "invalid literal for int() with base 0: '\\x7f1'"],
  ["\uff11\uff12", "12", null],
  ["0_1", null, "invalid literal for int() with base 0: '0_1'"],
  ["-0", "0", null],
  ["0b2", null, "invalid literal for int() with base 0: '0b2'"],
  ["+_1", null, "invalid literal for int() with base 0: '+_1'"],
  ["1 _", null, "invalid literal for int() with base 0: '1 _'"],
  [" 0x 1", null, "invalid literal for int() with base 0: ' 0x 1'"],
  ["9007199254740993", "9007199254740993", null],
  ["-9223372036854775809", "-9223372036854775809", null],
  ["18446744073709551615", "18446744073709551615", null],
  ["0xffffffffffffffff", "18446744073709551615", null],
  ["\u00001", null, "invalid literal for int() with base 0: '\\x001'"],
  ["1\u0000", null, "invalid literal for int() with base 0: '1\\x00'"],
  ["it's", null, 'invalid literal for int() with base 0: "it\'s"'],
  ["\u00e9", null, "invalid literal for int() with base 0: '\u00e9'"],
  ["0o8", null, "invalid literal for int() with base 0: '0o8'"],
  ["0O7", "7", null],
  ["0B1", "1", null],
  [
    "\ud835\udfd8\ud835\udfd9",
    null,
    "invalid literal for int() with base 0: '\ud835\udfd8\ud835\udfd9'",
  ],
  ["1\ud83d\ude00", null, "invalid literal for int() with base 0: '1\ud83d\ude00'"],
];

Deno.test("pyIntFromString matches CPython 3.11 int(s, 0)", () => {
  for (const [input, value, error] of CPYTHON_CASES) {
    if (value !== null) {
      assert.equal(String(pyIntFromString(input)), value, JSON.stringify(input));
    } else {
      assert.throws(() => pyIntFromString(input), (e: Error) => {
        assert.ok(e instanceof PyIntError);
        assert.equal(e.message, error, JSON.stringify(input));
        return true;
      });
    }
  }
});

Deno.test("pyIntFromString returns numbers when safe and bigints beyond", () => {
  assert.equal(pyIntFromString("9007199254740991"), 9007199254740991);
  assert.equal(pyIntFromString("9007199254740992"), 9007199254740992n);
  assert.equal(pyIntFromString("-0x8000000000000000"), -(2n ** 63n));
});

Deno.test("pyIntFromString: CPython's 4300-digit limit and 200-character repr cut", () => {
  assert.throws(
    () => pyIntFromString("1".repeat(5000) + "x"),
    new PyIntError(
      "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit",
    ),
  );
  assert.equal(String(pyIntFromString("1".repeat(4300))), "1".repeat(4300));
  assert.equal(typeof pyIntFromString("0x" + "f".repeat(5000)), "bigint");
  assert.throws(
    () => pyIntFromString("x".repeat(198) + "\u20ac\u20ac"),
    new PyIntError("invalid literal for int() with base 0: '" + "x".repeat(198) + "\u20ac"),
  );
});
