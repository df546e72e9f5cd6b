/**
 * gcloud/API JSON -> Snapshot (provider 'gcp'). Pure: the same objects the
 * live collectors fetch go through here too. Missing inputs become coverage
 * gaps; secrets never pass (key listings carry no private key material, and
 * any `privateKeyData` a file might hold is not copied).
 */
import type { AccountInfo, CoverageEntry, Credential, Identity, IngestedObject, Snapshot, UsageDay } from '../../../model/domain.js';
import type {
  GcpBinding,
  GcpBindingLevel,
  GcpDenyRule,
  GcpKeyDetail,
  GcpLastAuthentication,
  GcpLogCursor,
  GcpPermissionInsight,
  GcpResource,
  GcpRole,
  GcpRoleRecommendation,
  GcpServiceAccountDetail,
} from '../../../model/gcp.js';
import { NEVER_EXPIRES, serviceAccountOfMember } from '../../../model/gcp.js';
import type { GcpActivityWire, GcpAllowPolicy, GcpAuditLogEntryWire, GcpDenyPolicyWire, GcpInsightWire, GcpProjectWire } from '../../../model/gcp-wire.js';
import { roleFromWire } from '../../../catalog/gcp-roles.js';
import type { ScanExtras } from '../../../store/index.js';
import { attachmentResource } from '../../../analyse/gcp/deny.js';
import { aggregateAuditLogs } from './audit-logs.js';
import { effectiveTags, roleRecommendations } from './recommendations.js';
import { isoTime } from './iso-time.js';
import type { GcpExportFiles, GcpNodeFiles, GcpProjectFiles } from './read-gcp-export.js';

export interface GcpSnapshotOptions {
  source: string;
  collectedAt: string;
  /** True when audit-log entries with this file digest are already in the store's usage. */
  alreadyIngested: (digest: string) => boolean;
  /** Where audit-log reading of a project has got to in the store (overlapping reads are not counted twice). */
  logCursor?: (projectId: string) => GcpLogCursor | undefined;
  /** True when a warehouse query (BigQuery) loaded this log scope's day (`projects/<id>`, YYYY-MM-DD): its entries are not counted here. */
  queryOwned?: (scope: string, day: string) => boolean;
}

/** Entries of days a BigQuery load owns are that load's: one source per project and day. */
function notQueryOwned(entries: GcpAuditLogEntryWire[], projectId: string, queryOwned: GcpSnapshotOptions['queryOwned']): { entries: GcpAuditLogEntryWire[]; skipped: number } {
  if (!queryOwned) return { entries, skipped: 0 };
  const kept = entries.filter((e) => {
    const at = e.timestamp ?? e.receiveTimestamp;
    const time = at === undefined ? NaN : Date.parse(at);
    if (Number.isNaN(time)) return true;
    const scope = /^([^/]+\/[^/]+)\/logs\//.exec(e.logName ?? '')?.[1] ?? `projects/${projectId}`;
    return !queryOwned(scope, new Date(time).toISOString().slice(0, 10));
  });
  return { entries: kept, skipped: entries.length - kept.length };
}

const keyIdOf = (name: string): string => name.slice(name.lastIndexOf('/') + 1);


/** gcloud (v1) prints the display name as `name`; the v3 API as `displayName` (its `name` is `projects/<number>`). */
function projectDisplayName(project: GcpProjectWire | undefined): string | undefined {
  if (project?.name && !project.name.startsWith('projects/')) return project.name;
  return project?.displayName ?? undefined;
}

/** `{type: 'folder', id: '1'}` (v1) or `folders/1` (v3) -> `folders/1`. */
function parentName(parent: GcpProjectWire['parent']): string | undefined {
  if (!parent) return undefined;
  if (typeof parent === 'string') return parent;
  if (!parent.id || !parent.type) return undefined;
  return `${parent.type === 'organization' ? 'organizations' : 'folders'}/${parent.id}`;
}

