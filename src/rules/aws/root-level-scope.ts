/**
 * aws.root-level-scope: an identity that can do anything, or can change who
 * may do anything, on every resource.
 *
 * What is reported, most inclusive first; a wider finding absorbs the
 * narrower ones it contains so nothing is listed twice:
 *   1. `Action::*`: the effective grant holds every catalog action on every
 *      resource (AdministratorAccess, `Allow * on *`, or an equivalent
 *      combination of policies). One finding, never ~22,000; nothing else is
 *      reported for that identity.
 *      `Action::*-except`: all but at most NEAR_ALL_MAX_MISSING_SHARE (5%)
 *      of the catalog (PowerUserAccess, `NotAction: iam:Create*`, `*` with a
 *      Deny of one service): one finding naming what it lacks, instead of
 *      hundreds of per-action ones. A separate granular from `Action::*` so
 *      that accepting a near-admin does not accept it becoming a full admin.
 *   2. `Action::<service>:*`: every action of a root-level service
 *      (src/catalog/root-level-scope.ts) on every resource. Its
 *      `Permissions management` actions are listed in that finding's
 *      evidence and not reported again one by one.
 *   3. `Action::<service>:<Action>`: one per `Permissions management` action
 *      held on every resource (outside services of rule 2), except the few
 *      read-named ones the reference classes so (READ_ONLY_VERBS).
 *   4. `Action::sts:AssumeRole` (and the other ROOT_LEVEL_ACTIONS) on every
 *      resource, unless already covered by 2.
 *
 * "On every resource" means an Allow statement with Resource `*` or with
 * NotResource (every resource but some), and, when there is a permissions
 * boundary, a boundary Allow that is just as wide. Grants scoped to named
 * resources are not root-level (aws.production-reach weighs those). A grant
 * that holds only under a Condition (on the Allow, on the boundary's Allow,
 * or a conditioned Deny that may refuse it) is reported with its condition
 * in the evidence and one step lower (`rootScopeSeverity(env, true)`).
 *
 * Severity follows the environment of the identity's account; unknown
 * counts as production. Usage is evidence only (being unused does not make
 * root-level scope safe); where no source observes usage it says unknown.
 *
 * Outcomes: not applicable for non-AWS identities, the root user (covered
 * by the root-credential rules) and identities holding nothing; `error`
 * (never pass) when a policy could not be read and nothing was found in the
 * rest, since the unread policy may grant exactly this.
 */
import type { EffectiveGrant, GrantSource, GrantingStatement, HeldStatement } from '../../analyse/aws/effective-grant.js';
import { unionOfStatements, type ExpandedStatement } from '../../analyse/aws/policy-expansion.js';
import { ActionSet } from '../../catalog/action-set.js';
import type { AwsActionCatalog } from '../../catalog/aws-actions.js';
import {
  NEAR_ALL_MAX_MISSING_SHARE,
  ROOT_LEVEL_ACTIONS,
  ROOT_LEVEL_SERVICES,
  isAwsManagedAdminPolicy,
  isReadOnlyName,
  type RootLevelService,
} from '../../catalog/root-level-scope.js';
import { printable } from '../../config/patterns.js';
import type { Evidence } from '../../model/finding.js';
import type { AuditFacts } from '../../analyse/granted-vs-used.js';
import { byDocument, described, environmentEvidence, incompleteGrantEvidence, listText, sourcesOf, statementEvidence, windowText, type IndexedStatementRef } from '../evidence.js';
import { lazyEvidence, type EvidenceMaker as LazyEvidenceMaker } from '../lazy-evidence.js';
import { perIdentity, type FindingDraft, type IdentityFacts, type Rule, type RuleContext } from '../rule.js';
import { rootScopeSeverity } from '../severity.js';

/** Statement evidence kept per finding; the rest are counted in a note. */
const MAX_STATEMENTS = 20;
/** Action names listed in one evidence item. */
const MAX_NAMES = 50;

/** Resource `*` or NotResource (every resource but some): what makes a statement root-level in scope. */
/** Resource `*` or NotResource, once per statement: every identity holding it asks, several times per audit. */
function isWide(s: ExpandedStatement): boolean {
  let wide = wideStatements.get(s);
  if (wide === undefined) wideStatements.set(s, (wide = s.notResources !== undefined || (s.resources?.includes('*') ?? false)));
  return wide;
}
const wideStatements = new WeakMap<ExpandedStatement, boolean>();
const unconditioned = (s: ExpandedStatement): boolean => s.condition === undefined;

