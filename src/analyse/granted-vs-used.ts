/**
 * Granted vs used for one identity over a window: pure, over stored data.
 *
 * "Unused" is a claim a source must be able to make. A service or action is
 * unused only when a source that observes it (Access Advisor for the
 * services it lists and the actions it tracks; CloudTrail for management
 * events in an account whose every window day was ingested) saw no use.
 * Everything else is `unknown`, never silently clean.
 */
import type { AccessAdvisorReport, Credential, Identity, PolicyAttachment, UsageSource } from '../model/domain.js';
import type { ActionUsage, CredentialAudit, IdentityAudit, ServiceUsage, UsageStatus } from '../report/json-schema.js';
import type { AuditWindow } from './window.js';
import { isInWindow, daysBetween } from './window.js';

/** One granted catalog action, as analysis needs it. */
export interface GrantedAction {
  key: string;
  service: string;
  accessLevel: string;
  unrestricted: boolean;
  /** Recorded by a management-events trail (not a data event). */
  managementEvent: boolean;
}

/** What the effective-grant engine tells analysis about one identity. */
export interface GrantView {
  /** Granted actions grouped by service prefix. */
  byService(): Map<string, GrantedAction[]>;
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
  usage: UsageRow[];
  accessAdvisor?: AccessAdvisorReport;
  /** CloudTrail was ingested for every day of the window in this identity's account. */
  cloudTrailCoversWindow: boolean;
  /** CloudTrail was ingested for some day of the window in this account. */
  cloudTrailSeen: boolean;
  serviceName?: (service: string) => string | undefined;
  window: AuditWindow;
}

