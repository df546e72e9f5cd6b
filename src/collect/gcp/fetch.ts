/**
 * One function per API call family, each returning the API's own objects
 * (all pages) and throwing on failure. No interpretation here: collect.ts
 * turns failures into coverage gaps and to-snapshot.ts does the rest.
 */
import type { iam_v1 } from '@googleapis/iam';
import type { protos as iamProtos } from '@google-cloud/iam';
import type { protos as recProtos } from '@google-cloud/recommender';
import type { protos as rmProtos } from '@google-cloud/resource-manager';
import type { GcpActivityWire, GcpAuditLogEntryWire } from '../../model/gcp-wire.js';
import type { GcpClients } from './clients.js';
import { withRetries, type RetryOptions } from './retry.js';

export type RmProject = rmProtos.google.cloud.resourcemanager.v3.IProject;
export type RmFolder = rmProtos.google.cloud.resourcemanager.v3.IFolder;
export type RmOrganization = rmProtos.google.cloud.resourcemanager.v3.IOrganization;
export type IamPolicyV1 = rmProtos.google.iam.v1.IPolicy;
export type DenyPolicy = iamProtos.google.iam.v2.IPolicy;
export type Insight = recProtos.google.cloud.recommender.v1.IInsight;
export type Recommendation = recProtos.google.cloud.recommender.v1.IRecommendation;
export type EffectiveTag = rmProtos.google.cloud.resourcemanager.v3.IEffectiveTag;

/**
 * Call options for the gax clients: no retries of their own (their defaults
 * retry UNAVAILABLE for up to ten minutes); withRetries is the one bounded loop.
 */
const ONE_ATTEMPT = { retry: null };

/** A REST call whose JSON did not have the documented shape. */
export class MalformedResponseError extends Error {
  override name = 'MalformedResponseError';
}

function listOf<T>(value: unknown, field: string, where: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new MalformedResponseError(`${where}: \`${field}\` is not a list`);
  return value as T[];
}

/**
 * Every page of a REST list call (googleapis or the auth client): `page`
 * fetches one page's JSON body, each page retried on its own, and the list
 * under `field` must be a list.
 */
async function allPages<T>(page: (token: string | undefined) => Promise<{ data: unknown }>, field: string, where: string, retry: RetryOptions): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const { data } = await withRetries(() => page(token), retry);
    if (typeof data !== 'object' || data === null) throw new MalformedResponseError(`${where}: response is not a JSON object`);
    const body = data as Record<string, unknown>;
    out.push(...listOf<T>(body[field], field, where));
    token = typeof body.nextPageToken === 'string' && body.nextPageToken ? body.nextPageToken : undefined;
  } while (token);
  return out;
}

/** gax auto-paging iterators, each page retried. */
async function collectAsync<T>(iterate: () => AsyncIterable<T>, retry: RetryOptions): Promise<T[]> {
  return withRetries(async () => {
    const out: T[] = [];
    for await (const item of iterate()) out.push(item);
    return out;
  }, retry);
}

export const getOrganization = (c: GcpClients, name: string, retry: RetryOptions = {}) =>
  withRetries(async () => (await c.organizations.getOrganization({ name }, ONE_ATTEMPT))[0] as RmOrganization, retry);

export const listFolders = (c: GcpClients, parent: string, retry: RetryOptions = {}) =>
  collectAsync<RmFolder>(() => c.folders.listFoldersAsync({ parent }, ONE_ATTEMPT), retry);

export const listProjects = (c: GcpClients, parent: string, retry: RetryOptions = {}) =>
  collectAsync<RmProject>(() => c.projects.listProjectsAsync({ parent }, ONE_ATTEMPT), retry);

export const getProject = (c: GcpClients, projectId: string, retry: RetryOptions = {}) =>
  withRetries(async () => (await c.projects.getProject({ name: `projects/${projectId}` }, ONE_ATTEMPT))[0] as RmProject, retry);