// ---------------------------------------------------------------- evidence

/** Root-level-scope reads a statement's resources as written: how wide it is is the point. */
function resourcesText(s: GrantingStatement): string {
  if (s.notResources) return `every resource except ${listText(s.notResources, printable)} (NotResource)`;
  const resources = s.resources ?? [];
  if (resources.includes('*')) return resources.length === 1 ? 'every resource (*)' : `every resource (* among ${listText(resources, printable)})`;
  return listText(resources, printable);
}

/** Statement evidence, flagging AWS's own administrator policy so readers can tell it from a hand-written `*`. */
function wideStatementEvidence(s: GrantingStatement, what: string, extra: Record<string, unknown> = {}): Evidence {
  const detail: Record<string, unknown> = isAwsManagedAdminPolicy(s.policyArn) ? { awsManagedAdministrator: true } : {};
  return statementEvidence(s, what, resourcesText(s), Object.assign(detail, extra));
}

/** Usage of one action: used, unused (a source observed no use) or unknown (no source observes it). */
function actionUsageEvidence(facts: IdentityFacts, key: string, ctx: RuleContext): Evidence {
  const { audit } = facts;
  const [service] = key.split(':');
  const svc = audit.services.find((s) => s.service === service);
  const lower = key.toLowerCase();
  const used = svc?.usedActions.find((a) => a.action.toLowerCase() === lower);
  if (used) {
    const calls = used.calls !== undefined ? `, ${used.calls} calls` : '';
    return {
      kind: 'usage',
      summary: `${key} was used in ${windowText(ctx)}: last ${used.lastUsed ?? 'at an unknown time'} (${used.sources.join(', ')}${calls})`,
      detail: { action: key, status: 'used', lastUsed: used.lastUsed, calls: used.calls, sources: used.sources },
    };
  }
  const index = ctx.catalog.indexOf(key);
  if (svc && index !== undefined && facts.usage.unused.has(index)) {
    return {
      kind: 'usage',
      summary: `${key} was not used in ${windowText(ctx)} (observed by ${svc.observedBy.join(', ') || 'no source'})`,
      detail: { action: key, status: 'unused', observedBy: svc.observedBy },
    };
  }
  return {
    kind: 'usage',
    summary: `whether ${key} was used in ${windowText(ctx)} is unknown: no source observes it for this identity`,
    detail: { action: key, status: 'unknown', observedBy: svc?.observedBy ?? [] },
  };
}

function serviceUsageEvidence(audit: AuditFacts, service: string, ctx: RuleContext): Evidence {
  const svc = audit.services.find((s) => s.service === service);
  if (!svc) {
    return { kind: 'usage', summary: `no usage of ${service} recorded in ${windowText(ctx)}`, detail: { service, status: 'unknown' } };
  }
  const counts = `${svc.used} of ${svc.granted} granted actions used, ${svc.unused} unused, ${svc.unknown} unknown`;
  const summary =
    svc.status === 'used'
      ? `${service} was used in ${windowText(ctx)}${svc.lastUsed ? `, last ${svc.lastUsed}` : ''}: ${counts}`
      : svc.status === 'unused'
        ? `${service} was not used in ${windowText(ctx)} (observed by ${svc.observedBy.join(', ')}): ${counts}`
        : `whether ${service} was used in ${windowText(ctx)} is unknown: ${counts}`;
  return {
    kind: 'usage',
    summary,
    detail: {
      service,
      status: svc.status,
      observedBy: svc.observedBy,
      lastUsed: svc.lastUsed,
      used: svc.used,
      unused: svc.unused,
      unknown: svc.unknown,
      usedActions: svc.usedActions.slice(0, MAX_NAMES).map((a) => ({ action: a.action, lastUsed: a.lastUsed, calls: a.calls })),
    },
  };
}

