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
import type { GrantingStatement } from '../../analyse/aws/effective-grant.js';
import type { Environment } from '../../analyse/environment.js';
import { ActionSet } from '../../catalog/action-set.js';
import type { AwsActionCatalog } from '../../catalog/aws-actions.js';
import { printable } from '../../config/patterns.js';
import type { AccessLevel } from '../../model/domain.js';
import type { Evidence } from '../../model/finding.js';
import type { IdentityAudit } from '../../report/json-schema.js';
import { environmentEvidence, firstFew, incompleteGrantEvidence, listText, sourcesOf, statementEvidence, windowText, type IndexedStatementRef, type StatementRole } from '../evidence.js';
import { perIdentity, type FindingDraft, type IdentityFacts, type Rule, type RuleContext } from '../rule.js';
import { isProductionRisk, lower, reachSeverity } from '../severity.js';

/** Write actions whose name starts with one of these (then a capital letter) delete or destroy. */
const DELETE_VERBS: readonly string[] = ['Delete', 'BatchDelete', 'Terminate', 'Remove', 'Purge', 'Destroy', 'Deregister', 'Erase', 'Drop'];

const MAX_STATEMENTS = 20;
const MAX_NAMES = 50;
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

// ---------------------------------------------------------------- resources

interface ResourceReach {
  resource: string;
  environment: Environment;
  how: string;
}

const LITERAL_ACCOUNT = /^arn:[^:]*:[^:]*:[^:]*:\d{12}:/;

/** Where a statement resource lives, for an identity in `accountId` whose account environment is `own`. */
function resourceReach(resource: string, ctx: RuleContext, accountId: string, own: Environment): ResourceReach {
  if (resource === '*') {
    return { resource, environment: own, how: `* is every resource in the identity's own account ${accountId} (${own})` };
  }
  const resolved = ctx.resourceEnvironment(resource);
  if (resolved.environment !== 'unknown' || LITERAL_ACCOUNT.test(resource)) return { resource, ...resolved };
  return {
    resource,
    environment: own,
    how: `${resolved.how}, and it names no account: taken to be in the identity's own account ${accountId} (${own})`,
  };
}

/** The production resources of an Allow statement (empty: it reaches no production resource). */
function productionResources(s: GrantingStatement, ctx: RuleContext, accountId: string, own: Environment): ResourceReach[] {
  if (s.notResources) {
    if (!isProductionRisk(own)) return [];
    const except = firstFew(s.notResources, printable);
    return [{ resource: '*', environment: own, how: `NotResource: every resource in the identity's own account ${accountId} (${own}) except ${except}` }];
  }
  return (s.resources ?? []).map((r) => resourceReach(r, ctx, accountId, own)).filter((r) => isProductionRisk(r.environment));
}

// ---------------------------------------------------------------- index

interface ReachStatement extends IndexedStatementRef {
  actions: ActionSet;
  resources: ResourceReach[];
}

/** Granted actions reaching production and the statements behind them; shared by identities with one policy combination in one account. */
interface ReachIndex {
  reach: ActionSet;
  conditioned: ActionSet;
  statements: ReachStatement[];
}

const indexCache = new WeakMap<RuleContext['resourceEnvironment'], WeakMap<ActionSet, Map<string, ReachIndex>>>();

