/**
 * IAM action patterns: `*` matches any run of characters (including none),
 * `?` exactly one; matching is case-insensitive and anchored to the whole
 * `service:action` string. Shared by the catalog and by the checks on action
 * names the catalog does not know.
 *
 * Matched without regular expressions (src/util/glob.ts): policy text is
 * hostile input, and a pattern such as `*a*a*a*…b` compiled to a RegExp
 * backtracks for a very long time.
 */
import { wildcardMatch } from '../util/glob.js';

/** Whether an action name (or another pattern, taken literally) matches an IAM action pattern. */
export function actionPatternMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern.toLowerCase(), action.toLowerCase());
}