function identityUsageEvidence(audit: AuditFacts, ctx: RuleContext): Evidence {
  const counts = `${audit.used.actions} of ${audit.granted.actions} granted actions used, ${audit.unused.actions} unused, ${audit.unknown.actions} unknown`;
  const last = audit.lastUsed ? `, last ${audit.lastUsed.at} (${audit.lastUsed.source})` : '';
  const summary =
    audit.status === 'used'
      ? `identity was used in ${windowText(ctx)}${last}: ${counts}`
      : audit.status === 'unused'
        ? `identity was not used in ${windowText(ctx)}${last ? ` (${last.slice(2)})` : ''}: ${counts}`
        : `whether the identity was used in ${windowText(ctx)} is unknown: ${counts}`;
  return {
    kind: 'usage',
    summary,
    detail: {
      status: audit.status,
      lastUsed: audit.lastUsed,
      usageSources: audit.usageSources,
      usedActions: audit.used.actions,
      unusedActions: audit.unused.actions,
      unknownActions: audit.unknown.actions,
      usedServices: audit.used.services,
    },
  };
}

// ---------------------------------------------------------------- checks

/**
 * Which candidate actions the identity holds on every resource, worked out a
 * statement at a time: an action is wide when a wide Allow covers it and (with
 * a boundary) a wide boundary Allow lets it through. That is a few set
 * operations per statement, where asking per action (grantsFor) cost
 * microseconds per action for thousands of actions per identity.
 */
interface WideIndex {
  wide: ActionSet;
  /** Wide actions held on every resource only under a Condition. */
  conditioned: ActionSet;
  /** Wide Allow statements, as grantsFor lists them (a policy attached twice appears twice). */
  allows: HeldStatement[];
  /** Wide boundary Allow statements, as boundaryGrantsFor lists them. */
  boundary: HeldStatement[];
  /** Resource-scoped, NotResource or conditioned Deny statements (held and boundary), as deniesFor lists them. */
  denies: HeldStatement[];
  /** indexedStatements of this index, made on first use: every finding of the identity reads the same. */
  statements?: IndexedStatementRef[];
}

/** Permissions management, the root-level services and the root-level actions: what rules 2-4 can report. */
function rootLevelCandidates(catalog: AwsActionCatalog): ActionSet {
  let wanted = candidateSets.get(catalog);
  if (!wanted) {
    wanted = catalog.withAccessLevel('Permissions management').clone();
    for (const entry of ROOT_LEVEL_SERVICES) {
      const svc = catalog.service(entry.service);
      if (svc) wanted.addRange(svc.start, svc.end);
    }
    for (const entry of ROOT_LEVEL_ACTIONS) {
      const i = catalog.indexOf(entry.action);
      if (i !== undefined) wanted.add(i);
    }
    candidateSets.set(catalog, wanted);
  }
  return wanted;
}
const candidateSets = new WeakMap<AwsActionCatalog, ActionSet>();

/** Permissions management actions reported one by one (rule 3): all but the read-named ones. */
function reportedOneByOne(catalog: AwsActionCatalog): ActionSet {
  let set = oneByOne.get(catalog);
  if (!set) {
    set = ActionSet.empty(catalog.size);
    catalog.withAccessLevel('Permissions management').forEach((i) => {
      if (!isReadOnlyName(catalog.actionAt(i).name)) set!.add(i);
    });
    oneByOne.set(catalog, set);
  }
  return set;
}
const oneByOne = new WeakMap<AwsActionCatalog, ActionSet>();

/** Union of the held statements' action sets (only those `pick` accepts); a fresh set. */
function unionOf(held: readonly HeldStatement[], size: number, pick: (s: ExpandedStatement) => boolean = () => true): ActionSet {
  return unionOfStatements(size, held.map((h) => h.statement).filter(pick));
}

/**
 * The statements a root-level finding can cite, as grantsFor & co. list them:
 * all a single-action finding needs (which of them cover its action), so its
 * evidence and citations are worked out without the sets of a WideIndex.
 */
type WideStatements = Pick<WideIndex, 'allows' | 'boundary' | 'denies'>;

function wideStatementsOf(grant: EffectiveGrant): WideStatements {
  return {
    allows: grant.statements('allow').filter((h) => isWide(h.statement)),
    boundary: grant.hasBoundary ? grant.statements('boundary').filter((h) => isWide(h.statement)) : [],
    denies: grant.statements('deny').filter((h) => !h.statement.unrestricted),
  };
}

