/**
 * The subset of Python 3.11's `argparse` that the reference's command line
 * uses, with its parsing rules and error texts, so that tfedge accepts and
 * rejects the same command lines:
 *
 * - long options may be abbreviated to any unique prefix (`--deb`);
 *   `--opt=value` and `-xVALUE` forms; `-hv` clusters of flags;
 * - a value that looks like a negative number (`-5`, `-1.5`) is a value, any
 *   other word starting with `-` is an option, so `--ipcon-host -x` fails;
 * - errors stop at the first bad option in command-line order, except
 *   ambiguous prefixes (found before anything runs) and unrecognized
 *   arguments (reported at the end);
 * - the last of several options writing the same destination wins.
 *
 * Only optional arguments exist here (no positionals, no subcommands); `append`
 * stores and argument groups (a titled section of the help) are supported.
 *
 * @module
 */

import { pyRepr } from "../calls/py_json.ts";
import { fillText, formatHelp, formatUsage } from "./argparse_help.ts";

/** One command line option, in the shape of an `add_argument` call. */
export type ArgAction =
  | {
    /** `store` with `type=str` or `type=int` */
    readonly kind: "store";
    readonly flags: readonly string[];
    readonly dest: string;
    readonly type: "str" | "int";
    readonly default?: unknown;
    /** Shown in help and usage; default: the dest in upper case */
    readonly metavar?: string;
    /** `action="append"`: every occurrence adds its value to a list */
    readonly append?: boolean;
    readonly help: string;
  }
  | {
    /** `store_const`: the flag sets `dest` to `const` */
    readonly kind: "store_const";
    readonly flags: readonly string[];
    readonly dest: string;
    readonly const: unknown;
    readonly default?: unknown;
    readonly help: string;
  }
  | { readonly kind: "help"; readonly flags: readonly string[]; readonly help: string }
  | {
    readonly kind: "version";
    readonly flags: readonly string[];
    readonly version: string;
    readonly help: string;
  };

/** `parser.add_argument_group(title, description)` with its options. */
export interface ArgGroup {
  readonly title: string;
  readonly description?: string;
  readonly actions: readonly ArgAction[];
}

/** An `ArgumentParser`: program name, description, and options in declaration order. */
export interface ArgParserSpec {
  readonly prog: string;
  readonly description: string;
  /** Options of the default `options:` section */
  readonly actions: readonly ArgAction[];
  /** Further sections, added after {@link actions} */
  readonly groups?: readonly ArgGroup[];
}

/** Every option of a parser in declaration order (groups after the plain options). */
export function allActions(spec: ArgParserSpec): readonly ArgAction[] {
  if (spec.groups === undefined) return spec.actions;
  return [...spec.actions, ...spec.groups.flatMap((group) => group.actions)];
}

/** How a parse ended when it did not produce values: what to print and the exit code. */
export interface ArgParseExit {
  readonly exitCode: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

/** Parsed values by dest, defaults included. */
export type ArgNamespace = Map<string, unknown>;

/** Thrown inside the parser, caught by {@link parseArgs}. */
class ExitSignal {
  constructor(readonly exit: ArgParseExit) {}
}

/** `parser.error(message)`: usage and `<prog>: error: <message>` on stderr, exit 2. */
export function argparseError(spec: ArgParserSpec, message: string, columns = 80): ArgParseExit {
  return {
    exitCode: 2,
    stderr: formatUsage(spec, columns) + `${spec.prog}: error: ${message}\n`,
  };
}

/** `parser.parse_args(argv)`: the values, or what to print and the exit code. */
export function parseArgs(
  spec: ArgParserSpec,
  argv: readonly string[],
  columns = 80,
): { namespace: ArgNamespace } | ArgParseExit {
  try {
    return { namespace: new Parser(spec, columns).parse(argv) };
  } catch (error) {
    if (error instanceof ExitSignal) return error.exit;
    throw error;
  }
}

/** `(action, option string, explicit argument)` as in argparse; `action` undefined: unknown option. */
type OptionTuple = [ArgAction | undefined, string, string | undefined];

/** argparse's `_negative_number_matcher`. */
const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

class Parser {
  readonly #optionMap = new Map<string, ArgAction>();