/** Allow policy of an organisation, folder or project (version 3: conditions included). */
export function getIamPolicy(c: GcpClients, resource: string, retry: RetryOptions = {}): Promise<IamPolicyV1> {
  const request = { resource, options: { requestedPolicyVersion: 3 } };
  return withRetries(async () => {
    if (resource.startsWith('organizations/')) return (await c.organizations.getIamPolicy(request, ONE_ATTEMPT))[0];
    if (resource.startsWith('folders/')) return (await c.folders.getIamPolicy(request, ONE_ATTEMPT))[0];
    return (await c.projects.getIamPolicy(request, ONE_ATTEMPT))[0];
  }, retry);
}

/** Deny policies attached to a node, with their rules (`listPolicies` omits them). */
export async function getDenyPolicies(c: GcpClients, resource: string, retry: RetryOptions = {}): Promise<DenyPolicy[]> {
  const attachment = encodeURIComponent(`cloudresourcemanager.googleapis.com/${resource}`);
  const listed = await collectAsync<DenyPolicy>(() => c.deny.listPoliciesAsync({ parent: `policies/${attachment}/denypolicies` }, ONE_ATTEMPT), retry);
  return Promise.all(listed.filter((p) => p.name).map((p) => withRetries(async () => (await c.deny.getPolicy({ name: p.name! }, ONE_ATTEMPT))[0], retry)));
}

export const listServiceAccounts = (c: GcpClients, projectId: string, retry: RetryOptions = {}) =>
  allPages<iam_v1.Schema$ServiceAccount>(
    (pageToken) => c.iam.projects.serviceAccounts.list({ name: `projects/${projectId}`, pageSize: 100, pageToken }),
    'accounts',
    `serviceAccounts.list ${projectId}`,
    retry,
  );

export async function listServiceAccountKeys(c: GcpClients, email: string, retry: RetryOptions = {}): Promise<iam_v1.Schema$ServiceAccountKey[]> {
  const { data } = await withRetries(() => c.iam.projects.serviceAccounts.keys.list({ name: `projects/-/serviceAccounts/${email}` }), retry);
  // Only the listing's metadata fields are kept: a key listing never needs private key material.
  return listOf<iam_v1.Schema$ServiceAccountKey>(data?.keys, 'keys', `keys.list ${email}`).map(({ privateKeyData: _secret, privateKeyType: _type, ...key }) => key);
}

export async function getServiceAccountIamPolicy(c: GcpClients, email: string, retry: RetryOptions = {}): Promise<iam_v1.Schema$Policy> {
  const { data } = await withRetries(() => c.iam.projects.serviceAccounts.getIamPolicy({ resource: `projects/-/serviceAccounts/${email}`, 'options.requestedPolicyVersion': 3 }), retry);
  if (typeof data !== 'object' || data === null) throw new MalformedResponseError(`serviceAccounts.getIamPolicy ${email}: response is not a JSON object`);
  return data;
}

/** Custom roles of a project or organisation, with their permissions. */
export const listCustomRoles = (c: GcpClients, parent: string, retry: RetryOptions = {}) =>
  allPages<iam_v1.Schema$Role>(
    (pageToken) =>
      parent.startsWith('organizations/')
        ? c.iam.organizations.roles.list({ parent, view: 'FULL', pageSize: 1000, pageToken })
        : c.iam.projects.roles.list({ parent, view: 'FULL', pageSize: 1000, pageToken }),
    'roles',
    `roles.list ${parent}`,
    retry,
  );

export const listPredefinedRoles = (c: GcpClients, retry: RetryOptions = {}) =>
  allPages<iam_v1.Schema$Role>(
    (pageToken) => c.iam.roles.list({ view: 'FULL', pageSize: 1000, pageToken }),
    'roles',
    'roles.list (predefined)',
    retry,
  );