function wideIndex(grant: EffectiveGrant, catalog: AwsActionCatalog): WideIndex {
  const size = catalog.size;
  const { allows, boundary, denies } = wideStatementsOf(grant);
  // Wide: granted, covered by a wide Allow and (with a boundary) by a wide
  // boundary Allow. Unless that is near-total (rule 1), only the candidates
  // rules 2-4 can report are worth keeping.
  const wide = unionOf(allows, size).intersectWith(grant.actions);
  if (grant.hasBoundary) wide.intersectWith(unionOf(boundary, size));
  if (wide.size < size * (1 - NEAR_ALL_MAX_MISSING_SHARE)) wide.intersectWith(rootLevelCandidates(catalog));
  // Conditioned: not unrestricted, and either no unconditioned wide Allow (or
  // boundary Allow) covers it, or a conditioned Deny may refuse it.
  const conditioned = wide.subtract(grant.unrestricted);
  if (!conditioned.isEmpty()) {
    const safe = unionOf(allows, size, unconditioned);
    if (grant.hasBoundary) safe.intersectWith(unionOf(boundary, size, unconditioned));
    const conditionedDenies = denies.filter((h) => !unconditioned(h.statement));
    if (conditionedDenies.length > 0) safe.subtractWith(unionOf(conditionedDenies, size));
    conditioned.subtractWith(safe);
  }
  return { wide, conditioned, allows, boundary, denies };
}

/**
 * wideIndex of the grant whose evidence was built last: an identity's
 * findings are read together (a report lists them one after the other, a
 * suggestion reads them all), so one entry serves them and nothing is kept
 * per identity. Only group findings (rules 1 and 2) need it: single-action
 * ones read lastWideStatements, which costs no set operation.
 */
function lastWideIndex(grant: EffectiveGrant, catalog: AwsActionCatalog): WideIndex {
  if (lastIndex?.grant !== grant) lastIndex = { grant, index: wideIndex(grant, catalog) };
  return lastIndex.index;
}
let lastIndex: { grant: EffectiveGrant; index: WideIndex } | undefined;

/** wideStatementsOf of the grant last asked about (the WideIndex's own when it is the last one built). */
function lastWideStatements(grant: EffectiveGrant): WideStatements {
  if (lastIndex?.grant === grant) return lastIndex.index;
  if (lastStatements?.grant !== grant) lastStatements = { grant, statements: wideStatementsOf(grant) };
  return lastStatements.statements;
}
let lastStatements: { grant: EffectiveGrant; statements: WideStatements } | undefined;

/** The statements that may be behind the wide actions, by document: only group findings (rules 1 and 2) need these. */
function indexedStatements(index: WideIndex): IndexedStatementRef[] {
  return (index.statements ??= [...byDocument('allow', index.allows), ...byDocument('boundary', index.boundary), ...byDocument('deny', index.denies)]);
}

/**
 * Each statement with how many of a group's wide actions it covers, counted
 * without making each statement's share of the wide set (a set per
 * statement per identity, for a count).
 */
function coveringOf(index: WideIndex, subset: Subset): Covering<IndexedStatementRef> {
  return indexedStatements(index).map((entry) => ({ entry, covered: subset.countAnd(entry.statement.actions, index.wide) }));
}

// Helpers at module level rather than closures per call: tsx names each named closure as it is made (Object.defineProperty), per finding here.
/** The first MAX_STATEMENTS statements of `list` that cover action i, as a single-action finding cites them. */
function covering(list: readonly HeldStatement[], i: number, refuses: boolean, out: CitedStatement[]): void {
  let cited = 0;
  for (const held of list) {
    if (cited === MAX_STATEMENTS) return;
    if (!held.statement.actions.has(i)) continue;
    out.push({ held, refuses });
    cited++;
  }
}

/** A subset of the catalog: everything, or one service's index range. */
interface Subset {
  size: number;
  count(set: ActionSet): number;
  /** count(set ∩ mask), without making the intersection. */
  countAnd(set: ActionSet, mask: ActionSet): number;
}

const everything = (catalog: AwsActionCatalog): Subset => ({ size: catalog.size, count: (set) => set.size, countAnd: (set, mask) => set.countAnd(mask) });
const serviceRange = (start: number, end: number): Subset => ({
  size: end - start,
  count: (set) => set.countRange(start, end),
  countAnd: (set, mask) => set.countRangeAnd(mask, start, end),
});

/** Statements with how many of a group's actions each covers. */
type Covering<E extends IndexedStatementRef> = { entry: E; covered: number }[];