  constructor(readonly spec: ArgParserSpec, readonly columns: number) {
    for (const action of allActions(spec)) {
      for (const flag of action.flags) this.#optionMap.set(flag, action);
    }
  }

  parse(argv: readonly string[]): ArgNamespace {
    const namespace: ArgNamespace = new Map();
    for (const action of allActions(this.spec)) {
      if (
        (action.kind === "store" || action.kind === "store_const") && !namespace.has(action.dest)
      ) {
        namespace.set(action.dest, action.default ?? null);
      }
    }

    // Classify every word first, as argparse does: "O" option, "A" argument, "-" for "--".
    const tuples = new Map<number, OptionTuple>();
    let pattern = "";
    for (let i = 0; i < argv.length; i++) {
      if (argv[i] === "--") {
        pattern += "-" + "A".repeat(argv.length - i - 1);
        break;
      }
      const tuple = this.#parseOptional(argv[i]);
      if (tuple === undefined) {
        pattern += "A";
      } else {
        tuples.set(i, tuple);
        pattern += "O";
      }
    }

    const extras: string[] = [];
    let index = 0;
    while (index < argv.length) {
      const tuple = tuples.get(index);
      if (tuple === undefined) {
        extras.push(argv[index++]);
        continue;
      }
      index = this.#consumeOptional(tuple, index, argv, pattern, namespace, extras);
    }
    if (extras.length > 0) this.#error(`unrecognized arguments: ${extras.join(" ")}`);
    return namespace;
  }

  /** argparse's `_parse_optional`: undefined means "a plain argument". */
  #parseOptional(arg: string): OptionTuple | undefined {
    if (arg.length === 0 || arg[0] !== "-") return undefined;
    const exact = this.#optionMap.get(arg);
    if (exact !== undefined) return [exact, arg, undefined];
    if (arg.length === 1) return undefined;
    const equals = arg.indexOf("=");
    if (equals >= 0) {
      const flag = arg.slice(0, equals);
      const action = this.#optionMap.get(flag);
      if (action !== undefined) return [action, flag, arg.slice(equals + 1)];
    }
    const candidates = this.#prefixMatches(arg);
    if (candidates.length > 1) {
      const names = candidates.map((candidate) => candidate[1]).join(", ");
      this.#error(`ambiguous option: ${arg} could match ${names}`);
    }
    if (candidates.length === 1) return candidates[0];
    if (NEGATIVE_NUMBER.test(arg)) return undefined;
    if (arg.includes(" ")) return undefined;
    return [undefined, arg, undefined];
  }

