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
import type { AccessAdvisorReport, AccessLevel, Credential, Identity, PolicyAttachment, UsageSource } from '../model/domain.js';
import type { ActionUsage, CredentialAudit, IdentityAudit, ServiceUsage, UsageStatus } from '../report/json-schema.js';
import type { AuditWindow } from './window.js';
import { isInWindow, daysBetween } from './window.js';

/** Unused action names listed per service in the report; the counts are always complete. */
export const MAX_UNUSED_LISTED = 100;

const LISTING_ORDER: Record<AccessLevel, number> = { 'Permissions management': 0, Write: 1, Tagging: 2, Read: 3, List: 4 };
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
}

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

/** The audit, plus the used and unused actions as sets for rules that weigh them against grants. */
export interface IdentityUsageSets {
  audit: IdentityAudit;
  /** Granted actions seen used in the window. */
  used: ActionSet;
  /** Granted actions a source observed and saw unused (never the unknown ones). */
  unused: ActionSet;
}

export function auditIdentity(input: IdentityAuditInput): IdentityAudit {
  return auditIdentityWithSets(input).audit;
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

  // Access Advisor: services it lists are observed; tracked actions are observed one by one.
  const aaServices = new Set<string>();
  const tracked = ActionSet.empty(catalog.size);
  const aa = input.accessAdvisor;
  for (const svc of aa?.services ?? []) {
    const ns = lower(svc.namespace);
    aaServices.add(ns);
    if (inWindow(svc.lastAuthenticated)) noteUse(serviceUse, ns, svc.lastAuthenticated, 'access-advisor');
    for (const t of svc.trackedActions ?? []) {
      // Exports name tracked actions with or without the service prefix.
      const key = lower(t.action.includes(':') ? t.action : `${svc.namespace}:${t.action}`);
      const index = catalog.indexOf(key);
      if (index !== undefined) tracked.add(index);
      if (inWindow(t.lastAccessed)) noteUse(actionUse, key, t.lastAccessed, 'access-advisor');
    }
  }

  // Granted actions with evidence of use, by service.
  const used = ActionSet.empty(catalog.size);
  for (const key of actionUse.keys()) {
    const index = catalog.indexOf(key);
    if (index !== undefined && grant.actions.has(index)) used.add(index);
  }
  // What each kind of source can call unused, as sets over the whole catalog (cheap word operations);
  // each service then takes the one that applies to it.
  const trackedUnused = tracked.intersect(grant.actions).subtractWith(used);
  const trailAndTrackedUnused = input.cloudTrailCoversWindow
    ? grant.actions.intersect(input.managementActions).subtractWith(used).unionWith(trackedUnused)
    : trackedUnused;
  let allUnused: ActionSet | undefined;
  // Only services granted to the identity are walked below; the union starts as the common case.
  const unusedAll = trailAndTrackedUnused.clone();

  const services: ServiceUsage[] = [];
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

    const usedActions = used.countRange(range.start, range.end) ? usedActionsIn(range, used, actionUse, deniedCalls, grant, catalog) : NONE;
    const { unused, unusedActions, unusedByLevel } = unusedIn(range, unusedSet, catalog);
    // Most services take the identity-wide set; the exceptions are copied into the union by hand.
    if (unusedSet !== trailAndTrackedUnused) {
      trailAndTrackedUnused.forEachInRange(range.start, range.end, (i) => void unusedAll.delete(i));
      unusedSet.forEachInRange(range.start, range.end, (i) => void unusedAll.add(i));
    }
    const usedCount = usedActions.length;
    const unknown = summary.granted - usedCount - unused;
    const status: UsageStatus = svcEvidence || usedCount > 0 ? 'used' : unknown === 0 ? 'unused' : 'unknown';
    serviceTotals[status]++;
    totals.granted += summary.granted;
    totals.unrestricted += summary.unrestricted;
    totals.used += usedCount;
    totals.unused += unused;
    totals.unknown += unknown;
    for (const [level, n] of Object.entries(summary.byAccessLevel)) if (n) levels[level] = (levels[level] ?? 0) + n;

    const observedBy: UsageSource[] = [];
    if (aaListsService) observedBy.push('access-advisor');
    if (input.cloudTrailSeen) observedBy.push('cloudtrail');
    services.push({
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
      unusedActions,
      unusedActionsOmitted: unused - unusedActions.length || undefined,
      unusedByAccessLevel: unusedByLevel,
    });
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

  const audit: IdentityAudit = {
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
  return { audit, used, unused: unusedAll };
}


/** Shared by every service with nothing to list; frozen so no caller can fill it for all. */
const NONE = Object.freeze([]) as unknown as never[];

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
 * Counts one service's unused actions per access level in a single pass, and
 * names up to MAX_UNUSED_LISTED of them, permissions management and write first.
 */
function unusedIn(
  range: { start: number; end: number },
  unusedSet: ActionSet,
  catalog: AwsActionCatalog,
): { unused: number; unusedActions: string[]; unusedByLevel: Record<string, number> } {
  const unused = unusedSet.countRange(range.start, range.end);
  if (unused === 0) return { unused, unusedActions: NONE, unusedByLevel: {} };
  const buckets: number[][] = [[], [], [], [], []];
  const counts = [0, 0, 0, 0, 0];
  unusedSet.forEachInRange(range.start, range.end, (i) => {
    const order = LISTING_ORDER[catalog.accessLevelAt(i)];
    counts[order]!++;
    const bucket = buckets[order]!;
    if (bucket.length < MAX_UNUSED_LISTED) bucket.push(i);
  });
  const unusedByLevel: Record<string, number> = {};
  LEVELS_BY_ORDER.forEach((level, order) => {
    if (counts[order]) unusedByLevel[level] = counts[order]!;
  });
  const unusedActions = buckets.flat().slice(0, MAX_UNUSED_LISTED).map((i) => catalog.keyAt(i));
  return { unused, unusedActions, unusedByLevel };
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
  if (input.accessAdvisor) return true;
  const { identity } = input;
  // RoleLastUsed alone cannot show silence: exports omit it both for unused roles and when not collected.
  if (identity.kind === 'role') return false;
  return input.credentials.length > 0 && input.credentials.every((c) => c.active !== null);
}

