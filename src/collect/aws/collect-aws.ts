/**
 * The live AWS collection: finds the accounts (home, configured, optionally
 * the whole organisation), reaches each (its own credentials for the home
 * account, the audit role elsewhere), reads IAM, and produces the SAME
 * Snapshot the file importer produces. One account's failure is a coverage
 * gap; the others continue.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CoverageEntry, Snapshot } from '../../model/domain.js';
import type { ScanExtras } from '../../store/index.js';
import { accountScope } from '../files/iam/arn.js';
import type { SnapshotParts } from '../files/iam/index.js';
import { assumeAuditRole, auditRoleArn, getCallerAccount, getOrganizationAccounts, getOrganizationAccountTags } from './accounts.js';
import type { AwsClientFactory, AwsCredentials } from './clients.js';
import { collectAccountIam, type IamCollectOptions, type LiveAccountRead } from './collect-account-iam.js';
import { collectCloudTrailFromS3, type CloudTrailS3Config, type CloudTrailS3Cursor } from './cloudtrail-s3.js';
import { mapLimit } from './concurrency.js';
import { describeAwsError } from './errors.js';
import { liveAccountToParts } from './live-account-parts.js';
import { noProgress, type ProgressSink } from './progress.js';
import { withNurseryHeld } from '../../util/nursery.js';

export interface AuditRoleOptions {
  /** Role name in every other account (default keywarden-audit), or a full ARN with `{account}`. */
  name?: string;
  arn?: string;
  externalId?: string;
  sessionName: string;
}

/** The home credentials are unusable or belong to the wrong account: nothing was collected. */
export class HomeAccountError extends Error {
  override name = 'HomeAccountError';
}

export interface LiveAwsOptions {
  /** When set, the credentials in use must belong to this account. */
  homeAccount?: string;
  /** Accounts to audit besides the home account. */
  accounts: readonly string[];
  /** Also audit every ACTIVE account Organizations lists (needs the management or a delegated admin account). */
  organizations: boolean;
  auditRole: AuditRoleOptions;
  iam: Omit<IamCollectOptions, 'progress'>;
  /** Accounts collected at once. */
  accountConcurrency: number;
  /** Read CloudTrail from the trail's bucket; absent: no usage from CloudTrail (a gap). */
  cloudTrail?: CloudTrailS3Config & {
    cursor: CloudTrailS3Cursor;
    /** The account holding the bucket (a log-archive account reached with the audit role); default: home. */
    bucketAccount?: string;
  };
  /** Without `cloudTrail`: CloudTrail usage comes from Athena loads (`keywarden collect athena`), named here; the audit judges the days they cover. */
  cloudTrailFromAthena?: string;
  progress?: ProgressSink;
  now?: () => Date;
}

/** A reachable account: its id and the credentials to use there (undefined: the home chain). */
export interface ReachedAccount {
  accountId: string;
  credentials?: AwsCredentials;
}

export interface LiveAwsCollection {
  snapshot: Snapshot;
  extras: ScanExtras;
  homeAccountId: string;
  /** Per account, in the file importer's shape (for `export aws`). */
  reads: LiveAccountRead[];
  reached: ReachedAccount[];
}

/** Home account plus configured and organisation accounts, with tags; gaps for what could not be listed. */
async function targetAccounts(
  factory: AwsClientFactory,
  homeAccountId: string,
  options: LiveAwsOptions,
  coverage: CoverageEntry[],
): Promise<Map<string, Record<string, string>>> {
  const targets = new Map<string, Record<string, string>>([[homeAccountId, {}]]);
  for (const id of options.accounts) targets.set(id, {});
  if (!options.organizations) return targets;
  const org = factory.organizations();
  try {
    const accounts = await getOrganizationAccounts(org);
    const skipped: string[] = [];
    for (const a of accounts) {
      if (!a.Id) continue;
      if (a.Status && a.Status !== 'ACTIVE') skipped.push(`${a.Id} (${a.Status})`);
      else if (!targets.has(a.Id)) targets.set(a.Id, {});
    }
    coverage.push({ scope: 'aws', source: 'organizations', status: 'ok', detail: { accounts: accounts.length, ...(skipped.length ? { notActive: skipped } : {}) } });
  } catch (err) {
    coverage.push({
      scope: 'aws',
      source: 'organizations',
      status: 'gap',
      reason: `Organizations ListAccounts failed: ${describeAwsError(err)}; only the home and configured accounts were audited`,
    });
    return targets;
  }
  await mapLimit([...targets.keys()], options.iam.concurrency, async (id) => {
    try {
      targets.set(id, await getOrganizationAccountTags(org, id));
    } catch (err) {
      coverage.push({ scope: accountScope(id), source: 'organizations', status: 'partial', reason: `ListTagsForResource failed: ${describeAwsError(err)}; account tags unknown` });
    }
  });
  return targets;
}

/** Credentials for each account; an account that cannot be reached is a gap and is left out. */
export async function reachAccounts(
  factory: AwsClientFactory,
  homeAccountId: string,
  accountIds: readonly string[],
  role: AuditRoleOptions,
  coverage: CoverageEntry[],
): Promise<ReachedAccount[]> {
  const sts = factory.sts();
  const reached: ReachedAccount[] = [];
  for (const accountId of accountIds) {
    if (accountId === homeAccountId) {
      reached.push({ accountId });
      continue;
    }
    const roleArn = auditRoleArn(accountId, role);
    try {
      const credentials = await assumeAuditRole(sts, roleArn, role);
      reached.push({ accountId, credentials });
    } catch (err) {
      coverage.push({
        scope: accountScope(accountId),
        source: 'assume-role',
        status: 'gap',
        reason: `AssumeRole ${roleArn} failed: ${describeAwsError(err)}; account not audited (deploy policies/keywarden-audit-role-trust.json there)`,
        detail: { roleArn },
      });
    }
  }
  return reached;
}

