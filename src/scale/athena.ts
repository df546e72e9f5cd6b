/**
 * Athena mode for CloudTrail: one aggregation query over the window's
 * partition days (athena-sql.ts), polled with backoff until it ends or its
 * time runs out (then stopped), its result read page by page and folded
 * into usage rows as it arrives (cloudtrail-rows.ts). Nothing is written
 * here: the caller stores the returned load in one transaction.
 *
 * Cost guard: Athena bills the bytes a query scans. A query whose scanned
 * bytes pass the configured maximum is stopped while it runs (Athena
 * reports the running total) and its result is never loaded; a workgroup's
 * own per-query limit ends it too, and says so. Either way the days stay
 * unknown and the run reports a coverage gap.
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { loadCloudTrailActionMapper, type CloudTrailActionMapper } from '../catalog/cloudtrail-actions.js';
import { describeAwsError } from '../collect/aws/errors.js';
import { pollUntil, type PollOptions } from '../collect/aws/concurrency.js';
import type { CoverageEntry } from '../model/domain.js';
import type { QueryLoad, QueryLoadDay } from '../store/index.js';
import {
  cloudTrailAggregationSql,
  cloudTrailTableDdl,
  createDatabaseDdl,
  MAX_EXCLUDED_PARTITIONS,
  type AthenaTable,
  type CloudTrailPartition,
  type CloudTrailTableLayout,
} from './athena-sql.js';
import { CloudTrailRowFolder, partitionKey, type TextRow } from './cloudtrail-rows.js';
import { CostGuardError, describeRanges, gigabytes, loadCoverage, loadGap, planLoad, QueryFailedError, type DayWindow, type LoadPlan } from './plan.js';
import type { CloudTrailStats } from '../collect/files/cloudtrail/index.js';

export interface AthenaSettings {
  table: AthenaTable;
  /** Data catalog (default AwsDataCatalog). */
  catalog?: string;
  /** Workgroup (default: Athena's `primary`). */
  workGroup?: string;
  /** `s3://…/` for query results; may be left to a workgroup that enforces its own. */
  outputLocation?: string;
  /** A query scanning more than this is stopped, and never loaded. */
  maxScannedBytes: number;
  /** Polling: first wait, longest wait, and how long a query may take before it is stopped. */
  poll: PollOptions;
  /** Rows per GetQueryResults call (Athena's maximum, 1000, unless a test wants many pages). */
  pageSize?: number;
}

export interface AthenaQueryRun {
  queryId: string;
  bytesScanned: number;
  execution: QueryExecution;
}

const WORKGROUP_LIMIT = /data (usage|scanned) limit|BytesScannedCutoff|bytes scanned cutoff/i;

/**
 * Runs one statement to its end. Throws QueryFailedError (FAILED, CANCELLED,
 * or still running at the timeout, then stopped) or CostGuardError (stopped
 * for scanning too much); the thrown error names the query.
 */
