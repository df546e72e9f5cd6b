/**
 * Whether a principal's identity policies allow one action on one resource
 * (or on some resource of a kind), with the statements that say so: the
 * resource-level view the effective grant's action sets leave out.
 *
 * Evaluation as IAM does it for identity policies: some Allow whose
 * Resource matches (or whose NotResource does not), and with a permissions
 * boundary some boundary Allow matching too, and no unconditioned Deny
 * covering the resource. Conditions are not evaluated: a conditioned Allow
 * still allows, and its condition is carried along so the finding shows it.
 * Conditioned Denies are carried the same way. Policy variables are
 * substituted where the principal fixes them (`${aws:username}`,
 * `${aws:PrincipalAccount}`); any other variable depends on the request,
 * so it matches as a wildcard, under a condition saying so.
 */
import { describeHeldStatement, type EffectiveGrant, type GrantingStatement, type HeldPolicyStatements, type HeldStatement } from '../aws/effective-grant.js';
import type { ExpandedPolicy, ExpandedStatement } from '../aws/policy-expansion.js';
import type { AwsActionCatalog } from '../../catalog/aws-actions.js';
import { globMatcher, globMatches } from '../../config/patterns.js';
import type { Identity } from '../../model/domain.js';
import { conditionText } from './conditions.js';

export interface ScopedStatement {
  statement: GrantingStatement;
  /** Resource patterns with the principal's variables substituted; absent with NotResource. */
  resources?: string[];
  notResources?: string[];
  /** Conditions the statement needs, in words (its Condition block, unresolved variables). */
  conditions: string[];
}

export interface ActionAccess {
  action: string;
  allows: ScopedStatement[];
  /** Undefined when the principal has no permissions boundary. */
  boundary?: ScopedStatement[];
  denies: ScopedStatement[];
}

/** What lets the action through on a resource: the statements and the conditions they need. */
export interface AccessGrant {
  allowedBy: GrantingStatement[];
  conditions: string[];
}

type Principal = Pick<Identity, 'arn' | 'accountId' | 'kind' | 'name'>;

const VARIABLE = /\$\{([^}]*)\}/g;

/** A resource pattern with the principal's known variables in place; `undefined` when a variable has no value for it (matches nothing). */
function substitute(pattern: string, principal: Principal, unresolved: Set<string>): string | undefined {
  if (!pattern.includes('${')) return pattern;
  let missing = false;
  const out = pattern.replace(VARIABLE, (_, raw: string) => {
    const key = raw.toLowerCase();
    if (key === '*') return '\u0001'; // literal * and ? (escapes), kept out of glob matching below
    if (key === '?') return '\u0002';
    if (key === '$') return '$';
    if (key === 'aws:username') {
      if (principal.kind !== 'user') missing = true;
      return principal.name;
    }
    if (key === 'aws:principalaccount') return principal.accountId;
    unresolved.add(raw);
    return '*';
  });
  // IAM: a variable with no value for the request makes the element match nothing.
  return missing ? undefined : out;
}

// Helpers below are module functions rather than named closures per call: tsx names each named closure as it is
// made (Object.defineProperty), and these run per (caller, action) of the reach graph.
function substituteAll(list: string[] | undefined, principal: Principal, unresolved: Set<string>): string[] | undefined {
  return list?.map((p) => substitute(p, principal, unresolved)).filter((p): p is string => p !== undefined);
}

/**
 * A statement naming no policy variable reads the same for every principal:
 * scoped once and shared (statements are shared by every holder of a policy,
 * and the graph scopes each escalation action's statements per principal).
 */
function scoped(statement: GrantingStatement, principal: Principal): ScopedStatement {
  if (namesVariable(statement)) return scopedFor(statement, principal);
  let out = principalFree.get(statement);
  if (!out) principalFree.set(statement, (out = scopedFor(statement, principal)));
  return out;
}
const principalFree = new WeakMap<GrantingStatement, ScopedStatement>();

function namesVariable(statement: GrantingStatement): boolean {
  return hasVariable(statement.resources) || hasVariable(statement.notResources);
}

function hasVariable(patterns: readonly string[] | undefined): boolean {
  if (patterns) for (const p of patterns) if (p.includes('${')) return true;
  return false;
}

