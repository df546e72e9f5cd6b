/**
 * A declarative description of a GCP organisation, rendered into exactly
 * what `gcloud … --format=json` prints (the APIs' own JSON), in the layout
 * docs/export-layout.md documents. The same description drives the local
 * API servers in test/servers/gcp/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type {
  GcpActivityWire,
  GcpAllowPolicy,
  GcpAuditLogEntryWire,
  GcpDenyPolicyWire,
  GcpEffectiveTagWire,
  GcpInsightWire,
  GcpRecommendationWire,
  GcpRoleWire,
  GcpServiceAccount,
  GcpServiceAccountKey,
} from '../../src/model/gcp-wire.js';

export interface BindingSpec {
  role: string;
  members: string[];
  condition?: { title: string; expression: string };
}

export interface DenySpec {
  id: string;
  deniedPrincipals: string[];
  deniedPermissions: string[];
  exceptionPrincipals?: string[];
  condition?: { title: string; expression: string };
}

export interface KeySpec {
  id: string;
  type?: 'USER_MANAGED' | 'SYSTEM_MANAGED';
  origin?: 'GOOGLE_PROVIDED' | 'USER_PROVIDED';
  createdDaysAgo: number;
  /** Undefined: never expires (user-managed default). */
  expiresInDays?: number;
  disabled?: boolean;
  lastAuthDaysAgo?: number;
}

export interface ServiceAccountSpec {
  /** Account id: the part before `@` (full email for default accounts). */
  id: string;
  displayName?: string;
  disabled?: boolean;
  keys?: KeySpec[];
  lastAuthDaysAgo?: number;
  /** Bindings on the service account itself (who may act as it). */
  bindings?: BindingSpec[];
}

export interface LogSpec {
  sa: string;
  key?: string;
  permissions: { permission: string; granted: boolean }[];
  daysAgo: number;
  userAgent?: string;
  method?: string;
}

export interface ProjectSpec {
  id: string;
  number: string;
  name: string;
  parent: string;
  labels?: Record<string, string>;
  bindings: BindingSpec[];
  deny?: DenySpec[];
  customRoles?: GcpRoleWire[];
  serviceAccounts: ServiceAccountSpec[];
  insights?: { sa: string; role: string; exercised: string[]; inferred?: string[]; total: number; state?: string }[];
  logs?: LogSpec[];
  /** Effective Resource Manager tags: short key (`environment`) -> short value; `inherited` when bound on a folder above. */
  tags?: { key: string; value: string; inherited?: boolean }[];
  /** IAM role recommendations: remove `role` from `sa`, add `replaceWith` (none: remove only). */
  recommendations?: { sa: string; role: string; replaceWith: string[]; state?: string }[];
  /** Files to leave out of the export (e.g. `recommender-insights.json`), to test coverage gaps. */
  omit?: string[];
}

export interface OrgSpec {
  organization: { id: string; displayName: string; bindings: BindingSpec[]; deny?: DenySpec[]; customRoles?: GcpRoleWire[] };
  folders: { id: string; displayName: string; parent: string; bindings: BindingSpec[]; deny?: DenySpec[] }[];
  projects: ProjectSpec[];
  /** Roles delivered with the export as predefined-roles.json (omit to rely on config / cache). */
  predefinedRoles?: GcpRoleWire[];
}

