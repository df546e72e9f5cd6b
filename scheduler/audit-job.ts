/**
 * The work of a scheduled run, through the same path as `keywarden audit`:
 * import the configured export directory (one transaction per scan), then
 * for an audit write the report and prune what is past retention.
 */
import type Database from 'better-sqlite3';
import { buildReport, importInto, latestScanId, type Io } from '../src/cli/commands.js';
import type { KeywardenConfig, ScheduleConfig } from '../src/config/index.js';
import { isOpen } from '../src/model/finding.js';
import { writeDatedReport } from '../src/report/write.js';
import { openStore } from '../src/store/index.js';
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
}

export async function auditJob(kind: RunKind, signal: AbortSignal, ctx: AuditJobContext): Promise<RunEnd> {
  const store = openStore(ctx.dbPath);
  try {
    const from = ctx.schedule.from;
    if (kind === 'ingest' && !from) throw new Error('schedule.ingest is set but schedule.from names no export directory to ingest');
    const scanId = from ? await importInto(store, from, ctx.io) : latestScanId(store);
    if (signal.aborted) return { outcome: 'aborted', scanId, error: 'stopped by SIGTERM after the scan was stored' };
    if (kind === 'ingest') {
      const complete = store.scanContents(scanId).coverage.every((c) => c.status !== 'gap');
      return { outcome: complete ? 'ok' : 'incomplete', scanId, coverageComplete: complete };
    }
    const report = await buildReport(store, ctx.config, scanId, { asOf: ctx.now() });
    writeDatedReport(ctx.config.reports ?? 'reports', report.window.to, scanId, 'json', JSON.stringify(report, null, 2) + '\n');
    const pruned = await pruneOlderThan(ctx.db, { months: ctx.schedule.retentionMonths, now: ctx.now(), shouldStop: () => signal.aborted });
    return {
      outcome: signal.aborted ? 'aborted' : report.coverage.complete ? 'ok' : 'incomplete',
      scanId,
      coverageComplete: report.coverage.complete,
      counts: {
        identities: report.summary.identities,
        findings: report.findings.length,
        openFindings: report.findings.filter(isOpen).length,
        findingsBySeverity: report.summary.findingsBySeverity,
        prunedScans: pruned.scans,
        prunedUsageRows: pruned.usageRows,
      },
    };
  } finally {
    store.close();
  }
}
