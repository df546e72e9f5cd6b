/**
 * The work of a scheduled run, through the same path as `keywarden audit`:
 * import the configured export directory and/or collect the configured
 * clouds live (one transaction per scan), then for an audit write each
 * scan's report and prune what is past retention.
 */
import type Database from 'better-sqlite3';
import { collectAwsInto, type ClientFactoryMaker } from '../src/cli/collect-aws.js';
import { collectGcpInto } from '../src/cli/collect-gcp.js';
import { buildReport, importInto, latestScanId, type Io } from '../src/cli/commands.js';
import type { GcpLiveDeps } from '../src/cli/export-gcp.js';
import type { KeywardenConfig, ScheduleConfig } from '../src/config/index.js';
import type { AuditReport } from '../src/report/json-schema.js';
import { isOpen } from '../src/model/finding.js';
import { jsonReportContent } from '../src/report/json-report.js';
import { writeDatedReport } from '../src/report/write.js';
import { openStore, type Store } from '../src/store/index.js';
import { pruneOlderThan } from './retention.js';
import type { RunEnd, RunKind } from './run-log.js';

export interface AuditJobContext {
  dbPath: string;
  /** The connection holding runs and the lock; pruning uses it too. */
  db: Database.Database;
  config: KeywardenConfig;
  schedule: ScheduleConfig;
  io: Io;
  now: () => Date;
  /** Lets tests point the live collectors at local servers. */
  live?: { aws?: ClientFactoryMaker; gcp?: GcpLiveDeps };
}

/**
 * The scans a run stores: the export directory, then each live cloud. With
 * none configured, an audit reports the latest stored scan again.
 */
async function collectScans(store: Store, ctx: AuditJobContext): Promise<number[]> {
  const { from, live } = ctx.schedule;
  const scans: number[] = [];
  if (from) scans.push(await importInto(store, from, ctx.io, ctx.config));
  for (const provider of live) {
    scans.push(
      provider === 'aws'
        ? await collectAwsInto(store, ctx.config, ctx.io, ctx.live?.aws)
        : (await collectGcpInto(store, ctx.config, ctx.io, ctx.live?.gcp)).scanId,
    );
  }
  return scans;
}

export async function auditJob(kind: RunKind, signal: AbortSignal, ctx: AuditJobContext): Promise<RunEnd> {
  const store = openStore(ctx.dbPath);
  try {
    const collected = await collectScans(store, ctx);
    if (kind === 'ingest' && collected.length === 0) {
      throw new Error('schedule.ingest is set but there is nothing to ingest: set schedule.from (an export directory) or schedule.live');
    }
    const scans = collected.length > 0 ? collected : [latestScanId(store)];
    const scanId = scans[scans.length - 1]!;
    if (signal.aborted) return { outcome: 'aborted', scanId, error: 'stopped by SIGTERM after the scan was stored' };
    if (kind === 'ingest') {
      const complete = scans.every((id) => store.scanContents(id).coverage.every((c) => c.status !== 'gap'));
      return { outcome: complete ? 'ok' : 'incomplete', scanId, coverageComplete: complete };
    }
    // One report per scan (each cloud's scan is audited on its own, as `keywarden audit --provider` does).
    const reports: AuditReport[] = [];
    for (const id of scans) {
      const report = await buildReport(store, ctx.config, id, { asOf: ctx.now() });
      writeDatedReport(ctx.config.reports ?? 'reports', report.window.to, id, 'json', jsonReportContent(report));
      reports.push(report);
    }
    const pruned = await pruneOlderThan(ctx.db, { months: ctx.schedule.retentionMonths, now: ctx.now(), shouldStop: () => signal.aborted });
    const complete = reports.every((r) => r.coverage.complete);
    const sum = (of: (r: AuditReport) => number) => reports.reduce((n, r) => n + of(r), 0);
    return {
      outcome: signal.aborted ? 'aborted' : complete ? 'ok' : 'incomplete',
      scanId,
      coverageComplete: complete,
      counts: {
        identities: sum((r) => r.summary.identities),
        findings: sum((r) => r.findings.length),
        openFindings: sum((r) => r.findings.filter(isOpen).length),
        findingsBySeverity: sumBySeverity(reports.map((r) => r.summary.findingsBySeverity)),
        prunedScans: pruned.scans,
        prunedUsageRows: pruned.usageRows,
      },
    };
  } finally {
    store.close();
  }
}

function sumBySeverity<T extends Record<string, number>>(tallies: T[]): T {
  const total = { ...tallies[0]! };
  for (const tally of tallies.slice(1)) for (const [k, v] of Object.entries(tally)) (total as Record<string, number>)[k] = ((total as Record<string, number>)[k] ?? 0) + v;
  return total;
}
