/**
 * How deeply a parsed JSON/YAML value nests, measured without recursion (so
 * a hostile file cannot exhaust the stack while being measured). Readers
 * refuse values deeper than any real input, before recursive code
 * (canonical hashing, JSON.stringify, walkers) sees them.
 */
export function nestingDepth(value: unknown, limit = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}
