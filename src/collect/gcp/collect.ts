/**
 * Live collection: walks the organisation (or the listed projects) with the
 * Google clients and returns the same files an offline gcloud export holds,
 * so one transform (collect/files/gcp/to-snapshot.ts) serves both. A call
 * that fails (PERMISSION_DENIED on one project, a malformed response, retries
 * exhausted) becomes a coverage gap for its scope; the rest continues.
 */
import { createHash } from 'node:crypto';
import type { CoverageEntry } from '../../model/domain.js';
import type { GcpAllowPolicy, GcpDenyPolicyWire, GcpFolderWire, GcpInsightWire, GcpOrganizationWire, GcpProjectWire } from '../../model/gcp-wire.js';
import type { GcpExportFiles, GcpNodeFiles, GcpProjectFiles } from '../files/gcp/read-gcp-export.js';
import type { GcpClients } from './clients.js';
import * as api from './fetch.js';
import { fetchPredefinedRoles, type CachedRole } from './predefined-roles.js';
import { effectiveTagJson, recommendationJson } from './recommendation-json.js';
import { durationJson, enumName, structJson, timestampJson } from './proto-json.js';
import { failureReason, isPermissionDenied, type RetryOptions } from './retry.js';

export interface GcpScope {
  /** `organizations/123`: walk its folders and projects. */
  organization?: string;
  /** Project ids to collect besides (or instead of) the organisation's. */
  projects?: string[];
  /** Earliest audit-log entry to read (ISO); usually the day after the last one stored. */
  logsSince: string;
  /** Fetch predefined role definitions. */
  predefinedRoles?: boolean;
  /** The predefined roles already stored: only new or changed roles are fetched (predefined-roles.ts). */
  cachedRoles?: ReadonlyMap<string, CachedRole>;
  /** Fetch every predefined role even with a cache (it is older than its maximum age). */
  refreshAllRoles?: boolean;
  retry?: RetryOptions;
  onProgress?: (line: string) => void;
}

const STATE = { 0: 'STATE_UNSPECIFIED', 1: 'ACTIVE', 2: 'DELETE_REQUESTED' } as const;
const INSIGHT_STATE = { 0: 'STATE_UNSPECIFIED', 1: 'ACTIVE', 2: 'ACCEPTED', 3: 'DISMISSED' } as const;

function policyJson(p: api.IamPolicyV1): GcpAllowPolicy {
  return {
    version: p.version ?? undefined,
    etag: typeof p.etag === 'string' ? p.etag : p.etag ? Buffer.from(p.etag).toString('base64') : undefined,
    bindings: (p.bindings ?? []).map((b) => ({
      role: b.role ?? undefined,
      members: b.members ?? [],
      ...(b.condition?.expression && { condition: { expression: b.condition.expression, title: b.condition.title ?? undefined } }),
    })),
  };
}

function denyJson(p: api.DenyPolicy): GcpDenyPolicyWire {
  return {
    name: p.name,
    uid: p.uid,
    kind: p.kind,
    displayName: p.displayName,
    etag: p.etag,
    rules: (p.rules ?? []).map((r) => {
      const c = r.denyRule?.denialCondition;
      const condition = c?.expression ? { expression: c.expression, title: c.title ?? undefined, description: c.description ?? undefined } : undefined;
      return { description: r.description, denyRule: r.denyRule && { ...r.denyRule, denialCondition: condition } };
    }),
  };
}

function projectJson(p: api.RmProject): GcpProjectWire {
  const number = /^projects\/(\d+)$/.exec(p.name ?? '')?.[1];
  return {
    name: p.name ?? undefined,
    projectId: p.projectId,
    projectNumber: number,
    parent: p.parent ?? undefined,
    displayName: p.displayName,
    labels: (p.labels ?? {}) as Record<string, string>,
    state: enumName(p.state, STATE),
  };
}

function insightJson(i: api.Insight): GcpInsightWire {
  return {
    name: i.name,
    description: i.description,
    targetResources: i.targetResources,
    insightSubtype: i.insightSubtype,
    content: structJson(i.content) as GcpInsightWire['content'],
    lastRefreshTime: timestampJson(i.lastRefreshTime),
    observationPeriod: durationJson(i.observationPeriod),
    stateInfo: { state: enumName(i.stateInfo?.state, INSIGHT_STATE) },
    etag: i.etag,
  };
}


