/** Shapes the store takes in besides a Snapshot, and gives back to analysis. */
import type { CloudTrailS3Day, CloudTrailS3Object } from './cloudtrail-s3-cursor.js';
import type {
  AccessAdvisorReport,
  AccountInfo,
  CoverageEntry,
  Credential,
  Identity,
  PolicyAttachment,
  Provider,
  ResourceGapDay,
  ResourceUsageDay,
  UsageSource,
} from '../model/domain.js';
import type { PolicyDocument } from '../model/policy.js';

export interface StoreOptions {
  /** How long a write waits for another writer's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Clock for finished/applied timestamps (tests). */
  now?: () => Date;
}

/** A CloudTrail (account, region, UTC day) whose logs were read. */
export interface CloudTrailDay {
  accountId: string;
  region: string;
  /** YYYY-MM-DD */
  day: string;
}

/** Calls seen from one user agent, accumulated across scans. */
export interface UserAgentUsage {
  identityArn: string;
  userAgent: string;
  count: number;
  /** Latest eventTime (ISO). */
  lastSeen: string;
}

/** What a collection knows besides the Snapshot, accumulated across scans. */
export interface ScanExtras {
  /** When collection began; defaults to the snapshot's collectedAt. */
  startedAt?: string;
  cloudTrailDays?: CloudTrailDay[];
  userAgents?: UserAgentUsage[];
  /** Resources named by the calls (bounded per identity and action), and the calls whose resource is not among them. */
  resourceUsage?: { days: ResourceUsageDay[]; gaps: ResourceGapDay[] };
  /** The CloudTrail-in-S3 cursor advanced by this scan (live collection). */
  cloudTrailS3?: { objects: CloudTrailS3Object[]; days: CloudTrailS3Day[] };
}

export interface ScanRecord {
  id: number;
  provider: Provider;
  source: string;
  collectedAt: string;
  startedAt: string;
  finishedAt: string;
}

/** One complete scan, read back. Lists are in key order (arn, id, …); coverage in written order. */
export interface ScanContents {
  scan: ScanRecord;
  accounts: AccountInfo[];
  identities: Identity[];
  credentials: Credential[];
  attachments: PolicyAttachment[];
  /** Every policy the scan delivered, by content hash. */
  policies: Map<string, PolicyDocument>;
  accessAdvisor: AccessAdvisorReport[];
  coverage: CoverageEntry[];
}

/** Inclusive range of UTC days, YYYY-MM-DD. */
export interface DayWindow {
  from: string;
  to: string;
}

/** Usage of one action by one identity and credential over a window. */
export interface UsageAggregate {
  identityArn: string;
  credentialId: string;
  action: string;
  firstDay: string;
  lastDay: string;
  /** Days with any call (successful or denied). */
  activeDays: number;
  count: number;
  denied: number;
  lastSeen: string;
}

export interface IdentityUsageSummary {
  identityArn: string;
  /** Distinct actions with at least one successful call. */
  actionsUsed: number;
  /** Distinct actions with at least one denied call. */
  actionsDenied: number;
  calls: number;
  denied: number;
  credentials: number;
  activeDays: number;
  firstDay: string;
  lastDay: string;
  lastSeen: string;
}

/** An identity's last use as one stored scan recorded it. */
export interface StoredLastUse {
  at: string;
  source: UsageSource;
  region?: string;
  scanId: number;
}

export interface IdentityHistoryEntry {
  scan: ScanRecord;
  identity: Identity;
  attachments: PolicyAttachment[];
}

/** An identity's Access Advisor reports from the newest complete scan that has any. */
export interface LatestAccessAdvisor {
  scan: ScanRecord;
  reports: AccessAdvisorReport[];
}
