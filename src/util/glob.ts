/**
 * Glob matching anchored to the whole text: `*` any run of characters
 * (including none), `?` exactly one; case-sensitive (callers lower-case both
 * sides when they want otherwise). Iterative, backtracking to the last `*`
 * only: at most pattern length × text length steps and no regular expression,
 * because patterns and texts come from cloud accounts and may be hostile.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < text.length) {
    const pc = pattern[pi];
    if (pc !== undefined && pc !== '*' && (pc === '?' || pc === text[ti])) {
      pi++;
      ti++;
    } else if (pc === '*') {
      star = pi++;
      mark = ti;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[pi] === '*') pi++;
  return pi === pattern.length;
}
