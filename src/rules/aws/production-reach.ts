/**
 * aws.production-reach: what an identity can do to production, per access
 * level, and through which statements.
 *
 * A granted action reaches production when an Allow statement granting it
 * names a production resource:
 *   - Resource `*` (or NotResource: every resource but some): the identity's
 *     own account. Production or unknown (unknown counts as production)
 *     means every production resource; in a non-production account it is
 *     not production reach (reaching other accounts through `*` needs their
 *     resource policies or trust: cross-account reach is a later rule).
 *   - A resource ARN or name: `ctx.resourceEnvironment` (config resource
 *     patterns first, then the account id in the ARN). So a staging
 *     identity holding `arn:aws:s3:::acme-prod-backups/*` reaches
 *     production, and a production identity holding only staging resources
 *     does not. An ARN naming an account nobody classified is unknown, hence
 *     production. An ARN with no account (S3) or a wildcard account that no
 *     pattern matches is taken to be in the identity's own account, like `*`.
 * With a permissions boundary, the boundary must let the action through to
 * a production resource too. Scoped or conditioned Deny statements that may
 * refuse some of it are shown as evidence; they do not clear the finding.
 *
 * One finding per access level (`Reach::production::<level>`), with deletes
 * split out of Write (`Reach::production::Write:delete`: Write actions named
 * Delete…, Terminate…, Remove…, Purge…, Destroy…, Deregister…) so that
 * accepting an identity's writes to production never silently accepts its
 * deletes. Severity is `reachSeverity(level, environment)`; when every
 * reaching grant of the level holds only under a Condition it is one step
 * lower, and the conditions are in the evidence.
 *
 * Outcomes: not applicable for non-AWS identities, the root user (root
 * rules cover it) and identities holding nothing; `error` (never pass) when
 * nothing was found but a policy could not be read.
 */
import type { GrantingStatement, HeldStatement } from '../../analyse/aws/effective-grant.js';
import type { Environment } from '../../analyse/environment.js';
import { countInStatement, firstInStatement, statementMeets, statementWithin, unionOfStatements, type ExpandedPolicy, type ExpandedStatement } from '../../analyse/aws/policy-expansion.js';
import { ActionSet } from '../../catalog/action-set.js';
import type { AwsActionCatalog } from '../../catalog/aws-actions.js';
import type { AccessLevel } from '../../model/domain.js';
import type { Evidence } from '../../model/finding.js';
import type { IdentityAudit } from '../../report/json-schema.js';
import { byDocument, described, environmentEvidence, incompleteGrantEvidence, sourcesOf, statementEvidence, windowText, type IndexedStatementRef } from '../evidence.js';
import { firstOnly, lazyEvidence } from '../lazy-evidence.js';
import { perIdentity, type FindingDraft, type IdentityFacts, type Rule, type RuleContext } from '../rule.js';
import { lower, reachSeverity } from '../severity.js';
import {
  ENVIRONMENT_ORDER,
  environmentBit,
  AccountReaders,
  policyPlacing,
  PRODUCTION_RISK_BITS,
  type PolicyInEnvironment,
  type PolicyPlacing,
  type ResourceReach,
} from './resource-placement.js';

/** Write actions whose name starts with one of these (then a capital letter) delete or destroy. */
const DELETE_VERBS: readonly string[] = ['Delete', 'BatchDelete', 'Terminate', 'Remove', 'Purge', 'Destroy', 'Deregister', 'Erase', 'Drop'];

const MAX_STATEMENTS = 20;
const MAX_NAMES = 50;
/** Per statement, fewer: the finding's first note names up to MAX_NAMES, and a statement line repeats them for up to MAX_STATEMENTS statements and every source. */
const MAX_STATEMENT_NAMES = 10;
const MAX_RESOURCES = 20;

function isDeleteName(name: string): boolean {
  return DELETE_VERBS.some((v) => name.startsWith(v) && (name.length === v.length || /[A-Z]/.test(name.charAt(v.length))));
}

