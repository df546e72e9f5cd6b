/**
 * CloudTrail files -> usage aggregates, coverage and bookkeeping.
 *
 * A file counts whole or not at all: a truncated or malformed file is a
 * coverage gap and never half counted. On this thread each file is read into
 * its own aggregate (ingestCloudTrailFile) and merged once read to the end;
 * with worker threads, this thread reads each file's stored bytes, and a
 * worker counts them into its running total (see ingest-worker.ts for how a
 * file failing half way is taken back out). A file whose sha256 was ingested
 * before (or appears twice in one run) is skipped, so re-importing the same
 * logs never double-counts; with workers it is skipped before it is parsed.
 */
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
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
import { ingestWorkerEntry } from './worker-entry.js';
import { CloudTrailWorkerPool, type CountedFile } from './worker-pool.js';

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
  // The aggregate keeps only strings of a record, so the reader may refill one record object.
  const options = { fields: AGGREGATE_FIELDS, reuse: true };
  const read =
    typeof source === 'string'
      ? await readCloudTrailFile(source, onRecord, options)
      : await readCloudTrailStream(await openSource(source), file, onRecord, options);
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
  /** Defaults to the catalog-backed mapper. Reads on this thread only (workers load the catalog mapper). */
  mapper?: CloudTrailActionMapper;
  /** Files read ahead per thread (with workers: read and hashed here while the workers count others). Default 2. */
  concurrency?: number;
  /**
   * Worker threads that read files in parallel (0: read on this thread).
   * Default: KEYWARDEN_INGEST_WORKERS, else one per core when there are
   * enough files to repay a worker's start-up and no custom mapper is given.
   */
  workers?: number;
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
  /** By file index, so gaps come in file order however the files finish. */
  const failed = new Map<number, FailedFile>();
  /** The files that count, by index: their digest, then what counting them added. */
  const kept = new Map<number, { digest: string; counted?: CountedFile }>();
  let alreadyIngestedFiles = 0;
  let done = 0;

  // Workers load the catalog mapper themselves: a caller's own mapper cannot be posted to them.
  if (options.mapper && options.workers) throw new Error('ingestCloudTrailFiles: worker threads use the catalog mapper; pass either mapper or workers');
  const workers = options.mapper ? 0 : (options.workers ?? defaultWorkerCount(files.length));
  const pool =
    workers > 0
      ? new CloudTrailWorkerPool(workers, (packed) => total.mergePacked(packed), concurrency + 1, undefined, await ingestWorkerEntry())
      : undefined;
  const settle = (file: string | CloudTrailSource): Promise<FileRead | Error> =>
    (pool ? readForWorker(pool, file, mapper, total, interned) : readHere(file, mapper, total, interned)).catch((err: unknown) =>
      err instanceof Error ? err : new Error(`${locationOf(file)}: ${String(err)}`),
    );
  const fail = (index: number, message: string) => {
    const file = locationOf(files[index]!);
    const reason = oneLine(message.startsWith(file) ? message : `${file}: ${message}`);
    failed.set(index, { file, reason, accountId: accountIdFromCloudTrailPath(file) });
    options.onFile?.({ file, done, total: files.length, error: reason });
  };

  // A small window of files being read; whether a file counts is decided strictly in file order.
  const inFlight: Promise<FileRead | Error>[] = [];
  let next = 0;
  const window = concurrency * Math.max(1, workers);
  const counting: Promise<void>[] = [];
  try {
    while (next < files.length && inFlight.length < window) inFlight.push(settle(files[next++]!));
    for (let i = 0; i < files.length; i++) {
      const file = locationOf(files[i]!);
      const result = await inFlight.shift()!;
      if (next < files.length) inFlight.push(settle(files[next++]!));
      if (result instanceof Error) {
        done++;
        fail(i, result.message);
        continue;
      }
      if (seenDigests.has(result.digest) || alreadyIngested(result.digest)) {
        alreadyIngestedFiles++;
        done++;
        options.onFile?.({ file, done, total: files.length, digest: result.digest });
        continue;
      }
      seenDigests.add(result.digest);
      const entry: { digest: string; counted?: CountedFile } = { digest: result.digest };
      kept.set(i, entry);
      counting.push(
        result.keep().then(
          (counted) => {
            entry.counted = counted;
            done++;
            options.onFile?.({ file, done, total: files.length, records: counted.records, digest: result.digest });
          },
          (err: Error) => {
            kept.delete(i);
            done++;
            fail(i, err.message);
          },
        ),
      );
      // Bytes sent ahead of the workers are held until counted: no more than they can take.
      await pool?.slot();
    }
    // Each worker hands its last total over as soon as it has counted its files (its replies come
    // first), so the main thread merges the first while the other is still counting.
    const lost = pool ? await pool.finish() : [];
    await Promise.all(counting);
    if (pool) {
      // A worker that died took the counts of the files it had counted: they are gaps after all.
      const indexOf = new Map([...kept.keys()].map((i) => [locationOf(files[i]!), i]));
      for (const { location, reason } of lost) {
        const i = indexOf.get(location)!;
        kept.delete(i);
        fail(i, reason);
      }
    }
  } finally {
    await pool?.close();
  }
  const ingested: IngestedObject[] = [];
  const partials: CoverageEntry[] = [];
  const filesByAccount = new Map<string, number>();
  for (const [i, { digest, counted }] of [...kept].sort(([a], [b]) => a - b)) {
    const file = locationOf(files[i]!);
    const { records, malformedRecords, accounts } = counted!;
    ingested.push({ digest, location: file, events: records });
    if (malformedRecords > 0) {
      partials.push({
        scope: file,
        source: 'cloudtrail',
        status: 'partial',
        reason: `${file}: ${malformedRecords} of ${records} records lack a readable eventTime, eventSource or eventName and were not counted`,
        detail: { file, malformedRecords },
      });
    }
    for (const account of accounts) filesByAccount.set(account, (filesByAccount.get(account) ?? 0) + 1);
  }
  const failures = [...failed].sort(([a], [b]) => a - b).map(([, f]) => f);

  const daysSeen = total.daysSeen();
  return {
    usage: total.usageDays(),
    unmapped: total.unmappedEvents(),
    ingested,
    coverage: [...coverageEntries(files.length, daysSeen, failures, filesByAccount), ...partials],
    daysSeen,
    userAgents: total.identityUserAgents(),
    resourceUsage: total.resourceUsage(),
    stats: {
      ...total.stats,
      files: files.length,
      ingestedFiles: ingested.length,
      failedFiles: failures.length,
      alreadyIngestedFiles,
    },
  };
}

