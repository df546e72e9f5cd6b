/**
 * IAM action patterns: `*` matches any run of characters (including none),
 * `?` exactly one; matching is case-insensitive and anchored to the whole
 * `service:action` string. Shared by the catalog and by the checks on action
 * names the catalog does not know.
 *
 * Matched without regular expressions: policy text is hostile input, and a
 * pattern such as `*a*a*a*…b` compiled to a RegExp backtracks for a very
 * long time. This matcher backtracks to the last `*` only, so it takes at
 * most pattern length × name length steps, and it keeps no cache.
 */

/** Whether `name` matches `pattern`; both already lower-cased. */
export function globMatchesLower(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && (c === QUESTION || c === name.charCodeAt(n))) {
      p++;
      n++;
    } else if (p < pattern.length && c === STAR) {
      star = p++;
      resume = n;
    } else if (star >= 0) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === STAR) p++;
  return p === pattern.length;
}

const STAR = 42; // '*'
const QUESTION = 63; // '?'

/** Whether an action name (or another pattern, taken literally) matches an IAM action pattern. */
export function actionPatternMatches(pattern: string, action: string): boolean {
  return globMatchesLower(pattern.toLowerCase(), action.toLowerCase());
}
