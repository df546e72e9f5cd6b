/** What each CLI command does, in terms of the collect/store/analyse/report modules. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildAuditReport } from '../analyse/audit.js';
import { windowEndingAt } from '../analyse/window.js';
import { loadAwsActionCatalog } from '../catalog/aws-actions.js';
import { ExportDirError, importExportDir } from '../collect/files/import-export-dir.js';
import { ExportFileError } from '../collect/files/iam/index.js';
import { gcpExportRoot } from '../collect/files/gcp/read-gcp-export.js';
import { importGcpInto } from './import-gcp.js';
import type { AuditReport } from '../report/json-schema.js';
import { validatedReport } from '../report/json-report.js';
import { renderTerminal } from '../report/terminal.js';
import { terminalText } from '../util/terminal-text.js';
import { recordScanSummary, scanTrends } from '../analyse/trends.js';
import { DEFAULT_FORMATS, writeReports, type ReportFormat } from './report-files.js';
import { isBusy } from '../store/errors.js';
import { openStore, StoreBusyError, StoreError, type Store } from '../store/index.js';
import { DEFAULT_CONFIG, loadConfig, type KeywardenConfig } from '../config/index.js';
import { ALL_RULES } from '../rules/index.js';
import type { GcpLiveDeps } from './export-gcp.js';
import { loadSuppressions, type SuppressionEntry } from '../suppress/suppressions-file.js';
import { EXIT, UserError } from './errors.js';
import { reportSuggestions } from '../suggest/report-suggestions.js';
import type { GlobalOptions } from './main.js';
import { VERSION } from './version.js';
import { withNurseryHeld } from '../util/nursery.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface ReportOptions extends GlobalOptions {
  window?: number;
  asOf?: Date;
  out?: string;
  allowPartial?: boolean;
  agentsOnly?: boolean;
  format?: ReportFormat[];
  /** Suppressions file (default: config `suppressions`, else .keywarden/suppressions.yaml when present). */
  suppressions?: string;
  /** Which provider's latest scan `report` uses (default aws). */
  provider?: 'aws' | 'gcp';
}

const DEFAULT_CONFIG_FILE = 'keywarden.yaml';

/** The config file named by --config, else ./keywarden.yaml when present, else defaults. */
export function configFor(opts: GlobalOptions): KeywardenConfig {
  if (opts.config) return loadConfig(opts.config);
  return existsSync(DEFAULT_CONFIG_FILE) ? loadConfig(DEFAULT_CONFIG_FILE) : DEFAULT_CONFIG;
}

/** --db, then the config's `database`, then $KEYWARDEN_DB, then the default under the working directory. */
export function databasePath(opts: GlobalOptions, config: KeywardenConfig): string {
  return opts.db ?? config.database ?? process.env.KEYWARDEN_DB ?? path.join('.keywarden', 'keywarden.db');
}

export async function withStore<T>(opts: GlobalOptions, fn: (store: Store, config: KeywardenConfig) => T | Promise<T>): Promise<T> {
  const config = configFor(opts);
  const store = openOrExplain(databasePath(opts, config));
  try {
    return await fn(store, config);
  } finally {
    store.close();
  }
}

/** Collections tried when another keywarden stores the same CloudTrail files meanwhile. */
const IMPORT_ATTEMPTS = 3;

async function collect(store: Store, dir: string, io: Io) {
  try {
    return await importExportDir(dir, {
      alreadyIngested: (d) => store.hasIngested(d),
      queryOwned: (p) => store.isQueryOwned(p.accountId, p.region, p.day),
      onProgress: (l) => io.err(`${terminalText(l)}\n`),
    });
  } catch (error) {
    // An unreadable export directory is the user's to fix; anything else is ours.
    if (error instanceof ExportDirError || error instanceof ExportFileError) throw new UserError(error.message);
    throw error;
  }
}

/**
 * Collects and writes one scan. A concurrent import of the same logs can
 * store a file between our "already ingested?" check and our write; the
 * write transaction checks again and refuses, and we collect again (now
 * skipping those files) rather than count anything twice.
 */
export async function importInto(store: Store, dir: string, io: Io, config: KeywardenConfig = DEFAULT_CONFIG): Promise<number> {
  if (gcpExportRoot(dir)) return importGcpInto(store, dir, config, io);
  for (let attempt = 1; ; attempt++) {
    const imported = await collect(store, dir, io);
    try {
      return writeImported(store, imported, io);
    } catch (error) {
      if (error instanceof StoreBusyError && error.reason === 'ingested-meanwhile' && attempt < IMPORT_ATTEMPTS) {
        io.err('another keywarden stored some of these CloudTrail files meanwhile: reading the export again\n');
        continue;
      }
      if (error instanceof StoreBusyError) throw new UserError(error.message, EXIT.busy);
      throw error;
    }
  }
}

function writeImported(store: Store, { snapshot, extras, cloudTrail }: Awaited<ReturnType<typeof collect>>, io: Io): number {
  for (const gap of snapshot.coverage.filter((c) => c.status === 'gap'))
    io.err(`warning: ${terminalText(gap.scope)} [${terminalText(gap.source)}]: ${terminalText(gap.reason ?? 'could not be read')}\n`);
  // Collection is over: the whole scan is written in one transaction.
  const scanId = store.writeScan(snapshot, extras);
  io.err(
    `scan ${scanId}: ${snapshot.accounts.length} account(s), ${snapshot.identities.length} identities, ` +
      `${cloudTrail.events} CloudTrail events from ${cloudTrail.ingestedFiles} file(s)` +
      (cloudTrail.alreadyIngestedFiles ? ` (${cloudTrail.alreadyIngestedFiles} already imported, skipped)` : '') +
      (cloudTrail.failedFiles ? `, ${cloudTrail.failedFiles} unreadable` : '') +
      '\n',
  );
  return scanId;
}