const DAY = 86_400_000;
const iso = (asOf: Date, daysAgo: number) => new Date(asOf.getTime() - daysAgo * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const emailOf = (project: ProjectSpec, sa: string): string => (sa.includes('@') ? sa : `${sa}@${project.id}.iam.gserviceaccount.com`);

export function allowPolicy(bindings: BindingSpec[]): GcpAllowPolicy {
  return {
    bindings: bindings.map((b) => ({ role: b.role, members: b.members, ...(b.condition && { condition: b.condition }) })),
    etag: 'BwYa3k1XyZo=',
    version: bindings.some((b) => b.condition) ? 3 : 1,
  };
}

export function denyPolicies(attachment: string, deny: DenySpec[] | undefined): GcpDenyPolicyWire[] {
  return (deny ?? []).map((d) => ({
    name: `policies/${encodeURIComponent(`cloudresourcemanager.googleapis.com/${attachment}`)}/denypolicies/${d.id}`,
    uid: `6f2e${d.id.length}c1a-0000-4000-8000-00000000000${d.id.length % 10}`,
    kind: 'DenyPolicy',
    displayName: d.id,
    etag: 'MTc3NjA4MjQ0NjE=',
    rules: [
      {
        denyRule: {
          deniedPrincipals: d.deniedPrincipals,
          deniedPermissions: d.deniedPermissions,
          ...(d.exceptionPrincipals && { exceptionPrincipals: d.exceptionPrincipals }),
          ...(d.condition && { denialCondition: d.condition }),
        },
      },
    ],
  }));
}

export function serviceAccounts(project: ProjectSpec): GcpServiceAccount[] {
  return project.serviceAccounts.map((sa, i) => {
    const email = emailOf(project, sa.id);
    return {
      name: `projects/${project.id}/serviceAccounts/${email}`,
      projectId: project.id,
      uniqueId: `1${project.number}${String(i).padStart(8, '0')}`,
      email,
      displayName: sa.displayName ?? sa.id,
      etag: 'MDEwMjE5MjA=',
      oauth2ClientId: `1${project.number}${String(i).padStart(8, '0')}`,
      ...(sa.disabled && { disabled: true }),
    };
  });
}

export function keysOf(project: ProjectSpec, sa: ServiceAccountSpec, asOf: Date): GcpServiceAccountKey[] {
  const email = emailOf(project, sa.id);
  return (sa.keys ?? []).map((k) => ({
    name: `projects/${project.id}/serviceAccounts/${email}/keys/${k.id}`,
    validAfterTime: iso(asOf, k.createdDaysAgo),
    validBeforeTime: k.expiresInDays === undefined ? '9999-12-31T23:59:59Z' : iso(asOf, -k.expiresInDays),
    keyAlgorithm: 'KEY_ALG_RSA_2048',
    keyOrigin: k.origin ?? 'GOOGLE_PROVIDED',
    keyType: k.type ?? 'USER_MANAGED',
    ...(k.disabled && { disabled: true }),
  }));
}

export function activities(project: ProjectSpec, subject: 'service-account' | 'key', asOf: Date): GcpActivityWire[] {
  const period = { startTime: iso(asOf, 1), endTime: iso(asOf, 0) };
  const out: GcpActivityWire[] = [];
  for (const sa of project.serviceAccounts) {
    const email = emailOf(project, sa.id);
    const base = `//iam.googleapis.com/projects/${project.id}/serviceAccounts/${email}`;
    if (subject === 'service-account' && sa.lastAuthDaysAgo !== undefined) {
      out.push({
        fullResourceName: base,
        activityType: 'serviceAccountLastAuthentication',
        observationPeriod: period,
        activity: { lastAuthenticatedTime: iso(asOf, sa.lastAuthDaysAgo), serviceAccount: { fullResourceName: base, projectNumber: project.number, serviceAccountId: `1${project.number}` } },
      });
    }
    for (const k of subject === 'key' ? (sa.keys ?? []) : []) {
      if (k.lastAuthDaysAgo === undefined) continue;
      const name = `${base}/keys/${k.id}`;
      out.push({
        fullResourceName: name,
        activityType: 'serviceAccountKeyLastAuthentication',
        observationPeriod: period,
        activity: { lastAuthenticatedTime: iso(asOf, k.lastAuthDaysAgo), serviceAccountKey: { fullResourceName: name, projectNumber: project.number, serviceAccountId: `1${project.number}` } },
      });
    }
  }
  return out;
}

export function insights(project: ProjectSpec, asOf: Date): GcpInsightWire[] {
  return (project.insights ?? []).map((i, n) => ({
    name: `projects/${project.number}/locations/global/insightTypes/google.iam.policy.Insight/insights/${n}a1b2c3d4-${project.number}`,
    description: `${i.exercised.length} of the permissions in this role binding were used in the past 90 days.`,
    content: {
      role: i.role,
      member: `serviceAccount:${emailOf(project, i.sa)}`,
      condition: null,
      exercisedPermissions: i.exercised.map((permission) => ({ permission, exercised: true })),
      inferredPermissions: (i.inferred ?? []).map((permission) => ({ permission, inferred: true })),
      currentTotalPermissionsCount: String(i.total),
    },
    lastRefreshTime: iso(asOf, 1),
    observationPeriod: '7776000s',
    stateInfo: { state: i.state ?? 'ACTIVE' },
    category: 'SECURITY',
    targetResources: [`//cloudresourcemanager.googleapis.com/projects/${project.number}`],
    insightSubtype: 'PERMISSIONS_USAGE',
    etag: '"d2c3e8a1f0b9"',
    severity: 'LOW',
  }));
}

/** `gcloud resource-manager tags bindings list --effective` of a project; tag keys are namespaced by the organisation. */
export function effectiveTagsOf(project: ProjectSpec, orgId: string): GcpEffectiveTagWire[] {
  return (project.tags ?? []).map((t, n) => ({
    tagValue: `tagValues/28100000000${n}`,
    namespacedTagValue: `${orgId}/${t.key}/${t.value}`,
    tagKey: `tagKeys/28000000000${n}`,
    namespacedTagKey: `${orgId}/${t.key}`,
    tagKeyParentName: `organizations/${orgId}`,
    inherited: t.inherited === true,
  }));
}

/** `gcloud recommender recommendations list --recommender=google.iam.policy.Recommender` of a project. */
export function recommendationsOf(project: ProjectSpec, asOf: Date): GcpRecommendationWire[] {
  const resource = `//cloudresourcemanager.googleapis.com/projects/${project.id}`;
  const resourceType = 'cloudresourcemanager.googleapis.com/Project';
  return (project.recommendations ?? []).map((r, n) => {
    const member = `serviceAccount:${emailOf(project, r.sa)}`;
    return {
      name: `projects/${project.number}/locations/global/recommenders/google.iam.policy.Recommender/recommendations/${n}f3e2d1c0-${project.number}`,
      description: r.replaceWith.length ? `Replace the current role with a smaller role to cover the permissions needed.` : 'This role has not been used during the observation window.',
      recommenderSubtype: r.replaceWith.length ? 'REPLACE_ROLE' : 'REMOVE_ROLE',
      lastRefreshTime: iso(asOf, 1),
      primaryImpact: { category: 'SECURITY' },
      priority: 'P2',
      stateInfo: { state: r.state ?? 'ACTIVE' },
      etag: '"9c1b5e0f2a7d4c38"',
      associatedInsights: [{ insight: `projects/${project.number}/locations/global/insightTypes/google.iam.policy.Insight/insights/${n}a1b2c3d4-${project.number}` }],
      content: {
        operationGroups: [
          {
            operations: [
              ...r.replaceWith.map((role) => ({
                action: 'add',
                resourceType,
                resource,
                path: '/iamPolicy/bindings/*/members/-',
                value: member,
                pathFilters: { '/iamPolicy/bindings/*/condition/expression': '', '/iamPolicy/bindings/*/role': role },
              })),
              {
                action: 'remove',
                resourceType,
                resource,
                path: '/iamPolicy/bindings/*/members/*',
                pathFilters: { '/iamPolicy/bindings/*/condition/expression': '', '/iamPolicy/bindings/*/members/*': member, '/iamPolicy/bindings/*/role': r.role },
              },
            ],
          },
        ],
      },
    };
  });
}

export function auditLogEntries(project: ProjectSpec, asOf: Date): GcpAuditLogEntryWire[] {
  return (project.logs ?? []).map((l, n) => {
    const email = emailOf(project, l.sa);
    const at = iso(asOf, l.daysAgo);
    return {
      insertId: `-${n}x7ab2c${project.number.slice(-4)}`,
      logName: `projects/${project.id}/logs/cloudaudit.googleapis.com%2Factivity`,
      protoPayload: {
        '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
        authenticationInfo: {
          principalEmail: email,
          ...(l.key && { serviceAccountKeyName: `//iam.googleapis.com/projects/${project.id}/serviceAccounts/${email}/keys/${l.key}` }),
        },
        authorizationInfo: l.permissions.map((p) => ({ permission: p.permission, granted: p.granted, resource: `projects/${project.id}` })),
        methodName: l.method ?? 'google.iam.admin.v1.ListServiceAccounts',
        requestMetadata: { callerIp: '203.0.113.7', callerSuppliedUserAgent: l.userAgent ?? 'google-api-go-client/0.5,gzip(gfe)' },
        resourceName: `projects/${project.id}`,
        serviceName: 'iam.googleapis.com',
        status: {},
      },
      receiveTimestamp: at,
      resource: { labels: { project_id: project.id }, type: 'project' },
      severity: 'NOTICE',
      timestamp: at,
    };
  });
}

/** Every file of the export: relative path -> JSON value. */
export function gcloudExportFiles(spec: OrgSpec, asOf: Date): Map<string, unknown> {
  const files = new Map<string, unknown>();
  const org = spec.organization;
  files.set('organization/organization.json', {
    creationTime: '2019-03-01T10:00:00.000Z',
    displayName: org.displayName,
    lifecycleState: 'ACTIVE',
    name: `organizations/${org.id}`,
    owner: { directoryCustomerId: 'C01abc234' },
  });
  files.set('organization/iam-policy.json', allowPolicy(org.bindings));
  if (org.deny) files.set('organization/deny-policies.json', denyPolicies(`organizations/${org.id}`, org.deny));
  if (org.customRoles) files.set('organization/roles.json', org.customRoles);
  for (const f of spec.folders) {
    files.set(`folders/${f.id}/folder.json`, { createTime: '2020-01-10T09:00:00.000Z', displayName: f.displayName, lifecycleState: 'ACTIVE', name: `folders/${f.id}`, parent: f.parent });
    files.set(`folders/${f.id}/iam-policy.json`, allowPolicy(f.bindings));
    if (f.deny) files.set(`folders/${f.id}/deny-policies.json`, denyPolicies(`folders/${f.id}`, f.deny));
  }
  for (const p of spec.projects) {
    const dir = `projects/${p.id}`;
    const [type, id] = p.parent.split('/') as [string, string];
    const put = (name: string, value: unknown) => {
      if (!p.omit?.includes(name)) files.set(`${dir}/${name}`, value);
    };
    put('project.json', {
      createTime: '2021-06-01T12:00:00.000Z',
      lifecycleState: 'ACTIVE',
      name: p.name,
      parent: { id, type: type === 'organizations' ? 'organization' : 'folder' },
      projectId: p.id,
      projectNumber: p.number,
      ...(p.labels && { labels: p.labels }),
    });
    put('iam-policy.json', allowPolicy(p.bindings));
    if (p.deny) put('deny-policies.json', denyPolicies(`projects/${p.number}`, p.deny));
    if (p.customRoles) put('roles.json', p.customRoles);
    put('service-accounts.json', serviceAccounts(p));
    for (const sa of p.serviceAccounts) {
      const email = emailOf(p, sa.id);
      put(`service-account-keys/${email}.json`, keysOf(p, sa, asOf));
      put(`service-account-iam-policies/${email}.json`, sa.bindings ? allowPolicy(sa.bindings) : { etag: 'ACAB' });
    }
    put('activity-service-account-last-authentication.json', activities(p, 'service-account', asOf));
    put('activity-service-account-key-last-authentication.json', activities(p, 'key', asOf));
    put('recommender-insights.json', insights(p, asOf));
    put('recommender-recommendations.json', recommendationsOf(p, asOf));
    put('effective-tags.json', effectiveTagsOf(p, org.id));
    if (p.logs) put('logging-read.json', auditLogEntries(p, asOf));
  }
  if (spec.predefinedRoles) files.set('predefined-roles.json', spec.predefinedRoles);
  return files;
}

export function writeGcloudExport(dir: string, spec: OrgSpec, asOf: Date): string {
  const root = path.join(dir, 'gcp');
  for (const [rel, value] of gcloudExportFiles(spec, asOf)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
  }
  return dir;
}
