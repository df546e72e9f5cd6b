/**
 * The domain types every stage after collection speaks: plain data, no
 * provider SDK objects. Collectors (live or file) produce a Snapshot; the
 * store persists it; analysis reads the stored form back.
 */
import type { PolicyDocument } from './policy.js';
import type { GcpSnapshotPart } from './gcp.js';

export type Provider = 'aws' | 'gcp';

/** AWS access levels as the service authorization reference names them. */
export const ACCESS_LEVELS = ['List', 'Read', 'Write', 'Tagging', 'Permissions management'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

export type IdentityKind = 'user' | 'role' | 'root' | 'service-account';

export interface Identity {
  provider: Provider;
  /** Stable key: the ARN for AWS, the email for GCP service accounts. */
  arn: string;
  accountId: string;
  kind: IdentityKind;
  name: string;
  path?: string;
  /** AWS unique id (AIDA…/AROA…) where known. */
  uniqueId?: string;
  createdAt?: string;
  tags: Record<string, string>;
  /** Role trust policy (who may assume it). */
  trustPolicy?: PolicyDocument;
  /** RoleLastUsed from authorization details. */
  lastUsed?: { at: string; region?: string; source: UsageSource };
  /** ARN of the permissions boundary policy, if any. */
  permissionsBoundaryArn?: string;
}

export type CredentialKind = 'access-key' | 'password' | 'signing-certificate' | 'service-account-key';

export interface Credential {
  provider: Provider;
  /**
   * The access key id where known (live API, CloudTrail); offline credential
   * reports do not carry key ids, so there it is `<userArn>#access_key_1`.
   */
  id: string;
  identityArn: string;
  accountId: string;
  kind: CredentialKind;
  /** null: the source did not say (e.g. no credential report). */
  active: boolean | null;
  createdAt?: string;
  /** Last rotation for access keys (credential report). */
  rotatedAt?: string;
  lastUsedAt?: string;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

/** A policy document, stored once by content hash and shared by every identity that holds it. */
export interface StoredPolicy {
  hash: string;
  document: PolicyDocument;
}

export type AttachmentKind =
  | 'inline'
  | 'managed'
  | 'group-inline'
  | 'group-managed'
  | 'permissions-boundary';

/** One policy in effect for an identity, and how it got there. */
export interface PolicyAttachment {
  identityArn: string;
  policyHash: string;
  kind: AttachmentKind;
  policyName: string;
  /** Managed policy ARN (absent for inline policies). */
  policyArn?: string;
  /** Managed policy version in effect (the default version). */
  policyVersion?: string;
  /** Group the policy came through, for group-* kinds. */
  groupName?: string;
}

export type UsageSource = 'cloudtrail' | 'access-advisor' | 'credential-report' | 'role-last-used' | 'access-key-last-used';

/** CloudTrail usage, aggregated per identity, credential, IAM action and UTC day. */
/**
 * Calls of one identity and action on one day, by the resource they named
 * (an ARN, or an ARN pattern such as `arn:aws:s3:::bucket/logs/*` where only
 * a prefix is kept). See collect/files/cloudtrail/resource-arns.ts.
 */
export interface ResourceUsageDay {
  identityArn: string;
  action: string;
  day: string;
  resourceArn: string;
  calls: number;
}

/** Calls of one identity and action on one day whose resource is not in ResourceUsageDay, and why. */
export interface ResourceGapDay {
  identityArn: string;
  action: string;
  day: string;
  /** The event named no resource keywarden can read or derive. */
  unresolved: number;
  /** The resource was not kept: the (identity, action) already had the maximum of distinct resources. */
  overflow: number;
}

export interface UsageDay {
  identityArn: string;
  /** Access key id from the event, '' when the event carried none. */
  credentialId: string;
  /** Canonical IAM action, `service:ActionName`. */
  action: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** Successful calls. */
  count: number;
  /** Calls refused with AccessDenied / UnauthorizedOperation: a signal, not usage. */
  denied: number;
  /** Latest eventTime seen for the key (ISO). */
  lastSeen: string;
}

/** Access Advisor (`get-service-last-accessed-details`) for one principal. */
export interface AccessAdvisorReport {
  identityArn: string;
  jobId?: string;
  granularity: 'SERVICE_LEVEL' | 'ACTION_LEVEL';
  /** When the job completed: the end of what this report can speak for. */
  completedAt?: string;
  services: AccessAdvisorService[];
}

export interface AccessAdvisorService {
  namespace: string;
  name?: string;
  lastAuthenticated?: string;
  lastAuthenticatedRegion?: string;
  /** Action-level data: only for the actions Access Advisor tracks. */
  trackedActions?: { action: string; lastAccessed?: string; region?: string }[];
}

export type CoverageStatus = 'ok' | 'partial' | 'gap';

/**
 * What a source could or could not read. A gap is never silently an empty
 * result: analysis turns it into `unknown` and CI fails closed on it.
 */
export interface CoverageEntry {
  /** e.g. `aws:123456789012`, `aws:123456789012:role/deploy`, a file path. */
  scope: string;
  /** e.g. `authorization-details`, `credential-report`, `access-advisor`, `cloudtrail`. */
  source: string;
  status: CoverageStatus;
  /** One line a person can act on. */
  reason?: string;
  /** Machine-readable extras: counts, days covered, file names. */
  detail?: Record<string, unknown>;
}

export interface AccountInfo {
  provider: Provider;
  accountId: string;
  alias?: string;
  tags: Record<string, string>;
}

/** An event that mapped to no IAM action, counted rather than dropped. */
export interface UnmappedEvent {
  eventSource: string;
  eventName: string;
  count: number;
}

/** A CloudTrail file (or S3 object) already folded into usage, so it is never counted twice. */
export interface IngestedObject {
  /** sha256 of the object's bytes as stored (compressed). */
  digest: string;
  /** Where it was read from, for people. */
  location: string;
  events: number;
}

/** Everything one collection produced, before it is stored. */
export interface Snapshot {
  provider: Provider;
  /** `files:<dir>` or `live:<profile>`. */
  source: string;
  collectedAt: string;
  accounts: AccountInfo[];
  identities: Identity[];
  credentials: Credential[];
  policies: StoredPolicy[];
  attachments: PolicyAttachment[];
  accessAdvisor: AccessAdvisorReport[];
  usage: UsageDay[];
  unmappedEvents: UnmappedEvent[];
  ingested: IngestedObject[];
  coverage: CoverageEntry[];
  /** GCP hierarchy, bindings, deny rules, roles and usage evidence (provider 'gcp' only). */
  gcp?: GcpSnapshotPart;
}
