/**
 * `keywarden schedule` (long-running: node-cron audits monthly, optionally
 * ingests usage more often) and `keywarden runs` (what the runs did).
 * SIGTERM/SIGINT stop the schedule; a run in progress finishes its current
 * step (a scan is one synchronous transaction, so it is never cut in half)
 * and is recorded as aborted.
 */
import type Database from 'better-sqlite3';
import { auditJob } from '../../scheduler/audit-job.js';
import { notify } from '../../scheduler/notify.js';
import { runJob } from '../../scheduler/run-job.js';
import { RunLock } from '../../scheduler/run-lock.js';
import { RunLog, type RunKind, type RunRecord } from '../../scheduler/run-log.js';
import { startScheduler } from '../../scheduler/scheduler.js';
import { configSchema, type KeywardenConfig, type ScheduleConfig } from '../config/index.js';
import { openDatabase } from '../store/open-database.js';
import { StoreError } from '../store/index.js';
import { configFor, databasePath, type Io } from './commands.js';
import { EXIT, UserError } from './errors.js';
import { terminalText } from '../util/terminal-text.js';
import type { GlobalOptions } from './main.js';

export interface ScheduleOptions extends GlobalOptions {
  once?: RunKind;
}

const DEFAULT_SCHEDULE: ScheduleConfig = configSchema.shape.schedule.unwrap().parse({});

function openRunsDb(opts: GlobalOptions, config: KeywardenConfig): Database.Database {
  try {
    return openDatabase(databasePath(opts, config));
  } catch (error) {
    if (error instanceof StoreError) throw new UserError(error.message);
    throw error;
  }
}

/** A sleep that ends early when the signal fires (so SIGTERM never waits out a retry backoff). */
function abortableSleep(signal: AbortSignal): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
}

export async function runSchedule(opts: ScheduleOptions, io: Io, signals: NodeJS.EventEmitter = process): Promise<number> {
  const config = configFor(opts);
  const schedule = config.schedule ?? DEFAULT_SCHEDULE;
  // Said now, not at 03:00 on the 1st after three retries.
  for (const provider of schedule.live) {
    if (provider === 'aws' ? !config.liveAws : !config.gcp?.live) {
      throw new UserError(`schedule.live names ${provider}, but the config has no ${provider === 'aws' ? 'liveAws' : 'gcp.live'} section to collect it with`);
    }
    // Loaded now rather than at the first run, weeks away: by then an upgrade may have replaced (and
    // pruned) the bundle this process started from (bin/bundle.js).
    await (provider === 'aws' ? import('./collect-aws.js') : import('./collect-gcp.js'));
  }
  const db = openRunsDb(opts, config);
  const controller = new AbortController();
  const now = () => new Date();
  // One log line per line of text, each stamped: a name with a line break or an escape sequence cannot forge or rewrite a line.
  const say = (text: string) => {
    const at = now().toISOString();
    io.err(text.replace(/\n$/, '').split('\n').map((line) => `${at} ${terminalText(line)}\n`).join(''));
  };
  const lock = new RunLock(db, { ttlMs: schedule.lockTtlMinutes * 60_000 });
  const run = (kind: RunKind) =>
    runJob(kind, {
      lock,
      log: new RunLog(db),
      work: (k, signal) => auditJob(k, signal, { dbPath: databasePath(opts, config), db, config, schedule, io: { out: say, err: say }, now }),
      retries: schedule.retries,
      retryDelayMs: schedule.retryDelaySeconds * 1000,
      heartbeatMs: Math.max(1000, (schedule.lockTtlMinutes * 60_000) / 3),
      signal: controller.signal,
      sleep: abortableSleep(controller.signal),
      notify: (summary) => notify(summary, schedule.notify),
      say,
    });
  // SIGTERM/SIGINT, in both modes: the run in progress finishes its current step (never half a
  // transaction: they are synchronous), is recorded as aborted, and nothing new starts.
  let resolveStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (resolveStop = resolve));
  const onSignal = (signal: string) => () => {
    say(`${signal}: stopping; a run in progress finishes its current step and is recorded as aborted`);
    controller.abort();
    resolveStop();
  };
  const handlers = { SIGTERM: onSignal('SIGTERM'), SIGINT: onSignal('SIGINT') };
  for (const [signal, handler] of Object.entries(handlers)) signals.once(signal, handler);
  try {
    if (opts.once) {
      const result = await run(opts.once);
      if (result.status === 'skipped') return EXIT.usage;
      say(`${opts.once} run ${result.run.id}: ${result.run.outcome}${result.run.error ? ` (${result.run.error})` : ''}`);
      return result.run.outcome === 'ok' ? EXIT.ok : result.run.outcome === 'incomplete' ? EXIT.incomplete : EXIT.internal;
    }
    const scheduler = startScheduler(schedule, (kind) => run(kind), say);
    say(
      `scheduled: audit "${schedule.audit}"${schedule.ingest ? `, ingest "${schedule.ingest}"` : ''} (${schedule.timezone}); ` +
        `next audit ${scheduler.tasks[0]!.getNextRun()?.toISOString() ?? 'never'}`,
    );
    await stopRequested;
    await scheduler.stop();
    return EXIT.ok;
  } finally {
    for (const [signal, handler] of Object.entries(handlers)) signals.off(signal, handler);
    db.close();
  }
}

export function listRuns(opts: GlobalOptions & { limit?: number }, io: Io): number {
  const config = configFor(opts);
  const db = openRunsDb(opts, config);
  try {
    const runs = new RunLog(db).list(opts.limit ?? 50);
    if (!runs.length) io.out('no runs recorded yet\n');
    for (const r of runs) io.out(runLine(r) + '\n');
    return EXIT.ok;
  } finally {
    db.close();
  }
}

function runLine(r: RunRecord): string {
  const coverage = r.coverageComplete === null ? '-' : r.coverageComplete ? 'complete' : 'INCOMPLETE';
  const counts = r.counts ? `findings ${r.counts.findings ?? '-'} (open ${r.counts.openFindings ?? '-'})` : '';
  return [r.id, r.kind, `attempt ${r.attempt}`, r.startedAt, r.finishedAt ?? '-', r.outcome, `scan ${r.scanId ?? '-'}`, `coverage ${coverage}`, counts, terminalText(r.error ?? '')]
    .join('\t')
    .trimEnd();
}
