/**
 * `keywarden collect athena`, `keywarden athena ddl` and `keywarden collect
 * bigquery`: usage from one warehouse query per run (src/scale/), stored in
 * one transaction. Settings come from the config's `athena` / `bigquery`
 * section, overridden by flags, and are checked by the same schema.
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import type { OAuth2Client } from 'google-auth-library';
import type { z } from 'zod';
import { windowEndingAt } from '../analyse/window.js';
import { awsClientFactory } from '../collect/aws/clients.js';
import { athenaSchema, bigquerySchema, type AthenaConfig, type BigQueryConfig, type KeywardenConfig } from '../config/schema.js';
import type { CoverageEntry } from '../model/domain.js';
import { terminalText } from '../util/terminal-text.js';
import { COMMERCIAL_REGIONS, cloudTrailTableDdl, createDatabaseDdl, type CloudTrailTableLayout } from '../scale/athena-sql.js';
import { AthenaSetupError, athenaSource, ensureCloudTrailTable, loadCloudTrailFromAthena, type AthenaSettings, type QueryLoadReport } from '../scale/athena.js';
import { bigQueryClient, loadAuditLogsFromBigQuery } from '../scale/bigquery.js';
import { gigabytes, GIB } from '../scale/plan.js';
import { SqlValueError } from '../scale/sql-text.js';
import { StoreBusyError, type Store } from '../store/index.js';
import { withStore, type Io } from './commands.js';
import { EXIT, UserError } from './errors.js';
import type { GlobalOptions } from './main.js';
import { defaultAuth } from './export-gcp.js';

export interface AthenaCommandOptions extends GlobalOptions {
  region?: string;
  database?: string;
  table?: string;
  workgroup?: string;
  output?: string;
  maxScannedGb?: number;
  window?: number;
  createTable?: boolean;
  allowPartial?: boolean;
}

export interface AthenaDdlOptions extends GlobalOptions {
  database?: string;
  table?: string;
  bucket?: string;
  prefix?: string;
  organizationId?: string;
  accounts?: string[];
  regions?: string[];
  from?: string;
}

export interface BigQueryCommandOptions extends GlobalOptions {
  dataset?: string;
  project?: string;
  partitioned?: boolean;
  location?: string;
  maxBilledGb?: number;
  window?: number;
  allowPartial?: boolean;
}

/** Lets tests point the clients at local servers and fix the clock. */
export interface QueryDeps {
  athena?: AthenaClient;
  bigquery?: { endpoint?: string; authClient?: OAuth2Client };
  now?: () => Date;
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The config section with the flags over it, checked by the config's own schema. */
function section<S extends z.ZodType>(schema: S, name: string, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = [name, ...issue.path.map(String)].join('.');
  throw new UserError(`${where}: ${issue.message} (config section \`${name}\`, or its flag)`);
}

export function athenaConfig(config: KeywardenConfig, opts: AthenaCommandOptions | AthenaDdlOptions): AthenaConfig {
  const o = opts as AthenaCommandOptions;
  const flags = defined({ database: o.database, table: o.table, region: o.region, workgroup: o.workgroup, outputLocation: o.output, maxScannedGb: o.maxScannedGb });
  return section(athenaSchema, 'athena', { ...(config.athena ?? {}), ...flags });
}

function tableLayout(athena: AthenaConfig, opts: AthenaDdlOptions = {}): CloudTrailTableLayout {
  const logs = { ...(athena.logs ?? {}), ...defined({ bucket: opts.bucket, prefix: opts.prefix, organizationId: opts.organizationId, accounts: opts.accounts, regions: opts.regions, fromDay: opts.from }) };
  if (!logs.bucket || !logs.accounts?.length) {
    throw new UserError('the CloudTrail table needs the trail bucket and its accounts: set athena.logs (bucket, accounts) in the config, or pass --bucket and --accounts');
  }
  const checked = section(athenaSchema, 'athena', { ...athena, logs }).logs!;
  return { bucket: checked.bucket, prefix: checked.prefix, organizationId: checked.organizationId, accounts: checked.accounts, regions: checked.regions ?? COMMERCIAL_REGIONS, fromDay: checked.fromDay };
}

/** `keywarden athena ddl`: the statements `--create-table` runs, to read or run by hand. */
export function runAthenaDdl(opts: AthenaDdlOptions, io: Io, config: KeywardenConfig): number {
  const athena = athenaConfig(config, opts);
  const table = { database: athena.database, table: athena.table };
  try {
    io.out(`${createDatabaseDdl(athena.database)};\n\n${cloudTrailTableDdl(table, tableLayout(athena, opts))};\n`);
  } catch (error) {
    if (error instanceof SqlValueError) throw new UserError(error.message);
    throw error;
  }
  return EXIT.ok;
}

function printGaps(coverage: readonly CoverageEntry[], io: Io): number {
  const gaps = coverage.filter((c) => c.status === 'gap');
  for (const gap of gaps) io.err(`warning: ${terminalText(gap.scope)} [${gap.source}]: ${terminalText(gap.reason ?? 'could not be read')}\n`);
  return gaps.length;
}

/** Stores the load (one transaction) and says what it holds; returns the exit code. */
function storeLoad(db: Store, engine: string, report: QueryLoadReport, detail: string, io: Io, allowPartial: boolean | undefined): number {
  const gaps = printGaps(report.coverage, io);
  for (const note of report.coverage.filter((c) => c.status === 'ok' && c.reason)) io.err(`${engine}: ${terminalText(note.reason!)}\n`);
  if (report.load) {
    let written;
    try {
      written = db.writeQueryLoad(report.load);
    } catch (error) {
      if (error instanceof StoreBusyError) throw new UserError(error.message, EXIT.busy);
      throw error;
    }
    const open = report.load.days.filter((d) => !d.closed).length;
    io.err(
      `${engine}: query ${report.queryId} processed ${gigabytes(report.bytesScanned ?? 0)}; ` +
        `${written.days} day(s) loaded${written.replacedDays ? ` (${written.replacedDays} replacing an earlier load)` : ''}` +
        `${open ? `, ${open} still open (loaded again next run)` : ''}; ${report.load.partitions.size} partition(s), ${detail}, ${written.usageRows} usage row(s)\n`,
    );
    for (const p of written.droppedPartitions) io.err(`${engine}: ${terminalText(`${p.scope}/${p.region}/${p.day}`.replace('//', '/'))} was read locally meanwhile: left to that read\n`);
    if (written.skippedDays.length) io.err(`${engine}: ${written.skippedDays.length} day(s) were closed by another run meanwhile: left as they were\n`);
  }
  if (gaps && !allowPartial) {
    io.err(`${gaps} source(s) could not be read (warnings above): exit code 2; pass --allow-partial to accept\n`);
    return EXIT.incomplete;
  }
  return EXIT.ok;
}

/** `keywarden collect athena`. */
export function runCollectAthena(opts: AthenaCommandOptions, io: Io, deps: QueryDeps = {}): Promise<number> {
  return withStore(opts, async (db, config) => {
    const athena = athenaConfig(config, opts);
    const client =
      deps.athena ??
      awsClientFactory({
        region: athena.region,
        maxAttempts: athena.maxAttempts,
        requestTimeoutMs: athena.requestTimeoutSeconds * 1000,
        endpoints: athena.endpoint ? { athena: athena.endpoint } : {},
      }).athena();
    const settings: AthenaSettings = {
      table: { database: athena.database, table: athena.table },
      ...(athena.catalog ? { catalog: athena.catalog } : {}),
      workGroup: athena.workgroup,
      ...(athena.outputLocation ? { outputLocation: athena.outputLocation } : {}),
      maxScannedBytes: athena.maxScannedGb * GIB,
      poll: { timeoutMs: athena.queryTimeoutSeconds * 1000, initialDelayMs: 1000, maxDelayMs: 15_000 },
    };
    const onProgress = (line: string) => io.err(`${line}\n`);
    try {
      if (opts.createTable) {
        try {
          await ensureCloudTrailTable(client, settings, tableLayout(athena), onProgress);
        } catch (error) {
          throw new UserError(`creating ${athenaSource(settings.table)} failed: ${(error as Error).message}`);
        }
      }
      const now = deps.now?.() ?? new Date();
      const report = await loadCloudTrailFromAthena(client, db, { ...settings, window: windowEndingAt(now, opts.window ?? config.thresholds.unusedDays), now, onProgress }).catch(
        (error: unknown) => {
          throw error instanceof AthenaSetupError ? new UserError(error.message) : error;
        },
      );
      const s = report.stats;
      return storeLoad(db, 'athena', report, s ? `${s.events} event(s) (${s.attributed} attributed, ${s.denied} denied, ${s.unmapped} unmapped)` : '', io, opts.allowPartial);
    } finally {
      if (!deps.athena) client.destroy();
    }
  });
}

/** Query jobs need the BigQuery scope (the collectors' read-only Cloud Platform scope does not run jobs). */
const BIGQUERY_SCOPES = ['https://www.googleapis.com/auth/bigquery'];

export function bigQueryConfig(config: KeywardenConfig, opts: BigQueryCommandOptions): BigQueryConfig {
  const flags = defined({ dataset: opts.dataset, jobProject: opts.project, location: opts.location, maxBilledGb: opts.maxBilledGb, layout: opts.partitioned ? 'partitioned' : undefined });
  if (!config.bigquery && !opts.dataset) throw new UserError('collect bigquery needs the dataset the log sink writes to: --dataset <project>.<dataset>, or a bigquery section in the config');
  return section(bigquerySchema, 'bigquery', { ...(config.bigquery ?? {}), ...flags });
}

/** `keywarden collect bigquery`. */
export function runCollectBigQuery(opts: BigQueryCommandOptions, io: Io, deps: QueryDeps = {}): Promise<number> {
  return withStore(opts, async (db, config) => {
    const bq = bigQueryConfig(config, opts);
    const [project, dataset] = bq.dataset.split('.') as [string, string];
    const client = bigQueryClient({
      projectId: bq.jobProject ?? project,
      authClient: deps.bigquery?.authClient ?? (await defaultAuth(BIGQUERY_SCOPES)),
      ...((deps.bigquery?.endpoint ?? bq.endpoint) ? { endpoint: deps.bigquery?.endpoint ?? bq.endpoint } : {}),
    });
    const now = deps.now?.() ?? new Date();
    const report = await loadAuditLogsFromBigQuery(client, db, {
      dataset: { project, dataset, layout: bq.layout },
      ...(bq.location ? { location: bq.location } : {}),
      maxBilledBytes: bq.maxBilledGb * GIB,
      poll: { timeoutMs: bq.queryTimeoutSeconds * 1000, initialDelayMs: 1000, maxDelayMs: 15_000 },
      window: windowEndingAt(now, opts.window ?? config.thresholds.unusedDays),
      now,
      onProgress: (line) => io.err(`${line}\n`),
    });
    return storeLoad(db, 'bigquery', report, `${report.checks ?? 0} permission check(s) of service accounts`, io, opts.allowPartial);
  });
}

