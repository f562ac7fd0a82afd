/**
 * `shlex.split(text, comments=True)` from CPython 3.11 (POSIX mode), for
 * `--cmdline-file`: words split on whitespace, `'...'` and `"..."` quoting,
 * backslash escapes, and `#` comments to the end of the line.
 *
 * Details that follow Python rather than a real shell: only space, tab, CR
 * and LF separate words; a `#` ends the current word even inside it
 * (`foo#bar` is `foo`); a backslash-newline outside quotes is a literal
 * newline; inside double quotes a backslash only escapes `"` and `\`.
 *
 * @module
 */

const WHITESPACE = " \t\r\n";

/**
 * Splits `text` into words. Throws a `SyntaxError` whose message is Python's
 * (`No closing quotation` or `No escaped character`).
 *
 * @param text the file content; Python reads it in text mode, so pass it
 *   through {@link pyUniversalNewlines} first when it comes from a file
 */
export function shlexSplit(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false; // a word has started, possibly as an empty quoted one
  let i = 0;
  while (i < text.length) {
    const c = text[i++];
    if (WHITESPACE.includes(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "#") {
      // The comment runs to the end of the line and ends the current word.
      const newline = text.indexOf("\n", i);
      i = newline < 0 ? text.length : newline + 1;
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else if (c === "\\") {
      if (i >= text.length) throw new SyntaxError("No escaped character");
      word += text[i++];
      inWord = true;
    } else if (c === "'") {
      const close = text.indexOf("'", i);
      if (close < 0) throw new SyntaxError("No closing quotation");
      word += text.slice(i, close);
      i = close + 1;
      inWord = true;
    } else if (c === '"') {
      let closed = false;
      while (i < text.length) {
        const q = text[i++];
        if (q === '"') {
          closed = true;
          break;
        }
        if (q === "\\") {
          if (i >= text.length) throw new SyntaxError("No escaped character");
          const escaped = text[i++];
          // Only the quote and the backslash itself are escapable inside "...".
          word += escaped === '"' || escaped === "\\" ? escaped : "\\" + escaped;
        } else {
          word += q;
        }
      }
      if (!closed) throw new SyntaxError("No closing quotation");
      inWord = true;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Python text-mode reading: `\r\n` and lone `\r` become `\n`. */
export function pyUniversalNewlines(text: string): string {
  return text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
}