/** The groups findings are made of, worst first. */
const GROUPS: readonly { level: AccessLevel; delete?: boolean; granular: string; verb: string }[] = [
  { level: 'Permissions management', granular: 'Reach::production::Permissions management', verb: 'change permissions in' },
  { level: 'Write', delete: true, granular: 'Reach::production::Write:delete', verb: 'delete in' },
  { level: 'Write', delete: false, granular: 'Reach::production::Write', verb: 'write to' },
  { level: 'Read', granular: 'Reach::production::Read', verb: 'read' },
  { level: 'List', granular: 'Reach::production::List', verb: 'list' },
  { level: 'Tagging', granular: 'Reach::production::Tagging', verb: 'tag resources in' },
];

// ---------------------------------------------------------------- index

/** A statement document behind some of the reach; what it covers of a group is its own actions ∩ the group. */
export interface ReachStatement extends IndexedStatementRef {
  resources: ResourceReach[];
  /**
   * An Allow every action of which reaches production for this identity (no
   * Deny or boundary takes any away): what it covers of a group is then the
   * statement's own business (counted and named once per statement:
   * wholeCover). Its evidence lines are made per finding written and dropped
   * after: kept per attachment, they held ~100 MB per 5,000 principals once
   * the JSON report was written, and saved no measurable time.
   */
  whole: boolean;
}

/**
 * Granted actions reaching production and the statements behind them. Worked
 * out a statement at a time (which statements name a production resource,
 * then a few set operations), never an action at a time: an identity holds
 * thousands of actions but a handful of statements.
 */
export interface ReachIndex {
  reach: ActionSet;
  conditioned: ActionSet;
  /** In the order the statements first reach an action (by action index), allows before boundary before denies. */
  statements: ReachStatement[];
}

function resourceReaders(ctx: RuleContext, accountId: string, own: Environment): AccountReaders {
  return new AccountReaders(ctx, accountId, own);
}

/** Union of the held statements' action sets (only those `pick` accepts); a fresh set. */
function unionOf(held: readonly HeldStatement[], size: number, pick: (s: ExpandedStatement) => boolean = () => true, into?: ActionSet): ActionSet {
  return unionOfStatements(size, held.map((h) => h.statement).filter(pick), into);
}

const everyOne = () => true;

/**
 * Dense sets an index is worked out in, reused from one identity to the next
 * (an index is never worked out inside another): only the compact sets it
 * keeps are allocated, not four 2.8 KB buffers per identity.
 */
function reachBuffers(size: number): { reach: ActionSet; boundary: ActionSet; safe: ActionSet; granted: ActionSet } {
  let found = buffersBySize.get(size);
  if (!found) buffersBySize.set(size, (found = { reach: ActionSet.empty(size), boundary: ActionSet.empty(size), safe: ActionSet.empty(size), granted: ActionSet.empty(size) }));
  return found;
}
const buffersBySize = new Map<number, { reach: ActionSet; boundary: ActionSet; safe: ActionSet; granted: ActionSet }>();

/**
 * The held statements (`held`, of `policies` in order) placing some resource in production, read from each
 * policy's placing: one lookup per policy, not several per statement of every identity.
 */
function reachingStatements(held: readonly HeldStatement[], policies: readonly ExpandedPolicy[], own: Environment, ctx: RuleContext): HeldStatement[] {
  const out: HeldStatement[] = [];
  let i = 0;
  for (const policy of policies) {
    for (const mask of policyPlacing(policy, own, ctx).statementMasks) {
      if ((mask & PRODUCTION_RISK_BITS) !== 0) out.push(held[i]!);
      i++;
    }
  }
  if (i !== held.length) throw new Error(`production reach: ${held.length} statements held but ${i} placed`);
  return out;
}

const ROLE_ORDER = { allow: 0, boundary: 1, deny: 2 } as const;
const unconditioned = (s: ExpandedStatement) => s.condition === undefined;

/**
 * What an identity holds on production and through which statements, shared
 * with the rules that judge production through chains or by data store
 * (staging-reaches-production, data-and-backup-destruction): one reading of
 * "production" for all of them. Worked out once per identity and context.
 */
export function productionReachIndex(facts: IdentityFacts, ctx: RuleContext): ReachIndex {
  let byFacts = indexCache.get(ctx);
  if (!byFacts) indexCache.set(ctx, (byFacts = new WeakMap()));
  let index = byFacts.get(facts);
  if (!index) byFacts.set(facts, (index = reachIndex(facts, ctx)));
  return index;
}
const indexCache = new WeakMap<RuleContext, WeakMap<IdentityFacts, ReachIndex>>();