function scopedFor(statement: GrantingStatement, principal: Principal): ScopedStatement {
  const unresolved = new Set<string>();
  const out: ScopedStatement = { statement, conditions: [] };
  const resources = substituteAll(statement.resources, principal, unresolved);
  const notResources = substituteAll(statement.notResources, principal, unresolved);
  if (resources) out.resources = resources;
  if (notResources) out.notResources = notResources;
  if (statement.condition) out.conditions.push(conditionText(statement.condition));
  for (const v of unresolved) out.conditions.push(`the request's \${${v}} matches the resource`);
  return out;
}

/**
 * actionAccess for a fixed list of actions (the escalation methods'), asked
 * of principal after principal: which of the list each statement covers is
 * worked out once per statement (statements are shared by every holder of a
 * policy, and most cover none of the list), so a principal's accesses take
 * one pass over its statements rather than one per action. The same lists,
 * in the same order, as actionAccess.
 */
export class ActionAccessIndex {
  private readonly positions = new Map<string, number>();
  private readonly indices: (number | undefined)[];
  private readonly covers = new WeakMap<ExpandedStatement, readonly number[]>();
  private readonly policyPlaces = new WeakMap<ExpandedPolicy, PolicyPlaces>();

  constructor(
    private readonly catalog: AwsActionCatalog,
    actions: readonly string[],
  ) {
    this.indices = actions.map((action, p) => {
      this.positions.set(action, p);
      return catalog.indexOf(action);
    });
  }

  /** One principal's access to the listed actions, each made when first asked for; undefined for an action its grant does not hold. */
  of(grant: EffectiveGrant, principal: Principal): (action: string) => ActionAccess | undefined {
    // Only the statements covering some listed action, found a policy at a time: a principal holds a few of them among dozens.
    let held: { allows: Covering[]; boundary: Covering[]; denies: Covering[] } | undefined;
    const made: (ActionAccess | null | undefined)[] = new Array(this.indices.length);
    return (action) => {
      const p = this.positions.get(action);
      if (p === undefined) throw new Error(`ActionAccessIndex: ${action} is not one of its actions`);
      const known = made[p];
      if (known !== undefined) return known ?? undefined;
      const index = this.indices[p];
      let access: ActionAccess | undefined;
      if (index !== undefined && grant.has(index)) {
        held ??= this.covering(grant);
        access = { action: this.catalog.keyAt(index), allows: scopedAt(held.allows, p, principal), denies: scopedAt(held.denies, p, principal) };
        if (grant.hasBoundary) access.boundary = scopedAt(held.boundary, p, principal);
      }
      made[p] = access ?? null;
      return access;
    };
  }

  /** The principal's statements covering some listed action, per role, in `statements(role)` order. */
  private covering(grant: EffectiveGrant): { allows: Covering[]; boundary: Covering[]; denies: Covering[] } {
    const own = grant.heldPolicies('allow');
    const boundaries = grant.heldPolicies('boundary');
    const out = { allows: [] as Covering[], boundary: [] as Covering[], denies: [] as Covering[] };
    for (const policy of own) {
      const places = this.placesIn(policy);
      if (places.allows.length) this.take(policy.allows, places.allows, out.allows);
    }
    for (const policy of boundaries) {
      const places = this.placesIn(policy);
      if (places.allows.length) this.take(policy.allows, places.allows, out.boundary);
    }
    for (const policies of [own, boundaries]) {
      for (const policy of policies) {
        const places = this.placesIn(policy);
        if (places.denies.length) this.take(policy.denies, places.denies, out.denies);
      }
    }
    return out;
  }

  private take(statements: readonly HeldStatement[], places: readonly Place[], into: Covering[]): void {
    for (const { at, positions } of places) into.push({ held: statements[at]!, positions });
  }