/** A file read far enough to know its digest (with workers, not parsed yet); keep() counts it into the run's total. */
interface FileRead {
  digest: string;
  /** Rejects (naming the file) when it cannot be read to the end; then none of it is counted. */
  keep(): Promise<CountedFile>;
}

/** Below this many files, starting workers (~0.2 s each) costs more than it saves. */
const MIN_FILES_FOR_WORKERS = 8;

function defaultWorkerCount(files: number): number {
  const configured = process.env.KEYWARDEN_INGEST_WORKERS;
  if (configured !== undefined && configured.trim() !== '') {
    const n = Number(configured);
    if (!Number.isInteger(n) || n < 0 || n > 64) throw new Error(`KEYWARDEN_INGEST_WORKERS must be a whole number from 0 to 64, got ${JSON.stringify(configured)}`);
    return n;
  }
  return files >= MIN_FILES_FOR_WORKERS ? Math.min(os.availableParallelism(), 8) : 0;
}

/** Reads a file on this thread into its own aggregate (the digest comes with the read); kept, it is merged. */
async function readHere(
  source: string | CloudTrailSource,
  mapper: CloudTrailActionMapper,
  total: CloudTrailAggregate,
  interned: Map<string, string>,
): Promise<FileRead> {
  const { digest, records, aggregate } = await ingestCloudTrailFile(source, mapper, interned);
  return {
    digest,
    keep: async () => {
      total.merge(aggregate);
      return { records, malformedRecords: aggregate.stats.malformedRecords, accounts: aggregate.accountsOfFile() };
    },
  };
}

/**
 * Files and objects larger than this (stored bytes) are streamed on this
 * thread instead of being held whole for a worker. CloudTrail delivers a
 * file per region every few minutes, rarely over a few MB; the cap keeps
 * memory flat whatever a bucket or directory holds.
 */
const MAX_BYTES_FOR_WORKER = 32 << 20;

/** Fetches a file's stored bytes here, hashes them, and hands them to a worker if the file counts. */
async function readForWorker(
  pool: CloudTrailWorkerPool,
  source: string | CloudTrailSource,
  mapper: CloudTrailActionMapper,
  total: CloudTrailAggregate,
  interned: Map<string, string>,
): Promise<FileRead> {
  const location = locationOf(source);
  const pieces = typeof source === 'string' ? await fileBytes(source) : await objectBytes(source);
  if (pieces === undefined) return readHere(source, mapper, total, interned);
  if (pieces instanceof Readable) return readHere({ location, open: async () => pieces }, mapper, total, interned);
  const hash = createHash('sha256');
  for (const piece of pieces) hash.update(piece);
  const digest = hash.digest('hex');
  return { digest, keep: () => pool.count(location, pieces, digest, typeof source === 'string') };
}

/** A local file's bytes (one piece), or undefined when it is too large to hold. */
async function fileBytes(file: string): Promise<Buffer[] | undefined> {
  try {
    if ((await stat(file)).size > MAX_BYTES_FOR_WORKER) return undefined;
    return [await readFile(file)];
  } catch (err) {
    throw new CloudTrailFileError(file, `cannot read file (${(err as Error).message})`);
  }
}

/**
 * An object's bytes in the pieces they arrived in, or when it turns out too
 * large to hold, the whole object as a stream (not fetched twice). The pieces
 * are not joined here: each is a buffer of its own, moved to the worker that
 * joins them, so none waits for this thread's garbage collector (which runs
 * rarely here: this thread allocates little else).
 */
async function objectBytes(source: CloudTrailSource): Promise<Buffer[] | Readable> {
  const iterator = (await openSource(source))[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  const nextChunk = async () => {
    try {
      return await iterator.next();
    } catch (err) {
      throw new CloudTrailFileError(source.location, `cannot read object (${(err as Error).message})`);
    }
  };
  for (let next = await nextChunk(); !next.done; next = await nextChunk()) {
    const chunk = asBuffer(next.value);
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_BYTES_FOR_WORKER) {
      // What was read so far, then the rest.
      return Readable.from(
        (async function* () {
          yield* chunks;
          for (let more = await nextChunk(); !more.done; more = await nextChunk()) yield asBuffer(more.value);
        })(),
        { objectMode: false },
      );
    }
  }
  return chunks;
}

/** The chunk as a Buffer without copying it (the SDK's Node handler yields Buffers already). */
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
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