  /** argparse's `_get_option_tuples`: abbreviated long options and `-xVALUE` short ones. */
  #prefixMatches(arg: string): OptionTuple[] {
    const result: OptionTuple[] = [];
    if (arg[1] === "-") {
      const equals = arg.indexOf("=");
      const prefix = equals >= 0 ? arg.slice(0, equals) : arg;
      const explicit = equals >= 0 ? arg.slice(equals + 1) : undefined;
      for (const [flag, action] of this.#optionMap) {
        if (flag.startsWith(prefix)) result.push([action, flag, explicit]);
      }
    } else {
      const short = arg.slice(0, 2);
      for (const [flag, action] of this.#optionMap) {
        if (flag === short) result.push([action, flag, arg.slice(2)]);
        else if (flag.startsWith(arg)) result.push([action, flag, undefined]);
      }
    }
    return result;
  }

  /** argparse's `consume_optional`; returns the index after the consumed words. */
  #consumeOptional(
    tuple: OptionTuple,
    index: number,
    argv: readonly string[],
    pattern: string,
    namespace: ArgNamespace,
    extras: string[],
  ): number {
    let [action, flag, explicit] = tuple;
    const pending: Array<[ArgAction, string | undefined]> = [];
    let stop: number;
    for (;;) {
      if (action === undefined) {
        extras.push(argv[index]);
        return index + 1;
      }
      const takesValue = action.kind === "store";
      if (explicit !== undefined) {
        if (!takesValue && flag[1] !== "-" && explicit !== "") {
          // A cluster such as -hv: run -h, then continue with -v.
          pending.push([action, undefined]);
          const nextFlag = flag[0] + explicit[0];
          const next = this.#optionMap.get(nextFlag);
          if (next === undefined) {
            this.#actionError(action, `ignored explicit argument ${pyRepr(explicit)}`);
          }
          action = next;
          flag = nextFlag;
          explicit = explicit.length > 1 ? explicit.slice(1) : undefined;
          continue;
        }
        if (!takesValue) this.#actionError(action, `ignored explicit argument ${pyRepr(explicit)}`);
        pending.push([action, explicit]);
        stop = index + 1;
        break;
      }
      if (takesValue) {
        if (pattern[index + 1] !== "A") this.#actionError(action, "expected one argument");
        pending.push([action, argv[index + 1]]);
        stop = index + 2;
      } else {
        pending.push([action, undefined]);
        stop = index + 1;
      }
      break;
    }
    for (const [pendingAction, value] of pending) this.#takeAction(pendingAction, value, namespace);
    return stop;
  }

  #takeAction(action: ArgAction, value: string | undefined, namespace: ArgNamespace): void {
    switch (action.kind) {
      case "help":
        throw new ExitSignal({ exitCode: 0, stdout: formatHelp(this.spec, this.columns) });
      case "version":
        throw new ExitSignal({
          exitCode: 0,
          stdout: fillText(action.version, this.columns - 2) + "\n",
        });
      case "store_const":
        namespace.set(action.dest, action.const);
        return;
      case "store": {
        const text = value ?? "";
        if (action.append) {
          // argparse copies the list it finds, so a default list is never changed.
          const items = namespace.get(action.dest);
          namespace.set(action.dest, [...(Array.isArray(items) ? items : []), text]);
          return;
        }
        if (action.type === "str") {
          namespace.set(action.dest, text);
          return;
        }
        const parsed = pyInt(text);
        if (parsed === undefined) this.#actionError(action, `invalid int value: ${pyRepr(text)}`);
        namespace.set(action.dest, parsed);
        return;
      }
    }
  }

  #actionError(action: ArgAction, message: string): never {
    this.#error(`argument ${action.flags.join("/")}: ${message}`);
  }

  #error(message: string): never {
    throw new ExitSignal(argparseError(this.spec, message, this.columns));
  }
}

/** Characters Python's `str.isspace()` accepts (which `int()` strips). */
const PY_SPACE = "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005" +
  "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
const DECIMAL_DIGIT = /^\p{Nd}$/u;

/** CPython's `sys.get_int_max_str_digits()` default: longer decimal strings are refused. */
const INT_MAX_STR_DIGITS = 4300;

/**
 * Python's `int(text)` (base 10): surrounding whitespace, a sign, `_` between
 * digits, and any Unicode decimal digits. Undefined where Python raises
 * `ValueError`. Values beyond 2^53 lose precision (they are ports and timeouts).
 */
export function pyInt(text: string): number | undefined {
  const chars = Array.from(text);
  let start = 0;
  let end = chars.length;
  while (start < end && PY_SPACE.includes(chars[start])) start++;
  while (end > start && PY_SPACE.includes(chars[end - 1])) end--;
  let negative = false;
  if (start < end && (chars[start] === "+" || chars[start] === "-")) {
    negative = chars[start] === "-";
    start++;
  }
  let digits = "";
  let lastWasDigit = false;
  for (let i = start; i < end; i++) {
    const c = chars[i];
    if (c === "_") {
      if (!lastWasDigit || i + 1 === end) return undefined;
      lastWasDigit = false;
      continue;
    }
    const value = decimalValue(c);
    if (value === undefined) return undefined;
    digits += value;
    lastWasDigit = true;
  }
  if (digits.length === 0 || digits.length > INT_MAX_STR_DIGITS) return undefined;
  const magnitude = Number(digits);
  return negative ? -magnitude : magnitude;
}

/**
 * The value of a decimal digit character. Unicode encodes every set of
 * decimal digits as a run of ten consecutive code points starting at zero,
 * so the value is the distance to the run's start, modulo ten.
 */
function decimalValue(c: string): number | undefined {
  const code = c.codePointAt(0)!;
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code < 0x80 || !DECIMAL_DIGIT.test(c)) return undefined;
  let first = code;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(first - 1))) first--;
  return (code - first) % 10;
}