function reachIndex(facts: IdentityFacts, ctx: RuleContext): ReachIndex {
  const { grant } = facts;
  const accountId = facts.identity.accountId;
  const own = facts.environment.environment;
  let byGrant = indexCache.get(ctx.resourceEnvironment);
  if (!byGrant) indexCache.set(ctx.resourceEnvironment, (byGrant = new WeakMap()));
  let byAccount = byGrant.get(grant.actions);
  if (!byAccount) byGrant.set(grant.actions, (byAccount = new Map()));
  const key = `${accountId}\u0000${own}`;
  const cached = byAccount.get(key);
  if (cached) return cached;

  const size = ctx.catalog.size;
  const reach = ActionSet.empty(size);
  const conditioned = ActionSet.empty(size);
  const statements = new Map<string, ReachStatement>();
  const resourcesOf = new Map<string, ResourceReach[]>();
  const reachingOf = (role: StatementRole, s: GrantingStatement): ResourceReach[] => {
    const key = `${role}\u0000${s.policyHash}\u0000${s.statementIndex}`;
    let found = resourcesOf.get(key);
    if (!found) resourcesOf.set(key, (found = productionResources(s, ctx, accountId, own)));
    return found;
  };
  const note = (role: StatementRole, list: readonly GrantingStatement[], i: number, resources: (s: GrantingStatement) => ResourceReach[]) => {
    for (const s of list) {
      const key = `${role}\u0000${s.policyHash}\u0000${s.statementIndex}`;
      let entry = statements.get(key);
      if (!entry) {
        entry = { role, policyHash: s.policyHash, statementIndex: s.statementIndex, witness: i, actions: ActionSet.empty(size), resources: resources(s) };
        statements.set(key, entry);
      }
      entry.actions.add(i);
    }
  };
  const unconditioned = (s: GrantingStatement) => s.condition === undefined;

  grant.actions.forEach((i) => {
    const allows = grant.grantsFor(i).filter((s) => reachingOf('allow', s).length > 0);
    if (allows.length === 0) return;
    const boundary = grant.hasBoundary ? grant.boundaryGrantsFor(i).filter((s) => reachingOf('boundary', s).length > 0) : [];
    if (grant.hasBoundary && boundary.length === 0) return;
    reach.add(i);
    if (!allows.some(unconditioned) || (grant.hasBoundary && !boundary.some(unconditioned))) conditioned.add(i);
    note('allow', allows, i, (s) => reachingOf('allow', s));
    note('boundary', boundary, i, (s) => reachingOf('boundary', s));
    if (grant.partiallyDenied.has(i)) {
      note('deny', grant.deniesFor(i).filter((d) => !d.unrestricted), i, (s) => (s.resources ?? []).map((r) => resourceReach(r, ctx, accountId, own)));
    }
  });
  const index = { reach, conditioned, statements: [...statements.values()] };
  byAccount.set(key, index);
  return index;
}

// ---------------------------------------------------------------- evidence

/** How production-reach reads a statement's resources: which of them count as production, or a Deny's own. */
function onText(s: GrantingStatement, resources: ResourceReach[]): string {
  if (s.effect === 'Deny') return firstFew(s.resources ?? s.notResources ?? [], printable) || 'its resources';
  const which = resources.every((r) => r.environment === 'production') ? 'production resources' : 'resources that count as production';
  const shown = listText(resources, (r) => (r.resource === '*' ? `* (every resource of the identity's ${r.environment} account)` : printable(r.resource)));
  return `${which} ${shown}`;
}

/** Used / unused / unknown among a group's actions; unknown is never called unused. */
function usageEvidence(audit: IdentityAudit, keys: string[], ctx: RuleContext): Evidence {
  const byService = new Map(audit.services.map((s) => [s.service, s]));
  const used: { action: string; lastUsed?: string; calls?: number }[] = [];
  let unused = 0;
  let unknown = 0;
  for (const key of keys) {
    const svc = byService.get(key.split(':')[0] ?? '');
    const lowerKey = key.toLowerCase();
    const u = svc?.usedActions.find((a) => a.action.toLowerCase() === lowerKey);
    if (u) used.push({ action: u.action, lastUsed: u.lastUsed, calls: u.calls });
    else if (svc?.unusedActions.some((a) => a.toLowerCase() === lowerKey)) unused++;
    else unknown++;
  }
  used.sort((a, b) => (b.lastUsed ?? '').localeCompare(a.lastUsed ?? '') || a.action.localeCompare(b.action));
  const window = windowText(ctx);
  const usedText = used.length
    ? `${used.length} used (${used.slice(0, 3).map((u) => `${u.action}${u.lastUsed ? ` last ${u.lastUsed}` : ''}`).join(', ')}${used.length > 3 ? ', …' : ''})`
    : 'none seen used';
  return {
    kind: 'usage',
    summary: `in ${window}, of these ${keys.length} actions: ${usedText}; ${unused} not used (observed); ${unknown} unknown (no source observes them)`,
    detail: { used: used.slice(0, MAX_NAMES), usedCount: used.length, unused, unknown },
  };
}