function bindingsOf(policy: GcpAllowPolicy | undefined, resource: string, level: GcpBindingLevel): GcpBinding[] {
  const out: GcpBinding[] = [];
  for (const b of policy?.bindings ?? []) {
    if (!b.role) continue;
    const condition = b.condition?.expression ? { title: b.condition.title ?? undefined, expression: b.condition.expression } : undefined;
    for (const member of b.members ?? []) out.push({ resource, level, role: b.role, member, condition });
  }
  return out;
}

function denyRulesOf(policies: GcpDenyPolicyWire[] | undefined, attachedTo: string): GcpDenyRule[] {
  const out: GcpDenyRule[] = [];
  for (const policy of policies ?? []) {
    for (const rule of policy.rules ?? []) {
      const deny = rule.denyRule;
      if (!deny) continue;
      out.push({
        attachedTo,
        policyName: policy.name ?? policy.displayName ?? '(unnamed deny policy)',
        deniedPrincipals: deny.deniedPrincipals ?? [],
        exceptionPrincipals: deny.exceptionPrincipals ?? [],
        deniedPermissions: deny.deniedPermissions ?? [],
        exceptionPermissions: deny.exceptionPermissions ?? [],
        condition: deny.denialCondition?.expression
          ? { title: deny.denialCondition.title ?? undefined, expression: deny.denialCondition.expression }
          : undefined,
      });
    }
  }
  return out;
}

/** `//iam.googleapis.com/projects/p/serviceAccounts/e@p.iam.gserviceaccount.com[/keys/K]` -> email and key id. */
export function parseServiceAccountResource(name: string | undefined | null): { email: string; keyId?: string } | undefined {
  const m = /serviceAccounts\/([^/]+)(?:\/keys\/([^/]+))?$/.exec(name ?? '');
  const email = m && decodedOrUndefined(m[1]!);
  return email ? { email: email.toLowerCase(), keyId: m[2] } : undefined;
}

/** A malformed %-escape names no real account (an email cannot hold one): unreadable, not an error for the whole import. */
function decodedOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function lastAuthentications(activities: GcpActivityWire[] | undefined, subject: 'service-account' | 'key'): GcpLastAuthentication[] {
  const out: GcpLastAuthentication[] = [];
  for (const a of activities ?? []) {
    const inner = subject === 'key' ? a.activity?.serviceAccountKey : a.activity?.serviceAccount;
    const parsed = parseServiceAccountResource(inner?.fullResourceName ?? a.fullResourceName);
    if (!parsed || (subject === 'key' && !parsed.keyId)) continue;
    out.push({
      subject,
      id: subject === 'key' ? parsed.keyId! : parsed.email,
      serviceAccount: parsed.email,
      lastAuthenticated: isoTime(a.activity?.lastAuthenticatedTime),
      observedUntil: isoTime(a.observationPeriod?.endTime),
    });
  }
  return out;
}

/** A count the store can hold (an INTEGER column): a fraction, a negative or an enormous number is unreadable, not a crash of the scan's write. */
const count = (n: number): number | undefined => (Number.isSafeInteger(n) && n >= 0 ? n : undefined);

const durationDays = (d: string | undefined): number | undefined => {
  const seconds = d ? Number.parseFloat(d) : NaN;
  return count(Math.round(seconds / 86400));
};