function reachIndex(facts: IdentityFacts, ctx: RuleContext): ReachIndex {
  const { grant } = facts;
  const size = ctx.catalog.size;
  const resources = resourceReaders(ctx, facts.identity.accountId, facts.environment.environment);
  const reachingOf = (s: ExpandedStatement) => resources.reaching(s);
  const deniedOf = (s: ExpandedStatement) => resources.denied(s);
  // An action reaches production when an Allow naming a production resource
  // grants it and (with a boundary) a boundary Allow naming one lets it through.
  const held = grant.statements('allow');
  const heldBoundary = grant.hasBoundary ? grant.statements('boundary') : [];
  const own = facts.environment.environment;
  const allows = reachingStatements(held, grant.policies('allow'), own, ctx);
  const boundary = grant.hasBoundary ? reachingStatements(heldBoundary, grant.policies('boundary'), own, ctx) : heldBoundary;
  // Every Allow (and boundary Allow) reaching production, as in a production account whose statements name `*`:
  // the granted actions are all of it (they are covered by those statements together), and no union is needed.
  const everyStatement = allows.length === held.length && boundary.length === heldBoundary.length;
  const buffers = reachBuffers(size);
  const reach = everyStatement ? grant.actions : unionOf(allows, size, everyOne, buffers.reach.clear()).intersectWith(grant.actions);
  if (!everyStatement && grant.hasBoundary) reach.intersectWith(unionOf(boundary, size, everyOne, buffers.boundary.clear()));
  if (reach.isEmpty()) return { reach: ctx.catalog.none(), conditioned: ctx.catalog.none(), statements: [] };
  // Conditioned: no unconditioned reaching Allow, or no unconditioned reaching
  // boundary Allow. Worked out in place (reach minus the safe set).
  const conditioned = unionOf(allows, size, unconditioned, buffers.safe.clear());
  if (grant.hasBoundary) conditioned.intersectWith(unionOf(boundary, size, unconditioned, buffers.boundary.clear()));
  const c = conditioned.words;
  // The grant's own set is compact: its words are read into a buffer rather than copied into a new one.
  const r = reach.isCompact ? (reach.wordsInto(0, c.length - 1, buffers.granted.words, 0), buffers.granted.words) : reach.words;
  for (let i = 0; i < c.length; i++) c[i] = r[i]! & ~c[i]!;
  // Scoped or conditioned Denies that may refuse some of it (a full Deny already took its actions out of the grant).
  const denies = grant.statements('deny').filter((h) => !h.statement.unrestricted);

  const statements: (ReachStatement & { witness: number })[] = [];
  const add = (entries: IndexedStatementRef[], resourcesOf: (s: ExpandedStatement) => ResourceReach[]) => {
    for (const entry of entries) {
      const [witness] = firstInStatement(entry.statement, reach, 1);
      if (witness === undefined) continue;
      const whole = entry.role === 'allow' && statementWithin(entry.statement, reach);
      statements.push(Object.assign(entry, { resources: resourcesOf(entry.statement), whole, witness }));
    }
  };
  add(byDocument('allow', allows), reachingOf);
  add(byDocument('boundary', boundary), reachingOf);
  add(byDocument('deny', denies), deniedOf);
  // Evidence ties are broken by this order: the one walking actions in index order met the statements in.
  statements.sort((a, b) => a.witness - b.witness || ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.position - b.position);
  // Kept for the audit: when it reaches production with everything it holds, unconditionally, it shares existing sets.
  // Kept for the audit (evidence and suggestions read it again): compact when it holds a few services.
  return {
    reach: reach.equals(grant.actions) ? grant.actions : reach.compactedCopy(),
    conditioned: conditioned.isEmpty() ? ctx.catalog.none() : conditioned.compactedCopy(),
    statements,
  };
}

// ---------------------------------------------------------------- by environment

/** Granted actions reaching resources of one environment. */
export interface EnvironmentReach {
  environment: Environment;
  // The sets below may be the grant's own (or each other's): read them, never mutate them.
  /** Granted actions an Allow naming a resource of this environment grants (and, with a boundary, a boundary Allow lets through). */
  actions: ActionSet;
  /** Of those, granted on `*` or through NotResource: every resource of the identity's own account. */
  everyResource: ActionSet;
  /** The statement resources placing actions here, distinct, in statement order (`*` for NotResource). */
  resources: string[];
}