/** Evidence for a group of actions: statements widest first, then boundary and deny statements, then conditions. */
/** The statements a group finding shows, per role (widest first), and how many more apply. */
function groupSelection<E extends IndexedStatementRef>(statements: Covering<E>, held: number) {
  const entries = statements
    .filter((e) => e.covered > 0)
    .sort((a, b) => b.covered - a.covered || a.entry.policyHash.localeCompare(b.entry.policyHash) || a.entry.statementIndex - b.entry.statementIndex);
  return (['allow', 'boundary', 'deny'] as const).map((role) => {
    const ofRole = entries.filter((e) => e.entry.role === role);
    const covering = ofRole.filter((e) => e.covered === held);
    // Allow statements that cover the whole group say it all; otherwise show every contributor.
    const shown = (role === 'allow' && covering.length > 0 ? covering : ofRole).slice(0, MAX_STATEMENTS);
    return { role, shown, rest: ofRole.length - shown.length };
  });
}

function groupEvidence(index: WideIndex, subset: Subset, held: number, what: string): Evidence[] {
  const out: Evidence[] = [];
  for (const { role, shown, rest } of groupSelection(coveringOf(index, subset), held)) {
    for (const { entry, covered } of shown) {
      const part =
        role === 'deny'
          ? `${covered} of these actions for some requests`
          : covered === held
            ? what
            : `${covered} of these ${held} actions`;
      for (const s of sourcesOf(entry)) out.push(wideStatementEvidence(s, part, { actionsCovered: covered }));
    }
    if (rest > 0) {
      out.push({ kind: 'note', summary: `${rest} more ${role} statements also apply to some of these actions`, detail: { role, moreStatements: rest } });
    }
  }
  const conditioned = subset.count(index.conditioned);
  if (conditioned > 0) {
    out.push({
      kind: 'note',
      summary: `${conditioned} of the ${held} actions are held on every resource only under a Condition (see the statements' conditions)`,
      detail: { conditionedActions: conditioned },
    });
  }
  return out;
}

interface CitedStatement {
  held: HeldStatement;
  /** A Deny that may refuse some requests. */
  refuses: boolean;
}

/**
 * The statements a single-action finding cites, in its evidence's order: wide
 * Allows, wide boundary Allows, Denies that may refuse some requests (its
 * evidence and its citations both, so they always name the same policies).
 */
function citedStatements(index: WideStatements, i: number): CitedStatement[] {
  const out: CitedStatement[] = [];
  covering(index.allows, i, false, out);
  covering(index.boundary, i, false, out);
  covering(index.denies, i, true, out);
  return out;
}

/** The statement evidence of a single-action finding, its first `limit` items only (each statement described as it is shown). */
function singleEvidence(index: WideStatements, i: number, key: string, limit = Infinity): Evidence[] {
  const cited = citedStatements(index, i);
  return (cited.length > limit ? cited.slice(0, Math.max(0, limit)) : cited).map(({ held, refuses }) =>
    wideStatementEvidence(described(held), refuses ? `${key} for some requests` : key),
  );
}

/**
 * The one policy (name and ARN) behind every statement a finding's evidence
 * cites; null when they come from several policies. Worked out when the
 * finding is made, while `check` holds the identity's wide statements, and
 * kept on the finding: a planner asking which policy a finding rests on
 * (suggest/aws/unused-policies.ts) would otherwise work the wide index out
 * again per identity. Under a symbol, as lazy-evidence keeps its builder:
 * JSON, spreads and Object.keys never see it.
 */
export type CitedPolicy = Pick<GrantSource, 'policyName' | 'policyArn'> | null;

const CITED = Symbol('keywarden.rootLevelCited');

function withCited<D extends object>(draft: D, cited: CitedPolicy): D {
  Object.defineProperty(draft, CITED, { value: cited, enumerable: false });
  return draft;
}

/** What the rule recorded for one of its findings; undefined for a finding it did not make (or a copy, such as a suppressed one). */
export function rootLevelCitedPolicy(finding: object): CitedPolicy | undefined {
  return (finding as { [CITED]?: CitedPolicy })[CITED];
}