export async function collectGcp(clients: GcpClients, scope: GcpScope): Promise<GcpExportFiles> {
  const coverage: CoverageEntry[] = [];
  const retry = scope.retry ?? {};
  /** Runs one call; a failure is a gap for `where`, and the result undefined. */
  async function attempt<T>(where: string, source: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      const why = isPermissionDenied(error) ? 'permission denied (grant keywarden its read-only roles, docs/gcp-access.md)' : failureReason(error);
      coverage.push({ scope: where, source, status: 'gap', reason: `${source} could not be read: ${why}` });
      return undefined;
    }
  }
  const node = async (resource: string): Promise<GcpNodeFiles> => ({
    iamPolicy: await attempt(resource, 'allow-policy', async () => policyJson(await api.getIamPolicy(clients, resource, retry))),
    denyPolicies: await attempt(resource, 'deny-policy', async () => (await api.getDenyPolicies(clients, resource, retry)).map(denyJson)),
    customRoles: resource.startsWith('folders/') ? undefined : await attempt(resource, 'custom-roles', () => api.listCustomRoles(clients, resource, retry)),
  });

  const files: GcpExportFiles = { root: `live:${scope.organization ?? 'projects'}`, folders: [], projects: [], coverage };
  const projectIds = new Set(scope.projects ?? []);
  if (scope.organization) {
    const org = await attempt(scope.organization, 'organization', () => api.getOrganization(clients, scope.organization!, retry));
    if (org) files.organization = { ...({ name: org.name, displayName: org.displayName, directoryCustomerId: org.directoryCustomerId } as GcpOrganizationWire), ...(await node(scope.organization)) };
    const parents = [scope.organization];
    while (parents.length) {
      const parent = parents.shift()!;
      for (const f of (await attempt(parent, 'folders', () => api.listFolders(clients, parent, retry))) ?? []) {
        if (!f.name) continue;
        parents.push(f.name);
        const folder: GcpFolderWire = { name: f.name, parent: f.parent, displayName: f.displayName };
        files.folders.push({ ...folder, ...(await node(f.name)), folder: f.name.replace('folders/', '') });
      }
      for (const p of (await attempt(parent, 'projects', () => api.listProjects(clients, parent, retry))) ?? []) if (p.projectId) projectIds.add(p.projectId);
    }
  }
  for (const projectId of [...projectIds].sort()) {
    scope.onProgress?.(`collecting project ${projectId}`);
    files.projects.push(await collectProject(clients, projectId, scope, attempt, node));
  }
  if (scope.predefinedRoles) {
    const predefined = await attempt('gcp', 'predefined-roles', () => fetchPredefinedRoles(clients, scope.cachedRoles, scope.refreshAllRoles ?? false, retry));
    files.predefinedRoles = predefined?.roles;
    if (predefined?.unchanged) scope.onProgress?.(`${predefined.unchanged} predefined role(s) unchanged since the last scan (etag, title, stage), ${predefined.roles.length} fetched`);
  }
  return files;
}

async function collectProject(
  clients: GcpClients,
  projectId: string,
  scope: GcpScope,
  attempt: <T>(where: string, source: string, call: () => Promise<T>) => Promise<T | undefined>,
  node: (resource: string) => Promise<GcpNodeFiles>,
): Promise<GcpProjectFiles> {
  const retry = scope.retry ?? {};
  const where = `gcp:${projectId}`;
  const project = await attempt(where, 'project', async () => projectJson(await api.getProject(clients, projectId, retry)));
  const files: GcpProjectFiles = { folder: projectId, project, keys: new Map(), serviceAccountPolicies: new Map(), ...(await node(`projects/${projectId}`)) };
  const fullName = project?.name && `//cloudresourcemanager.googleapis.com/${project.name}`;
  if (fullName) files.effectiveTags = await attempt(where, 'tags', async () => (await api.listEffectiveTags(clients, fullName, retry)).map(effectiveTagJson));
  files.serviceAccounts = await attempt(where, 'service-accounts', () => api.listServiceAccounts(clients, projectId, retry));
  for (const sa of files.serviceAccounts ?? []) {
    if (!sa.email) continue;
    const email = sa.email.toLowerCase();
    const keys = await attempt(`${where}:${email}`, 'service-account-keys', () => api.listServiceAccountKeys(clients, email, retry));
    if (keys) files.keys.set(email, keys);
    const policy = await attempt(`${where}:${email}`, 'service-account-policy', () => api.getServiceAccountIamPolicy(clients, email, retry));
    if (policy) files.serviceAccountPolicies.set(email, policy);
  }
  files.saLastAuthentication = await attempt(where, 'activity-analyzer:service-accounts', () => api.queryActivity(clients, projectId, 'serviceAccountLastAuthentication', retry));
  files.keyLastAuthentication = await attempt(where, 'activity-analyzer:keys', () => api.queryActivity(clients, projectId, 'serviceAccountKeyLastAuthentication', retry));
  files.insights = await attempt(where, 'recommender', async () => (await api.listPolicyInsights(clients, projectId, retry)).map(insightJson));
  files.recommendations = await attempt(where, 'recommender:recommendations', async () => (await api.listPolicyRecommendations(clients, projectId, retry)).map(recommendationJson));
  const entries = await attempt(where, 'audit-logs', () => api.listAuditLogEntries(clients, projectId, scope.logsSince, retry));
  if (entries) {
    // Named by project and start too: two projects with no entries must not share a digest (the store refuses duplicates).
    const digest = createHash('sha256').update(`${projectId}\u0000${scope.logsSince}\u0000${JSON.stringify(entries)}`).digest('hex');
    files.logEntries = { entries, digest, file: `live:logging.entries.list/projects/${projectId}?since=${scope.logsSince}` };
  }
  return files;
}