/**
 * Granted actions by the environment of the resources they are granted on,
 * placed exactly as production reach places them (`*` is the identity's own
 * account, resource patterns before the account in an ARN, an ARN with no
 * account in the own account). An action granted on resources of several
 * environments counts in each. Only environments reached are returned, in
 * ENVIRONMENT_ORDER. Reading a statement's resources is shared with the
 * production-reach index (same cache), so the report pays for it once.
 *
 * With `buffers`, the sets worked out are made in them: read them before
 * the next call with the same buffers (the report only counts them).
 */
export function environmentReach(facts: IdentityFacts, ctx: RuleContext, buffers?: EnvironmentBuffers): EnvironmentReach[] {
  const { grant } = facts;
  const size = ctx.catalog.size;
  const fresh = (e: number, which: number) => buffers?.cleared(e, which) ?? ActionSet.empty(size);
  const own = facts.environment.environment;
  // Placed a policy at a time (once per policy and environment for the audit), not a statement at a time per identity.
  const allows = grant.policies('allow').map((p) => policyPlacing(p, own, ctx));
  const boundary = grant.hasBoundary ? grant.policies('boundary').map((p) => policyPlacing(p, own, ctx)) : [];
  let placedSomewhere = 0;
  let everyStatement = ~0;
  for (const p of allows) {
    placedSomewhere |= p.mask;
    everyStatement &= p.everyStatement;
  }
  let boundaryPlaced = 0;
  for (const p of boundary) {
    boundaryPlaced |= p.mask;
    everyStatement &= p.everyStatement;
  }
  // With nothing placed in `unknown`, the statements placing production are those reaching it, so the
  // production-reach rule's index (when it ran) holds this identity's production actions already.
  const placesUnknown = ((placedSomewhere | boundaryPlaced) & UNKNOWN_BIT) !== 0;
  const out: EnvironmentReach[] = [];
  ENVIRONMENT_ORDER.forEach((environment, e) => {
    if ((placedSomewhere & (1 << e)) === 0) return;
    const here = placedIn(allows, e);
    // The granted actions are covered by the Allows (and boundary Allows) together: when every one of them places
    // resources here (an account whose statements all name `*`), the actions here are the grant's own set, unions spared.
    const every = (everyStatement & (1 << e)) !== 0;
    const indexed = !every && environment === 'production' && !placesUnknown ? indexCache.get(ctx)?.get(facts) : undefined;
    let actions: ActionSet;
    if (every) actions = grant.actions;
    else if (indexed) actions = indexed.reach;
    else {
      actions = unionOfStatements(size, here.flatMap((p) => p.sets), fresh(e, 0)).intersectWith(grant.actions);
      if (grant.hasBoundary) actions.intersectWith(unionOfStatements(size, placedIn(boundary, e).flatMap((p) => p.sets), fresh(e, 2)));
    }
    if (actions.isEmpty()) return;
    // Every reaching statement on every resource: all of `actions` (a subset of their union) is.
    const everyResource = here.every((p) => p.allEveryResource) ? actions : unionOfStatements(size, here.flatMap((p) => p.everyResource), fresh(e, 1)).intersectWith(actions);
    const resources = new Set<string>();
    for (const p of here) for (const r of p.resources) resources.add(r);
    out.push({ environment, actions, everyResource, resources: [...resources] });
  });
  return out;
}

const UNKNOWN_BIT = environmentBit('unknown');

/**
 * Dense sets environmentReach works in, reused from one identity to the next
 * (per environment: its actions, its every-resource actions, a boundary union):
 * a 2.8 KB buffer outside the heap per set and identity cost more than the work.
 */
export class EnvironmentBuffers {
  private readonly sets: ActionSet[] = [];
  constructor(private readonly size: number) {}

  cleared(environment: number, which: number): ActionSet {
    const at = environment * 3 + which;
    return (this.sets[at] ??= ActionSet.empty(this.size)).clear();
  }
}

/** What the policies place in environment `e` (ENVIRONMENT_ORDER index), for those placing some. */
function placedIn(policies: readonly PolicyPlacing[], e: number): PolicyInEnvironment[] {
  const out: PolicyInEnvironment[] = [];
  for (const p of policies) {
    const here = p.environments[e];
    if (here) out.push(here);
  }
  return out;
}

