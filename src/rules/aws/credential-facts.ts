/**
 * Shared reading of credential and usage facts for the credential rules
 * (root-account-credentials, unused-credential, stale-access-key,
 * unused-permissions): whether a credential was used in the window, how
 * CloudTrail calls tie to credentials, and evidence built from the
 * statements that grant something. Pure functions over IdentityFacts.
 */
import type { EffectiveGrant, GrantingStatement } from '../../analyse/aws/effective-grant.js';
import { countInStatement, firstInStatement } from '../../analyse/aws/policy-expansion.js';
import { ActionSet } from '../../catalog/action-set.js';
import { daysBetween, isInWindow, type AuditWindow } from '../../analyse/window.js';
import type { AwsActionCatalog } from '../../catalog/aws-actions.js';
import { printable } from '../../config/patterns.js';
import type { AccessLevel, Credential } from '../../model/domain.js';
import type { Evidence, Severity } from '../../model/finding.js';
import type { CredentialAudit } from '../../report/json-schema.js';
import { described, firstFew } from '../evidence.js';
import type { IdentityFacts } from '../rule.js';
import { isProductionRisk } from '../severity.js';

/**
 * Whether the credential's id is the access key id AWS uses (live API,
 * CloudTrail). Offline credential reports name keys `<userArn>#access_key_1`,
 * which no CloudTrail event carries, so calls can never be matched to them.
 */
export function hasKeyId(credential: { id: string }): boolean {
  return !credential.id.includes('#');
}

/** Long-lived credentials a person or program signs in or signs requests with. */
export function isSigningCredential(credential: Credential): boolean {
  return credential.kind === 'access-key' || credential.kind === 'password';
}

export const day = (iso: string | undefined): string | undefined => (iso ? iso.slice(0, 10) : undefined);

export function credentialLabel(credential: { kind: string }): string {
  return credential.kind === 'password' ? 'console password' : credential.kind === 'access-key' ? 'access key' : credential.kind;
}

/** CloudTrail calls of one identity in the window, and how many can be tied to a known credential. */
export interface CloudTrailCalls {
  /** Successful calls of granted actions CloudTrail recorded for the identity (a lower bound: see below). */
  total: number;
  /** Calls whose key id is the id of one of the identity's known credentials. */
  matched: number;
  /** Calls from key ids that match none of the identity's credentials (at least this many). */
  unmatched: number;
  /**
   * CloudTrail saw calls that cannot be tied to any known credential. True
   * also when the count above is 0 but the identity's latest use comes from
   * CloudTrail and no call matched a credential (calls of actions the
   * identity is not granted, such as sts:GetCallerIdentity, are not counted
   * per action by the audit).
   */
  unmatchedSeen: boolean;
}

export function cloudTrailCalls(facts: IdentityFacts, window: AuditWindow): CloudTrailCalls {
  const { audit } = facts;
  let total = 0;
  for (const service of audit.services)
    for (const action of service.usedActions) if (action.sources.includes('cloudtrail')) total += action.calls ?? 0;
  const matched = audit.credentials.reduce((n, c) => n + c.calls, 0);
  const unmatched = Math.max(0, total - matched);
  const latestIsCloudTrail = audit.lastUsed?.source === 'cloudtrail' && isInWindow(audit.lastUsed.at, window);
  return { total, matched, unmatched, unmatchedSeen: unmatched > 0 || (latestIsCloudTrail && matched === 0) };
}

export type UseStatus = 'used' | 'unused' | 'unknown';

/** Whether one active (or possibly active) credential was used in the window, and why we say so. */
export interface CredentialUse {
  credential: Credential;
  audit: CredentialAudit | undefined;
  status: UseStatus;
  /** No last-used date at all (and no CloudTrail call with its id). */
  neverUsed: boolean;
  /** One line: the reason for the status. */
  why: string;
}

/**
 * Use of each signing credential (access key, console password) that is
 * active or whose state is unknown; inactive ones cannot be used and are left out.
 *
 * used: CloudTrail calls with its key id, or a last-used date on a window day.
 * unused: its last-used date (credential report, AccessKeyLastUsed) is before
 *   the window or absent, and no CloudTrail call in the window can be its.
 * unknown: its state is unknown, or CloudTrail shows calls from key ids tied
 *   to no known credential that could be this one's (an offline credential
 *   report has no key ids; console sessions sign with temporary key ids, so
 *   such calls may also be a password's).
 */
