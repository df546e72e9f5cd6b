import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, StoreError, type Store } from '../../src/store/index.js';
import { realisticSnapshot } from './realistic-snapshot.js';

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * Another writer (a second keywarden process, in effect): a worker thread
 * that takes the write lock, reports it, holds it for `holdMs`, then commits.
 */
function holdWriteLock(file: string, holdMs: number): { locked: Promise<void>; done: Promise<void> } {
  const worker = new Worker(
    `const { workerData, parentPort } = require('node:worker_threads');
     const Database = require(workerData.module);
     const db = new Database(workerData.file);
     db.exec('BEGIN IMMEDIATE');
     db.prepare("INSERT INTO unmapped_events VALUES ('sts.amazonaws.com', 'GetCallerIdentity', 1)").run();
     parentPort.postMessage('locked');
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
     db.exec('COMMIT');
     db.close();`,
    { eval: true, workerData: { module: betterSqlite3, file, holdMs } },
  );
  const done = new Promise<void>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', () => resolve());
  });
  const locked = new Promise<void>((resolve) => worker.once('message', () => resolve()));
  return { locked, done };
}

const stores: Store[] = [];
function open(file: string, busyTimeoutMs?: number): Store {
  const store = openStore(file, busyTimeoutMs === undefined ? {} : { busyTimeoutMs });
  stores.push(store);
  return store;
}
afterEach(() => stores.splice(0).forEach((s) => s.close()));

const tempFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'kw-wal-')), 'keywarden.db');

describe('two connections to one file', () => {
  it('each see the other\'s committed scans', () => {
    const file = tempFile();
    const a = open(file);
    const b = open(file);
    const id = a.writeScan(realisticSnapshot());
    expect(b.latestScan('aws')?.id).toBe(id);
    b.writeScan({ ...realisticSnapshot(), collectedAt: '2025-03-11T06:00:00Z', ingested: [], usage: [] });
    expect(a.listScans()).toHaveLength(2);
  });

  it('a writer waits for another writer\'s lock instead of failing, and readers are not blocked', async () => {
    const file = tempFile();
    const store = open(file);
    const { locked, done } = holdWriteLock(file, 400);
    await locked;
    expect(store.listScans()).toEqual([]); // WAL: reading while the other writes
    const openedAt = performance.now();
    const late = open(file); // opening an up-to-date file needs no write lock
    expect(performance.now() - openedAt).toBeLessThan(150);
    expect(late.latestScan('aws')).toBeUndefined();
    const started = performance.now();
    const id = store.writeScan(realisticSnapshot());
    const waited = performance.now() - started;
    await done;
    expect(waited).toBeGreaterThan(150);
    expect(store.listScans().map((s) => s.id)).toEqual([id]);
    expect(store.unmappedEvents().map((e) => e.eventName).sort()).toEqual(['ConsoleLogin', 'GetCallerIdentity']);
  });

  it('fails with a clear message, storing nothing, when the lock outlasts the busy timeout', async () => {
    const file = tempFile();
    const store = open(file, 50);
    const { locked, done } = holdWriteLock(file, 600);
    await locked;
    let error: unknown;
    try {
      store.writeScan(realisticSnapshot());
    } catch (e) {
      error = e;
    }
    await done;
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toBe(
      `${file} is locked by another keywarden writer (waited 50 ms); ` +
        'scan from files:/exports/acme-prod was not stored, run it again when the other one finishes',
    );
    expect(store.listScans()).toEqual([]);
  });
});