export async function runAthenaQuery(client: AthenaClient, sql: string, settings: AthenaSettings, onProgress?: (line: string) => void): Promise<AthenaQueryRun> {
  const started = await client
    .send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        QueryExecutionContext: { Database: settings.table.database, ...(settings.catalog ? { Catalog: settings.catalog } : {}) },
        ...(settings.workGroup ? { WorkGroup: settings.workGroup } : {}),
        ...(settings.outputLocation ? { ResultConfiguration: { OutputLocation: settings.outputLocation } } : {}),
      }),
    )
    .catch((error: unknown) => {
      throw setupProblem(error, settings) ?? error;
    });
  const queryId = started.QueryExecutionId;
  if (!queryId) throw new QueryFailedError('Athena did not return a query execution id', undefined, 'failed');
  const stop = async () => {
    try {
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }));
    } catch {
      // Best effort: the query may have ended meanwhile; the caller reports why it stopped it.
    }
  };
  let lastState = '';
  const polled = await pollUntil(
    async () => {
      const execution = (await client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }))).QueryExecution ?? {};
      const state = execution.Status?.State ?? 'UNKNOWN';
      const scanned = execution.Statistics?.DataScannedInBytes ?? 0;
      if (state !== lastState) onProgress?.(`athena: query ${queryId} ${state}${scanned ? `, ${gigabytes(scanned)} scanned` : ''}`);
      lastState = state;
      if (scanned > settings.maxScannedBytes) {
        if (state === 'QUEUED' || state === 'RUNNING') await stop();
        throw new CostGuardError(
          `Athena query ${queryId} scanned ${gigabytes(scanned)}, above the maximum of ${gigabytes(settings.maxScannedBytes)} ` +
            `(athena.maxScannedGb, --max-scanned-gb); ${state === 'SUCCEEDED' ? 'its result was not loaded' : 'it was stopped'}`,
        );
      }
      return execution;
    },
    (e) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(e.Status?.State ?? ''),
    settings.poll,
  );
  if (!polled.done) {
    await stop();
    throw new QueryFailedError(`Athena query ${queryId} was still ${lastState || 'running'} after ${Math.round(settings.poll.timeoutMs / 1000)} s and was stopped (athena.queryTimeoutSeconds)`, queryId, 'timeout');
  }
  const execution = polled.value;
  const state = execution.Status?.State;
  if (state !== 'SUCCEEDED') {
    const reason = (execution.Status?.StateChangeReason ?? execution.Status?.AthenaError?.ErrorMessage ?? 'no reason given').replace(/\s*\n\s*/g, ' ');
    if (WORKGROUP_LIMIT.test(reason)) throw new CostGuardError(`Athena query ${queryId} was ended by the workgroup's per-query data limit: ${reason}`);
    throw new QueryFailedError(`Athena query ${queryId} ${state === 'CANCELLED' ? 'was cancelled' : 'failed'}: ${reason}`, queryId, state === 'CANCELLED' ? 'cancelled' : 'failed');
  }
  return { queryId, bytesScanned: execution.Statistics?.DataScannedInBytes ?? 0, execution };
}

/** The result, a page at a time, as rows of text by column name (the header row of the first page skipped). */
export async function* athenaResultPages(client: AthenaClient, queryId: string, pageSize = 1000): AsyncGenerator<TextRow[]> {
  let token: string | undefined;
  let first = true;
  do {
    const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: queryId, MaxResults: pageSize, ...(token ? { NextToken: token } : {}) }));
    const names = (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Label ?? c.Name ?? '');
    let rows = page.ResultSet?.Rows ?? [];
    // A SELECT's first row is its header: the column labels again.
    if (first && rows[0] && names.length > 0 && rows[0].Data?.every((d, i) => d.VarCharValue === names[i])) rows = rows.slice(1);
    first = false;
    yield rows.map((r) => Object.fromEntries(names.map((name, i) => [name, r.Data?.[i]?.VarCharValue ?? null])));
    token = page.NextToken;
  } while (token);
}

/** `CREATE DATABASE IF NOT EXISTS` and the CloudTrail table (`IF NOT EXISTS`): harmless when they exist. */
export async function ensureCloudTrailTable(client: AthenaClient, settings: AthenaSettings, layout: CloudTrailTableLayout, onProgress?: (line: string) => void): Promise<void> {
  onProgress?.(`athena: creating ${settings.table.database}.${settings.table.table} if missing`);
  await runAthenaQuery(client, createDatabaseDdl(settings.table.database), settings, onProgress);
  await runAthenaQuery(client, cloudTrailTableDdl(settings.table, layout), settings, onProgress);
}

/** What the store tells a load before it runs. */
export interface CloudTrailLoadState {
  queryLoadDays(engine: 'athena', from: string, to: string): Map<string, QueryLoadDay>;
  localCloudTrailPartitions(from: string, to: string): Set<string>;
}

export interface QueryLoadReport {
  /** Absent when nothing was queried, or the query failed or was refused: see coverage. */
  load?: QueryLoad;
  plan: LoadPlan;
  coverage: CoverageEntry[];
  queryId?: string;
  bytesScanned?: number;
  rows?: number;
}

export interface CloudTrailLoadReport extends QueryLoadReport {
  stats?: CloudTrailStats;
}

export interface AthenaLoadOptions extends AthenaSettings {
  window: DayWindow;
  now: Date;
  mapper?: CloudTrailActionMapper;
  onProgress?: (line: string) => void;
}

export const athenaSource = (t: AthenaTable) => `athena:${t.database}.${t.table}`;

/** Athena refused the query for a setting the user must change (not a gap in what it could read). */
export class AthenaSetupError extends Error {
  override name = 'AthenaSetupError';
}