export function collectAwsLive(factory: AwsClientFactory, options: LiveAwsOptions): Promise<LiveAwsCollection> {
  // This thread only coordinates: its nursery need not grow (see util/nursery.ts).
  return withNurseryHeld(() => collectAwsLiveNow(factory, options));
}

async function collectAwsLiveNow(factory: AwsClientFactory, options: LiveAwsOptions): Promise<LiveAwsCollection> {
  const now = options.now ?? (() => new Date());
  const progress = options.progress ?? noProgress;
  const startedAt = now().toISOString();
  const coverage: CoverageEntry[] = [];

  progress({ account: 'aws', phase: 'identity' });
  // Without working home credentials nothing can be read: this one throws.
  let home: { accountId: string };
  try {
    home = await getCallerAccount(factory.sts());
  } catch (err) {
    throw new HomeAccountError(`cannot use the AWS credentials: ${describeAwsError(err)}; set them up for the standard chain (AWS_PROFILE, environment, SSO or instance role)`, { cause: err });
  }
  if (options.homeAccount && home.accountId !== options.homeAccount) {
    throw new HomeAccountError(`the AWS credentials belong to account ${home.accountId}, but the home account is configured as ${options.homeAccount}; nothing was collected`);
  }
  const targets = await targetAccounts(factory, home.accountId, options, coverage);
  const reached = await reachAccounts(factory, home.accountId, [...targets.keys()], options.auditRole, coverage);

  const reads = await mapLimit(reached, options.accountConcurrency, async ({ accountId, credentials }) => {
    const read = await collectAccountIam(factory.iam(credentials), accountId, targets.get(accountId) ?? {}, { ...options.iam, progress });
    progress({ account: accountId, phase: 'done' });
    return read;
  });
  const parts = reads.map(liveAccountToParts);
  const extras: ScanExtras = { startedAt };
  const usage = await collectUsage(factory, reached, options, coverage, extras);
  const snapshot = { ...partsToSnapshot(parts, `live:aws:${home.accountId}`, now().toISOString(), coverage), ...usage };
  return { snapshot, extras, homeAccountId: home.accountId, reads, reached };
}

/** The S3 client for the trail's bucket: the bucket account's audit role, else home; undefined when that account was not reached. */
export function trailBucketClient(factory: AwsClientFactory, reached: readonly ReachedAccount[], ct: { bucketAccount?: string }): S3Client | undefined {
  if (!ct.bucketAccount) return factory.s3();
  const holder = reached.find((r) => r.accountId === ct.bucketAccount);
  return holder ? factory.s3(holder.credentials) : undefined;
}

/** CloudTrail usage of the reached accounts from S3; the cursor advance goes into `extras`. */
async function collectUsage(
  factory: AwsClientFactory,
  reached: readonly ReachedAccount[],
  options: LiveAwsOptions,
  coverage: CoverageEntry[],
  extras: ScanExtras,
): Promise<Pick<Snapshot, 'usage' | 'unmappedEvents' | 'ingested'>> {
  const ct = options.cloudTrail;
  if (!ct) {
    coverage.push(
      options.cloudTrailFromAthena
        ? { scope: 'aws', source: 'cloudtrail', status: 'ok', reason: `CloudTrail usage comes from Athena loads of ${options.cloudTrailFromAthena} (keywarden collect athena); the audit counts the days they cover` }
        : { scope: 'aws', source: 'cloudtrail', status: 'gap', reason: 'no CloudTrail bucket configured (liveAws.cloudTrail): usage beyond Access Advisor is unknown' },
    );
    return { usage: [], unmappedEvents: [], ingested: [] };
  }
  const s3 = trailBucketClient(factory, reached, ct);
  if (!s3) {
    coverage.push({ scope: accountScope(ct.bucketAccount ?? 'aws'), source: 'cloudtrail', status: 'gap', reason: `CloudTrail bucket account ${ct.bucketAccount} could not be reached: usage unknown` });
    return { usage: [], unmappedEvents: [], ingested: [] };
  }
  const result = await collectCloudTrailFromS3(
    s3,
    reached.map((r) => r.accountId),
    ct,
    ct.cursor,
    { ...(options.now ? { now: options.now } : {}), ...(options.progress ? { progress: options.progress } : {}) },
  );
  coverage.push(...result.coverage);
  Object.assign(extras, result.extras);
  return { usage: result.ingest?.usage ?? [], unmappedEvents: result.ingest?.unmapped ?? [], ingested: result.ingest?.ingested ?? [] };
}

/** Account parts -> one Snapshot; CloudTrail usage is added by the caller when it was read. */
export function partsToSnapshot(parts: readonly SnapshotParts[], source: string, collectedAt: string, coverage: CoverageEntry[]): Snapshot {
  return {
    provider: 'aws',
    source,
    collectedAt,
    accounts: parts.map((p) => p.account),
    identities: parts.flatMap((p) => p.identities),
    credentials: parts.flatMap((p) => p.credentials),
    // The same AWS-managed policy arrives from every account: store it once.
    policies: [...new Map(parts.flatMap((p) => p.policies).map((p) => [p.hash, p])).values()],
    attachments: parts.flatMap((p) => p.attachments),
    accessAdvisor: parts.flatMap((p) => p.accessAdvisor),
    usage: [],
    unmappedEvents: [],
    ingested: [],
    coverage: [...coverage, ...parts.flatMap((p) => p.coverage)],
  };
}
