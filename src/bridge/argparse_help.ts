/**
 * `argparse.HelpFormatter` of Python 3.11 for an options-only parser: the
 * usage line (wrapped after the program name), the description, and the
 * `options:` section with help texts wrapped by `textwrap` rules.
 *
 * The width is the terminal's column count minus 2, as in argparse; callers
 * that are not on a terminal pass 80, which is Python's fallback.
 *
 * @module
 */

import { allActions, type ArgAction, type ArgParserSpec } from "./argparse.ts";

const USAGE_PREFIX = "usage: ";
const MAX_HELP_POSITION = 24;
const INDENT = 2;

/** The usage text argparse prints before an error: `usage: prog [-h] ...` and a newline. */
export function formatUsage(spec: ArgParserSpec, columns = 80): string {
  const width = columns - 2;
  const parts = allActions(spec).map(usagePart);
  const oneLine = [spec.prog, ...parts].join(" ");
  if (USAGE_PREFIX.length + oneLine.length <= width) return USAGE_PREFIX + oneLine + "\n";
  // Wrapped: continuation lines are indented to sit under the first option.
  const indent = " ".repeat(USAGE_PREFIX.length + spec.prog.length + 1);
  const lines: string[] = [];
  let line: string[] = [];
  let lineLength = USAGE_PREFIX.length - 1;
  for (const part of [spec.prog, ...parts]) {
    if (lineLength + 1 + part.length > width && line.length > 0) {
      lines.push(line.join(" "));
      line = [];
      lineLength = indent.length - 1;
    }
    line.push(part);
    lineLength += part.length + 1;
  }
  if (line.length > 0) lines.push(line.join(" "));
  return USAGE_PREFIX + lines.join("\n" + indent) + "\n";
}

/** The full `--help` text. */
export function formatHelp(spec: ArgParserSpec, columns = 80): string {
  const width = columns - 2;
  const maxHelpPosition = Math.min(MAX_HELP_POSITION, Math.max(width - 20, INDENT * 2));
  // One help column for all sections, as argparse measures every option before formatting.
  const invocations = allActions(spec).map(invocation);
  const longest = Math.max(...invocations.map((text) => text.length + INDENT));
  const helpPosition = Math.min(longest + 2, maxHelpPosition);
  const helpWidth = Math.max(width - helpPosition, 11);
  const actionWidth = helpPosition - INDENT - 2;

  let out = formatUsage(spec, columns) + "\n";
  if (spec.description.trim() !== "") out += fillText(spec.description, width) + "\n\n";
  const formatAction = (action: ArgAction) => {
    const header = invocation(action);
    const helpLines = wrap(collapseWhitespace(action.help), helpWidth);
    if (helpLines.length === 0) {
      out += " ".repeat(INDENT) + header + "\n";
      return;
    }
    if (header.length <= actionWidth) {
      out += " ".repeat(INDENT) + header.padEnd(actionWidth) + "  " + helpLines[0] + "\n";
    } else {
      out += " ".repeat(INDENT) + header + "\n" + " ".repeat(helpPosition) + helpLines[0] + "\n";
    }
    for (const line of helpLines.slice(1)) out += " ".repeat(helpPosition) + line + "\n";
  };
  out += "options:\n";
  spec.actions.forEach(formatAction);
  for (const group of spec.groups ?? []) {
    if (group.actions.length === 0) continue;
    out += `\n${group.title}:\n`;
    // The description is indented like the options; textwrap counts the indent in the width.
    if (group.description !== undefined && group.description.trim() !== "") {
      const lines = wrap(collapseWhitespace(group.description), width - 2 * INDENT);
      out += lines.map((line) => " ".repeat(INDENT) + line + "\n").join("") + "\n";
    }
    group.actions.forEach(formatAction);
  }
  return out;
}

/** `HelpFormatter._fill_text`: whitespace collapsed, then wrapped to `width`. */
export function fillText(text: string, width: number): string {
  return wrap(collapseWhitespace(text), width).join("\n");
}

function usagePart(action: ArgAction): string {
  const flag = action.flags[0];
  return action.kind === "store" ? `[${flag} ${metavar(action)}]` : `[${flag}]`;
}

function invocation(action: ArgAction): string {
  if (action.kind !== "store") return action.flags.join(", ");
  return action.flags.map((flag) => `${flag} ${metavar(action)}`).join(", ");
}

function metavar(action: ArgAction & { kind: "store" }): string {
  return action.metavar ?? action.dest.toUpperCase();
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

// textwrap.TextWrapper.wordsep_re with ASCII word characters (help texts are ASCII):
// whitespace runs, em-dashes, and words split after hyphens between letters.
const LETTER = "[^\\d\\W]";
const WORD_PUNCT = "[\\w!\"'&.,?]";
const CHUNK = new RegExp(
  "(\\s+" +
    `|(?<=${WORD_PUNCT})-{2,}(?=\\w)` +
    "|\\S+?(?:" +
    `-(?:(?<=${LETTER}{2}-)|(?<=${LETTER}-${LETTER}-))(?=${LETTER}-?${LETTER})` +
    "|(?=\\s|$)" +
    `|(?<=${WORD_PUNCT})(?=-{2,}\\w)` +
    "))",
  "g",
);

/** `textwrap.wrap(text, width)` with its defaults (hyphen breaks, long words broken). */
export function wrap(text: string, width: number): string[] {
  const chunks = text.split(CHUNK).filter((chunk) => chunk !== "");
  chunks.reverse();
  const lines: string[] = [];
  while (chunks.length > 0) {
    const line: string[] = [];
    let lineLength = 0;
    // Whitespace at the start of a line is dropped, except at the very beginning.
    if (lines.length > 0 && chunks[chunks.length - 1].trim() === "") chunks.pop();
    while (chunks.length > 0) {
      const length = chunks[chunks.length - 1].length;
      if (lineLength + length > width) break;
      line.push(chunks.pop()!);
      lineLength += length;
    }
    if (chunks.length > 0 && chunks[chunks.length - 1].length > width) {
      breakLongWord(chunks, line, lineLength, width);
    }
    if (line.length > 0 && line[line.length - 1].trim() === "") line.pop();
    if (line.length > 0) lines.push(line.join(""));
  }
  return lines;
}

/** `TextWrapper._handle_long_word`: split the chunk, preferably after a hyphen. */
function breakLongWord(chunks: string[], line: string[], lineLength: number, width: number) {
  const spaceLeft = width < 1 ? 1 : width - lineLength;
  const chunk = chunks[chunks.length - 1];
  let end = spaceLeft;
  if (chunk.length > spaceLeft) {
    const hyphen = chunk.lastIndexOf("-", spaceLeft - 1);
    if (hyphen > 0 && /[^-]/.test(chunk.slice(0, hyphen))) end = hyphen + 1;
  }
  line.push(chunk.slice(0, end));
  chunks[chunks.length - 1] = chunk.slice(end);
}