function groupFinding(
  group: (typeof GROUPS)[number],
  actions: ActionSet,
  index: ReachIndex,
  facts: IdentityFacts,
  ctx: RuleContext,
): FindingDraft {
  const { catalog } = ctx;
  const keys = actions.toArray().map((i) => catalog.keyAt(i));
  const conditioned = actions.isSubsetOf(index.conditioned);
  const entries = index.statements
    .map((entry) => ({ entry, covered: entry.actions.intersect(actions) }))
    .filter((e) => !e.covered.isEmpty())
    .sort((a, b) => b.covered.size - a.covered.size || a.entry.statementIndex - b.entry.statementIndex);
  // Production reach is 'unknown' when no reaching resource is known to be production.
  const environment: Environment = entries.some((e) => e.entry.role === 'allow' && e.entry.resources.some((r) => r.environment === 'production'))
    ? 'production'
    : 'unknown';
  const base = reachSeverity(group.level, environment);
  const severity = conditioned ? lower(base) : base;
  const label = group.delete ? 'delete (Write)' : group.level;
  const names = keys.slice(0, 3).join(', ') + (keys.length > 3 ? ', …' : '');

  const evidence: Evidence[] = [
    {
      kind: 'note',
      summary: `${keys.length} ${label} actions reach production: ${keys.slice(0, 10).join(', ')}${keys.length > 10 ? `, … (${keys.length - 10} more)` : ''}`,
      detail: { accessLevel: group.level, delete: group.delete ?? false, count: keys.length, actions: keys.slice(0, MAX_NAMES) },
    },
  ];
  for (const role of ['allow', 'boundary', 'deny'] as const) {
    const ofRole = entries.filter((e) => e.entry.role === role);
    for (const { entry, covered } of ofRole.slice(0, MAX_STATEMENTS)) {
      const coveredKeys = covered.toArray().slice(0, MAX_NAMES).map((i) => catalog.keyAt(i));
      const what =
        covered.size === 1
          ? coveredKeys[0]!
          : `${covered.size} of these actions (${coveredKeys.slice(0, 3).join(', ')}${covered.size > 3 ? ', …' : ''})`;
      const phrase = role === 'deny' ? `${what} for some requests` : what;
      for (const s of sourcesOf(facts.grant, entry)) {
        const detail = { productionResources: entry.resources.slice(0, MAX_RESOURCES), actionsCovered: covered.size, actions: coveredKeys };
        evidence.push(statementEvidence(s, phrase, onText(s, entry.resources), detail));
      }
    }
    if (ofRole.length > MAX_STATEMENTS) {
      evidence.push({ kind: 'note', summary: `${ofRole.length - MAX_STATEMENTS} more ${role} statements apply to some of these actions`, detail: { role } });
    }
  }
  if (conditioned) {
    evidence.push({ kind: 'note', summary: 'every grant of these actions on production holds only under a Condition (see the statements): one severity step lower' });
  }
  evidence.push(usageEvidence(facts.audit, keys, ctx), environmentEvidence(facts), ...incompleteGrantEvidence(facts.grant));
  return {
    severity,
    granular: group.granular,
    title: `Can ${group.verb} production: ${keys.length} ${label} action${keys.length === 1 ? '' : 's'} (${names})${conditioned ? ' only under a Condition' : ''}`,
    evidence,
  };
}

function deleteSet(catalog: AwsActionCatalog): ActionSet {
  let set = deleteSets.get(catalog);
  if (!set) {
    set = ActionSet.empty(catalog.size);
    const write = catalog.withAccessLevel('Write');
    write.forEach((i) => {
      if (isDeleteName(catalog.actionAt(i).name)) set!.add(i);
    });
    deleteSets.set(catalog, set);
  }
  return set;
}
const deleteSets = new WeakMap<AwsActionCatalog, ActionSet>();

function check(facts: IdentityFacts, ctx: RuleContext): FindingDraft[] | { notApplicable: string } {
  const { identity, grant } = facts;
  if (identity.provider !== 'aws') return { notApplicable: 'not an AWS identity' };
  if (identity.kind === 'root') return { notApplicable: 'the account root user reaches everything by design; the root-credential rules cover it' };
  // Nothing readable granted but a policy could not be read: unknown, reported as `error` by evaluate, never n/a.
  if (grant.actions.isEmpty()) return grant.errors.length > 0 ? [] : { notApplicable: 'holds no catalog action' };

  const index = reachIndex(facts, ctx);
  if (index.reach.isEmpty()) return [];
  const deletes = deleteSet(ctx.catalog);
  const findings: FindingDraft[] = [];
  for (const group of GROUPS) {
    let actions = index.reach.intersect(ctx.catalog.withAccessLevel(group.level));
    if (group.delete === true) actions = actions.intersect(deletes);
    else if (group.delete === false) actions = actions.subtract(deletes);
    if (!actions.isEmpty()) findings.push(groupFinding(group, actions, index, facts, ctx));
  }
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