export function credentialUses(facts: IdentityFacts, window: AuditWindow): CredentialUse[] {
  const ct = cloudTrailCalls(facts, window);
  const audits = new Map(facts.audit.credentials.map((c) => [c.id, c]));
  const out: CredentialUse[] = [];
  for (const credential of facts.credentials) {
    if (!isSigningCredential(credential) || credential.active === false) continue;
    const audit = audits.get(credential.id);
    const label = credentialLabel(credential);
    const calls = audit?.calls ?? 0;
    const base = { credential, audit, neverUsed: false };
    if (credential.active === null) {
      out.push({ ...base, status: 'unknown', why: `whether this ${label} is active is not known (no source says)` });
      continue;
    }
    if (calls > 0) {
      out.push({ ...base, status: 'used', why: `${calls} CloudTrail call(s) with this key id in the window` });
      continue;
    }
    const last = credential.lastUsedAt;
    if (last && (isInWindow(last, window) || Date.parse(last) > Date.parse(window.asOf))) {
      const via = credential.lastUsedService ? ` via ${printable(credential.lastUsedService)}` : '';
      out.push({ ...base, status: 'used', why: `last used ${day(last)}${via}, inside the window` });
      continue;
    }
    const couldBeUnmatched = ct.unmatchedSeen && (credential.kind === 'password' || !hasKeyId(credential));
    if (couldBeUnmatched) {
      const why =
        credential.kind === 'password'
          ? 'CloudTrail shows calls in the window from key ids tied to no known credential of this identity; console sessions sign with temporary key ids, so they may be sign-ins with this password'
          : 'CloudTrail shows calls in the window from key ids tied to no known credential of this identity; the credential report names keys without their ids, so they may be this key';
      out.push({ ...base, status: 'unknown', why: `${last ? `last used ${day(last)} per ${sourceOfLastUse(credential)}, but ` : 'no recorded use, but '}${why}` });
      continue;
    }
    out.push({
      ...base,
      status: 'unused',
      neverUsed: !last,
      why: last
        ? `last used ${day(last)}, before the window (${window.from} to ${window.to}), and no CloudTrail call in the window can be its`
        : `never used (no last-used date${hasKeyId(credential) ? ' and no CloudTrail call with its id' : ''})`,
    });
  }
  return out;
}

function sourceOfLastUse(credential: Credential): string {
  return hasKeyId(credential) ? 'AccessKeyLastUsed' : 'the credential report';
}

/** Evidence describing one credential: dates, age, last use and calls seen. */
export function credentialEvidence(credential: Credential, audit: CredentialAudit | undefined, why?: string): Evidence {
  const label = credentialLabel(credential);
  const state = credential.active === true ? 'active' : credential.active === false ? 'inactive' : 'state unknown';
  const born = credential.rotatedAt ?? credential.createdAt;
  const age = audit?.ageDays;
  const bornText = born ? `, ${credential.rotatedAt ? 'last rotated' : 'created'} ${day(born)}${age !== undefined ? ` (${age} days before the as-of date)` : ''}` : ', creation date unknown';
  const last = credential.lastUsedAt
    ? `, last used ${day(credential.lastUsedAt)}${credential.lastUsedService ? ` via ${printable(credential.lastUsedService)}` : ''}${credential.lastUsedRegion ? ` in ${printable(credential.lastUsedRegion)}` : ''}`
    : ', no last-used date';
  return {
    kind: 'credential',
    summary: `${label} ${printable(credential.id)}: ${state}${bornText}${last}${why ? `; ${why}` : ''}`,
    detail: {
      id: credential.id,
      kind: credential.kind,
      active: credential.active,
      keyIdKnown: hasKeyId(credential),
      createdAt: credential.createdAt,
      rotatedAt: credential.rotatedAt,
      ageDays: age,
      lastUsedAt: credential.lastUsedAt,
      lastUsedService: credential.lastUsedService,
      lastUsedRegion: credential.lastUsedRegion,
      cloudTrailCallsInWindow: audit?.calls ?? 0,
    },
  };
}

/** What CloudTrail saw of the identity in the window, and whether those calls tie to its credentials. */
export function cloudTrailEvidence(facts: IdentityFacts, window: AuditWindow): Evidence {
  const ct = cloudTrailCalls(facts, window);
  const observes = facts.audit.usageSources.includes('cloudtrail') || ct.total > 0 || ct.matched > 0 || ct.unmatchedSeen;
  const summary = !observes
    ? `no CloudTrail data for this account in the window (${window.from} to ${window.to})`
    : ct.unmatchedSeen
      ? `CloudTrail: ${ct.matched} call(s) in the window tied to a known credential, ${ct.unmatched > 0 ? ct.unmatched : 'some'} from key ids tied to none (temporary session keys, or keys whose ids this data does not have)`
      : `CloudTrail: ${ct.matched} call(s) in the window, all tied to a known credential`;
  return {
    kind: 'usage',
    summary,
    detail: {
      window: { from: window.from, to: window.to, days: window.days },
      cloudTrail: observes,
      callsTiedToCredentials: ct.matched,
      callsNotTiedToCredentials: ct.unmatched,
      untiedCallsSeen: ct.unmatchedSeen,
      usageSources: facts.audit.usageSources,
      identityStatus: facts.audit.status,
      identityLastUsed: facts.audit.lastUsed,
    },
  };
}

