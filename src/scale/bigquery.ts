/**
 * BigQuery mode for Cloud Audit Logs exported by a log sink: the one
 * aggregation query (bigquery-sql.ts) run as a job, polled with backoff
 * until it is DONE or its time runs out (then cancelled), its result read
 * page by page (cloudtrail-rows.ts folding, per log scope and day). Nothing
 * is written here: the caller stores the returned load in one transaction.
 *
 * Cost guard: BigQuery bills the bytes a query processes. A dry run first
 * says how many that will be, for free; above the configured maximum the
 * query is not run at all. The job itself carries the same maximum as
 * `maximumBytesBilled`, so BigQuery refuses it too should the estimate be
 * passed. Either way the days stay unknown and the run reports a gap.
 */
import { BigQuery, type BigQueryOptions, type Job } from '@google-cloud/bigquery';
import type { OAuth2Client } from 'google-auth-library';
import { pollUntil, type PollOptions } from '../collect/aws/concurrency.js';
import type { CoverageEntry } from '../model/domain.js';
import type { QueryLoad, QueryLoadDay } from '../store/index.js';
import { AuditLogRowFolder } from './audit-log-rows.js';
import { auditLogAggregationSql, type AuditLogDataset } from './bigquery-sql.js';
import type { TextRow } from './cloudtrail-rows.js';
import type { QueryLoadReport } from './athena.js';
import { CostGuardError, describeRanges, gigabytes, loadCoverage, loadGap, planLoad, QueryFailedError, type DayWindow } from './plan.js';
import { dayRanges, type DayRange } from './sql-text.js';

export interface BigQuerySettings {
  dataset: AuditLogDataset;
  /** Where the dataset lives (US, EU, europe-west1, …); default: BigQuery finds it. */
  location?: string;
  /** A query that would process more than this is not run. */
  maxBilledBytes: number;
  poll: PollOptions;
  /** Rows per getQueryResults call. */
  pageSize?: number;
}

export interface AuditLogLoadState {
  queryLoadDays(engine: 'bigquery', from: string, to: string): Map<string, QueryLoadDay>;
  queryOwnedPartitions(engine: 'bigquery', from: string, to: string): Set<string>;
  /** Per log scope (`projects/<id>`), the last day local audit-log reads counted. */
  localAuditLogDays(): Map<string, string>;
}

export interface BigQueryLoadOptions extends BigQuerySettings {
  window: DayWindow;
  now: Date;
  onProgress?: (line: string) => void;
}

export interface AuditLogLoadReport extends QueryLoadReport {
  /** Permission checks counted. */
  checks?: number;
}

export const bigQuerySource = (d: AuditLogDataset) => `bigquery:${d.project}.${d.dataset}`;

export interface BigQueryClientOptions {
  /** Project the query jobs run (and are billed) in. */
  projectId: string;
  /** Another endpoint (private access, or a local test server); default BigQuery's own. */
  endpoint?: string;
  /** Default: Application Default Credentials. */
  authClient?: OAuth2Client;
  /** Retries of a call that failed with 429 or 5xx (the client's own backoff). */
  maxRetries?: number;
}

/** The client, made when a load runs (never at import time). */
export function bigQueryClient(options: BigQueryClientOptions): BigQuery {
  return new BigQuery({
    projectId: options.projectId,
    ...(options.endpoint ? { apiEndpoint: options.endpoint } : {}),
    // The client bundles its own google-auth-library release: the same class, another type identity.
    ...(options.authClient ? { authClient: options.authClient as unknown as BigQueryOptions['authClient'] } : {}),
    maxRetries: options.maxRetries ?? 3,
  });
}

/** `reason: message` of a Google API error or a job's errorResult. */
function describeGoogleError(error: unknown): string {
  const e = error as { errors?: { reason?: string; message?: string }[]; message?: string; code?: number };
  const reason = e.errors?.[0]?.reason;
  const message = (e.errors?.[0]?.message ?? e.message ?? String(error)).replace(/\s*\n\s*/g, ' ');
  return `${reason ? `${reason}: ` : e.code ? `${e.code}: ` : ''}${message}`;
}

