/**
 * CloudTrail files -> usage aggregates, coverage and bookkeeping.
 *
 * Each file is read into its own aggregate (ingestCloudTrailFile: file in,
 * plain data out, the unit a worker thread can take over) and merged only
 * when the whole file was read, so a truncated or malformed file is reported
 * as a coverage gap and never half counted. A file whose sha256 was ingested
 * before (or appears twice in one run) is skipped, so re-importing the same
 * logs never double-counts.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { CoverageEntry, IngestedObject, ResourceGapDay, ResourceUsageDay, UnmappedEvent, UsageDay } from '../../../model/domain.js';
import { loadCloudTrailActionMapper, type CloudTrailActionMapper } from '../../../catalog/cloudtrail-actions.js';
import {
  AGGREGATE_FIELDS,
  CloudTrailAggregate,
  type CloudTrailDaySeen,
  type CloudTrailStats,
  type IdentityUserAgents,
} from './aggregate.js';
import { accountIdFromCloudTrailPath } from './discover.js';
import { CloudTrailFileError, readCloudTrailFile, readCloudTrailStream } from './read-file.js';
import type { CloudTrailRecordFields } from './record-fields.js';

export interface CloudTrailFileResult {
  file: string;
  digest: string;
  records: number;
  aggregate: CloudTrailAggregate;
}

/** A log object that is not a local file (an S3 object): where it is, for people, and how to stream it. */
export interface CloudTrailSource {
  location: string;
  open(): Promise<Readable>;
}

const locationOf = (source: string | CloudTrailSource) => (typeof source === 'string' ? source : source.location);

/** Reads one file (or streamed object) into a fresh aggregate. Throws (naming it) if it cannot be read to the end. */
export async function ingestCloudTrailFile(
  source: string | CloudTrailSource,
  mapper: CloudTrailActionMapper,
  interned?: Map<string, string>,
): Promise<CloudTrailFileResult> {
  const aggregate = new CloudTrailAggregate(mapper, interned);
  const onRecord = (record: CloudTrailRecordFields) => aggregate.add(record);
  const file = locationOf(source);
  const read =
    typeof source === 'string'
      ? await readCloudTrailFile(source, onRecord, { fields: AGGREGATE_FIELDS })
      : await readCloudTrailStream(await openSource(source), file, onRecord, { fields: AGGREGATE_FIELDS });
  return { file, digest: read.digest, records: read.records, aggregate };
}

async function openSource(source: CloudTrailSource): Promise<Readable> {
  try {
    return await source.open();
  } catch (err) {
    throw new CloudTrailFileError(source.location, `cannot open object (${(err as Error).message})`);
  }
}

export interface CloudTrailIngestOptions {
  /** True when a file with this sha256 was already folded into stored usage. */
  alreadyIngested?: (digest: string) => boolean;
  /** Defaults to the catalog-backed mapper. */
  mapper?: CloudTrailActionMapper;
  /** Files read at once (reading one while the next decompresses). Default 2. */
  concurrency?: number;
  /** Called after each file, for progress display. */
  onFile?: (progress: { file: string; done: number; total: number; error?: string; records?: number; digest?: string }) => void;
}

/** Event counts (from CloudTrailStats) cover the ingested files only: not failed or already-ingested ones. */
export interface CloudTrailIngestStats extends CloudTrailStats {
  /** Files given. */
  files: number;
  ingestedFiles: number;
  failedFiles: number;
  alreadyIngestedFiles: number;
}

export interface CloudTrailIngestResult {
  usage: UsageDay[];
  unmapped: UnmappedEvent[];
  ingested: IngestedObject[];
  coverage: CoverageEntry[];
  daysSeen: CloudTrailDaySeen[];
  userAgents: IdentityUserAgents[];
  resourceUsage: { days: ResourceUsageDay[]; gaps: ResourceGapDay[] };
  stats: CloudTrailIngestStats;
}

interface FailedFile {
  file: string;
  reason: string;
  accountId?: string;
}