export function environmentEvidence(facts: IdentityFacts): Evidence {
  const env = facts.environment;
  return {
    kind: 'environment',
    summary: `environment ${env.environment}${env.environment === 'unknown' ? ' (weighed as production)' : ''}: ${env.how}`,
    detail: { environment: env.environment, how: env.how, productionRisk: isProductionRisk(env.environment) },
  };
}

// ---- statements that grant something ------------------------------------------------------------

/** One policy statement and how many of the actions asked about it grants. */
export interface StatementGroup {
  statement: GrantingStatement;
  actions: number;
  /** A few of those actions, in catalog order. */
  examples: string[];
}

const EXAMPLES = 5;

/** Distinct Allow statements granting any of `indices` (a set, or a list of catalog indices), largest first. */
export function grantingStatements(grant: EffectiveGrant, catalog: AwsActionCatalog, indices: ActionSet | Iterable<number>): StatementGroup[] {
  // One count over each held statement's own words, not a statement scan per action.
  const wanted = (indices instanceof ActionSet ? indices.clone() : ActionSet.of(catalog.size, indices)).intersectWith(grant.actions);
  const groups = new Map<string, StatementGroup>();
  for (const held of grant.statements('allow')) {
    const actions = countInStatement(held.statement, wanted);
    if (actions === 0) continue;
    const s = described(held);
    const key = groupKey(s);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { statement: s, actions: 0, examples: [] }));
    g.actions += actions;
    if (g.examples.length < EXAMPLES) g.examples.push(...firstInStatement(held.statement, wanted, EXAMPLES - g.examples.length).map((i) => catalog.keyAt(i)));
  }
  return [...groups.values()].sort(
    (a, b) =>
      b.actions - a.actions ||
      a.statement.policyName.localeCompare(b.statement.policyName) ||
      a.statement.statementIndex - b.statement.statementIndex,
  );
}

export function policyLabel(s: GrantingStatement): string {
  const via = s.groupName !== undefined ? ` via group ${printable(s.groupName)}` : '';
  return `${s.kind} policy ${printable(s.policyName)}${via}`;
}

/**
 * The statement's own scope in words. Never "every resource" unless the
 * statement is on all resources with no condition.
 */
export function scopeText(s: GrantingStatement): string {
  if (s.unrestricted) return 'on every resource, with no condition';
  const parts: string[] = [];
  const list = (rs: string[]) =>
    rs.length === 1 ? printable(rs[0]!) : `${rs.length} resources (${firstFew(rs, printable)}${rs.length > 3 ? ', …' : ''})`;
  if (s.resources && s.resources.length > 0) parts.push(`on ${list(s.resources)}`);
  else if (s.notResources && s.notResources.length > 0) parts.push(`on every resource except ${list(s.notResources)}`);
  if (s.condition) {
    const keys = Object.entries(s.condition).flatMap(([op, block]) => Object.keys(block).map((k) => `${printable(op, 40)} ${printable(k, 80)}`));
    parts.push(`only when its Condition holds (${keys.slice(0, 3).join('; ')}${keys.length > 3 ? '; …' : ''})`);
  }
  return parts.join(' ') || 'with a limited scope';
}

export function statementEvidence(group: StatementGroup, what: string): Evidence {
  const s = group.statement;
  const sid = s.sid !== undefined ? ` (Sid ${printable(s.sid)})` : '';
  return {
    kind: 'policy-statement',
    summary: `${policyLabel(s)} statement ${s.statementIndex}${sid} grants ${group.actions} ${what} action(s) ${scopeText(s)}, e.g. ${group.examples.join(', ')}`,
    detail: {
      policyName: s.policyName,
      policyArn: s.policyArn,
      policyKind: s.kind,
      groupName: s.groupName,
      statementIndex: s.statementIndex,
      sid: s.sid,
      notAction: s.notAction,
      resources: s.resources,
      notResources: s.notResources,
      condition: s.condition,
      unrestricted: s.unrestricted,
      actions: group.actions,
      examples: group.examples,
    },
  };
}

