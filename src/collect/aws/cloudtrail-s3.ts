/**
 * CloudTrail from the trail's S3 bucket: `<prefix>/AWSLogs/[o-org/]<account>/
 * CloudTrail/<region>/<yyyy>/<mm>/<dd>/`. Only days the store has not
 * completed are listed (from the first open day on), objects already read
 * (same key and ETag) are not downloaded again, and each object is streamed
 * through gunzip into the file importer's reader and aggregation, so a day
 * is never held in memory. A corrupt object is a gap; the others are read.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { CoverageEntry } from '../../model/domain.js';
import type { CloudTrailS3Day, CloudTrailS3Object, CloudTrailS3Scope, ScanExtras } from '../../store/index.js';
import {
  ingestCloudTrailFiles,
  isNonEventCloudTrailFile,
  type CloudTrailIngestResult,
  type CloudTrailSource,
} from '../files/cloudtrail/index.js';
import { accountScope } from '../files/iam/arn.js';
import { mapLimit } from './concurrency.js';
import { describeAwsError } from './errors.js';
import { listFolders, listObjects, openObject } from './s3-objects.js';
import { noProgress, type ProgressSink } from './progress.js';

export interface CloudTrailS3Config {
  bucket: string;
  /** Key prefix the trail was configured with ('' for none). */
  prefix: string;
  /** Organisation id (`o-…`) of an organisation trail (keys carry it after AWSLogs/); default: every `o-…` folder found. */
  organizationId?: string;
  /** Regions to read; default: every region folder found. */
  regions?: readonly string[];
  /** Days back from today to read on the first run. */
  lookbackDays: number;
  /** Objects streamed at once. */
  concurrency: number;
  /** Keys per list call (S3's maximum, 1000, unless a test wants many pages). */
  listPageSize?: number;
}

/** What the store already knows (see store/cloudtrail-s3-cursor.ts). */
export interface CloudTrailS3Cursor {
  completedDays(scope: CloudTrailS3Scope): Set<string>;
  objects(scope: CloudTrailS3Scope): Map<string, string>;
  alreadyIngested(digest: string): boolean;
  /** True when a warehouse query (Athena) loaded this partition: its objects are not read (one source per partition). */
  queryOwned?(accountId: string, region: string, day: string): boolean;
}

export interface CloudTrailS3Result {
  ingest?: CloudTrailIngestResult;
  coverage: CoverageEntry[];
  extras: Required<Pick<ScanExtras, 'cloudTrailDays' | 'userAgents' | 'cloudTrailS3' | 'resourceUsage'>>;
  stats: { listCalls: number; objectsListed: number; objectsRead: number; objectsSkipped: number; events: number };
}

/**
 * CloudTrail may deliver a day's last events hours after midnight UTC: a day
 * is complete (never listed again) only once this long has passed after it.
 */
export const DAY_DELIVERY_GRACE_MS = 24 * 3600_000;

const LOG_KEY = /\.json(?:\.gz)?$/i;
/** Below the region folder: exactly `<yyyy>/<mm>/<dd>/<file>` (nothing else is a log object, and no `..` can slip into a path). */
const DAY_IN_KEY = /^(\d{4})\/(\d{2})\/(\d{2})\/[^/]+$/;

const isoDay = (d: Date) => d.toISOString().slice(0, 10);
const keyDay = (day: string) => day.replaceAll('-', '/');

export interface RegionPlan {
  /** `…AWSLogs/[o-org/]<account>/`: the cursor's prefix. */
  root: string;
  accountId: string;
  region: string;
  regionPrefix: string;
  fromDay: string;
  completed: Set<string>;
}

export interface PlannedObject {
  plan: RegionPlan;
  key: string;
  etag: string;
  day: string;
}

/**
 * Where an account's logs can be: `…AWSLogs/<account>/` (its own trail) and
 * `…AWSLogs/<o-org>/<account>/` for each organisation trail (the configured
 * organisation id, else every `o-…` folder found under AWSLogs/).
 */
