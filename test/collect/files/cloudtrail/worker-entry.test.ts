/**
 * Ingest workers run a bundle of the worker's sources, built in the process
 * that starts them (never a stale copy), and fall back to tsx otherwise.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ingestWorkerEntry, TSX_WORKER_ENTRY } from '../../../../src/collect/files/cloudtrail/worker-entry.js';

describe('ingest worker entry', () => {
  it('is one JavaScript file bundled from the current sources, under node_modules/.cache, named by its content', async () => {
    const entry = await ingestWorkerEntry();
    expect(entry).not.toEqual(TSX_WORKER_ENTRY);
    const file = fileURLToPath(entry);
    expect(path.relative(path.resolve('node_modules/.cache/keywarden'), file)).toMatch(/^ingest-worker-[0-9a-f]{16}\.mjs$/);
    const code = readFileSync(file, 'utf8');
    // The worker's own code and what it imports (the reader, the aggregate), not imports of .ts files.
    expect(code).toContain('ingest-worker.ts runs only as a worker thread');
    expect(code).toMatch(/CloudTrailRecordReader = class/);
    expect(code).not.toMatch(/from ["'][^"']*\.ts["']/);
    // Built once per process.
    expect(await ingestWorkerEntry()).toBe(entry);
  });

  it('is made again when it was removed since (a long-running process, a pruned cache)', async () => {
    const entry = await ingestWorkerEntry();
    rmSync(fileURLToPath(entry));
    expect((await ingestWorkerEntry()).href).toBe(entry.href);
    expect(existsSync(fileURLToPath(entry))).toBe(true);
  });
});