  /**
   * Which of a policy's Allow and Deny statements cover some listed action,
   * and which: once per policy text (holders in every account share it),
   * so a principal costs one look-up per policy it holds, and most policies
   * cover none of the list.
   */
  private placesIn(policy: HeldPolicyStatements): PolicyPlaces {
    let found = this.policyPlaces.get(policy.policy);
    if (!found) {
      const placesOf = (statements: readonly HeldStatement[]) => {
        const places: Place[] = [];
        statements.forEach((h, at) => {
          const positions = this.coverOf(h.statement);
          if (positions.length) places.push({ at, positions });
        });
        return places.length ? places : NO_PLACES;
      };
      this.policyPlaces.set(policy.policy, (found = { allows: placesOf(policy.allows), denies: placesOf(policy.denies) }));
    }
    return found;
  }

  private coverOf(statement: ExpandedStatement): readonly number[] {
    let found = this.covers.get(statement);
    if (!found) {
      const positions: number[] = [];
      this.indices.forEach((index, p) => {
        if (index !== undefined && statement.actions.has(index)) positions.push(p);
      });
      this.covers.set(statement, (found = positions.length ? positions : NO_POSITIONS));
    }
    return found;
  }
}
const NO_POSITIONS: readonly number[] = [];

/** A held statement covering some of an ActionAccessIndex's actions, and which (their positions). */
interface Covering {
  held: HeldStatement;
  positions: readonly number[];
}

/** A statement of a policy's Allows (or Denies), by its place in them, covering some listed actions (their positions). */
interface Place {
  at: number;
  positions: readonly number[];
}
interface PolicyPlaces {
  allows: readonly Place[];
  denies: readonly Place[];
}
const NO_PLACES: readonly Place[] = [];

/** The covering statements of position `p`, scoped for the principal, in their order. */
function scopedAt(covering: readonly Covering[], p: number, principal: Principal): ScopedStatement[] {
  let count = 0;
  for (const c of covering) if (c.positions.includes(p)) count++;
  if (!count) return [];
  const out: ScopedStatement[] = new Array(count);
  let at = 0;
  for (const c of covering) if (c.positions.includes(p)) out[at++] = scoped(describeHeldStatement(c.held), principal);
  return out;
}

/** The statements bearing on one action for one principal; undefined when its grant does not hold the action at all. */
export function actionAccess(grant: EffectiveGrant, catalog: AwsActionCatalog, action: string, principal: Principal): ActionAccess | undefined {
  const index = catalog.indexOf(action);
  if (index === undefined || !grant.has(index)) return undefined;
  const access: ActionAccess = {
    action: catalog.keyAt(index),
    allows: grant.grantsFor(index).map((s) => scoped(s, principal)),
    denies: grant.deniesFor(index).map((s) => scoped(s, principal)),
  };
  if (grant.hasBoundary) access.boundary = grant.boundaryGrantsFor(index).map((s) => scoped(s, principal));
  return access;
}

/** The pattern with substituted escapes (`${*}`, `${?}`) as the characters they stand for; most patterns have none. */
const literal = (s: string) => (s.includes('\u0001') || s.includes('\u0002') ? s.replace(/\u0001/g, '*').replace(/\u0002/g, '?') : s);

/** Glob match where substituted escapes (`${*}`) are literal characters rather than wildcards; matchers are prepared once per pattern. */
function resourceMatches(pattern: string, resource: string): boolean {
  let match = matchers.get(pattern);
  if (!match) {
    const escaped = pattern.includes('\u0001') || pattern.includes('\u0002');
    const text = literal(pattern).toLowerCase();
    match = escaped ? (r: string) => r.toLowerCase() === text : globMatcher(pattern);
    if (matchers.size > 100_000) matchers.clear();
    matchers.set(pattern, match);
  }
  return match(resource);
}
const matchers = new Map<string, (resource: string) => boolean>();

function statementCovers(s: ScopedStatement, resource: string): boolean {
  if (s.notResources) {
    for (const p of s.notResources) if (resourceMatches(p, resource)) return false;
    return true;
  }
  for (const p of s.resources ?? []) if (resourceMatches(p, resource)) return true;
  return false;
}

/** The covering statement with the fewest conditions (an unconditioned one ends the search). */
function bestCovering(list: readonly ScopedStatement[], resource: string): ScopedStatement | undefined {
  let best: ScopedStatement | undefined;
  for (const s of list) {
    if (best && best.conditions.length === 0) break;
    if ((!best || s.conditions.length < best.conditions.length) && statementCovers(s, resource)) best = s;
  }
  return best;
}