async function accountRoots(s3: S3Client, config: CloudTrailS3Config, accounts: readonly string[], counter: { listCalls: number }): Promise<Map<string, string[]>> {
  const base = config.prefix ? `${config.prefix.replace(/\/+$/, '')}/AWSLogs/` : 'AWSLogs/';
  const orgs = config.organizationId ? [config.organizationId] : (await listFolders(s3, config.bucket, base, counter)).filter((n) => /^o-[a-z0-9]+$/.test(n));
  return new Map(accounts.map((a) => [a, [`${base}${a}/`, ...orgs.map((o) => `${base}${o}/${a}/`)]]));
}

/** What to read: the objects of the open days in the window, per account and region. */
export interface CloudTrailObjectPlan {
  planned: PlannedObject[];
  regions: RegionPlan[];
  /** Accounts with any log object (new or already read) or completed day: the others have no trail here. */
  found: Set<string>;
  /** Objects listed but already read (same key and ETag), per region. */
  known: Map<RegionPlan, number>;
  /** Objects listed but not read because Athena loaded their partition. */
  queryOwned: number;
  coverage: CoverageEntry[];
  listCalls: number;
  today: string;
}

/** Lists what the cursor has not read yet; listing failures are gaps per account. */
export async function planCloudTrailObjects(
  s3: S3Client,
  accounts: readonly string[],
  config: CloudTrailS3Config,
  cursor: Pick<CloudTrailS3Cursor, 'completedDays' | 'objects' | 'queryOwned'>,
  now: Date,
): Promise<CloudTrailObjectPlan> {
  const counter = { listCalls: 0 };
  const coverage: CoverageEntry[] = [];
  const where = `s3://${config.bucket}/${config.prefix}`;
  const fromDay = isoDay(new Date(now.getTime() - (config.lookbackDays - 1) * 86_400_000));
  const today = isoDay(now);
  const plans: RegionPlan[] = [];
  const planned: PlannedObject[] = [];
  const knownByPlan = new Map<RegionPlan, number>();
  const found = new Set<string>();
  const failedAccounts = new Set<string>();
  let queryOwned = 0;
  let roots: Map<string, string[]>;
  try {
    roots = await accountRoots(s3, config, accounts, counter);
  } catch (err) {
    const reason = `listing ${where} failed: ${describeAwsError(err)}; usage unknown`;
    for (const a of accounts) coverage.push({ scope: accountScope(a), source: 'cloudtrail', status: 'gap', reason });
    roots = new Map();
    accounts.forEach((a) => failedAccounts.add(a));
  }
  for (const [accountId, accountRootList] of roots) {
    try {
      for (const root of accountRootList) {
        const regions = config.regions ?? (await listFolders(s3, config.bucket, `${root}CloudTrail/`, counter));
        for (const region of regions) {
          const regionPrefix = `${root}CloudTrail/${region}/`;
          const scope = { bucket: config.bucket, prefix: root, accountId, region, fromDay };
          const completed = cursor.completedDays(scope);
          if (completed.size > 0) found.add(accountId);
          const firstNeeded = firstOpenDay(fromDay, today, completed);
          if (!firstNeeded) continue;
          const plan: RegionPlan = { root, accountId, region, regionPrefix, fromDay, completed };
          const known = cursor.objects(scope);
          let knownCount = 0;
          let listed = 0;
          for (const o of await listObjects(s3, config.bucket, regionPrefix, `${regionPrefix}${keyDay(firstNeeded)}`, counter, config.listPageSize)) {
            const key = o.Key ?? '';
            const day = DAY_IN_KEY.exec(key.slice(regionPrefix.length));
            if (!day || !LOG_KEY.test(key) || isNonEventCloudTrailFile(key)) continue;
            const iso = `${day[1]}-${day[2]}-${day[3]}`;
            if (iso < fromDay || completed.has(iso)) continue;
            listed++;
            if (cursor.queryOwned?.(accountId, region, iso)) {
              queryOwned++;
              continue;
            }
            const etag = o.ETag ?? '';
            if (known.get(key) === etag) {
              knownCount++;
              continue;
            }
            planned.push({ plan, key, etag, day: iso });
          }
          // A region folder with nothing in the window (yet) is still where the trail writes.
          if (listed > 0 || known.size > 0 || config.regions === undefined) plans.push(plan);
          if (listed > 0 || known.size > 0) found.add(accountId);
          knownByPlan.set(plan, knownCount);
        }
      }
    } catch (err) {
      failedAccounts.add(accountId);
      coverage.push({ scope: accountScope(accountId), source: 'cloudtrail', status: 'gap', reason: `listing CloudTrail logs of ${accountId} under ${where} failed: ${describeAwsError(err)}; usage unknown` });
    }
  }
  for (const accountId of accounts) {
    if (found.has(accountId) || failedAccounts.has(accountId)) continue;
    coverage.push({ scope: accountScope(accountId), source: 'cloudtrail', status: 'gap', reason: `no CloudTrail logs for account ${accountId} under ${where} in the last ${config.lookbackDays} days: usage unknown (is the trail delivering there?)` });
  }
  return { planned, regions: plans, found, known: knownByPlan, queryOwned, coverage, listCalls: counter.listCalls, today };
}