/** Evidence for the statements granting `indices`: the largest `limit` statements, and a note of the rest. */
export function statementsEvidence(
  grant: EffectiveGrant,
  catalog: AwsActionCatalog,
  indices: ActionSet | Iterable<number>,
  what: string,
  limit = 5,
): Evidence[] {
  const groups = grantingStatements(grant, catalog, indices);
  const out = groups.slice(0, limit).map((g) => statementEvidence(g, what));
  if (groups.length > limit) {
    out.push({ kind: 'note', summary: `and ${groups.length - limit} more statement(s) granting ${what} actions`, detail: { statements: groups.length } });
  }
  return out;
}

// ---- what an unused identity or credential could do ----------------------------------------------

export const WRITE_LEVELS: readonly AccessLevel[] = ['Write', 'Permissions management'];

/** The granted Write and Permissions management actions. */
export function writeActions(facts: IdentityFacts, catalog: AwsActionCatalog): ActionSet {
  return facts.grant.actions.intersect(writeLevels(catalog));
}

/** Every Write or Permissions management action of the catalog, once per catalog. */
function writeLevels(catalog: AwsActionCatalog): ActionSet {
  let set = writeSets.get(catalog);
  if (!set) {
    set = ActionSet.empty(catalog.size);
    for (const level of WRITE_LEVELS) set.unionWith(catalog.withAccessLevel(level));
    writeSets.set(catalog, set);
  }
  return set;
}
const writeSets = new WeakMap<AwsActionCatalog, ActionSet>();

/** What makes two held statements one group: the same statement of the same document, attached the same way. */
function groupKey(s: GrantingStatement): string {
  let key = groupKeys.get(s);
  if (key === undefined) groupKeys.set(s, (key = `${s.kind}\u0000${s.groupName ?? ''}\u0000${s.policyArn ?? s.policyName}\u0000${s.policyHash}\u0000${s.statementIndex}`));
  return key;
}
// Keyed by the described statement, which described() shares between the identities holding an attachment.
const groupKeys = new WeakMap<GrantingStatement, string>();

/**
 * Severity of something unused on the shared scale: low when the identity
 * can only read or list; medium when it holds Write or Permissions
 * management (or its grant is incomplete, so that cannot be ruled out);
 * high when it can also change production (its environment, with unknown
 * weighed as production per severity.ts).
 */
export function unusedSeverity(facts: IdentityFacts): Severity {
  const levels = facts.audit.granted.byAccessLevel;
  const writes = (levels.Write ?? 0) + (levels['Permissions management'] ?? 0);
  const incomplete = facts.audit.errors.length + facts.audit.granted.unknownActions.length;
  const production = isProductionRisk(facts.environment.environment);
  const writeCapable = writes > 0 || incomplete > 0;
  return !writeCapable ? 'low' : production ? 'high' : 'medium';
}

/**
 * Why unusedSeverity weighs the identity as it does: its environment, what it
 * can write, statements granting that. Given `room`, the statements (the
 * costly part) are worked out only if fewer than `room` items come before
 * them: the list then starts as the whole one does (lazy-evidence.ts).
 */
export function unusedSeverityEvidence(facts: IdentityFacts, catalog: AwsActionCatalog, room = Infinity): Evidence[] {
  const levels = facts.audit.granted.byAccessLevel;
  const writes = (levels.Write ?? 0) + (levels['Permissions management'] ?? 0);
  const incomplete = facts.audit.errors.length + facts.audit.granted.unknownActions.length;
  const evidence: Evidence[] = [environmentEvidence(facts)];
  evidence.push({
    kind: 'note',
    summary: writes > 0
      ? `grants ${writes} Write/Permissions management action(s) (${levels.Write ?? 0} Write, ${levels['Permissions management'] ?? 0} Permissions management) of ${facts.audit.granted.actions} granted`
      : `grants no Write or Permissions management action (${facts.audit.granted.actions} granted action(s))`,
    detail: { byAccessLevel: levels, grantedActions: facts.audit.granted.actions, policies: facts.audit.policies },
  });
  if (incomplete > 0) {
    evidence.push({
      kind: 'coverage',
      summary: `the grant is incomplete: ${facts.audit.errors.length} unreadable polic(ies), ${facts.audit.granted.unknownActions.length} action name(s) the catalog does not know; weighed as able to write`,
      detail: { errors: facts.audit.errors, unknownActions: facts.audit.granted.unknownActions },
    });
  }
  if (writes > 0 && evidence.length < room) evidence.push(...statementsEvidence(facts.grant, catalog, writeActions(facts, catalog), 'Write/Permissions management', 3));
  return evidence;
}

/** Days from `iso` to the as-of moment (negative when after it). */
export function daysBefore(iso: string, window: AuditWindow): number {
  return daysBetween(iso, window.asOf);
}
