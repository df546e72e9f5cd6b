/**
 * The schedule on a fake clock. node-cron 4 arms setTimeout (at most 24 h
 * ahead) and reads `new Date()`, both of which vitest's fake timers drive,
 * so these tests run node-cron's own scheduling, not a re-implementation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runJob } from '../../scheduler/run-job.js';
import { RunLock } from '../../scheduler/run-lock.js';
import { RunLog, type RunKind } from '../../scheduler/run-log.js';
import { startScheduler } from '../../scheduler/scheduler.js';
import { openDatabase } from '../../src/store/open-database.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => vi.useRealTimers());

describe('schedule (node-cron, fake clock)', () => {
  it('the default monthly expression fires once per month across a simulated year, in the configured time zone', async () => {
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const fired: string[] = [];
    const scheduler = startScheduler({ audit: '0 3 1 * *', timezone: 'Europe/Berlin' }, async (_kind, at) => void fired.push(at.toISOString()), () => undefined);
    await vi.advanceTimersByTimeAsync(365 * DAY);
    await scheduler.stop();
    // 03:00 in Berlin is 02:00 UTC in winter (CET) and 01:00 UTC in summer (CEST, from 29 March to 25 October 2026).
    expect(fired).toEqual([
      '2026-01-01T02:00:00.000Z',
      '2026-02-01T02:00:00.000Z',
      '2026-03-01T02:00:00.000Z',
      '2026-04-01T01:00:00.000Z',
      '2026-05-01T01:00:00.000Z',
      '2026-06-01T01:00:00.000Z',
      '2026-07-01T01:00:00.000Z',
      '2026-08-01T01:00:00.000Z',
      '2026-09-01T01:00:00.000Z',
      '2026-10-01T01:00:00.000Z',
      '2026-11-01T02:00:00.000Z',
      '2026-12-01T02:00:00.000Z',
    ]);
  });

  it('never overlaps a run that outlasts its interval: the slots it covers are skipped', async () => {
    vi.setSystemTime(new Date('2026-03-10T00:30:00Z'));
    const starts: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const warnings: string[] = [];
    const scheduler = startScheduler(
      { audit: '0 * * * *', timezone: 'UTC' },
      async (_kind, at) => {
        starts.push(at.toISOString().slice(11, 16));
        maxRunning = Math.max(maxRunning, ++running);
        await sleep(2.5 * HOUR);
        running--;
      },
      (line) => warnings.push(line),
    );
    await vi.advanceTimersByTimeAsync(10 * HOUR);
    // stop() waits for the 10:00 run, which needs the clock to move on; nothing new may start meanwhile.
    const stopped = scheduler.stop();
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    await stopped;
    expect(running).toBe(0);
    expect(maxRunning).toBe(1);
    // Runs start 01:00 (busy until 03:30), 04:00 (until 06:30), 07:00, 10:00.
    expect(starts).toEqual(['01:00', '04:00', '07:00', '10:00']);
    expect(warnings.some((w) => w.includes('overlap'))).toBe(true);
  });

  describe('with the SQLite run lock', () => {
    let tmp: string;
    let db: Database.Database;
    beforeEach(() => {
      tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-sched-'));
      db = openDatabase(path.join(tmp, 'kw.db'));
    });
    afterEach(() => {
      db.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    it('keeps a daily ingestion from running while the monthly audit still holds the lock', async () => {
      vi.setSystemTime(new Date('2026-04-30T23:00:00Z'));
      const lock = new RunLock(db, { ttlMs: 6 * HOUR });
      const log = new RunLog(db);
      const said: string[] = [];
      const controller = new AbortController();
      const durations: Record<RunKind, number> = { audit: 3 * HOUR, ingest: 10 * 60_000 };
      const run = (kind: RunKind) =>
        runJob(kind, {
          lock,
          log,
          work: async (k) => (await sleep(durations[k]), { outcome: 'ok' }),
          retries: 0,
          retryDelayMs: 1000,
          heartbeatMs: HOUR,
          signal: controller.signal,
          sleep,
          notify: async () => [],
          say: (l) => said.push(l),
        });
      const scheduler = startScheduler({ audit: '0 1 1 * *', ingest: '0 2 * * *', timezone: 'UTC' }, run, () => undefined);
      await vi.advanceTimersByTimeAsync(2 * DAY);
      await scheduler.stop();
      const runs = log.list().reverse().map((r) => `${r.kind} ${r.startedAt.slice(5, 16)} ${r.outcome}`);
      // 1 May: audit 01:00-04:00; the 02:00 ingestion is skipped (lock held); 2 May 02:00 ingestion runs.
      expect(runs).toEqual(['audit 05-01T01:00 ok', 'ingest 05-02T02:00 ok']);
      expect(said.filter((l) => l.startsWith('ingest run skipped: another keywarden run holds the lock'))).toHaveLength(1);
      expect(lock.holder()).toBeUndefined();
    });
  });
});