export async function collectCloudTrailFromS3(
  s3: S3Client,
  accounts: readonly string[],
  config: CloudTrailS3Config,
  cursor: CloudTrailS3Cursor,
  options: { now?: () => Date; progress?: ProgressSink } = {},
): Promise<CloudTrailS3Result> {
  const now = (options.now ?? (() => new Date()))();
  const progress = options.progress ?? noProgress;
  progress({ account: 'aws', phase: 'cloudtrail-s3', message: `listing s3://${config.bucket}/${config.prefix}` });
  const { planned, regions: plans, found, known: knownByPlan, queryOwned, coverage, listCalls, today } = await planCloudTrailObjects(s3, accounts, config, cursor, now);
  if (queryOwned > 0) {
    coverage.push({ scope: 'aws', source: 'cloudtrail', status: 'ok', reason: `${queryOwned} CloudTrail object(s) not read: their account, region and day were loaded by Athena (keywarden collect athena)` });
  }
  const skipped = [...knownByPlan.values()].reduce((n, c) => n + c, 0);

  const sources: CloudTrailSource[] = planned.map((p) => ({ location: `s3://${config.bucket}/${p.key}`, open: () => openObject(s3, config.bucket, p.key) }));
  const outcome = new Map<string, { digest?: string; error?: string }>();
  let events = 0;
  const ingest =
    sources.length > 0
      ? await ingestCloudTrailFiles(sources, {
          alreadyIngested: cursor.alreadyIngested,
          concurrency: config.concurrency,
          onFile: (f) => {
            outcome.set(f.file, f.error ? { error: f.error } : { digest: f.digest! });
            events += f.records ?? 0;
            progress({ account: 'aws', phase: 'cloudtrail-s3', done: f.done, total: f.total, events });
          },
        })
      : undefined;

  const objects: CloudTrailS3Object[] = [];
  const failedDays = new Set<string>();
  const objectsPerDay = new Map<string, number>();
  const dayKey = (plan: RegionPlan, day: string) => `${plan.regionPrefix}\n${day}`;
  for (const p of planned) {
    const result = outcome.get(`s3://${config.bucket}/${p.key}`);
    if (!result?.digest) {
      failedDays.add(dayKey(p.plan, p.day));
      continue;
    }
    objects.push({ bucket: config.bucket, key: p.key, etag: p.etag, digest: result.digest, accountId: p.plan.accountId, region: p.plan.region, day: p.day });
    objectsPerDay.set(dayKey(p.plan, p.day), (objectsPerDay.get(dayKey(p.plan, p.day)) ?? 0) + 1);
  }
  const days: CloudTrailS3Day[] = [];
  for (const plan of plans) {
    for (let day = plan.fromDay; day <= today; day = nextDay(day)) {
      const closed = Date.parse(`${day}T00:00:00Z`) + 86_400_000 + DAY_DELIVERY_GRACE_MS <= now.getTime();
      if (!closed || plan.completed.has(day) || failedDays.has(dayKey(plan, day))) continue;
      days.push({ bucket: config.bucket, prefix: plan.root, accountId: plan.accountId, region: plan.region, day, objects: objectsPerDay.get(dayKey(plan, day)) ?? 0 });
    }
  }

  // Accounts whose logs were found but had nothing new: say what the cursor already holds.
  const covered = new Set([...coverage, ...(ingest?.coverage ?? [])].map((c) => c.scope));
  for (const accountId of found) {
    const scope = accountScope(accountId);
    if (covered.has(scope)) continue;
    const alreadyRead = [...knownByPlan].filter(([p]) => p.accountId === accountId).reduce((n, [, c]) => n + c, 0);
    coverage.push({ scope, source: 'cloudtrail', status: 'ok', detail: { bucket: config.bucket, newObjects: 0, alreadyRead } });
  }

  return {
    ...(ingest ? { ingest } : {}),
    coverage: [...coverage, ...(ingest?.coverage ?? [])],
    extras: {
      cloudTrailDays: (ingest?.daysSeen ?? []).map(({ accountId, region, day }) => ({ accountId, region, day })),
      userAgents: (ingest?.userAgents ?? []).flatMap((u) =>
        u.userAgents.map((a) => ({ identityArn: u.identityArn, userAgent: a.userAgent, count: a.count, lastSeen: a.lastSeen })),
      ),
      cloudTrailS3: { objects, days },
      resourceUsage: ingest?.resourceUsage ?? { days: [], gaps: [] },
    },
    stats: { listCalls, objectsListed: planned.length + skipped, objectsRead: objects.length, objectsSkipped: skipped, events },
  };
}