/** The grant of one allow alone, shared: a caller's statement allows it on many roles. */
const soleGrants = new WeakMap<ScopedStatement, AccessGrant>();

/**
 * Whether the action is allowed on `resource`, and by what; undefined when
 * not. Called once per (caller, role) pair of the graph, so it allocates
 * nothing in the common case (no boundary, no Deny covering the resource).
 */
export function accessOn(access: ActionAccess, resource: string): AccessGrant | undefined {
  const allow = bestCovering(access.allows, resource);
  if (!allow) return undefined;
  let through: ScopedStatement | undefined;
  if (access.boundary) {
    through = bestCovering(access.boundary, resource);
    if (!through) return undefined;
  }
  let denied: ScopedStatement[] | undefined;
  for (const d of access.denies) {
    if (!statementCovers(d, resource)) continue;
    if (d.conditions.length === 0) return undefined;
    (denied ??= []).push(d);
  }
  if (!through && !denied) return soleGrant(allow);
  return combine([allow], through ? [through] : [], denied ?? []);
}

/** What one allow grants alone (no boundary, no Deny to weigh), one object per statement: every principal and resource it covers shares it. */
function soleGrant(allow: ScopedStatement): AccessGrant {
  let sole = soleGrants.get(allow);
  if (!sole) soleGrants.set(allow, (sole = { allowedBy: [allow.statement], conditions: allow.conditions }));
  return sole;
}

/** Which of a list of resources a pattern, or a statement, covers: all, none or some of them. */
type Coverage = 'all' | 'none' | 'some';

/**
 * Resources asked about together (an account's users, or its roles), with
 * what each resource pattern covers of them, worked out once per pattern:
 * the patterns recur in every principal's statements, and most are `*` or
 * rule the whole list out by their first characters.
 */
export class ResourceList {
  /** The lowercased start every resource of the list shares. */
  private readonly prefix: string;
  private readonly patterns = new Map<string, Coverage>();

  constructor(readonly resources: readonly string[]) {
    let prefix = resources.length ? resources[0]!.toLowerCase() : '';
    for (const r of resources) {
      const lower = r.toLowerCase();
      let n = 0;
      while (n < prefix.length && n < lower.length && prefix[n] === lower[n]) n++;
      prefix = prefix.slice(0, n);
    }
    this.prefix = prefix;
  }

  coverage(pattern: string): Coverage {
    if (pattern === '*') return 'all';
    let found = this.patterns.get(pattern);
    if (found === undefined) this.patterns.set(pattern, (found = this.ruledOut(pattern) ? 'none' : this.count((r) => resourceMatches(pattern, r))));
    return found;
  }

  /** Whether the pattern's text before its first wildcard disagrees with the start every resource shares: then it matches none of them. */
  private ruledOut(pattern: string): boolean {
    const lower = pattern.toLowerCase();
    for (let i = 0; i < lower.length && i < this.prefix.length; i++) {
      const c = lower[i]!;
      if (c === '*' || c === '?' || c === '\u0001' || c === '\u0002') return false;
      if (c !== this.prefix[i]) return true;
    }
    return false;
  }

  count(covers: (resource: string) => boolean): Coverage {
    let covered = 0;
    for (const r of this.resources) if (covers(r)) covered++;
    return covered === this.resources.length ? 'all' : covered === 0 ? 'none' : 'some';
  }
}

/** Which of the list the patterns cover together (a resource matching any of them). */
function patternsCoverage(patterns: readonly string[], list: ResourceList): Coverage {
  let partial = false;
  for (const p of patterns) {
    const c = list.coverage(p);
    if (c === 'all') return 'all';
    if (c === 'some') partial = true;
  }
  // Patterns covering part of the list each may still cover all of it together.
  return partial ? list.count((r) => patterns.some((p) => resourceMatches(p, r))) : 'none';
}

/** Which of the list a statement covers, as statementCovers judges each. */
function statementCoverage(s: ScopedStatement, list: ResourceList): Coverage {
  if (!s.notResources) return patternsCoverage(s.resources ?? [], list);
  const excluded = patternsCoverage(s.notResources, list);
  return excluded === 'all' ? 'none' : excluded === 'none' ? 'all' : 'some';
}

