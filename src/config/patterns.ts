/**
 * Matching config patterns against strings that come from the cloud (names,
 * tags, ARNs, CloudTrail userAgents), and showing those strings safely.
 *
 * Every input here may be hostile: a userAgent is whatever the caller sent,
 * possibly megabytes long or full of control characters. So matching never
 * builds a regular expression from the text and runs in O(pattern × text)
 * worst case (no backtracking blow-up), and display escapes and truncates.
 */

import { wildcardMatch } from '../util/glob.js';
import { terminalText } from '../util/terminal-text.js';

/** True when the pattern uses glob wildcards (`*` any run, `?` one character). */
export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/**
 * Case-insensitive glob anchored to the whole text: `*` matches any run of
 * characters (including `/` and `:`, so it spans ARN segments), `?` exactly
 * one. A pattern without wildcards is an exact (case-insensitive) match.
 */
export function globMatches(pattern: string, text: string): boolean {
  return wildcardMatch(pattern.toLowerCase(), text.toLowerCase());
}

/** IAM's own resource matching: like globMatches, but case-sensitive. */
export function globMatchesCaseSensitive(pattern: string, text: string): boolean {
  return wildcardMatch(pattern, text);
}

/** `globMatches` with the pattern prepared once, for matching one pattern against many texts. */
export function globMatcher(pattern: string): (text: string) => boolean {
  const p = pattern.toLowerCase();
  if (!p.includes('*') && !p.includes('?')) return (text) => text.length === p.length && text.toLowerCase() === p;
  return (text) => wildcardMatch(p, text.toLowerCase());
}


const isWordChar = (c: string | undefined): boolean => c !== undefined && /[a-z0-9]/.test(c);

/**
 * Whether `token` occurs in `text` as a whole token, case-insensitively: the
 * characters on either side (if any) are not letters or digits. So `cline`
 * matches `cline/3.1` but not `declined`, and `aws-sdk-go` matches
 * `aws-sdk-go-v2/1.32.3` (a `-` is a boundary) but not `aws-sdk-gox`.
 */
export function containsToken(text: string, token: string): boolean {
  const t = text.toLowerCase();
  const k = token.toLowerCase();
  if (k.length === 0) return false;
  for (let at = t.indexOf(k); at !== -1; at = t.indexOf(k, at + 1)) {
    if (!isWordChar(t[at - 1]) && !isWordChar(t[at + k.length])) return true;
  }
  return false;
}

/**
 * A userAgent pattern: with wildcards it is a glob over the whole string;
 * without, a case-insensitive token search (see containsToken).
 */
export function userAgentMatches(pattern: string, userAgent: string): boolean {
  return isGlob(pattern) ? globMatches(pattern, userAgent) : containsToken(userAgent, pattern);
}

/**
 * A cloud-supplied string made safe to put in a one-line explanation:
 * controls, invisible and bidi characters become `\uXXXX` (terminalText),
 * and long text is cut to `max` characters with an ellipsis. (HTML escaping
 * is the report's job.)
 */
export function printable(text: string, max = 120): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  const escaped = terminalText(cut);
  return text.length > max ? `${escaped}… (${text.length} chars)` : escaped;
}
