/**
 * Expands a policy document's statements into catalog action sets. Each
 * distinct policy (by content hash) is expanded once and shared by every
 * principal that holds it; the per-policy unions precomputed here are what
 * make the per-principal effective grant a handful of bitset operations.
 */
import { ActionSet, popcount32 } from '../../catalog/action-set.js';
import type { AwsActionCatalog } from '../../catalog/aws-actions.js';
import { normalisePolicyDocument, type NormalisedStatement, type PolicyDocumentError } from './policy-document.js';
import { copyWith } from '../../util/copy-with.js';

export type { PolicyDocumentError } from './policy-document.js';

export interface ExpandedStatement extends NormalisedStatement {
  /** Catalog actions the statement applies to; for NotAction, every catalog action except those listed. */
  actions: ActionSet;
  /** Patterns (from Action or NotAction) that matched nothing in the catalog. */
  unknownPatterns: string[];
  /**
   * Applies to every resource with no Condition: Resource includes `*`, or
   * (for Allow only) NotResource is used, since "everything except" is broad.
   */
  unrestricted: boolean;
  /**
   * The words of `actions` that hold any member: [start, end), empty when
   * start === end. Most statements name one service or a few, so set work
   * per principal and statement can skip the rest of the catalog.
   */
  span: WordSpan;
}

/** A range of ActionSet words, `[start, end)`. */
export interface WordSpan {
  start: number;
  end: number;
}

/** The smallest word range holding every member of `set`. */
export function wordSpan(set: ActionSet): WordSpan {
  const w = set.words;
  let start = 0;
  while (start < w.length && w[start] === 0) start++;
  let end = w.length;
  while (end > start && w[end - 1] === 0) end--;
  return { start, end };
}

/** An action set with the words that hold its members. */
export interface SpannedSet {
  actions: ActionSet;
  span: WordSpan;
}

/** Union of the statements' (or other spanned sets') action sets, touching only the words each one occupies; into `out` when given (an empty dense set). */
export function unionOfStatements(size: number, statements: Iterable<SpannedSet>, out = ActionSet.empty(size)): ActionSet {
  const into = out.words;
  for (const { actions, span } of statements) {
    // A compact set's words are its non-zero ones: no span to walk (and `words` would be a dense copy).
    if (actions.isCompact) {
      out.unionWith(actions);
      continue;
    }
    const from = actions.words;
    for (let w = span.start; w < span.end; w++) into[w]! |= from[w]!;
  }
  return out;
}

/** How many of the statement's actions are in `set`. */
export function countInStatement({ actions, span }: ExpandedStatement, set: ActionSet): number {
  const a = actions.words;
  let n = 0;
  for (let w = span.start; w < span.end; w++) {
    const both = a[w]! & set.word(w);
    if (both !== 0) n += popcount32(both);
  }
  return n;
}

/** Whether the statement holds an action that is in both `a` and `b`. */
export function statementMeets({ actions, span }: ExpandedStatement, a: ActionSet, b: ActionSet): boolean {
  const s = actions.words;
  for (let w = span.start; w < span.end; w++) if (s[w] !== 0 && (s[w]! & a.word(w) & b.word(w)) !== 0) return true;
  return false;
}

/** Whether every action of the statement is in `set` (then what it covers of any subset of `set` is its own business). */
export function statementWithin({ actions, span }: ExpandedStatement, set: ActionSet): boolean {
  const a = actions.words;
  for (let w = span.start; w < span.end; w++) if (a[w] !== 0 && (a[w]! & ~set.word(w)) !== 0) return false;
  return true;
}

/** The first `max` of the statement's actions that are in `set`, ascending. */
export function firstInStatement({ actions, span }: ExpandedStatement, set: ActionSet, max: number): number[] {
  const a = actions.words;
  const out: number[] = [];
  for (let w = span.start; w < span.end && out.length < max; w++) {
    let both = a[w] === 0 ? 0 : a[w]! & set.word(w);
    while (both !== 0 && out.length < max) {
      out.push((w << 5) + 31 - Math.clz32(both & -both));
      both &= both - 1;
    }
  }
  return out;
}