/** Runs the query as a job after a dry run; throws CostGuardError or QueryFailedError naming the job. */
export async function runBigQueryJob(client: BigQuery, sql: string, settings: BigQuerySettings, onProgress?: (line: string) => void): Promise<{ job: Job; bytes: number }> {
  const common = { query: sql, useLegacySql: false, ...(settings.location ? { location: settings.location } : {}) };
  const [dry] = await client.createQueryJob({ ...common, dryRun: true });
  const estimate = Number(dry.metadata?.statistics?.totalBytesProcessed ?? 0);
  onProgress?.(`bigquery: the query will process ${gigabytes(estimate)} (dry run)`);
  if (estimate > settings.maxBilledBytes) {
    throw new CostGuardError(
      `the BigQuery query would process ${gigabytes(estimate)} (dry run), above the maximum of ${gigabytes(settings.maxBilledBytes)} (bigquery.maxBilledGb, --max-billed-gb); it was not run`,
    );
  }
  const [job] = await client.createQueryJob({ ...common, maximumBytesBilled: String(settings.maxBilledBytes), labels: { tool: 'keywarden' } });
  const id = job.id ?? '(no id)';
  let lastState = '';
  const polled = await pollUntil(
    async () => {
      const [metadata] = await job.getMetadata();
      const state = String(metadata.status?.state ?? 'UNKNOWN');
      if (state !== lastState) onProgress?.(`bigquery: job ${id} ${state}`);
      lastState = state;
      return metadata;
    },
    (m) => m.status?.state === 'DONE',
    settings.poll,
  );
  if (!polled.done) {
    try {
      await job.cancel();
    } catch {
      // Best effort: it may have finished meanwhile; either way nothing of it is loaded.
    }
    throw new QueryFailedError(`BigQuery job ${id} was still ${lastState || 'running'} after ${Math.round(settings.poll.timeoutMs / 1000)} s and was cancelled (bigquery.queryTimeoutSeconds)`, id, 'timeout');
  }
  const failure = polled.value.status?.errorResult;
  if (failure) {
    if (failure.reason === 'bytesBilledLimitExceeded') {
      throw new CostGuardError(`BigQuery job ${id} was refused by its maximum of ${gigabytes(settings.maxBilledBytes)} billed (${describeGoogleError({ errors: [failure] })})`);
    }
    throw new QueryFailedError(`BigQuery job ${id} failed: ${describeGoogleError({ errors: [failure] })}`, id, failure.reason === 'stopped' ? 'cancelled' : 'failed');
  }
  const statistics = polled.value.statistics;
  return { job, bytes: Number(statistics?.query?.totalBytesBilled ?? statistics?.totalBytesProcessed ?? estimate) };
}

/** The job's rows, a page at a time, as text by column name. */
export async function* bigQueryResultPages(job: Job, pageSize = 10_000): AsyncGenerator<TextRow[]> {
  let pageToken: string | undefined;
  do {
    const [rows, next] = await job.getQueryResults({ autoPaginate: false, maxResults: pageSize, ...(pageToken ? { pageToken } : {}) });
    yield (rows as Record<string, unknown>[]).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)])));
    pageToken = (next as { pageToken?: string } | null | undefined)?.pageToken ?? undefined;
  } while (pageToken);
}

/** Queries the window's open days, folds the result; never throws for a query that fails (a gap instead). */
export async function loadAuditLogsFromBigQuery(client: BigQuery, state: AuditLogLoadState, options: BigQueryLoadOptions): Promise<AuditLogLoadReport> {
  const source = bigQuerySource(options.dataset);
  const plan = planLoad(options.window, state.queryLoadDays('bigquery', options.window.from, options.window.to), options.now);
  if (plan.days.length === 0) {
    return { plan, coverage: [{ scope: 'gcp', source: 'bigquery', status: 'ok', reason: `${source}: every day of ${options.window.from}..${options.window.to} was loaded and closed by earlier runs` }] };
  }
  const first = plan.days[0]!.day;
  const last = plan.days[plan.days.length - 1]!.day;
  // Local reads counted every entry of a project up to its cursor's day, except days this engine already owns.
  const owned = state.queryOwnedPartitions('bigquery', first, last);
  const exclude: { scope: string; days: DayRange[] }[] = [];
  for (const [scope, through] of state.localAuditLogDays()) {
    const days = plan.days.map((d) => d.day).filter((day) => day <= through && !owned.has(`${scope}//${day}`));
    if (days.length > 0) exclude.push({ scope, days: dayRanges(days) });
  }
  const excluded = (scope: string, day: string) => exclude.some((e) => e.scope === scope && e.days.some((r) => day >= r.from && day <= r.to));
  const sql = auditLogAggregationSql({ dataset: options.dataset, days: plan.ranges, exclude });
  const days = describeRanges(plan.ranges);
  options.onProgress?.(`bigquery: aggregating audit logs of ${days} in ${source}`);
  let run: { job: Job; bytes: number };
  try {
    run = await runBigQueryJob(client, sql, options, options.onProgress);
  } catch (error) {
    return { plan, coverage: [loadGap({ provider: 'gcp', engine: 'bigquery', source, days }, error, describeGoogleError)] };
  }
  const folder = new AuditLogRowFolder();
  try {
    for await (const page of bigQueryResultPages(run.job, options.pageSize)) for (const row of page) folder.add(row);
  } catch (error) {
    return { plan, coverage: [loadGap({ provider: 'gcp', engine: 'bigquery', source, days, ...(run.job.id ? { queryId: run.job.id } : {}) }, error, describeGoogleError)], queryId: run.job.id, bytesScanned: run.bytes };
  }
  const result = folder.result();
  const partitions = new Map(
    [...result.partitions].filter(([, p]) => !excluded(p.accountId, p.day)).map(([key, p]) => [key, { scope: p.accountId, region: '', day: p.day, events: p.events }]),
  );
  const load: QueryLoad = { engine: 'bigquery', source, queryId: run.job.id ?? '', bytesScanned: run.bytes, days: plan.days, partitions, usage: result.usage, unmapped: [], userAgents: result.userAgents };
  const coverage: CoverageEntry[] = [];
  if (exclude.length > 0) {
    coverage.push({ scope: 'gcp', source: 'bigquery', status: 'ok', reason: `${exclude.length} project(s) had days already counted by audit-log reads (up to their read cursor): those days were left out, one source per project and day` });
  }
  coverage.push(...loadCoverage([...partitions.values()], { engine: 'bigquery', source, queryId: load.queryId }, (scope) => `gcp:${scope.replace(/^projects\//, '')}`));
  return { load, plan, coverage, checks: result.checks, queryId: load.queryId, bytesScanned: run.bytes, rows: result.rows };
}