// ---------------------------------------------------------------- evidence

/** What the audit says of each action it names, by catalog index: used (with its record), or observed unused. */
interface UsageIndex {
  /** In catalog order, as a walk over a group's actions meets them. */
  used: [number, ActionUsage][];
  /** Observed unused (complete, not the report's capped list). */
  unused: ActionSet;
}

type ActionUsage = IdentityAudit['services'][number]['usedActions'][number];

/**
 * The identity's used actions with their evidence, and its observed-unused
 * set, once per identity, so a group of thousands of actions is tallied with
 * set operations rather than a lookup per action.
 */
function usageIndex(facts: IdentityFacts, catalog: AwsActionCatalog): UsageIndex {
  const used = new Map<number, ActionUsage>();
  facts.usage.used.forEach((i) => {
    const service = facts.audit.services.find((s) => s.service === catalog.actionAt(i).service);
    const usage = service?.usedActions.find((a) => a.action === catalog.keyAt(i));
    if (usage) used.set(i, usage);
  });
  return { used: [...used].sort((a, b) => a[0] - b[0]), unused: facts.usage.unused };
}

/** Used / unused / unknown among a group's actions; unknown is never called unused. */
function usageEvidence(usage: UsageIndex, actions: ActionSet, count: number, ctx: RuleContext): Evidence {
  const used: { action: string; lastUsed?: string; calls?: number }[] = [];
  for (const [i, u] of usage.used) if (actions.has(i)) used.push({ action: u.action, lastUsed: u.lastUsed, calls: u.calls });
  const unused = actions.intersect(usage.unused).size;
  const unknown = count - used.length - unused;
  used.sort((a, b) => (b.lastUsed ?? '').localeCompare(a.lastUsed ?? '') || a.action.localeCompare(b.action));
  const window = windowText(ctx);
  const usedText = used.length
    ? `${used.length} used (${used.slice(0, 3).map((u) => `${u.action}${u.lastUsed ? ` last ${u.lastUsed}` : ''}`).join(', ')}${used.length > 3 ? ', …' : ''})`
    : 'none seen used';
  return {
    kind: 'usage',
    summary: `in ${window}, of these ${count} actions: ${usedText}; ${unused} not used (observed); ${unknown} unknown (no source observes them)`,
    detail: { used: used.slice(0, MAX_NAMES), usedCount: used.length, unused, unknown },
  };
}

/** The first `max` members of a set, ascending. */
function firstMembers(set: ActionSet, max: number): number[] {
  const out: number[] = [];
  const w = set.words;
  for (let i = 0; i < w.length && out.length < max; i++) {
    let word = w[i]!;
    while (word !== 0 && out.length < max) {
      out.push((i << 5) + 31 - Math.clz32(word & -word));
      word &= word - 1;
    }
  }
  return out;
}

/**
 * One access level's finding: severity and title from a few set operations;
 * the evidence (statements, usage) is built when read (lazy-evidence.ts).
 */
function groupFinding(g: number, index: ReachIndex, facts: IdentityFacts, ctx: RuleContext): FindingDraft {
  const group = GROUPS[g]!;
  const mask = groupMasks(ctx.catalog)[g]!;
  const count = index.reach.countAnd(mask);
  const conditioned = index.reach.andIsSubsetOf(mask, index.conditioned);
  // Production reach is 'unknown' when no reaching resource (of a statement covering some of the group) is known to be production.
  const environment: Environment = index.statements.some(
    (e) => e.role === 'allow' && e.resources.some((r) => r.environment === 'production') && statementMeets(e.statement, index.reach, mask),
  )
    ? 'production'
    : 'unknown';
  const base = reachSeverity(group.level, environment);
  const label = group.delete ? 'delete (Write)' : group.level;
  const names = index.reach.firstAnd(mask, 3).map(catalogKeys(ctx.catalog)).join(', ') + (count > 3 ? ', …' : '');
  return lazyEvidence(
    {
      severity: conditioned ? lower(base) : base,
      granular: group.granular,
      title: `Can ${group.verb} production: ${count} ${label} action${count === 1 ? '' : 's'} (${names})${conditioned ? ' only under a Condition' : ''}`,
    },
    (limit) => groupEvidence(g, facts, ctx, firstOnly(limit)),
  );
}