function nextDay(day: string): string {
  return isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000));
}

function firstOpenDay(fromDay: string, today: string, completed: Set<string>): string | undefined {
  for (let day = fromDay; day <= today; day = nextDay(day)) if (!completed.has(day)) return day;
  return undefined;
}


/** The cursor as the store keeps it. */
export function storeCloudTrailCursor(store: {
  cloudTrailS3CompletedDays(scope: CloudTrailS3Scope): Set<string>;
  cloudTrailS3Objects(scope: CloudTrailS3Scope): Map<string, string>;
  hasIngested(digest: string): boolean;
  isQueryOwned?(scope: string, region: string, day: string): boolean;
}): CloudTrailS3Cursor {
  return {
    completedDays: (scope) => store.cloudTrailS3CompletedDays(scope),
    objects: (scope) => store.cloudTrailS3Objects(scope),
    alreadyIngested: (digest) => store.hasIngested(digest),
    ...(store.isQueryOwned ? { queryOwned: (accountId: string, region: string, day: string) => store.isQueryOwned!(accountId, region, day) } : {}),
  };
}

/**
 * Downloads the window's log objects unchanged into `<dir>/cloudtrail/<key>`
 * (the offline layout, for `export aws`), each streamed to its file.
 */
export async function copyCloudTrailObjects(
  s3: S3Client,
  accounts: readonly string[],
  config: CloudTrailS3Config,
  dir: string,
  now: Date,
): Promise<{ files: string[]; coverage: CoverageEntry[] }> {
  const plan = await planCloudTrailObjects(s3, accounts, config, { completedDays: () => new Set(), objects: () => new Map() }, now);
  const root = path.resolve(dir, 'cloudtrail');
  const files: string[] = [];
  const coverage = [...plan.coverage];
  await mapLimit(plan.planned, config.concurrency, async ({ key, plan: region }) => {
    const file = path.resolve(root, ...key.split('/'));
    // Keys come from the bucket: only ever write below the export folder.
    if (!file.startsWith(root + path.sep) || key.split('/').some((part) => part === '..' || part === '.')) {
      coverage.push({ scope: accountScope(region.accountId), source: 'cloudtrail', status: 'gap', reason: `s3://${config.bucket}/${key}: key does not map to a file below ${root}; not exported` });
      return;
    }
    try {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      await pipeline(await openObject(s3, config.bucket, key), createWriteStream(file, { mode: 0o600 }));
      files.push(file);
    } catch (err) {
      coverage.push({ scope: accountScope(region.accountId), source: 'cloudtrail', status: 'gap', reason: `s3://${config.bucket}/${key}: ${describeAwsError(err)}; not exported` });
    }
  });
  return { files: files.sort(), coverage };
}
