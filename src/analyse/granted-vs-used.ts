/**
 * Granted vs used for one identity over a window: pure, over stored data.
 *
 * "Unused" is a claim a source must be able to make. A service or action is
 * unused only when a source that observes it (Access Advisor for the
 * services it lists and the actions it tracks; CloudTrail for management
 * events in an account whose every window day was ingested) saw no use.
 * Everything else is `unknown`, never silently clean.
 *
 * Work is done on action bitsets, not per-action objects: an administrator
 * holds ~22,000 actions and an audit may cover 10,000 identities.
 */
import { ActionSet } from '../catalog/action-set.js';
import type { AwsActionCatalog } from '../catalog/aws-actions.js';
import { RangeInterner } from '../catalog/range-interner.js';
import type { AccessAdvisorReport, AccessLevel, Credential, Identity, PolicyAttachment, UsageSource } from '../model/domain.js';
import type { ActionUsage, CredentialAudit, IdentityAudit, ServiceUsage, UsageStatus } from '../report/json-schema.js';
import type { AuditWindow } from './window.js';
import { isInWindow, daysBetween } from './window.js';
import { copyWith } from '../util/copy-with.js';

/** Unused action names listed per service in the report; the counts are always complete. */
export const MAX_UNUSED_LISTED = 100;

const LISTING_ORDER: Record<AccessLevel, number> = { 'Permissions management': 0, Write: 1, Tagging: 2, Read: 3, List: 4 };
/** The order the grant summary lists access levels in. */
const GRANT_LEVEL_ORDER: readonly AccessLevel[] = ['List', 'Read', 'Write', 'Tagging', 'Permissions management'];
const LEVELS_BY_ORDER = (Object.keys(LISTING_ORDER) as AccessLevel[]).sort((a, b) => LISTING_ORDER[a] - LISTING_ORDER[b]);

/** What the effective-grant engine tells analysis about one identity. */
export interface GrantView {
  actions: ActionSet;
  /** Granted on every resource with no condition. */
  unrestricted: ActionSet;
  /** Per service with at least one granted action. */
  services: readonly { service: string; title?: string; granted: number; unrestricted: number; byAccessLevel: Record<string, number> }[];
  unknownActions: { action: string; policy: string }[];
  partialDenies: number;
  errors: string[];
}

/** CloudTrail usage for one identity, aggregated over the window per (credential, action). */
export interface UsageRow {
  credentialId: string;
  action: string;
  count: number;
  denied: number;
  lastSeen: string;
}

export interface IdentityAuditInput {
  identity: Identity;
  accountAlias?: string;
  credentials: Credential[];
  attachments: PolicyAttachment[];
  grant: GrantView;
  catalog: AwsActionCatalog;
  /** Catalog actions a management-events trail records (see catalog/cloudtrail-observability.ts). */
  managementActions: ActionSet;
  usage: UsageRow[];
  accessAdvisor?: AccessAdvisorReport;
  /** CloudTrail was ingested for every day of the window in this identity's account. */
  cloudTrailCoversWindow: boolean;
  /** CloudTrail was ingested for some day of the window in this account. */
  cloudTrailSeen: boolean;
  window: AuditWindow;
  /**
   * Shared service lines of one audit (see SharedServiceFacts): a service
   * nothing of which was used is the same line for every identity holding
   * the same bits of it. Without it every identity gets its own.
   */
  shared?: SharedServiceFacts;
}

/**
 * Service lines with no use, one per distinct (service, sources observing it,
 * granted, unrestricted and unused actions of it), shared by the identities of
 * one audit. Names and evidence derived from a shared line are then worked out
 * once per line (unusedNamesOf, withUnusedNames).
 */
export class SharedServiceFacts {
  readonly lines = new RangeInterner<ServiceFacts>();
  private buffer: ActionSet | undefined;

  /** A dense set to work an identity's unused actions out in, reused for the next one (only the compact result is kept). */
  unusedBuffer(size: number): ActionSet {
    if (this.buffer?.capacity !== size) this.buffer = ActionSet.empty(size);
    return this.buffer.clear();
  }
}