/** The audit report of one stored scan, suppressions applied and validated against the report contract. */
export async function buildReport(
  store: Store,
  config: KeywardenConfig,
  scanId: number,
  opts: ReportOptions,
  suppressions: readonly SuppressionEntry[] = suppressionsFor(opts, config),
): Promise<AuditReport> {
  const window = auditWindow(config, opts);
  const catalog = await loadAwsActionCatalog();
  const suggest = reportSuggestions(store, config).build;
  // Validated without building every finding's evidence: the writers build it one finding at a time.
  const report = validatedReport(
    buildAuditReport(store, catalog, { scanId, window, config, rules: ALL_RULES, toolVersion: VERSION, suggest, suppressions }),
  );
  // Every report (audit, report, ci, scheduled) leaves its figures for later reports' trend charts.
  recordScanSummary(store, report, { config, rules: ALL_RULES, toolVersion: VERSION });
  return report;
}

/** --suppressions, else the config's `suppressions`, else the default file when present. */
export function suppressionsFor(opts: Pick<ReportOptions, 'suppressions'>, config: KeywardenConfig): SuppressionEntry[] {
  return loadSuppressions(opts.suppressions ?? config.suppressions);
}

export function auditWindow(config: KeywardenConfig, opts: Pick<ReportOptions, 'asOf' | 'window'>) {
  return windowEndingAt(opts.asOf ?? new Date(), opts.window ?? config.thresholds.unusedDays);
}

async function reportFrom(store: Store, config: KeywardenConfig, scanId: number, opts: ReportOptions, io: Io): Promise<number> {
  const report = await buildReport(store, config, scanId, opts);
  const catalog = await loadAwsActionCatalog();
  const outDir = opts.out ?? config.reports ?? 'reports';
  const formats = opts.format ?? DEFAULT_FORMATS;
  const trends = formats.includes('html') ? scanTrends(store, catalog, report, { config, rules: ALL_RULES, toolVersion: VERSION }) : undefined;
  const files = writeReports(outDir, report, formats, trends);
  io.out(renderTerminal(report, { agentsOnly: opts.agentsOnly }));
  io.out(`\nReports: ${files.map((f) => path.relative(process.cwd(), f) || f).join(', ')}\n`);
  if (!report.coverage.complete && !opts.allowPartial) {
    io.err('coverage is incomplete (see COVERAGE above): exit code 2; pass --allow-partial to accept\n');
    return EXIT.incomplete;
  }
  return EXIT.ok;
}

/** `gcpDeps` lets tests point the live GCP clients at a local server. */
export function runAudit(opts: ReportOptions & { from?: string }, io: Io, gcpDeps?: GcpLiveDeps): Promise<number> {
  return withStore(opts, async (store, config) => {
    // Live GCP when asked for (--provider gcp), or when it is the only live source configured. The live
    // collectors are imported only here: the cloud SDKs are most of a start-up, and an audit of files needs none.
    const liveGcp = config.gcp?.live && (opts.provider === 'gcp' || (!opts.provider && !config.liveAws));
    const scanId = opts.from
      ? await importInto(store, opts.from, io, config)
      : liveGcp
        ? (await (await import('./collect-gcp.js')).collectGcpInto(store, config, io, gcpDeps)).scanId
        : config.liveAws && opts.provider !== 'gcp'
          ? await withNurseryHeld(async () => (await import('./collect-aws.js')).collectAwsInto(store, config, io))
          : latestScanId(store, opts.provider);
    return reportFrom(store, config, scanId, opts, io);
  });
}

export function runImport(opts: GlobalOptions & { from: string }, io: Io): Promise<number> {
  return withStore(opts, async (store, config) => {
    await importInto(store, opts.from, io, config);
    return EXIT.ok;
  });
}

export function runReport(opts: ReportOptions, io: Io): Promise<number> {
  return withStore(opts, (store, config) => reportFrom(store, config, latestScanId(store, opts.provider), opts, io));
}

export function listScans(opts: GlobalOptions, io: Io): Promise<number> {
  return withStore(opts, (store) => {
    const scans = store.listScans();
    if (!scans.length) io.out('no scans stored yet\n');
    for (const s of scans) io.out(`${s.id}\t${s.provider}\t${s.collectedAt}\t${terminalText(s.source)}\n`);
    return EXIT.ok;
  });
}

function openOrExplain(dbPath: string): Store {
  try {
    return openStore(dbPath);
  } catch (error) {
    if (error instanceof StoreError) throw new UserError(error.message, isBusy(error.cause) ? EXIT.busy : EXIT.usage);
    throw error;
  }
}

export function latestScanId(store: Store, provider: 'aws' | 'gcp' = 'aws'): number {
  const scan = store.latestScan(provider);
  if (!scan) throw new UserError('no scan stored yet: run `keywarden audit --from <export-dir>` or `keywarden import <export-dir>` first');
  return scan.id;
}
