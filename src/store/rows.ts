/**
 * Column rows as SQLite returns them, and their mapping back to domain
 * objects. Optional fields stored as NULL come back absent, not undefined,
 * so a read-back object has the same keys as the one written.
 */
import type {
  AccessAdvisorReport,
  AccessAdvisorService,
  AccountInfo,
  CoverageEntry,
  CoverageStatus,
  Credential,
  CredentialKind,
  Identity,
  IdentityKind,
  PolicyAttachment,
  AttachmentKind,
  Provider,
  UsageSource,
} from '../model/domain.js';
import type { PolicyDocument } from '../model/policy.js';
import { parseJson } from './json.js';
import type { ScanRecord } from './types.js';

/** Copies the non-null optional values onto base. */
export function withOptional<T extends object>(base: T, optional: { [K in keyof T]?: T[K] | null }): T {
  for (const key of Object.keys(optional) as (keyof T)[]) {
    const value = optional[key];
    if (value !== null && value !== undefined) base[key] = value as T[keyof T];
  }
  return base;
}

export interface ScanRow {
  id: number;
  provider: Provider;
  source: string;
  collected_at: string;
  started_at: string;
  finished_at: string;
}

export const SCAN_COLUMNS = 'id, provider, source, collected_at, started_at, finished_at';

export function toScan(r: ScanRow): ScanRecord {
  return {
    id: r.id,
    provider: r.provider,
    source: r.source,
    collectedAt: r.collected_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export interface AccountRow {
  account_id: string;
  provider: Provider;
  alias: string | null;
  tags: string;
}

export function toAccount(r: AccountRow): AccountInfo {
  return withOptional<AccountInfo>(
    { provider: r.provider, accountId: r.account_id, tags: JSON.parse(r.tags) as Record<string, string> },
    { alias: r.alias },
  );
}

export interface IdentityRow {
  scan_id: number;
  arn: string;
  provider: Provider;
  account_id: string;
  kind: IdentityKind;
  name: string;
  path: string | null;
  unique_id: string | null;
  created_at: string | null;
  tags: string;
  trust_policy: string | null;
  last_used_at: string | null;
  last_used_region: string | null;
  last_used_source: UsageSource | null;
  permissions_boundary_arn: string | null;
}

export function toIdentity(r: IdentityRow): Identity {
  const identity = withOptional<Identity>(
    {
      provider: r.provider,
      arn: r.arn,
      accountId: r.account_id,
      kind: r.kind,
      name: r.name,
      tags: JSON.parse(r.tags) as Record<string, string>,
    },
    {
      path: r.path,
      uniqueId: r.unique_id,
      createdAt: r.created_at,
      trustPolicy: parseJson<PolicyDocument>(r.trust_policy),
      permissionsBoundaryArn: r.permissions_boundary_arn,
    },
  );
  // The schema guarantees at and source are both set or both NULL.
  if (r.last_used_at !== null && r.last_used_source !== null) {
    identity.lastUsed = withOptional<NonNullable<Identity['lastUsed']>>(
      { at: r.last_used_at, source: r.last_used_source },
      { region: r.last_used_region },
    );
  }
  return identity;
}

export interface CredentialRow {
  id: string;
  identity_arn: string;
  provider: Provider;
  account_id: string;
  kind: CredentialKind;
  active: 0 | 1 | null;
  created_at: string | null;
  rotated_at: string | null;
  last_used_at: string | null;
  last_used_service: string | null;
  last_used_region: string | null;
}

export function toCredential(r: CredentialRow): Credential {
  return withOptional<Credential>(
    {
      provider: r.provider,
      id: r.id,
      identityArn: r.identity_arn,
      accountId: r.account_id,
      kind: r.kind,
      active: r.active === null ? null : r.active === 1,
    },
    {
      createdAt: r.created_at,
      rotatedAt: r.rotated_at,
      lastUsedAt: r.last_used_at,
      lastUsedService: r.last_used_service,
      lastUsedRegion: r.last_used_region,
    },
  );
}

export interface AttachmentRow {
  scan_id: number;
  identity_arn: string;
  policy_hash: string;
  kind: AttachmentKind;
  policy_name: string;
  policy_arn: string | null;
  policy_version: string | null;
  group_name: string | null;
}

export function toAttachment(r: AttachmentRow): PolicyAttachment {
  return withOptional<PolicyAttachment>(
    { identityArn: r.identity_arn, policyHash: r.policy_hash, kind: r.kind, policyName: r.policy_name },
    { policyArn: r.policy_arn, policyVersion: r.policy_version, groupName: r.group_name },
  );
}

export interface CoverageRow {
  scope: string;
  source: string;
  status: CoverageStatus;
  reason: string | null;
  detail: string | null;
}

export function toCoverage(r: CoverageRow): CoverageEntry {
  return withOptional<CoverageEntry>(
    { scope: r.scope, source: r.source, status: r.status },
    { reason: r.reason, detail: parseJson<Record<string, unknown>>(r.detail) },
  );
}

export interface ReportRow {
  id: number;
  scan_id: number;
  identity_arn: string;
  job_id: string | null;
  granularity: AccessAdvisorReport['granularity'];
  completed_at: string | null;
}

export interface ServiceRow {
  report_id: number;
  namespace: string;
  name: string | null;
  last_authenticated: string | null;
  last_authenticated_region: string | null;
  action_level: 0 | 1;
}

export interface TrackedActionRow {
  report_id: number;
  namespace: string;
  action: string;
  last_accessed: string | null;
  region: string | null;
}

type TrackedAction = NonNullable<AccessAdvisorService['trackedActions']>[number];

/** Reassembles reports from their three tables' rows (any order). */
export function toReports(
  reports: ReportRow[],
  services: ServiceRow[],
  actions: TrackedActionRow[],
): Map<number, AccessAdvisorReport> {
  const byId = new Map<number, AccessAdvisorReport>();
  for (const r of reports) {
    byId.set(
      r.id,
      withOptional<AccessAdvisorReport>(
        { identityArn: r.identity_arn, granularity: r.granularity, services: [] },
        { jobId: r.job_id, completedAt: r.completed_at },
      ),
    );
  }
  const serviceKey = (reportId: number, namespace: string) => `${reportId}\u0000${namespace}`;
  const byService = new Map<string, AccessAdvisorService>();
  for (const s of services) {
    const service = withOptional<AccessAdvisorService>(
      { namespace: s.namespace },
      {
        name: s.name,
        lastAuthenticated: s.last_authenticated,
        lastAuthenticatedRegion: s.last_authenticated_region,
        trackedActions: s.action_level === 1 ? [] : null,
      },
    );
    byId.get(s.report_id)?.services.push(service);
    byService.set(serviceKey(s.report_id, s.namespace), service);
  }
  for (const a of actions) {
    byService
      .get(serviceKey(a.report_id, a.namespace))
      ?.trackedActions?.push(withOptional<TrackedAction>({ action: a.action }, { lastAccessed: a.last_accessed, region: a.region }));
  }
  return byId;
}