/** Predefined roles without their permissions (view BASIC): name, title, stage and etag, to compare with the cache. */
export const listPredefinedRoleEtags = (c: GcpClients, retry: RetryOptions = {}) =>
  allPages<iam_v1.Schema$Role>(
    (pageToken) => c.iam.roles.list({ view: 'BASIC', pageSize: 1000, pageToken }),
    'roles',
    'roles.list (predefined, BASIC)',
    retry,
  );

/** One predefined role with its permissions. */
export async function getPredefinedRole(c: GcpClients, name: string, retry: RetryOptions = {}): Promise<iam_v1.Schema$Role> {
  const { data } = await withRetries(() => c.iam.roles.get({ name }), retry);
  if (typeof data !== 'object' || data === null || !data.name) throw new MalformedResponseError(`roles.get ${name}: response is not a role`);
  return data;
}

/** Tags in effect on a project (bound to it or inherited): `parent` is `//cloudresourcemanager.googleapis.com/projects/<number>`. */
export const listEffectiveTags = (c: GcpClients, parent: string, retry: RetryOptions = {}) =>
  collectAsync<EffectiveTag>(() => c.tagBindings.listEffectiveTagsAsync({ parent }, ONE_ATTEMPT), retry);

/** ACTIVE `google.iam.policy.Recommender` recommendations of a project. */
export const listPolicyRecommendations = (c: GcpClients, projectId: string, retry: RetryOptions = {}) =>
  collectAsync<Recommendation>(
    () => c.recommender.listRecommendationsAsync({ parent: `projects/${projectId}/locations/global/recommenders/google.iam.policy.Recommender`, filter: 'stateInfo.state = ACTIVE' }, ONE_ATTEMPT),
    retry,
  );

export const listPolicyInsights = (c: GcpClients, projectId: string, retry: RetryOptions = {}) =>
  collectAsync<Insight>(
    () => c.recommender.listInsightsAsync({ parent: `projects/${projectId}/locations/global/insightTypes/google.iam.policy.Insight`, filter: 'stateInfo.state = ACTIVE' }, ONE_ATTEMPT),
    retry,
  );

/** REST pages through the auth client (APIs without a Node client). */
const restPages = <T>(
  c: GcpClients,
  request: (pageToken: string | undefined) => { url: string; method: 'GET' | 'POST'; data?: unknown; params?: Record<string, string | number> },
  field: string,
  where: string,
  retry: RetryOptions,
): Promise<T[]> => allPages<T>((token) => c.http.request({ ...request(token), retry: false, responseType: 'json' }), field, where, retry);

export type ActivityType = 'serviceAccountLastAuthentication' | 'serviceAccountKeyLastAuthentication';

/** Policy Analyzer `activities:query` (REST only). */
export const queryActivity = (c: GcpClients, projectId: string, activityType: ActivityType, retry: RetryOptions = {}) =>
  restPages<GcpActivityWire>(
    c,
    (pageToken) => ({
      url: `${c.policyAnalyzerUrl}/v1/projects/${encodeURIComponent(projectId)}/locations/global/activityTypes/${activityType}/activities:query`,
      method: 'GET',
      params: { pageSize: 1000, ...(pageToken && { pageToken }) },
    }),
    'activities',
    `activities:query ${projectId} ${activityType}`,
    retry,
  );

/** Audit-log entries by service accounts since `since` (Logging `entries:list`, REST: the Node client cannot decode AuditLog). */
export const listAuditLogEntries = (c: GcpClients, projectId: string, since: string, retry: RetryOptions = {}) =>
  restPages<GcpAuditLogEntryWire>(
    c,
    (pageToken) => ({
      url: `${c.loggingUrl}/v2/entries:list`,
      method: 'POST',
      data: {
        resourceNames: [`projects/${projectId}`],
        filter: `logName:"cloudaudit.googleapis.com" AND protoPayload.authenticationInfo.principalEmail:"gserviceaccount.com" AND timestamp>="${since}"`,
        orderBy: 'timestamp asc',
        pageSize: 1000,
        ...(pageToken && { pageToken }),
      },
    }),
    'entries',
    `entries:list ${projectId}`,
    retry,
  );
