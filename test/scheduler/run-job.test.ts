/**
 * One run of a job against a real SQLite file: retries with backoff that
 * leave earlier data intact, crash recovery of the lock, SIGTERM.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditJob } from '../../scheduler/audit-job.js';
import { runJob, type RunJobDeps } from '../../scheduler/run-job.js';
import { RunLock } from '../../scheduler/run-lock.js';
import { RunLog } from '../../scheduler/run-log.js';
import type { RunSummary } from '../../scheduler/notify.js';
import { DEFAULT_CONFIG, configSchema } from '../../src/config/index.js';
import { openDatabase } from '../../src/store/open-database.js';
import { projectRoot } from '../helpers/fixtures.js';

const SAMPLE = path.join(projectRoot, 'samples', 'acme');
const MINUTE = 60_000;

let tmp: string;
let dbPath: string;
let db: Database.Database;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-runjob-'));
  dbPath = path.join(tmp, 'kw.db');
  db = openDatabase(dbPath);
});
afterEach(() => {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
});

const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

function deps(overrides: Partial<RunJobDeps> & Pick<RunJobDeps, 'work'>): RunJobDeps & { slept: number[]; said: string[]; notified: RunSummary[] } {
  const slept: number[] = [];
  const said: string[] = [];
  const notified: RunSummary[] = [];
  return {
    lock: new RunLock(db, { ttlMs: 30 * MINUTE }),
    log: new RunLog(db),
    retries: 3,
    retryDelayMs: MINUTE,
    heartbeatMs: 10 * MINUTE,
    signal: new AbortController().signal,
    sleep: async (ms) => void slept.push(ms),
    notify: async (s) => (notified.push(s), []),
    say: (l) => said.push(l),
    slept,
    said,
    notified,
    ...overrides,
  };
}

function auditDeps(from: string, overrides: Partial<RunJobDeps> = {}) {
  const schedule = configSchema.shape.schedule.unwrap().parse({ from, retries: 2 });
  const io = { out: () => undefined, err: () => undefined };
  const config = { ...DEFAULT_CONFIG, reports: path.join(tmp, 'reports') };
  return deps({
    work: (kind, signal) => auditJob(kind, signal, { dbPath, db, config, schedule, io, now: () => new Date('2026-11-15T12:00:00Z') }),
    retries: schedule.retries,
    ...overrides,
  });
}

describe('runJob', () => {
  it('records a real audit run with coverage and counts, and notifies', async () => {
    const d = auditDeps(SAMPLE);
    const result = await runJob('audit', d);
    expect(result.status).toBe('done');
    const run = new RunLog(db).list()[0]!;
    expect(run).toMatchObject({ kind: 'audit', attempt: 1, outcome: 'ok', scanId: 1, coverageComplete: true });
    expect(run.counts!.identities).toBe(16);
    expect(run.counts!.findings).toBeGreaterThan(100);
    expect(d.notified).toEqual([expect.objectContaining({ event: 'run.finished', run: expect.objectContaining({ id: run.id, outcome: 'ok' }) })]);
  });

  it('retries a failing run with exponential backoff a bounded number of times and keeps the previous data intact', async () => {
    await runJob('audit', auditDeps(SAMPLE));
    const before = { scans: count('scans'), identities: count('identities'), usage: count('usage_days') };

    const d = auditDeps(path.join(tmp, 'no-such-export'));
    await runJob('audit', d);
    expect(d.slept).toEqual([MINUTE, 2 * MINUTE]);
    const runs = new RunLog(db).list().reverse();
    expect(runs.map((r) => [r.attempt, r.outcome])).toEqual([
      [1, 'ok'],
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
    ]);
    expect(runs[3]!.error).toContain('no-such-export');
    expect(d.notified[0]).toMatchObject({ event: 'run.failed', run: { attempt: 3, outcome: 'failed' } });
    expect({ scans: count('scans'), identities: count('identities'), usage: count('usage_days') }).toEqual(before);
    expect(new RunLock(db, { ttlMs: 1 }).holder()).toBeUndefined();
  });

  it('succeeds on a later attempt after transient failures', async () => {
    let calls = 0;
    const d = deps({ work: async () => (++calls < 3 ? Promise.reject(new Error('throttled')) : { outcome: 'ok' }) });
    const result = await runJob('ingest', d);
    expect(result.status === 'done' && result.run).toMatchObject({ attempt: 3, outcome: 'ok' });
    expect(d.slept).toEqual([MINUTE, 2 * MINUTE]);
  });

  it('after a crash mid-transaction: the database is consistent and the lock is recoverable once it expires', async () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'test/scheduler/crash-child.ts'), dbPath, String(30 * MINUTE)], {
      encoding: 'utf8',
      cwd: projectRoot,
    });
    expect(child.stdout).toContain('in-transaction');
    expect(child.signal).toBe('SIGKILL');

    // The half-written scan was rolled back; the file is intact; the crashed run and its lock remain.
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(count('scans')).toBe(0);
    expect(new RunLog(db).list()).toEqual([expect.objectContaining({ outcome: 'running', kind: 'audit' })]);

    // While the lease is live, nobody else runs.
    const early = deps({ work: async () => ({ outcome: 'ok' }) });
    expect(await runJob('audit', early)).toMatchObject({ status: 'skipped' });
    expect(early.said[0]).toMatch(/holds the lock/);

    // Past the TTL the lock is taken over and the abandoned run is closed as aborted.
    const later = new Date(Date.now() + 31 * MINUTE);
    const d = deps({ lock: new RunLock(db, { ttlMs: 30 * MINUTE, now: () => later }), work: async () => ({ outcome: 'ok' }) });
    const result = await runJob('audit', d);
    expect(result).toMatchObject({ status: 'done', run: { outcome: 'ok' } });
    const [latest, crashed] = new RunLog(db).list();
    expect(latest!.outcome).toBe('ok');
    expect(crashed).toMatchObject({ outcome: 'aborted', error: expect.stringContaining('stopped renewing the run lock') });
    expect(d.said[0]).toMatch(/recovered the run lock/);
  }, 30_000);

  it('on SIGTERM: the attempt in progress ends as aborted, is not retried, and the lock is released', async () => {
    const controller = new AbortController();
    const d = deps({
      signal: controller.signal,
      work: async (_kind, signal) => {
        controller.abort(); // SIGTERM arrives while the run works
        await Promise.resolve();
        if (signal.aborted) throw new Error('stopped before the report was written');
        return { outcome: 'ok' };
      },
    });
    const result = await runJob('audit', d);
    expect(result).toMatchObject({ status: 'done', run: { attempt: 1, outcome: 'aborted' } });
    expect(d.slept).toEqual([]);
    expect(new RunLog(db).list()).toHaveLength(1);
    expect(new RunLock(db, { ttlMs: 1 }).holder()).toBeUndefined();
  });
});