/** The policy all the sources name, or null when they name several (or none). */
function solePolicy(sources: Iterable<Pick<GrantSource, 'policyName' | 'policyArn'>>): CitedPolicy {
  let sole: Pick<GrantSource, 'policyName' | 'policyArn'> | undefined;
  for (const s of sources) {
    if (!sole) sole = s;
    else if (s.policyName !== sole.policyName || s.policyArn !== sole.policyArn) return null;
  }
  return sole ?? null;
}

/** The policy a group finding's statement evidence cites: the statements groupEvidence shows. */
function groupCited(index: WideIndex, subset: Subset, held: number): CitedPolicy {
  return solePolicy(groupSelection(coveringOf(index, subset), held).flatMap(({ shown }) => shown.flatMap(({ entry }) => entry.held.map((h) => h.source))));
}

/** The policy a single-action finding's statement evidence cites (the statements singleEvidence shows). */
function singleCited(index: WideStatements, i: number): CitedPolicy {
  return solePolicy(citedStatements(index, i).map(({ held }) => held.source));
}

/** The actions an identity lacks for a near-total grant, by service, for evidence. */
function missingEvidence(catalog: AwsActionCatalog, wide: ActionSet): Evidence {
  const missing = catalog.all().subtract(wide);
  const byService = new Map<string, number>();
  const names: string[] = [];
  missing.forEach((i) => {
    const service = catalog.actionAt(i).service;
    byService.set(service, (byService.get(service) ?? 0) + 1);
    if (names.length < MAX_NAMES) names.push(catalog.keyAt(i));
  });
  const services = [...byService].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const whole = services.filter(([svc, n]) => catalog.service(svc) && n === catalog.service(svc)!.end - catalog.service(svc)!.start);
  return {
    kind: 'note',
    summary:
      `lacks ${missing.size} actions (not held, or held only on named resources) in ${services.length} services: ` +
      services.slice(0, 10).map(([svc, n]) => `${svc} ${n}`).join(', ') +
      (services.length > 10 ? ', …' : '') +
      (whole.length ? `; none of ${whole.map(([s]) => s).join(', ')}` : ''),
    detail: { missingActions: missing.size, missingByService: Object.fromEntries(services), firstMissing: names },
  };
}