interface Evidence {
  lastUsed?: string;
  sources: Set<UsageSource>;
  calls: number;
  denied: number;
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

function noteUse(map: Map<string, Evidence>, key: string, at: string | undefined, source: UsageSource, calls = 0): void {
  const e = map.get(key) ?? { sources: new Set<UsageSource>(), calls: 0, denied: 0 };
  e.lastUsed = later(e.lastUsed, at);
  e.sources.add(source);
  e.calls += calls;
  map.set(key, e);
}

const lower = (s: string) => s.toLowerCase();

export function auditIdentity(input: IdentityAuditInput): IdentityAudit {
  const { identity, window } = input;
  const inWindow = (at: string | undefined) => at !== undefined && isInWindow(at, window);

  // Evidence of use in the window, by action (lower-cased key) and by service.
  const actionUse = new Map<string, Evidence>();
  const serviceUse = new Map<string, Evidence>();
  const deniedCalls = new Map<string, number>();
  const callsByCredential = new Map<string, number>();

  for (const row of input.usage) {
    if (row.denied > 0) deniedCalls.set(row.action, (deniedCalls.get(row.action) ?? 0) + row.denied);
    callsByCredential.set(row.credentialId, (callsByCredential.get(row.credentialId) ?? 0) + row.count);
    if (row.count === 0) continue;
    noteUse(actionUse, lower(row.action), row.lastSeen, 'cloudtrail', row.count);
    noteUse(serviceUse, lower(row.action.split(':')[0] ?? ''), row.lastSeen, 'cloudtrail', row.count);
  }

  // Access Advisor: services it lists are observed; tracked actions are observed individually.
  const aaServices = new Set<string>();
  const aaActions = new Set<string>();
  const aa = input.accessAdvisor;
  if (aa) {
    for (const svc of aa.services) {
      const ns = lower(svc.namespace);
      aaServices.add(ns);
      if (inWindow(svc.lastAuthenticated)) noteUse(serviceUse, ns, svc.lastAuthenticated, 'access-advisor');
      for (const tracked of svc.trackedActions ?? []) {
        // Exports name tracked actions with or without the service prefix.
        const key = lower(tracked.action.includes(':') ? tracked.action : `${svc.namespace}:${tracked.action}`);
        aaActions.add(key);
        if (inWindow(tracked.lastAccessed)) noteUse(actionUse, key, tracked.lastAccessed, 'access-advisor');
      }
    }
  }

  const services: ServiceUsage[] = [];
  const totals = { granted: 0, unrestricted: 0, used: 0, unused: 0, unknown: 0 };
  const usedServices = { used: 0, unused: 0, unknown: 0 };
  const identityLevels: Record<string, number> = {};

  for (const [service, actions] of [...input.grant.byService()].sort(([a], [b]) => a.localeCompare(b))) {
    const svcKey = lower(service);
    const svcEvidence = serviceUse.get(svcKey);
    const aaListsService = aaServices.has(svcKey);
    // Access Advisor saw the service used but CloudTrail saw none of its calls (another region, a
    // trail gap): CloudTrail's silence about this service is not evidence of non-use.
    const cloudTrailContradicted = svcEvidence !== undefined && !svcEvidence.sources.has('cloudtrail');
    const cloudTrailSpeaks = input.cloudTrailCoversWindow && !cloudTrailContradicted;
    const observedBy = new Set<UsageSource>();
    if (aaListsService) observedBy.add('access-advisor');
    if (input.cloudTrailSeen) observedBy.add('cloudtrail');

    const byAccessLevel: Record<string, number> = {};
    const usedActions: ActionUsage[] = [];
    const unusedActions: string[] = [];
    let used = 0;
    let unused = 0;
    let unknown = 0;
    let unrestricted = 0;

    for (const action of actions) {
      byAccessLevel[action.accessLevel] = (byAccessLevel[action.accessLevel] ?? 0) + 1;
      identityLevels[action.accessLevel] = (identityLevels[action.accessLevel] ?? 0) + 1;
      if (action.unrestricted) unrestricted++;
      const key = lower(action.key);
      const evidence = actionUse.get(key);
      let status: UsageStatus;
      if (evidence) status = 'used';
      else if (aaActions.has(key)) status = 'unused';
      else if (aaListsService && !svcEvidence) status = 'unused';
      else if (cloudTrailSpeaks && action.managementEvent) status = 'unused';
      else status = 'unknown';

      if (status === 'used' && evidence) {
        used++;
        usedActions.push({
          action: action.key,
          accessLevel: action.accessLevel,
          status,
          lastUsed: evidence.lastUsed,
          sources: [...evidence.sources],
          calls: evidence.calls || undefined,
          denied: deniedCalls.get(action.key),
          unrestricted: action.unrestricted,
        });
      } else if (status === 'unused') {
        unused++;
        unusedActions.push(action.key);
      } else unknown++;
    }

    // A service is used if any source saw it used, even when no single action can be named.
    const status: UsageStatus = svcEvidence
      ? 'used'
      : used > 0
        ? 'used'
        : unknown === 0
          ? 'unused'
          : 'unknown';
    if (status === 'used') usedServices.used++;
    else if (status === 'unused') usedServices.unused++;
    else usedServices.unknown++;

    totals.granted += actions.length;
    totals.unrestricted += unrestricted;
    totals.used += used;
    totals.unused += unused;
    totals.unknown += unknown;

    services.push({
      service,
      name: input.serviceName?.(service),
      status,
      observedBy: [...observedBy],
      granted: actions.length,
      unrestricted,
      byAccessLevel,
      used,
      unused,
      unknown,
      lastUsed: svcEvidence?.lastUsed,
      usedActions: usedActions.sort((a, b) => a.action.localeCompare(b.action)),
      unusedActions: unusedActions.sort(),
    });
  }

  const credentials = input.credentials.map((c) => credentialAudit(c, callsByCredential, window));
  const lastUsed = identityLastUse(input);
  const usageSources = new Set<UsageSource>();
  if (input.cloudTrailSeen) usageSources.add('cloudtrail');
  if (aa) usageSources.add('access-advisor');
  if (input.credentials.some((c) => c.kind === 'access-key' || c.kind === 'password'))
    usageSources.add('credential-report');
  if (identity.lastUsed) usageSources.add(identity.lastUsed.source);

  const identityStatus: UsageStatus =
    lastUsed && isInWindow(lastUsed.at, window)
      ? 'used'
      : identitySilenceIsObserved(input)
        ? 'unused'
        : 'unknown';

  return {
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
    policies: input.attachments.map((a) => ({
      name: a.policyName,
      kind: a.kind,
      arn: a.policyArn,
      group: a.groupName,
    })),
    granted: {
      actions: totals.granted,
      unrestricted: totals.unrestricted,
      services: services.length,
      byAccessLevel: identityLevels,
      unknownActions: input.grant.unknownActions,
      partialDenies: input.grant.partialDenies,
    },
    used: { actions: totals.used, services: usedServices.used },
    unused: { actions: totals.unused, services: usedServices.unused },
    unknown: { actions: totals.unknown, services: usedServices.unknown },
    usedRatio: totals.granted ? round(totals.used / totals.granted) : null,
    unusedRatio: totals.granted ? round(totals.unused / totals.granted) : null,
    deniedCalls: [...deniedCalls]
      .map(([action, count]) => ({ action, count }))
      .sort((a, b) => b.count - a.count || a.action.localeCompare(b.action)),
    services,
    errors: input.grant.errors,
  };
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