/** A workgroup with no result location of its own needs one from keywarden's config: a fix for the user, said as one. */
function setupProblem(error: unknown, settings: AthenaSettings): AthenaSetupError | undefined {
  const e = error as { name?: string; message?: string };
  if (e?.name !== 'InvalidRequestException' || !/no output location/i.test(e.message ?? '')) return undefined;
  return new AthenaSetupError(
    `Athena workgroup ${settings.workGroup ?? 'primary'} has no query result location and none was given: ` +
      `set athena.outputLocation (an S3 URL such as s3://acme-athena-results/keywarden/) or the workgroup's result location (${e.message})`,
  );
}

/** Queries the window's open days, folds the result; never throws for a query that fails (a gap instead). */
export async function loadCloudTrailFromAthena(client: AthenaClient, state: CloudTrailLoadState, options: AthenaLoadOptions): Promise<CloudTrailLoadReport> {
  const source = athenaSource(options.table);
  const plan = planLoad(options.window, state.queryLoadDays('athena', options.window.from, options.window.to), options.now);
  if (plan.days.length === 0) {
    return { plan, coverage: [{ scope: 'aws', source: 'athena', status: 'ok', reason: `${source}: every day of ${options.window.from}..${options.window.to} was loaded and closed by earlier runs` }] };
  }
  const first = plan.days[0]!.day;
  const last = plan.days[plan.days.length - 1]!.day;
  const local = [...state.localCloudTrailPartitions(first, last)].map((key): CloudTrailPartition => {
    const [accountId, region, day] = key.split('/') as [string, string, string];
    return { accountId, region, day };
  });
  const sql = cloudTrailAggregationSql({ table: options.table, days: plan.ranges, exclude: local.length <= MAX_EXCLUDED_PARTITIONS ? local : [] });
  const localKeys = new Set(local.map(partitionKey));
  const days = describeRanges(plan.ranges);
  options.onProgress?.(`athena: aggregating CloudTrail of ${days} in ${source}`);
  let run: AthenaQueryRun;
  try {
    run = await runAthenaQuery(client, sql, options, options.onProgress);
  } catch (error) {
    if (error instanceof AthenaSetupError) throw error;
    return { plan, coverage: [loadGap({ provider: 'aws', engine: 'athena', source, days }, error, describeAwsError)] };
  }
  const folder = new CloudTrailRowFolder(options.mapper ?? (await loadCloudTrailActionMapper()));
  try {
    for await (const page of athenaResultPages(client, run.queryId, options.pageSize)) for (const row of page) folder.add(row);
  } catch (error) {
    return { plan, coverage: [loadGap({ provider: 'aws', engine: 'athena', source, days, queryId: run.queryId }, error, describeAwsError)], queryId: run.queryId, bytesScanned: run.bytesScanned };
  }
  const result = folder.result();
  // Partitions read from files meanwhile, or left out of the text as too many to list: never loaded twice.
  const partitions = new Map([...result.partitions].filter(([key]) => !localKeys.has(key)).map(([key, p]) => [key, { scope: p.accountId, region: p.region, day: p.day, events: p.events }]));
  const load: QueryLoad = {
    engine: 'athena',
    source,
    queryId: run.queryId,
    bytesScanned: run.bytesScanned,
    days: plan.days,
    partitions,
    usage: result.usage,
    unmapped: result.unmapped,
    userAgents: result.userAgents,
    cloudTrailDays: result.daysSeen.map(({ accountId, region, day }) => ({ accountId, region, day })),
  };
  const coverage: CoverageEntry[] = [];
  if (local.length > 0) {
    coverage.push({
      scope: 'aws',
      source: 'athena',
      status: 'ok',
      reason: `${local.length} partition(s) (account, region, day) already read from CloudTrail files were left out: one source per partition`,
    });
  }
  const seen = result.daysSeen.map((d) => ({ scope: d.accountId, region: d.region, day: d.day, events: d.events }));
  coverage.push(...loadCoverage(seen, { engine: 'athena', source, queryId: run.queryId }, (account) => (account === '' ? 'aws:unknown-account' : `aws:${account}`)));
  return { load, plan, coverage, stats: result.stats, queryId: run.queryId, bytesScanned: run.bytesScanned, rows: result.rows };
}