function check(facts: IdentityFacts, ctx: RuleContext): FindingDraft[] | { notApplicable: string } {
  const { identity, grant } = facts;
  const { catalog } = ctx;
  if (identity.provider !== 'aws') return { notApplicable: 'not an AWS identity' };
  if (identity.kind === 'root') return { notApplicable: 'the account root user is unrestricted by design; the root-credential rules cover it' };
  // Nothing readable granted but a policy could not be read: unknown, reported as `error` by evaluate, never n/a.
  if (grant.actions.isEmpty()) return grant.errors.length > 0 ? [] : { notApplicable: 'holds no catalog action' };

  const env = facts.environment.environment;
  const index = wideIndex(grant, catalog);
  const evidence = (make: EvidenceMaker) => evidenceBuilder(facts, catalog, make);

  // 1. Everything (or all but a few), on every resource: one finding absorbs the rest.
  const wideCount = index.wide.size;
  if (wideCount >= catalog.size * (1 - NEAR_ALL_MAX_MISSING_SHARE)) {
    const conditioned = index.conditioned.size > 0;
    const complete = wideCount === catalog.size;
    const admin = indexedStatements(index).some(
      (e) => e.role === 'allow' && e.statement.actions.countAnd(index.wide) === catalog.size && sourcesOf(e).some((s) => isAwsManagedAdminPolicy(s.policyArn)),
    );
    const count = catalog.size.toLocaleString('en-US');
    const title = complete
      ? `Holds every AWS action (${count}) on every resource${admin ? ' via AdministratorAccess' : ': equivalent to AdministratorAccess'}`
      : `Holds all but ${(catalog.size - wideCount).toLocaleString('en-US')} of the ${count} AWS actions on every resource`;
    return [
      withCited(
        lazyEvidence(
          { severity: rootScopeSeverity(env, conditioned), granular: complete ? 'Action::*' : 'Action::*-except', title: `${title}${conditioned ? CONDITIONED : ''}` },
          evidence(everythingEvidence(facts, ctx, wideCount, complete)),
        ),
        groupCited(index, everything(catalog), wideCount),
      ),
    ];
  }

  const findings: FindingDraft[] = [];
  const coveredServices = new Set<string>();

  // 2. Whole root-level services.
  for (const entry of ROOT_LEVEL_SERVICES) {
    const svc = catalog.service(entry.service);
    if (!svc || svc.end === svc.start) continue;
    const subset = serviceRange(svc.start, svc.end);
    if (subset.count(index.wide) !== subset.size) continue;
    coveredServices.add(svc.service);
    const conditioned = subset.count(index.conditioned) > 0;
    findings.push(
      withCited(
        lazyEvidence(
          {
            severity: rootScopeSeverity(env, conditioned),
            granular: `Action::${entry.service}:*`,
            title: `Holds all of ${entry.service} (${entry.service}:*, ${svc.end - svc.start} actions) on every resource${conditioned ? CONDITIONED : ''}`,
          },
          evidence(wholeServiceEvidence(facts, ctx, entry, svc.start, svc.end)),
        ),
        groupCited(index, subset, subset.size),
      ),
    );
  }

  // 3. Permissions management actions, one by one.
  const reported = new Set<number>();
  reportedOneByOne(catalog).forEachAnd(index.wide, (i) => {
    if (coveredServices.size > 0 && coveredServices.has(catalog.actionAt(i).service)) return;
    const key = catalog.keyAt(i);
    const conditioned = index.conditioned.has(i);
    reported.add(i);
    const text = actionTexts(key);
    findings.push(
      withCited(
        lazyEvidence({ severity: rootScopeSeverity(env, conditioned), granular: text.granular, title: conditioned ? text.pmConditioned : text.pm }, actionEvidence(facts, ctx, i, key)),
        singleCited(index, i),
      ),
    );
  });

  // 4. Single root-level actions.
  for (const entry of ROOT_LEVEL_ACTIONS) {
    const i = catalog.indexOf(entry.action);
    if (i === undefined || reported.has(i)) continue;
    const action = catalog.actionAt(i);
    if (coveredServices.has(action.service)) continue;
    if (!index.wide.has(i)) continue;
    const conditioned = index.conditioned.has(i);
    const text = actionTexts(action.key);
    findings.push(
      withCited(
        lazyEvidence(
          { severity: rootScopeSeverity(env, conditioned), granular: text.granular, title: conditioned ? text.rootConditioned : text.root },
          actionEvidence(facts, ctx, i, action.key, { kind: 'note', summary: `${action.key}: ${entry.why}`, detail: { action: action.key, accessLevel: action.accessLevel } }),
        ),
        singleCited(index, i),
      ),
    );
  }
  return findings;
}

type EvidenceMaker = (index: WideIndex, common: Evidence[]) => Evidence[];

/**
 * A group finding's evidence, built when read (lazy-evidence.ts) from the
 * index worked out again then. Made outside `check`, whose scope holds the
 * index: a closure made there would keep it (and the rest of that scope)
 * alive for as long as the finding.
 */
function evidenceBuilder(facts: IdentityFacts, catalog: AwsActionCatalog, make: EvidenceMaker): () => Evidence[] {
  return () => make(lastWideIndex(facts.grant, catalog), commonEvidence(facts));
}

function commonEvidence(facts: IdentityFacts): Evidence[] {
  return [environmentEvidence(facts), ...incompleteGrantEvidence(facts.grant)];
}

/** Evidence of the everything finding (rule 1). */
function everythingEvidence(facts: IdentityFacts, ctx: RuleContext, wideCount: number, complete: boolean): EvidenceMaker {
  const { catalog } = ctx;
  return (index, common) => [
    ...groupEvidence(index, everything(catalog), wideCount, complete ? 'every action (*)' : `all ${wideCount.toLocaleString('en-US')} of these actions`),
    ...(complete ? [] : [missingEvidence(catalog, index.wide)]),
    identityUsageEvidence(facts.audit, ctx),
    ...common,
  ];
}

/** Evidence of a whole-service finding (rule 2). */
function wholeServiceEvidence(facts: IdentityFacts, ctx: RuleContext, entry: RootLevelService, start: number, end: number): EvidenceMaker {
  return (index, common) => serviceEvidence(entry, start, end, index, serviceRange(start, end), facts, ctx, common);
}

/**
 * The evidence builder of a single-action finding (rules 3 and 4), from what
 * stays as it is: no closure over `check`'s scope. It reads only which wide
 * statements cover the action, not the sets of a WideIndex, and is one
 * closure per finding (there are tens per identity). Asked for its first
 * items (a suggestion's quote, SARIF's first line), it makes only those.
 */