/**
 * The grant `accessOn` gives each resource of the list when it is the same
 * for all of them; null when it grants none of them; undefined when they
 * differ, or a boundary or Deny is to weigh (then ask `accessOn` per
 * resource). It follows `bestCovering`'s choice with statements that cover
 * all or none of the list, so one answer stands for a whole account's
 * users or roles.
 */
export function sameAccessOnEach(access: ActionAccess, list: ResourceList): AccessGrant | null | undefined {
  if (access.boundary || access.denies.length) return undefined;
  if (!list.resources.length) return null;
  let best: ScopedStatement | undefined;
  for (const s of access.allows) {
    if (best && best.conditions.length === 0) break;
    if (best && s.conditions.length >= best.conditions.length) continue;
    const coverage = statementCoverage(s, list);
    if (coverage === 'some') return undefined;
    if (coverage === 'all') best = s;
  }
  return best ? soleGrant(best) : null;
}

/**
 * Whether the action is allowed on some resource `wanted` accepts, judged on
 * the statements' patterns (for "on any user but itself", "on some role of
 * its account"). A Deny counts only when one of its patterns covers every
 * resource the Allow pattern could name.
 */
export function accessOnAny(access: ActionAccess, wanted: (pattern: string) => boolean): AccessGrant | undefined {
  const allows = access.allows.filter((s) => usableFor(s, wanted));
  if (!allows.length) return undefined;
  let boundary: ScopedStatement[] = [];
  if (access.boundary) {
    boundary = access.boundary.filter((s) => usableFor(s, wanted));
    if (!boundary.length) return undefined;
  }
  // Most principals hold no Deny of the action: then the allowed patterns need not be listed.
  if (!access.denies.length) return boundary.length ? combine(allows, boundary, NO_STATEMENTS) : soleGrant(leastConditioned(allows)!);
  const allowPatterns = allows.flatMap((s) => (s.notResources ? ['*'] : (s.resources ?? []).filter((p) => wanted(literal(p)))));
  const denies = access.denies.filter((d) => !d.notResources && allowPatterns.every((p) => (d.resources ?? []).some((dp) => resourceMatches(dp, p))));
  if (denies.some((d) => d.conditions.length === 0)) return undefined;
  return combine(allows, boundary, denies);
}

const NO_STATEMENTS: ScopedStatement[] = [];

function usableFor(s: ScopedStatement, wanted: (pattern: string) => boolean): boolean {
  return s.notResources ? wanted('*') : (s.resources ?? []).some((p) => wanted(literal(p)));
}

function leastConditioned(list: ScopedStatement[]): ScopedStatement | undefined {
  return list.find((s) => s.conditions.length === 0) ?? list[0];
}

/** Either allow suffices, so the grant is only as conditional as its least conditional allow; the boundary and denies add theirs. */
function combine(allows: ScopedStatement[], boundary: ScopedStatement[], denies: ScopedStatement[]): AccessGrant {
  const conditions: string[] = [];
  const allow = leastConditioned(allows)!;
  conditions.push(...allow.conditions);
  const through = leastConditioned(boundary);
  if (through) conditions.push(...through.conditions.map((c) => `(boundary) ${c}`));
  for (const d of denies) conditions.push(`not (${d.conditions.join(' and ')}) (a conditioned Deny)`);
  return { allowedBy: [allow.statement, ...(through ? [through.statement] : [])], conditions };
}

/** Whether a resource pattern can name something in `accountId` (its account field is that id, empty or a wildcard). */
export function patternInAccount(pattern: string, accountId: string): boolean {
  if (pattern === '*') return true;
  // The account is the fifth `:` field; found by index, not split: asked per pattern, method and escalating principal.
  let colon = -1;
  for (let field = 0; field < 5; field++) {
    colon = pattern.indexOf(':', colon + 1);
    // `arn:aws:iam::*` and friends (fewer than six fields): a wildcard before the resource part spans accounts too.
    if (colon < 0) return pattern.includes('*');
  }
  const start = pattern.lastIndexOf(':', colon - 1) + 1;
  return start === colon || globMatches(pattern.slice(start, colon), accountId);
}