export async function ingestCloudTrailFiles(
  files: readonly (string | CloudTrailSource)[],
  options: CloudTrailIngestOptions = {},
): Promise<CloudTrailIngestResult> {
  const mapper = options.mapper ?? (await loadCloudTrailActionMapper());
  const alreadyIngested = options.alreadyIngested ?? (() => false);
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const interned = new Map<string, string>();
  const total = new CloudTrailAggregate(mapper, interned);
  const seenDigests = new Set<string>();
  const ingested: IngestedObject[] = [];
  const failed: FailedFile[] = [];
  const partial: CoverageEntry[] = [];
  const filesByAccount = new Map<string, number>();
  let alreadyIngestedFiles = 0;
  let done = 0;

  const settle = (file: string | CloudTrailSource): Promise<CloudTrailFileResult | Error> =>
    ingestCloudTrailFile(file, mapper, interned).catch((err: unknown) =>
      err instanceof Error ? err : new Error(`${locationOf(file)}: ${String(err)}`),
    );

  // A small window of files in flight; results are merged strictly in file order.
  const inFlight: Promise<CloudTrailFileResult | Error>[] = [];
  let next = 0;
  while (next < files.length && inFlight.length < concurrency) inFlight.push(settle(files[next++]!));
  for (let i = 0; i < files.length; i++) {
    const file = locationOf(files[i]!);
    const result = await inFlight.shift()!;
    if (next < files.length) inFlight.push(settle(files[next++]!));
    done++;
    if (result instanceof Error) {
      const reason = oneLine(result.message.startsWith(file) ? result.message : `${file}: ${result.message}`);
      failed.push({ file, reason, accountId: accountIdFromCloudTrailPath(file) });
      options.onFile?.({ file, done, total: files.length, error: reason });
      continue;
    }
    options.onFile?.({ file, done, total: files.length, records: result.records, digest: result.digest });
    if (seenDigests.has(result.digest) || alreadyIngested(result.digest)) {
      alreadyIngestedFiles++;
      continue;
    }
    seenDigests.add(result.digest);
    const malformed = result.aggregate.stats.malformedRecords;
    if (malformed > 0) {
      partial.push({
        scope: file,
        source: 'cloudtrail',
        status: 'partial',
        reason: `${file}: ${malformed} of ${result.records} records lack a readable eventTime, eventSource or eventName and were not counted`,
        detail: { file, malformedRecords: malformed },
      });
    }
    total.merge(result.aggregate.data());
    ingested.push({ digest: result.digest, location: file, events: result.records });
    for (const account of new Set([...result.aggregate.days.values()].map((d) => d.accountId))) {
      filesByAccount.set(account, (filesByAccount.get(account) ?? 0) + 1);
    }
  }

  const daysSeen = total.daysSeen();
  return {
    usage: total.usageDays(),
    unmapped: total.unmappedEvents(),
    ingested,
    coverage: [...coverageEntries(files.length, daysSeen, failed, filesByAccount), ...partial],
    daysSeen,
    userAgents: total.identityUserAgents(),
    resourceUsage: total.resourceUsage(),
    stats: {
      ...total.stats,
      files: files.length,
      ingestedFiles: ingested.length,
      failedFiles: failed.length,
      alreadyIngestedFiles,
    },
  };
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * One gap per unreadable file, and per account what CloudTrail speaks for:
 * the UTC days and regions it delivered events for. An account is partial
 * when a file of its own failed, or a failed file's account is unknown
 * (unknown is not safe: it could have been this account's).
 */
function coverageEntries(
  fileCount: number,
  daysSeen: CloudTrailDaySeen[],
  failed: FailedFile[],
  filesByAccount: Map<string, number>,
): CoverageEntry[] {
  const coverage: CoverageEntry[] = failed.map((f) => ({
    scope: f.file,
    source: 'cloudtrail',
    status: 'gap',
    reason: f.reason,
    detail: { file: f.file, ...(f.accountId ? { accountId: f.accountId } : {}) },
  }));
  if (fileCount === 0) {
    coverage.push({ scope: 'aws', source: 'cloudtrail', status: 'gap', reason: 'no CloudTrail files were given: usage is unknown' });
    return coverage;
  }

  const accounts = new Map<string, { days: Set<string>; regions: Set<string>; events: number }>();
  for (const d of daysSeen) {
    let a = accounts.get(d.accountId);
    if (!a) accounts.set(d.accountId, (a = { days: new Set(), regions: new Set(), events: 0 }));
    a.days.add(d.day);
    if (d.region) a.regions.add(d.region);
    a.events += d.events;
  }
  for (const f of failed) if (f.accountId && !accounts.has(f.accountId)) accounts.set(f.accountId, { days: new Set(), regions: new Set(), events: 0 });
  const unknownAccountFailures = failed.filter((f) => !f.accountId);

  for (const [accountId, a] of [...accounts.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    const own = failed.filter((f) => f.accountId === accountId);
    const blocking = [...own, ...unknownAccountFailures];
    const days = [...a.days].sort();
    const status = a.events === 0 && blocking.length > 0 ? 'gap' : blocking.length > 0 ? 'partial' : 'ok';
    const scope = accountId === '' ? 'aws:unknown-account' : `aws:${accountId}`;
    const reason =
      blocking.length === 0
        ? undefined
        : `${blocking.length} CloudTrail file(s) ${own.length === blocking.length ? 'of this account' : 'possibly of this account'} could not be read (first: ${path.basename(blocking[0]!.file)}): usage on the days they cover is incomplete`;
    coverage.push({
      scope,
      source: 'cloudtrail',
      status,
      ...(reason ? { reason } : {}),
      detail: {
        days,
        firstDay: days[0],
        lastDay: days[days.length - 1],
        regions: [...a.regions].sort(),
        events: a.events,
        files: filesByAccount.get(accountId) ?? 0,
        failedFiles: blocking.map((f) => f.file),
      },
    });
  }
  return coverage;
}