function groupEvidence(g: number, facts: IdentityFacts, ctx: RuleContext, firstOnly = false): Evidence[] {
  const group = GROUPS[g]!;
  const index = productionReachIndex(facts, ctx);
  const actions = index.reach.intersect(groupMasks(ctx.catalog)[g]!);
  const key = catalogKeys(ctx.catalog);
  const count = actions.size;
  // Only the first MAX_NAMES names are ever shown; the rest are counted.
  const keys = firstMembers(actions, MAX_NAMES).map(key);
  const label = group.delete ? 'delete (Write)' : group.level;

  const evidence: Evidence[] = [
    {
      kind: 'note',
      summary: `${count} ${label} actions reach production: ${keys.slice(0, 10).join(', ')}${count > 10 ? `, … (${count - 10} more)` : ''}`,
      detail: { accessLevel: group.level, delete: group.delete ?? false, count, actions: keys },
    },
  ];
  // Asked for its first line only (SARIF): the statements and usage are most of the work.
  if (firstOnly) return evidence;
  const usage = usageIndex(facts, ctx.catalog);
  const readers = resourceReaders(ctx, facts.identity.accountId, facts.environment.environment);
  const conditioned = actions.isSubsetOf(index.conditioned);
  const entries = index.statements
    .map((entry) => ({ entry, covered: entry.whole ? wholeCover(entry.statement, g, ctx.catalog).covered : countInStatement(entry.statement, actions) }))
    .filter((e) => e.covered > 0)
    .sort((a, b) => b.covered - a.covered || a.entry.statementIndex - b.entry.statementIndex);
  for (const role of ['allow', 'boundary', 'deny'] as const) {
    const ofRole = entries.filter((e) => e.entry.role === role);
    for (const { entry, covered } of ofRole.slice(0, MAX_STATEMENTS)) {
      if (entry.whole) {
        // Its covered actions are the statement's own: counted and named once per statement (wholeCover).
        const { keys: wholeKeys } = wholeCover(entry.statement, g, ctx.catalog);
        for (const held of entry.held) evidence.push(statementLine(described(held), role, entry, covered, wholeKeys, readers));
        continue;
      }
      const coveredKeys = firstInStatement(entry.statement, actions, MAX_STATEMENT_NAMES).map(key);
      for (const s of sourcesOf(entry)) evidence.push(statementLine(s, role, entry, covered, coveredKeys, readers));
    }
    if (ofRole.length > MAX_STATEMENTS) {
      evidence.push({ kind: 'note', summary: `${ofRole.length - MAX_STATEMENTS} more ${role} statements apply to some of these actions`, detail: { role } });
    }
  }
  if (conditioned) {
    evidence.push({ kind: 'note', summary: 'every grant of these actions on production holds only under a Condition (see the statements): one severity step lower' });
  }
  evidence.push(usageEvidence(usage, actions, count, ctx), environmentEvidence(facts), ...incompleteGrantEvidence(facts.grant));
  return evidence;
}

/** One source of a statement behind a group: what it covers of the group, on which production resources. */
function statementLine(
  s: GrantingStatement,
  role: 'allow' | 'boundary' | 'deny',
  entry: ReachStatement,
  covered: number,
  coveredKeys: string[],
  readers: AccountReaders,
): Evidence {
  const what = covered === 1 ? coveredKeys[0]! : `${covered} of these actions (${coveredKeys.slice(0, 3).join(', ')}${covered > 3 ? ', …' : ''})`;
  const phrase = role === 'deny' ? `${what} for some requests` : what;
  const resources = entry.resources.length > MAX_RESOURCES ? entry.resources.slice(0, MAX_RESOURCES) : entry.resources;
  return statementEvidence(s, phrase, readers.on(entry.statement, entry.resources), { productionResources: resources, actionsCovered: covered, actions: coveredKeys });
}

