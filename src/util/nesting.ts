/**
 * How deeply parsed or parseable input nests, measured without recursion (so
 * a hostile file cannot exhaust the stack while being measured). Readers
 * refuse input deeper than any real file before recursive code (yaml's
 * composer, canonical hashing, JSON.stringify, walkers) sees it.
 *
 * Why refuse rather than catch the stack overflow: code that recurses to the
 * edge of the stack may compile a regular expression there (yaml's composer
 * does: it catches the RangeError in every frame and carries on at that
 * depth), and V8 aborts the whole process when it cannot compile one
 * ("FATAL ERROR: RegExpCompiler Allocation failed"), past any catch.
 */
import { Parser, type CST } from 'yaml';

/** Deeper than any real config, suppressions file, policy, plan or template; far below what exhausts the stack. */
export const MAX_INPUT_NESTING = 64;

/** How deeply a parsed JSON/YAML value nests (objects and arrays), stopping past `limit`. */
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

/**
 * How deeply the collections (block and flow, keys included) of YAML or JSON
 * text nest, from yaml's concrete syntax tree: its lexer and parser keep
 * their own stacks, so this never recurses however deep the text goes.
 */
export function yamlNestingDepth(text: string, limit = Infinity): number {
  let deepest = 0;
  const stack: [CST.Token | null | undefined, number][] = [];
  for (const token of new Parser().parse(text)) stack.push([token, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') stack.push([token.value, depth]);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > deepest) deepest = depth + 1;
      if (deepest > limit) return deepest;
      for (const item of token.items) stack.push([item.key, depth + 1], [item.value, depth + 1]);
    }
  }
  return deepest;
}
