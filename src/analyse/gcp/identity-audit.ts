/**
 * A service account in the JSON report's identity shape: permissions play
 * the part of actions, the permission's service prefix (`storage` of
 * `storage.objects.get`) the part of a service, and bindings the part of
 * policies. GCP has no access levels, so those counts stay empty.
 */
import type { IdentityAudit, ServiceUsage, UsageStatus } from '../../report/json-schema.js';
import { MAX_UNUSED_LISTED } from '../granted-vs-used.js';
import type { AuditWindow } from '../window.js';
import { isInWindow } from '../window.js';
import type { GcpIdentityFacts } from './scan-facts.js';

type Source = IdentityAudit['usageSources'][number];

const serviceOf = (permission: string): string => permission.slice(0, permission.indexOf('.'));

function sourcesOf(facts: Omit<GcpIdentityFacts, 'audit'>): Source[] {
  const sources: Source[] = [];
  if (facts.authenticationObserved.serviceAccount) sources.push('gcp-activity-analyzer');
  if (facts.usage.calls.size) sources.push('gcp-audit-logs');
  if (facts.usage.insights.length) sources.push('gcp-recommender');
  return sources;
}

function services(facts: Omit<GcpIdentityFacts, 'audit'>): ServiceUsage[] {
  const { usage, grant } = facts;
  const byService = new Map<string, string[]>();
  for (const p of grant.permissions) {
    const s = serviceOf(p);
    const list = byService.get(s) ?? [];
    list.push(p);
    byService.set(s, list);
  }
  const conditional = new Set(grant.held.filter((h) => h.binding.condition).flatMap((h) => h.permissions ?? []));
  // Services an insight observes: those of the roles it covers, computed once.
  const insightRoles = new Set(usage.insights.map((i) => i.role));
  const observedServices = new Set(grant.held.filter((h) => insightRoles.has(h.binding.role)).flatMap((h) => (h.permissions ?? []).map(serviceOf)));
  const sourcesFor = (s: string): Source[] => (observedServices.has(s) ? ['gcp-recommender'] : []);
  return [...byService]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, permissions]) => {
      const used = permissions.filter((p) => usage.used.has(p)).sort();
      const unused = permissions.filter((p) => usage.unused.has(p)).sort();
      const unknown = permissions.length - used.length - unused.length;
      const status: UsageStatus = used.length ? 'used' : unknown === 0 ? 'unused' : 'unknown';
      const lastUsed = used.map((p) => usage.calls.get(p)?.lastSeen).filter((t): t is string => !!t).sort().at(-1);
      return {
        service,
        status,
        observedBy: sourcesFor(service),
        granted: permissions.length,
        unrestricted: permissions.filter((p) => !conditional.has(p)).length,
        byAccessLevel: {},
        used: used.length,
        unused: unused.length,
        unknown,
        lastUsed,
        usedActions: used.map((p) => {
          const calls = usage.calls.get(p);
          return {
            action: p,
            status: 'used' as const,
            lastUsed: calls?.lastSeen,
            sources: [...(calls?.count ? (['gcp-audit-logs'] as Source[]) : []), ...(usage.insights.some((i) => i.exercised.includes(p)) ? (['gcp-recommender'] as Source[]) : [])],
            calls: calls?.count,
            denied: calls?.denied || undefined,
            unrestricted: !conditional.has(p),
          };
        }),
        unusedActions: unused.slice(0, MAX_UNUSED_LISTED),
        unusedActionsOmitted: unused.length > MAX_UNUSED_LISTED ? unused.length - MAX_UNUSED_LISTED : undefined,
        unusedByAccessLevel: {},
      };
    });
}

export function gcpIdentityAudit(facts: Omit<GcpIdentityFacts, 'audit'>, window: AuditWindow): IdentityAudit {
  const { identity, grant, usage } = facts;
  const svc = services(facts);
  const granted = grant.permissions.size;
  const last = facts.lastAuthenticated;
  const status: UsageStatus =
    last && isInWindow(last.at, window) ? 'used' : facts.authenticationObserved.serviceAccount ? 'unused' : 'unknown';
  const countServices = (pick: (s: ServiceUsage) => number) => svc.filter((s) => pick(s) > 0).length;
  return {
    arn: identity.arn,
    provider: 'gcp',
    accountId: identity.accountId,
    accountAlias: facts.project?.alias,
    kind: identity.kind,
    name: identity.name,
    tags: identity.tags,
    status,
    lastUsed: last && { at: last.at, source: last.source === 'activity-analyzer' ? 'gcp-activity-analyzer' : 'gcp-audit-logs' },
    usageSources: sourcesOf(facts),
    credentials: facts.keys.map((k) => ({
      id: k.credential.id,
      kind: k.detail?.keyType === 'SYSTEM_MANAGED' ? 'service-account-key (system-managed)' : k.credential.kind,
      active: k.credential.active,
      createdAt: k.credential.createdAt,
      lastUsedAt: k.lastAuthenticated,
      ageDays: k.credential.createdAt ? Math.floor((Date.parse(window.asOf) - Date.parse(k.credential.createdAt)) / 86_400_000) : undefined,
      calls: k.calls,
    })),
    policies: grant.held.map((h) => ({
      name: h.binding.role,
      kind: `binding:${h.binding.level}${h.binding.condition ? ':conditional' : ''}`,
      arn: h.binding.resource,
    })),
    granted: {
      actions: granted,
      unrestricted: svc.reduce((n, s) => n + s.unrestricted, 0),
      services: svc.length,
      byAccessLevel: {},
      unknownActions: grant.unknownRoles.map((u) => ({ action: u.role, policy: u.resource })),
      partialDenies: grant.partiallyDenied.size,
    },
    used: { actions: usage.used.size, services: countServices((s) => s.used) },
    unused: { actions: usage.unused.size, services: countServices((s) => s.unused) },
    unknown: { actions: usage.unknown.size, services: countServices((s) => s.unknown) },
    usedRatio: granted ? usage.used.size / granted : null,
    unusedRatio: granted ? usage.unused.size / granted : null,
    deniedCalls: [...usage.calls].filter(([, c]) => c.denied > 0).map(([action, c]) => ({ action, count: c.denied })),
    services: svc,
    errors: grant.unknownRoles.map((u) => `role ${u.role} on ${u.resource} is not in the role catalog`),
  };
}
