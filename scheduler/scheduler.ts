/**
 * The clock: node-cron fires the audit (monthly by default) and the optional
 * usage ingestion in the configured time zone. node-cron's `noOverlap` keeps
 * a task from starting while its previous run is still going; the SQLite run
 * lock (run-lock.ts) keeps audit and ingestion, and other processes, apart.
 */
import cron, { type Logger, type ScheduledTask } from 'node-cron';
import type { RunKind } from './run-log.js';

export interface ScheduleTimes {
  audit: string;
  ingest?: string;
  timezone: string;
}

export interface Scheduler {
  tasks: ScheduledTask[];
  /** Stops firing; resolves once the run in progress (if any) has returned. */
  stop(): Promise<void>;
}

export function startScheduler(times: ScheduleTimes, run: (kind: RunKind, firedAt: Date) => Promise<unknown>, say: (line: string) => void): Scheduler {
  const inFlight = new Set<Promise<unknown>>();
  const logger: Logger = {
    info: () => undefined,
    debug: () => undefined,
    warn: (m) => say(`scheduler: ${m}`),
    error: (m) => say(`scheduler: ${m instanceof Error ? m.message : m}`),
  };
  const task = (kind: RunKind, expression: string) =>
    cron.schedule(
      expression,
      (ctx) => {
        const p = run(kind, ctx.date).finally(() => inFlight.delete(p));
        inFlight.add(p);
        return p;
      },
      { name: `keywarden-${kind}`, timezone: times.timezone, noOverlap: true, logger },
    );
  const tasks = [task('audit', times.audit), ...(times.ingest ? [task('ingest', times.ingest)] : [])];
  return {
    tasks,
    async stop() {
      for (const t of tasks) await t.stop();
      await Promise.allSettled([...inFlight]);
      for (const t of tasks) await t.destroy();
    },
  };
}
