/**
 * One run of a scheduled job: take the lock (recovering it from a crashed
 * holder), record the run, do the work with bounded retries, record how it
 * ended, notify, release. A failed attempt leaves earlier data intact because
 * the work writes each scan in one transaction; each attempt is its own row.
 */
import { LockHeldError, type RunLock } from './run-lock.js';
import { RunLog, type RunEnd, type RunKind, type RunRecord } from './run-log.js';
import { withRetry } from './retry.js';
import { summaryOf, type RunSummary } from './notify.js';

export interface RunJobDeps {
  lock: RunLock;
  log: RunLog;
  /** The work of one attempt; must check `signal` between steps and return outcome 'aborted' when set. */
  work: (kind: RunKind, signal: AbortSignal) => Promise<RunEnd>;
  retries: number;
  retryDelayMs: number;
  /** Lease renewal period while the work runs. */
  heartbeatMs: number;
  signal: AbortSignal;
  sleep: (ms: number) => Promise<void>;
  notify: (summary: RunSummary) => Promise<string[]>;
  say: (line: string) => void;
}

export type RunJobResult = { status: 'skipped'; reason: string } | { status: 'done'; run: RunRecord };

export async function runJob(kind: RunKind, deps: RunJobDeps): Promise<RunJobResult> {
  const { lock, log } = deps;
  let takenOver;
  try {
    takenOver = lock.acquire();
  } catch (error) {
    if (error instanceof LockHeldError) {
      deps.say(`${kind} run skipped: ${error.message}`);
      return { status: 'skipped', reason: error.message };
    }
    throw error;
  }
  if (takenOver) {
    const n = log.abortAbandoned(`aborted: ${takenOver.host} pid ${takenOver.pid} stopped renewing the run lock (last ${takenOver.heartbeatAt}); it crashed or was killed`);
    deps.say(`recovered the run lock from ${takenOver.host} pid ${takenOver.pid} (expired ${takenOver.expiresAt}); ${n} abandoned run(s) marked aborted`);
  }
  let runId = 0;
  let lastError: unknown;
  const heartbeat = setInterval(() => {
    if (!lock.heartbeat(runId || undefined)) deps.say('warning: the run lock was taken over by another process');
  }, deps.heartbeatMs);
  heartbeat.unref();
  try {
    await withRetry(
      async (attempt) => {
        runId = log.start(kind, attempt);
        lock.heartbeat(runId);
        try {
          const end = await deps.work(kind, deps.signal);
          log.finish(runId, deps.signal.aborted && end.outcome !== 'aborted' ? { ...end, outcome: 'aborted', error: 'stopped by SIGTERM' } : end);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          log.finish(runId, { outcome: deps.signal.aborted ? 'aborted' : 'failed', error: message });
          throw error;
        }
      },
      {
        retries: deps.retries,
        baseDelayMs: deps.retryDelayMs,
        sleep: deps.sleep,
        shouldStop: () => deps.signal.aborted,
        onRetry: (attempt, delay, error) =>
          deps.say(`${kind} attempt ${attempt} failed (${error instanceof Error ? error.message : String(error)}); retrying in ${Math.round(delay / 1000)} s`),
      },
    ).catch((error: unknown) => void (lastError = error)); // recorded in the run row; the scheduler keeps going
  } finally {
    clearInterval(heartbeat);
    lock.release();
  }
  const run = log.get(runId);
  // Not even the run row could be written (database unwritable): nothing to notify about, say why.
  if (!run) throw lastError instanceof Error ? lastError : new Error(`${kind} run could not be recorded`);
  for (const problem of await deps.notify(summaryOf(run))) deps.say(`notification: ${problem}`);
  return { status: 'done', run };
}
