/**
 * The work of a scheduled run, through the same path as `keywarden audit`:
 * import the configured export directory and/or collect the configured
 * clouds live (one transaction per scan), then for an audit write each
 * scan's report and prune what is past retention.
 */
import type Database from 'better-sqlite3';
import type { ClientFactoryMaker } from '../src/cli/collect-aws.js';
import { buildReport, importInto, latestScanId, type Io } from '../src/cli/commands.js';
import type { GcpLiveDeps } from '../src/cli/export-gcp.js';
import type { KeywardenConfig, ScheduleConfig } from '../src/config/index.js';
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
  // Imported when a live source is scheduled (as in commands.ts): `keywarden runs` starts without the cloud SDKs.
  for (const provider of live) {
    scans.push(
      provider === 'aws'
        ? await (await import('../src/cli/collect-aws.js')).collectAwsInto(store, ctx.config, ctx.io, ctx.live?.aws)
        : (await (await import('../src/cli/collect-gcp.js')).collectGcpInto(store, ctx.config, ctx.io, ctx.live?.gcp)).scanId,
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
    // One report per scan (each cloud's scan is audited on its own, as `keywarden audit --provider` does),
    // counted as it is written: a large estate's report is not kept while the next is built.
    const counts = { identities: 0, findings: 0, openFindings: 0, findingsBySeverity: {} as Record<string, number> };
    let complete = true;
    for (const id of scans) {
      const report = await buildReport(store, ctx.config, id, { asOf: ctx.now() });
      writeDatedReport(ctx.config.reports ?? 'reports', report.window.to, id, 'json', jsonReportContent(report));
      complete &&= report.coverage.complete;
      counts.identities += report.summary.identities;
      counts.findings += report.findings.length;
      counts.openFindings += report.findings.filter(isOpen).length;
      for (const [severity, n] of Object.entries(report.summary.findingsBySeverity)) counts.findingsBySeverity[severity] = (counts.findingsBySeverity[severity] ?? 0) + n;
    }
    const pruned = await pruneOlderThan(ctx.db, { months: ctx.schedule.retentionMonths, now: ctx.now(), shouldStop: () => signal.aborted });
    return {
      outcome: signal.aborted ? 'aborted' : complete ? 'ok' : 'incomplete',
      scanId,
      coverageComplete: complete,
      counts: { ...counts, prunedScans: pruned.scans, prunedUsageRows: pruned.usageRows },
    };
  } finally {
    store.close();
  }
}