/** ACTIVE `google.iam.policy.Insight` PERMISSIONS_USAGE insights for service-account members. */
export function permissionInsights(insights: GcpInsightWire[] | undefined): GcpPermissionInsight[] {
  const out: GcpPermissionInsight[] = [];
  for (const i of insights ?? []) {
    if ((i.stateInfo?.state ?? 'ACTIVE') !== 'ACTIVE') continue;
    if (i.insightSubtype && i.insightSubtype !== 'PERMISSIONS_USAGE') continue;
    const email = serviceAccountOfMember(i.content?.member ?? '');
    if (!email || !i.content?.role) continue;
    out.push({
      name: i.name ?? '',
      serviceAccount: email,
      role: i.content.role,
      resource: (i.targetResources?.[0] ?? '').replace(/^\/\/cloudresourcemanager\.googleapis\.com\//, ''),
      exercised: (i.content.exercisedPermissions ?? []).flatMap((p) => (p.permission ? [p.permission] : [])),
      inferred: (i.content.inferredPermissions ?? []).flatMap((p) => (p.permission ? [p.permission] : [])),
      currentTotal: count(Number(i.content.currentTotalPermissionsCount)),
      observationDays: durationDays(i.observationPeriod),
      lastRefresh: isoTime(i.lastRefreshTime),
    });
  }
  return out;
}

function customRoles(node: GcpNodeFiles): GcpRole[] {
  return (node.customRoles ?? []).map((r) => roleFromWire(r, 'custom'));
}

interface ProjectParts {
  account: AccountInfo;
  resource: GcpResource;
  identities: Identity[];
  serviceAccounts: GcpServiceAccountDetail[];
  credentials: Credential[];
  keys: GcpKeyDetail[];
  bindings: GcpBinding[];
  lastAuth: GcpLastAuthentication[];
  insights: GcpPermissionInsight[];
  recommendations: GcpRoleRecommendation[];
  coverage: CoverageEntry[];
}

function projectParts(p: GcpProjectFiles): ProjectParts {
  const projectId = p.project?.projectId ?? p.folder;
  const scope = `gcp:${projectId}`;
  const coverage: CoverageEntry[] = [];
  const gap = (source: string, reason: string) => coverage.push({ scope, source, status: 'gap', reason });
  if (!p.project) gap('project', `projects/${p.folder}/project.json missing: labels and parent folder unknown`);
  if (!p.iamPolicy) gap('allow-policy', `projects/${p.folder}/iam-policy.json missing: project bindings unknown`);
  if (!p.serviceAccounts) gap('service-accounts', `projects/${p.folder}/service-accounts.json missing: service accounts unknown`);
  if (!p.saLastAuthentication) gap('activity-analyzer:service-accounts', 'service-account last authentication not exported: unused service accounts cannot be told');
  if (!p.keyLastAuthentication) gap('activity-analyzer:keys', 'key last authentication not exported: unused keys cannot be told');
  if (!p.insights) gap('recommender', 'IAM Recommender insights not exported: unused permissions are unknown');
  if (!p.recommendations) coverage.push({ scope, source: 'recommender:recommendations', status: 'partial', reason: 'IAM role recommendations not exported: findings carry no suggested replacement role' });
  if (!p.effectiveTags) coverage.push({ scope, source: 'tags', status: 'partial', reason: 'effective tags not exported (effective-tags.json): environment from Resource Manager tags unknown' });
  if (!p.logEntries) coverage.push({ scope, source: 'audit-logs', status: 'partial', reason: 'no audit-log export (logging-read.json): usage per permission and day comes from insights only' });

  const lastAuth = [...lastAuthentications(p.saLastAuthentication, 'service-account'), ...lastAuthentications(p.keyLastAuthentication, 'key')];
  const keyLastUse = new Map(lastAuth.filter((a) => a.subject === 'key').map((a) => [a.id, a.lastAuthenticated]));
  const identities: Identity[] = [];
  const serviceAccounts: GcpServiceAccountDetail[] = [];
  const credentials: Credential[] = [];
  const keys: GcpKeyDetail[] = [];
  const bindings = bindingsOf(p.iamPolicy, `projects/${projectId}`, 'project');
  for (const sa of p.serviceAccounts ?? []) {
    if (!sa.email) continue;
    const email = sa.email.toLowerCase();
    identities.push({
      provider: 'gcp',
      arn: email,
      accountId: sa.projectId ?? projectId,
      kind: 'service-account',
      name: sa.displayName || email.split('@')[0]!,
      uniqueId: sa.uniqueId ?? undefined,
      tags: {},
    });
    serviceAccounts.push({ email, disabled: sa.disabled === true, description: sa.description ?? undefined });
    const saPolicy = p.serviceAccountPolicies.get(email);
    if (saPolicy) bindings.push(...bindingsOf(saPolicy, `serviceAccounts/${email}`, 'service-account'));
    else coverage.push({ scope: `${scope}:${email}`, source: 'service-account-policy', status: 'partial', reason: 'who may impersonate it is unknown (no service-account-iam-policies file)' });
    const saKeys = p.keys.get(email);
    if (!saKeys) {
      coverage.push({ scope: `${scope}:${email}`, source: 'service-account-keys', status: 'gap', reason: 'keys not exported: user-managed keys unknown' });
      continue;
    }
    for (const k of saKeys) {
      if (!k.name) continue;
      const keyId = keyIdOf(k.name);
      const validBefore = k.validBeforeTime && k.validBeforeTime !== NEVER_EXPIRES ? isoTime(k.validBeforeTime) : undefined;
      const validAfter = isoTime(k.validAfterTime);
      keys.push({
        keyId,
        serviceAccount: email,
        keyType: k.keyType ?? 'KEY_TYPE_UNSPECIFIED',
        keyOrigin: k.keyOrigin ?? undefined,
        keyAlgorithm: k.keyAlgorithm ?? undefined,
        validAfter,
        validBefore,
        disabled: k.disabled === true,
      });
      credentials.push({
        provider: 'gcp',
        id: keyId,
        identityArn: email,
        accountId: projectId,
        kind: 'service-account-key',
        active: k.disabled !== true,
        createdAt: validAfter,
        lastUsedAt: keyLastUse.get(keyId) ?? undefined,
      });
    }
  }
  return {
    account: {
      provider: 'gcp',
      accountId: projectId,
      alias: projectDisplayName(p.project),
      tags: p.project?.labels ?? {},
    },
    resource: {
      name: `projects/${projectId}`,
      kind: 'project',
      parent: parentName(p.project?.parent),
      displayName: projectDisplayName(p.project),
      labels: p.project?.labels ?? {},
      ...(p.effectiveTags && { tags: effectiveTags(p.effectiveTags) }),
    },
    identities,
    serviceAccounts,
    credentials,
    keys,
    bindings,
    lastAuth,
    insights: permissionInsights(p.insights),
    recommendations: roleRecommendations(p.recommendations),
    coverage,
  };
}

/** Projects are named by id; deny attachment points and parents may use the number. */
function normaliseProjectName(name: string, idByNumber: ReadonlyMap<string, string>): string {
  const m = /^projects\/(\d+)$/.exec(name);
  return m && idByNumber.has(m[1]!) ? `projects/${idByNumber.get(m[1]!)}` : name;
}

export function gcpExportToSnapshot(files: GcpExportFiles, options: GcpSnapshotOptions): { snapshot: Snapshot; extras: ScanExtras } {
  const projects = files.projects.map(projectParts);
  const idByNumber = new Map(files.projects.flatMap((p) => (p.project?.projectNumber && p.project.projectId ? [[p.project.projectNumber, p.project.projectId] as const] : [])));
  const coverage: CoverageEntry[] = [...files.coverage, ...projects.flatMap((p) => p.coverage)];
  const resources: GcpResource[] = [];
  const bindings: GcpBinding[] = projects.flatMap((p) => p.bindings);
  const denyRules: GcpDenyRule[] = [];
  const roles: GcpRole[] = [...(files.predefinedRoles ?? []).map((r) => roleFromWire(r, 'predefined'))];

  const org = files.organization;
  if (org?.name) {
    resources.push({ name: org.name, kind: 'organization', displayName: org.displayName ?? undefined, labels: {} });
    if (!org.iamPolicy) coverage.push({ scope: org.name, source: 'allow-policy', status: 'gap', reason: 'organization/iam-policy.json missing: bindings inherited from the organisation unknown' });
    bindings.push(...bindingsOf(org.iamPolicy, org.name, 'organization'));
    denyRules.push(...denyRulesOf(org.denyPolicies, org.name));
    roles.push(...customRoles(org));
  }
  for (const f of files.folders) {
    // An empty name is no name: the folder is known by its directory (the store refuses an empty one, and the whole scan with it).
    const name = f.name || `folders/${f.folder}`;
    resources.push({ name, kind: 'folder', parent: f.parent ?? undefined, displayName: f.displayName ?? undefined, labels: {} });
    if (!f.iamPolicy) coverage.push({ scope: name, source: 'allow-policy', status: 'gap', reason: `folders/${f.folder}/iam-policy.json missing: bindings inherited from this folder unknown` });
    bindings.push(...bindingsOf(f.iamPolicy, name, 'folder'));
    denyRules.push(...denyRulesOf(f.denyPolicies, name));
  }
  for (const [i, p] of projects.entries()) {
    const filesOf = files.projects[i]!;
    resources.push({ ...p.resource, parent: p.resource.parent && normaliseProjectName(p.resource.parent, idByNumber) });
    denyRules.push(...denyRulesOf(filesOf.denyPolicies, p.resource.name));
    roles.push(...customRoles(filesOf));
  }
  // A parent outside the export means bindings above it were not read.
  const known = new Set(resources.map((r) => r.name));
  for (const r of resources) {
    if (r.parent && !known.has(r.parent)) {
      coverage.push({ scope: r.name, source: 'hierarchy', status: 'gap', reason: `parent ${r.parent} is not in the export: bindings and deny policies inherited from it are unknown` });
    }
  }
  for (const rule of denyRules) rule.attachedTo = normaliseProjectName(attachmentResource(rule.attachedTo), idByNumber);

  const usage: UsageDay[] = [];
  const ingested: IngestedObject[] = [];
  const userAgents: NonNullable<ScanExtras['userAgents']> = [];
  const logCursors: GcpLogCursor[] = [];
  for (const p of files.projects) {
    if (!p.logEntries) continue;
    const projectId = p.project?.projectId ?? p.folder;
    if (options.alreadyIngested(p.logEntries.digest)) {
      coverage.push({ scope: `gcp:${projectId}`, source: 'audit-logs', status: 'ok', reason: `${p.logEntries.file} already imported; not counted again` });
      continue;
    }
    const owned = notQueryOwned(p.logEntries.entries, projectId, options.queryOwned);
    if (owned.skipped > 0) {
      coverage.push({ scope: `gcp:${projectId}`, source: 'audit-logs', status: 'ok', reason: `${owned.skipped} entries of days loaded from BigQuery (keywarden collect bigquery) were not counted again` });
    }
    const logs = aggregateAuditLogs(owned.entries, options.logCursor?.(projectId));
    usage.push(...logs.usage);
    userAgents.push(...logs.userAgents);
    ingested.push({ digest: p.logEntries.digest, location: p.logEntries.file, events: logs.entries });
    if (logs.cursor) logCursors.push({ projectId, ...logs.cursor });
    if (logs.alreadyCounted) {
      coverage.push({ scope: `gcp:${projectId}`, source: 'audit-logs', status: 'ok', reason: `${logs.alreadyCounted} entries already counted by an earlier import were skipped`, detail: { skipped: logs.alreadyCounted } });
    }
  }

  const snapshot: Snapshot = {
    provider: 'gcp',
    source: options.source,
    collectedAt: options.collectedAt,
    accounts: projects.map((p) => p.account),
    identities: projects.flatMap((p) => p.identities),
    credentials: projects.flatMap((p) => p.credentials),
    policies: [],
    attachments: [],
    accessAdvisor: [],
    usage,
    unmappedEvents: [],
    ingested,
    coverage: firstPerScopeAndSource(coverage),
    gcp: {
      resources,
      bindings,
      denyRules,
      roles: dedupeRoles(roles),
      keys: projects.flatMap((p) => p.keys),
      lastAuthentications: projects.flatMap((p) => p.lastAuth),
      insights: projects.flatMap((p) => p.insights),
      serviceAccounts: projects.flatMap((p) => p.serviceAccounts),
      recommendations: projects.flatMap((p) => p.recommendations).map((r) => ({ ...r, resource: normaliseProjectName(r.resource, idByNumber) })),
      logCursors,
    },
  };
  return { snapshot, extras: { startedAt: options.collectedAt, userAgents } };
}

/** A live call that failed already recorded why; the "file missing" entry for the same input would only repeat it. */
function firstPerScopeAndSource(entries: CoverageEntry[]): CoverageEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = `${e.scope}\u0000${e.source}\u0000${e.status}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function dedupeRoles(roles: GcpRole[]): GcpRole[] {
  return [...new Map(roles.map((r) => [r.name, r])).values()];
}