/** What an Allow held whole covers of group `g`: its own actions of the group, counted and the first few named; once per statement. */
function wholeCover(statement: ExpandedStatement, g: number, catalog: AwsActionCatalog): { covered: number; keys: string[] } {
  let covers = coversOf.get(statement);
  if (!covers) coversOf.set(statement, (covers = []));
  const mask = groupMasks(catalog)[g]!;
  return (covers[g] ??= { covered: countInStatement(statement, mask), keys: firstInStatement(statement, mask, MAX_STATEMENT_NAMES).map(catalogKeys(catalog)) });
}
const coversOf = new WeakMap<ExpandedStatement, { covered: number; keys: string[] }[]>();

/** `service:Name` per catalog index, built once: evidence names the same actions over and over. */
function catalogKeys(catalog: AwsActionCatalog): (i: number) => string {
  let keys = keyCache.get(catalog);
  if (!keys) {
    keys = Array.from({ length: catalog.size }, (_, i) => catalog.keyAt(i));
    keyCache.set(catalog, keys);
  }
  const found = keys;
  return (i) => found[i]!;
}
const keyCache = new WeakMap<AwsActionCatalog, string[]>();

/** Each group's catalog actions (its access level, deletes split out of Write), built once per catalog. */
function groupMasks(catalog: AwsActionCatalog): ActionSet[] {
  let masks = maskCache.get(catalog);
  if (!masks) {
    const deletes = ActionSet.empty(catalog.size);
    catalog.withAccessLevel('Write').forEach((i) => {
      if (isDeleteName(catalog.actionAt(i).name)) deletes.add(i);
    });
    masks = GROUPS.map((group) => {
      const level = catalog.withAccessLevel(group.level);
      return group.delete === true ? level.intersect(deletes) : group.delete === false ? level.subtract(deletes) : level;
    });
    maskCache.set(catalog, masks);
  }
  return masks;
}
const maskCache = new WeakMap<AwsActionCatalog, ActionSet[]>();

function check(facts: IdentityFacts, ctx: RuleContext): FindingDraft[] | { notApplicable: string } {
  const { identity, grant } = facts;
  if (identity.provider !== 'aws') return { notApplicable: 'not an AWS identity' };
  if (identity.kind === 'root') return { notApplicable: 'the account root user reaches everything by design; the root-credential rules cover it' };
  // Nothing readable granted but a policy could not be read: unknown, reported as `error` by evaluate, never n/a.
  if (grant.actions.isEmpty()) return grant.errors.length > 0 ? [] : { notApplicable: 'holds no catalog action' };

  const index = productionReachIndex(facts, ctx);
  if (index.reach.isEmpty()) return [];
  const masks = groupMasks(ctx.catalog);
  const findings: FindingDraft[] = [];
  GROUPS.forEach((_, g) => {
    if (index.reach.intersects(masks[g]!)) findings.push(groupFinding(g, index, facts, ctx));
  });
  return findings;
}

export const productionReach: Rule = {
  id: 'aws.production-reach',
  title: 'Production reach',
  severity: 'critical',
  description:
    'Reports, per access level, which actions an AWS identity holds on production resources and through which policy ' +
    "statements: everything it holds on `*` when its own account is production or unknown, and any grant naming a production " +
    'resource (an ARN in a production account, or matching a production resource pattern in the config) wherever the ' +
    'identity lives. Deletes (Delete…, Terminate…, Remove…, Purge…, Destroy…, Deregister…) are a finding of their own, ' +
    'split out of Write. `*` in a non-production account is not production reach (cross-account reach is a separate ' +
    'concern). Severity comes from the shared reach scale; grants that hold only under a Condition are one step lower.',
  risk:
    'Whatever an identity can do to production, a leaked key, a compromised pipeline or a misled AI agent can do: delete ' +
    'databases and their snapshots, overwrite or read customer data, or re-permission production. Non-production ' +
    'identities holding production resources are the usual path from a weak environment into a strong one.',
  remediation:
    'Remove production resources from non-production identities. For production identities, scope each statement to the ' +
    'resources and access levels the workload uses (see the usage evidence), move deletes to a separate, rarely used role, ' +
    'and protect critical data with deletion protection, backup vault locks or SCPs that deny deletes.',
  references: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege',
    'https://docs.aws.amazon.com/prescriptive-guidance/latest/security-reference-architecture/architecture.html',
    'https://docs.aws.amazon.com/whitepapers/latest/organizing-your-aws-environment/benefits-of-using-multiple-aws-accounts.html',
    'https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html',
  ],
  evaluate: perIdentity(check, { judgesGrants: true }),
};