function actionEvidence(facts: IdentityFacts, ctx: RuleContext, i: number, key: string, note?: Evidence): LazyEvidenceMaker {
  return (limit = Infinity) => {
    const out = note ? [note] : [];
    // A suggestion quoting the finding reads its first items only: statements are described only as far as it reads.
    out.push(...singleEvidence(lastWideStatements(facts.grant), i, key, limit - out.length));
    if (out.length >= limit) return out;
    out.push(actionUsageEvidence(facts, key, ctx));
    if (out.length >= limit) return out;
    out.push(...commonEvidence(facts));
    return out;
  };
}

const CONDITIONED = ' (only under a Condition)';

/** Granular part and titles of a single-action finding: the same strings for every identity holding the action. */
function actionTexts(key: string): { granular: string; pm: string; pmConditioned: string; root: string; rootConditioned: string } {
  let texts = textsByAction.get(key);
  if (!texts) {
    const pm = `Permissions management on every resource: ${key}`;
    const root = `${key} on every resource`;
    texts = { granular: `Action::${key}`, pm, pmConditioned: pm + CONDITIONED, root, rootConditioned: root + CONDITIONED };
    textsByAction.set(key, texts);
  }
  return texts;
}
const textsByAction = new Map<string, ReturnType<typeof actionTexts>>();

function serviceEvidence(
  entry: RootLevelService,
  start: number,
  end: number,
  index: WideIndex,
  subset: Subset,
  facts: IdentityFacts,
  ctx: RuleContext,
  common: Evidence[],
): Evidence[] {
  const { catalog } = ctx;
  const pm: string[] = [];
  for (let i = start; i < end; i++) if (catalog.accessLevelAt(i) === 'Permissions management') pm.push(catalog.keyAt(i));
  const title = catalog.service(entry.service)?.title;
  return [
    {
      kind: 'note',
      summary: `${title ? `${title}: ` : ''}${entry.why}`,
      detail: { service: entry.service, actions: end - start },
    },
    ...groupEvidence(index, subset, subset.size, `every ${entry.service} action`),
    {
      kind: 'note',
      summary: `includes ${pm.length} Permissions management actions, not reported separately: ${pm.slice(0, 10).join(', ')}${pm.length > 10 ? ', …' : ''}`,
      detail: { permissionsManagement: pm.slice(0, MAX_NAMES), permissionsManagementCount: pm.length },
    },
    serviceUsageEvidence(facts.audit, entry.service, ctx),
    ...common,
  ];
}

export const rootLevelScope: Rule = {
  id: 'aws.root-level-scope',
  title: 'Root-level scope',
  severity: 'critical',
  description:
    'Flags AWS identities that hold every action on every resource (AdministratorAccess or an equivalent), every action of a ' +
    'permission-controlling service (iam, organizations, sts, kms, sso, sso-directory, identitystore, account), any ' +
    '"Permissions management" action on every resource, or sts:AssumeRole on every resource. A wider finding absorbs the ' +
    'narrower ones (one `Action::*` finding for an administrator, one `Action::*-except` for an identity holding all but ' +
    'a few actions; a service-wide finding lists its Permissions management actions instead of repeating them). Grants scoped to named resources are not root-level. A grant that holds only under ' +
    'a Condition is reported with the condition, one severity step lower. Severity follows the environment of the ' +
    "identity's account; unknown counts as production.",
  risk:
    'A leaked or misused credential with root-level scope can create new identities and keys, rewrite any policy, read or ' +
    'destroy every resource, disable logging and assume other roles: the blast radius is the whole account, often the ' +
    'organisation. AI agents and automation run unattended, so a prompt injection or a bug acts with all of it.',
  remediation:
    'Replace the broad grant with a least-privilege policy built from what the identity actually used (see the usage ' +
    'evidence and keywarden suggestions). Scope Permissions management and sts:AssumeRole to the exact roles, policies and ' +
    'keys needed; add a permissions boundary for identities that must manage IAM. Keep AdministratorAccess for break-glass ' +
    'humans with MFA, never for machine credentials.',
  references: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege',
    'https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html',
    'https://github.com/salesforce/cloudsplaining',
    'https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/',
  ],
  evaluate: perIdentity(check, { judgesGrants: true }),
};