export interface ExpandedPolicy {
  hash: string;
  statements: ExpandedStatement[];
  /** Union of Allow statements. */
  allow: ActionSet;
  /** Union of Allow statements that are unrestricted (all resources, no Condition). */
  allowUnrestricted: ActionSet;
  /**
   * The two unions as compact sets where that is smaller (see ActionSet.compacted): a principal's grant
   * unions those of each policy it holds, and most policies name a few services of the catalog's ~700 words.
   */
  compact: { allow: ActionSet; allowUnrestricted: ActionSet };
  /** Union of Deny statements on Resource `*` with no Condition: these remove actions outright. Absent when none. */
  denyFull?: ActionSet;
  /** Union of Deny statements that are resource-scoped, NotResource or conditioned. Absent when none. */
  denyPartial?: ActionSet;
}

export type PolicyExpansion = { ok: true; policy: ExpandedPolicy } | { ok: false; hash: string; error: PolicyDocumentError };

/** Exact actions are set bit by bit; wider patterns are unioned from the catalog's cached set. */
const SMALL_EXPANSION = 64;

function statementActions(catalog: AwsActionCatalog, statement: NormalisedStatement): { actions: ActionSet; unknown: string[] } {
  const matched = ActionSet.empty(catalog.size);
  const unknown: string[] = [];
  for (const pattern of statement.patterns) {
    const expansion = catalog.expand(pattern);
    if (!expansion.known) unknown.push(pattern);
    else if (expansion.indices.length <= SMALL_EXPANSION) for (const i of expansion.indices) matched.add(i);
    else matched.unionWith(catalog.expandToSet(pattern));
  }
  // NotAction with Allow means "every other action, in every service".
  return { actions: statement.notAction ? matched.complement() : matched, unknown };
}

/** Expands one document; `hash` only labels the result. Prefer PolicyExpander, which caches. */
export function expandPolicyDocument(catalog: AwsActionCatalog, hash: string, document: unknown): PolicyExpansion {
  const parsed = normalisePolicyDocument(document);
  if (!parsed.ok) return { ok: false, hash, error: parsed.error };
  const allow = ActionSet.empty(catalog.size);
  const allowUnrestricted = ActionSet.empty(catalog.size);
  let denyFull: ActionSet | undefined;
  let denyPartial: ActionSet | undefined;
  const statements: ExpandedStatement[] = [];
  for (const normalised of parsed.value) {
    const { actions, unknown } = statementActions(catalog, normalised);
    const allResources = normalised.resources?.includes('*') ?? false;
    const unconditioned = normalised.condition === undefined;
    const unrestricted =
      unconditioned && (allResources || (normalised.effect === 'Allow' && normalised.notResources !== undefined));
    statements.push(copyWith(normalised, { actions, unknownPatterns: unknown, unrestricted, span: wordSpan(actions) }));
    if (normalised.effect === 'Allow') {
      allow.unionWith(actions);
      if (unrestricted) allowUnrestricted.unionWith(actions);
    } else if (unrestricted) {
      (denyFull ??= ActionSet.empty(catalog.size)).unionWith(actions);
    } else {
      (denyPartial ??= ActionSet.empty(catalog.size)).unionWith(actions);
    }
  }
  const compact = { allow: allow.compacted(), allowUnrestricted: allowUnrestricted.compacted() };
  const policy: ExpandedPolicy = { hash, statements, allow, allowUnrestricted, compact };
  if (denyFull) policy.denyFull = denyFull;
  if (denyPartial) policy.denyPartial = denyPartial;
  return { ok: true, policy };
}

/**
 * Expands policies once per content hash. The hash is the caller's promise
 * that equal hashes mean equal documents (StoredPolicy.hash).
 */
export class PolicyExpander {
  private readonly cache = new Map<string, PolicyExpansion>();

  constructor(readonly catalog: AwsActionCatalog) {}

  expand(hash: string, document: unknown): PolicyExpansion {
    let result = this.cache.get(hash);
    if (!result) {
      result = expandPolicyDocument(this.catalog, hash, document);
      this.cache.set(hash, result);
    }
    return result;
  }

  /** The cached expansion for a hash, if it has been expanded. */
  cached(hash: string): PolicyExpansion | undefined {
    return this.cache.get(hash);
  }

  get size(): number {
    return this.cache.size;
  }
}