/** Lines made by a SharedServiceFacts: their unused bits are part of their identity, so names derived from them can be kept on them. */
const sharedLines = new WeakSet<ServiceFacts>();
const namesOfShared = new WeakMap<ServiceFacts, string[]>();
const namedShared = new WeakMap<ServiceFacts, ServiceUsage>();

interface Evidence {
  lastUsed?: string;
  sources: Set<UsageSource>;
  calls: number;
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

function noteUse(map: Map<string, Evidence>, key: string, at: string | undefined, source: UsageSource, calls = 0): void {
  const e = map.get(key) ?? { sources: new Set<UsageSource>(), calls: 0 };
  e.lastUsed = later(e.lastUsed, at);
  e.sources.add(source);
  e.calls += calls;
  map.set(key, e);
}

const lower = (s: string) => s.toLowerCase();
const serviceOf = (action: string) => action.slice(0, Math.max(0, action.indexOf(':')));

/**
 * A service's granted vs used without the names of its unused actions: an
 * administrator has hundreds of services and most are never listed (the
 * report keeps a few per identity), so names come on demand from the unused
 * set (`unusedActionNames`, `withUnusedNames`).
 */
export type ServiceFacts = Omit<ServiceUsage, 'unusedActions'>;
export type AuditFacts = Omit<IdentityAudit, 'services'> & { services: ServiceFacts[] };

/** The audit, plus the used and unused actions as sets for rules that weigh them against grants. */
export interface IdentityUsageSets {
  audit: AuditFacts;
  /** Granted actions seen used in the window. */
  used: ActionSet;
  /** Granted actions a source observed and saw unused (never the unknown ones). */
  unused: ActionSet;
}

/** The complete audit of one identity, every service with its unused actions named. */
export function auditIdentity(input: IdentityAuditInput): IdentityAudit {
  const { audit, unused } = auditIdentityWithSets(input);
  return { ...audit, services: audit.services.map((s) => withUnusedNames(s, unused, input.catalog)) };
}

/** The service as the report shows it: with up to MAX_UNUSED_LISTED unused actions named (`unused`: the identity's unused set). */
export function withUnusedNames(service: ServiceFacts, unused: ActionSet, catalog: AwsActionCatalog): ServiceUsage {
  if (!sharedLines.has(service)) return copyWith(service, { unusedActions: unusedActionNames(unused, service.service, catalog) });
  let named = namedShared.get(service);
  if (!named) namedShared.set(service, (named = copyWith(service, { unusedActions: unusedNamesOf(service, unused, catalog) })));
  return named;
}

/** unusedActionNames of one of the identity's service lines (`unused`: the identity's unused set); once per shared line. */
export function unusedNamesOf(service: ServiceFacts, unused: ActionSet, catalog: AwsActionCatalog): string[] {
  if (!sharedLines.has(service)) return unusedActionNames(unused, service.service, catalog);
  let names = namesOfShared.get(service);
  if (!names) namesOfShared.set(service, (names = unusedActionNames(unused, service.service, catalog)));
  return names;
}

/** Up to MAX_UNUSED_LISTED unused actions of one service, permissions management and write first. */
export function unusedActionNames(unused: ActionSet, service: string, catalog: AwsActionCatalog): string[] {
  const range = catalog.service(service);
  return range ? listUnused(range, unused, catalog) : NONE;
}

/**
 * One service's line of an identity's audit. A module function, not a closure in the loop over services:
 * tsx names every named closure as it is made (Object.defineProperty), which per identity and service adds up.
 */
function serviceFactsLine(
  summary: GrantView['services'][number],
  range: { start: number; end: number },
  observed: number,
  svcEvidence: Evidence | undefined,
  used: ActionSet,
  unusedSet: ActionSet,
  actionUse: Map<string, Evidence>,
  deniedCalls: Map<string, number>,
  grant: GrantView,
  catalog: AwsActionCatalog,
): ServiceFacts {
  const usedActions = used.countRange(range.start, range.end) ? usedActionsIn(range, used, actionUse, deniedCalls, grant, catalog) : NONE;
  return serviceLine(summary, OBSERVED_BY[observed]!, svcEvidence, usedActions, unusedCounts(range, unusedSet, catalog));
}

export function auditIdentityWithSets(input: IdentityAuditInput): IdentityUsageSets {
  const { identity, window, catalog, grant } = input;
  const inWindow = (at: string | undefined) => at !== undefined && isInWindow(at, window);

  // Evidence of use in the window, by action (lower-cased) and by service.
  const actionUse = new Map<string, Evidence>();
  const serviceUse = new Map<string, Evidence>();
  const deniedCalls = new Map<string, number>();
  const callsByCredential = new Map<string, number>();
  for (const row of input.usage) {
    if (row.denied > 0) deniedCalls.set(row.action, (deniedCalls.get(row.action) ?? 0) + row.denied);
    callsByCredential.set(row.credentialId, (callsByCredential.get(row.credentialId) ?? 0) + row.count);
    if (row.count === 0) continue;
    noteUse(actionUse, lower(row.action), row.lastSeen, 'cloudtrail', row.count);
    noteUse(serviceUse, lower(serviceOf(row.action)), row.lastSeen, 'cloudtrail', row.count);
  }

  // Access Advisor: services it lists are observed; tracked actions are observed one by one. A
  // report from a job that completed well before the window ends still shows use, but its silence
  // says nothing about the days after the job.
  const aaServices = new Set<string>();
  const aa = input.accessAdvisor;
  // Written to only with a report to read; without one it is the catalog's shared empty set.
  const tracked = aa ? ActionSet.empty(catalog.size) : catalog.none();
  const aaSpeaksForWindow = aa !== undefined && accessAdvisorCoversWindow(aa, window);
  for (const svc of aa?.services ?? []) {
    const ns = lower(svc.namespace);
    if (aaSpeaksForWindow) aaServices.add(ns);
    if (inWindow(svc.lastAuthenticated)) noteUse(serviceUse, ns, svc.lastAuthenticated, 'access-advisor');
    for (const t of svc.trackedActions ?? []) {
      // Exports name tracked actions with or without the service prefix.
      const key = lower(t.action.includes(':') ? t.action : `${svc.namespace}:${t.action}`);
      const index = catalog.indexOf(key);
      if (index !== undefined && aaSpeaksForWindow) tracked.add(index);
      if (inWindow(t.lastAccessed)) noteUse(actionUse, key, t.lastAccessed, 'access-advisor');
    }
  }

  // Granted actions with evidence of use, by service. Most identities of a large audit used nothing and
  // Access Advisor tracked nothing: they share the catalog's empty set (never written to) instead of one each.
  const used = actionUse.size ? ActionSet.empty(catalog.size) : catalog.none();
  for (const key of actionUse.keys()) {
    const index = catalog.indexOf(key);
    if (index !== undefined && grant.actions.has(index)) used.add(index);
  }
  // What each kind of source can call unused, as sets over the whole catalog (cheap word operations);
  // each service then takes the one that applies to it.
  const trackedUnused = tracked.isEmpty() ? catalog.none() : tracked.intersect(grant.actions).subtractWith(used);
  // Worked out in the audit's reused buffer when there is one: a dense set per identity is a 2.8 KB allocation outside the heap.
  const buffer = input.cloudTrailCoversWindow ? (input.shared?.unusedBuffer(catalog.size) ?? ActionSet.empty(catalog.size)) : undefined;
  const trailAndTrackedUnused = buffer
    ? buffer.unionWith(grant.actions).intersectWith(input.managementActions).subtractWith(used).unionWith(trackedUnused)
    : trackedUnused;
  let allUnused: ActionSet | undefined;
  // Only services granted to the identity are walked below; the union starts as the common case, copied
  // only when some service takes another set (the common case's set is then still read by later services).
  let unusedAll = trailAndTrackedUnused;

  const services: ServiceFacts[] = [];
  const totals = { granted: 0, unrestricted: 0, used: 0, unused: 0, unknown: 0 };
  const serviceTotals = { used: 0, unused: 0, unknown: 0 };
  const levels: Record<string, number> = {};

  for (const summary of grant.services) {
    const range = catalog.service(summary.service);
    if (!range) continue;
    const svcKey = lower(summary.service);
    const svcEvidence = serviceUse.get(svcKey);
    const aaListsService = aaServices.has(svcKey);
    // Access Advisor saw the service used but CloudTrail saw none of its calls (another region, a
    // trail gap): CloudTrail's silence about this service is not evidence of non-use.
    const cloudTrailContradicted = svcEvidence !== undefined && !svcEvidence.sources.has('cloudtrail');
    // Unused: every granted action of a service Access Advisor saw untouched; otherwise the
    // tracked actions and (where CloudTrail speaks) the management actions, less the used ones.
    const unusedSet =
      aaListsService && !svcEvidence
        ? (allUnused ??= grant.actions.subtract(used))
        : cloudTrailContradicted
          ? trackedUnused
          : trailAndTrackedUnused;

    // Most services take the identity-wide set; the exceptions are copied into the union by hand.
    if (unusedSet !== trailAndTrackedUnused) {
      if (unusedAll === trailAndTrackedUnused) unusedAll = trailAndTrackedUnused.clone();
      unusedAll.assignRange(unusedSet, range.start, range.end);
    }
    const observed = (aaListsService ? 2 : 0) + (input.cloudTrailSeen ? 1 : 0);
    // A service with no use is the same line for every identity holding the same bits of it.
    const shareable = input.shared && !svcEvidence && used.countRange(range.start, range.end) === 0;
    const facts = shareable
      ? input.shared!.lines.intern(range.start * 4 + observed, range.start, range.end, [grant.actions, grant.unrestricted, unusedSet], () => {
          const made = serviceFactsLine(summary, range, observed, svcEvidence, used, unusedSet, actionUse, deniedCalls, grant, catalog);
          sharedLines.add(made);
          return made;
        })
      : serviceFactsLine(summary, range, observed, svcEvidence, used, unusedSet, actionUse, deniedCalls, grant, catalog);
    serviceTotals[facts.status]++;
    totals.granted += facts.granted;
    totals.unrestricted += facts.unrestricted;
    totals.used += facts.used;
    totals.unused += facts.unused;
    totals.unknown += facts.unknown;
    services.push(facts);
  }

  // Granted per access level over the whole grant: the services walked above are exactly the granted ones.
  for (const level of GRANT_LEVEL_ORDER) {
    const n = grant.actions.countRangeAnd(catalog.withAccessLevel(level), 0, catalog.size);
    if (n) levels[level] = n;
  }
  const credentials = input.credentials.map((c) => credentialAudit(c, callsByCredential, window));
  const lastUsed = identityLastUse(input);
  const usageSources = new Set<UsageSource>();
  if (input.cloudTrailSeen) usageSources.add('cloudtrail');
  if (aa) usageSources.add('access-advisor');
  if (input.credentials.some((c) => c.kind === 'access-key' || c.kind === 'password')) usageSources.add('credential-report');
  if (identity.lastUsed) usageSources.add(identity.lastUsed.source);

  const identityStatus: UsageStatus =
    lastUsed && isInWindow(lastUsed.at, window) ? 'used' : identitySilenceIsObserved(input) ? 'unused' : 'unknown';

  const audit: AuditFacts = {
    arn: identity.arn,
    provider: identity.provider,
    accountId: identity.accountId,
    accountAlias: input.accountAlias,
    kind: identity.kind,
    name: identity.name,
    tags: identity.tags,
    status: identityStatus,
    lastUsed,
    usageSources: [...usageSources],
    credentials,
    policies: input.attachments.map((a) => ({ name: a.policyName, kind: a.kind, arn: a.policyArn, group: a.groupName })),
    granted: {
      actions: totals.granted,
      unrestricted: totals.unrestricted,
      services: services.length,
      byAccessLevel: levels,
      unknownActions: grant.unknownActions,
      partialDenies: grant.partialDenies,
    },
    used: { actions: totals.used, services: serviceTotals.used },
    unused: { actions: totals.unused, services: serviceTotals.unused },
    unknown: { actions: totals.unknown, services: serviceTotals.unknown },
    usedRatio: totals.granted ? round(totals.used / totals.granted) : null,
    unusedRatio: totals.granted ? round(totals.unused / totals.granted) : null,
    deniedCalls: [...deniedCalls]
      .map(([action, count]) => ({ action, count }))
      .sort((a, b) => b.count - a.count || a.action.localeCompare(b.action)),
    services,
    errors: grant.errors,
  };
  // Kept for the whole audit (rules and suggestions weigh them): compact when they hold a few services.
  return { audit, used: used.compacted(), unused: unusedAll === buffer ? unusedAll.compactedCopy() : unusedAll.compacted() };
}


/**
 * Days an Access Advisor job may have completed before the window's last day
 * and still speak for the whole window: collection runs on or just before the
 * as-of day, and Access Advisor itself lags by hours.
 */
export const ACCESS_ADVISOR_MAX_LAG_DAYS = 2;

/** Whether the report's silence covers the window: its job completed within the allowed lag of the window's end. */
export function accessAdvisorCoversWindow(report: AccessAdvisorReport, window: AuditWindow): boolean {
  if (!report.completedAt) return false;
  const completed = Date.parse(report.completedAt);
  if (Number.isNaN(completed)) return false;
  return completed >= Date.parse(`${window.to}T00:00:00Z`) - ACCESS_ADVISOR_MAX_LAG_DAYS * 86_400_000;
}

/** One service's line of the audit. */
function serviceLine(
  summary: GrantView['services'][number],
  observedBy: UsageSource[],
  svcEvidence: Evidence | undefined,
  usedActions: ActionUsage[],
  { unused, unusedByLevel }: { unused: number; unusedByLevel: Record<string, number> },
): ServiceFacts {
  const usedCount = usedActions.length;
  const unknown = summary.granted - usedCount - unused;
  const status: UsageStatus = svcEvidence || usedCount > 0 ? 'used' : unknown === 0 ? 'unused' : 'unknown';
  return {
    service: summary.service,
    name: summary.title,
    status,
    observedBy,
    granted: summary.granted,
    unrestricted: summary.unrestricted,
    byAccessLevel: summary.byAccessLevel,
    used: usedCount,
    unused,
    unknown,
    lastUsed: svcEvidence?.lastUsed,
    usedActions,
    unusedActionsOmitted: unused > MAX_UNUSED_LISTED ? unused - MAX_UNUSED_LISTED : undefined,
    unusedByAccessLevel: unusedByLevel,
  };
}

/** Which sources observe a service, shared by every service (index: Access Advisor 2 + CloudTrail 1). */
const OBSERVED_BY: readonly UsageSource[][] = [[], ['cloudtrail'], ['access-advisor'], ['access-advisor', 'cloudtrail']].map(
  (a) => Object.freeze(a) as UsageSource[],
);

/** Shared by every service with nothing to list; frozen so no caller can fill it for all. */
const NONE = Object.freeze([]) as unknown as never[];
const NO_COUNTS: Record<string, number> = Object.freeze({}) as Record<string, number>;

/** The used actions of one service, with their evidence. */
function usedActionsIn(
  range: { start: number; end: number },
  used: ActionSet,
  actionUse: Map<string, Evidence>,
  deniedCalls: Map<string, number>,
  grant: GrantView,
  catalog: AwsActionCatalog,
): ActionUsage[] {
  const out: ActionUsage[] = [];
  used.forEachInRange(range.start, range.end, (i) => {
    const a = catalog.actionAt(i);
    const evidence = actionUse.get(lower(a.key))!;
    out.push({
      action: a.key,
      accessLevel: a.accessLevel,
      status: 'used',
      lastUsed: evidence.lastUsed,
      sources: [...evidence.sources],
      calls: evidence.calls || undefined,
      denied: deniedCalls.get(a.key),
      unrestricted: grant.unrestricted.has(i),
    });
  });
  return out;
}

/**
 * Counts one service's unused actions per access level with word operations
 * against the catalog's per-level sets: an administrator's thousands of
 * unused actions cost a few word operations per service.
 */
function unusedCounts(
  range: { start: number; end: number },
  unusedSet: ActionSet,
  catalog: AwsActionCatalog,
): { unused: number; unusedByLevel: Record<string, number> } {
  const unused = unusedSet.countRange(range.start, range.end);
  if (unused === 0) return { unused, unusedByLevel: NO_COUNTS };
  const unusedByLevel: Record<string, number> = {};
  for (const level of LEVELS_BY_ORDER) {
    const n = unusedSet.countRangeAnd(catalog.withAccessLevel(level), range.start, range.end);
    if (n) unusedByLevel[level] = n;
  }
  return { unused, unusedByLevel };
}

function listUnused(range: { start: number; end: number }, unusedSet: ActionSet, catalog: AwsActionCatalog): string[] {
  if (unusedSet.countRange(range.start, range.end) === 0) return NONE;
  const out: string[] = [];
  for (const level of LEVELS_BY_ORDER) {
    if (out.length >= MAX_UNUSED_LISTED) break;
    listInto(out, unusedSet, catalog.withAccessLevel(level), range, catalog);
  }
  return out;
}

/** Appends the names of unusedSet ∩ mask in the range, ascending, until the list is full. */
function listInto(out: string[], unusedSet: ActionSet, mask: ActionSet, range: { start: number; end: number }, catalog: AwsActionCatalog): void {
  for (let wi = range.start >>> 5; wi << 5 < range.end; wi++) {
    let word = unusedSet.word(wi) & mask.word(wi);
    while (word !== 0) {
      const i = (wi << 5) + 31 - Math.clz32(word & -word);
      word &= word - 1;
      if (i < range.start) continue;
      if (i >= range.end) return;
      out.push(catalog.keyAt(i));
      if (out.length >= MAX_UNUSED_LISTED) return;
    }
  }
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function credentialAudit(c: Credential, calls: Map<string, number>, window: AuditWindow): CredentialAudit {
  const born = c.rotatedAt ?? c.createdAt;
  return {
    id: c.id,
    kind: c.kind,
    active: c.active,
    createdAt: c.createdAt,
    rotatedAt: c.rotatedAt,
    lastUsedAt: c.lastUsedAt,
    lastUsedService: c.lastUsedService,
    lastUsedRegion: c.lastUsedRegion,
    ageDays: born ? daysBetween(born, window.asOf) : undefined,
    calls: calls.get(c.id) ?? 0,
  };
}

/** The most recent use of the identity by any source, with the source named. */
function identityLastUse(input: IdentityAuditInput): IdentityAudit['lastUsed'] {
  const candidates: { at: string; source: UsageSource; detail?: string }[] = [];
  for (const row of input.usage)
    if (row.count > 0) candidates.push({ at: row.lastSeen, source: 'cloudtrail', detail: row.action });
  for (const svc of input.accessAdvisor?.services ?? [])
    if (svc.lastAuthenticated) candidates.push({ at: svc.lastAuthenticated, source: 'access-advisor', detail: svc.namespace });
  for (const c of input.credentials)
    if (c.lastUsedAt)
      candidates.push({ at: c.lastUsedAt, source: 'credential-report', detail: c.lastUsedService ? `${c.id} via ${c.lastUsedService}` : c.id });
  if (input.identity.lastUsed)
    candidates.push({ at: input.identity.lastUsed.at, source: input.identity.lastUsed.source, detail: input.identity.lastUsed.region });
  let best: (typeof candidates)[number] | undefined;
  for (const c of candidates) if (!Number.isNaN(Date.parse(c.at)) && (!best || Date.parse(c.at) > Date.parse(best.at))) best = c;
  return best;
}

/**
 * Whether "no use seen" is itself evidence: a source that would have seen
 * this identity act in the window (CloudTrail over the whole window, Access
 * Advisor, a credential report covering all its credentials, RoleLastUsed).
 */
function identitySilenceIsObserved(input: IdentityAuditInput): boolean {
  if (input.cloudTrailCoversWindow) return true;
  if (input.accessAdvisor && accessAdvisorCoversWindow(input.accessAdvisor, input.window)) return true;
  const { identity } = input;
  // RoleLastUsed alone cannot show silence: exports omit it both for unused roles and when not collected.
  if (identity.kind === 'role') return false;
  return input.credentials.length > 0 && input.credentials.every((c) => c.active !== null);
}

