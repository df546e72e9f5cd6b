/**
 * Text from a cloud account or an input file, made safe to print on a
 * terminal or in a log line. Names, tags, user agents, ARNs and error
 * messages may carry ESC sequences (clear the screen, set the title, plant an
 * OSC 8 hyperlink), a CR that overwrites the line before it, bidi overrides
 * that make text read backwards, or invisible characters that make two
 * names look alike. Each such character becomes a visible escape (`\u001b`,
 * `\u202e`): C0 and C1 controls, DEL, line and paragraph separators, every
 * format character (bidi, zero-width, BOM, tag characters) and lone
 * surrogates. Every terminal printer goes through here; HTML, Markdown and
 * shell quoting are their formats' own.
 */

const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;
/** The same set except the line break and tab that multi-line output is made of. */
const UNSAFE_IN_LINES = /(?![\n\t])[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

function escape(c: string): string {
  const code = c.codePointAt(0)!;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One value on one line: every unsafe character escaped, line breaks and tabs included. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** Output of several lines (a report, a message with a stack trace): unsafe characters escaped, line breaks and tabs kept. */
export function terminalLines(text: string): string {
  return text.replace(UNSAFE_IN_LINES, escape);
}
