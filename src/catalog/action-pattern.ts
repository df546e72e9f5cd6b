/**
 * IAM action patterns: `*` matches any run of characters (including none),
 * `?` exactly one; matching is case-insensitive and anchored to the whole
 * `service:action` string. Shared by the catalog and by the checks on action
 * names the catalog does not know.
 */

const compiled = new Map<string, RegExp>();

/** A RegExp for an IAM action pattern (cached per pattern). */
export function compileActionPattern(pattern: string): RegExp {
  const lower = pattern.toLowerCase();
  let regex = compiled.get(lower);
  if (!regex) {
    const body = lower.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
    regex = new RegExp(`^${body}$`, 's');
    compiled.set(lower, regex);
  }
  return regex;
}

/** Whether an action name (or another pattern, taken literally) matches an IAM action pattern. */
export function actionPatternMatches(pattern: string, action: string): boolean {
  return compileActionPattern(pattern).test(action.toLowerCase());
}
