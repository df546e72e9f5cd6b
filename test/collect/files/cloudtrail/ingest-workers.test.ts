/**
 * Worker-thread ingest must be an implementation detail: the same usage,
 * coverage, bookkeeping and gaps as reading on the main thread, for local
 * files and for streamed objects, including files that cannot be read.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  discoverCloudTrailFiles,
  ingestCloudTrailFiles,
  type CloudTrailAggregateData,
  type CloudTrailIngestResult,
  type CloudTrailSource,
} from '../../../../src/collect/files/cloudtrail/index.js';
import { loadCloudTrailActionMapper } from '../../../../src/catalog/cloudtrail-actions.js';
import { CloudTrailWorkerPool } from '../../../../src/collect/files/cloudtrail/worker-pool.js';

const SAMPLE = path.resolve('samples/acme/cloudtrail');
let tmp: string;
let files: string[];
let damaged: { truncated: string; malformed: string };
let onThisThread: CloudTrailIngestResult;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-ct-workers-'));
  const sample = await discoverCloudTrailFiles(SAMPLE);
  // Two damaged files in the real layout: a gzip cut in half and JSON that is not CloudTrail's.
  const dir = path.join(tmp, 'AWSLogs', '111111111111', 'CloudTrail', 'us-east-1', '2026', '11', '14');
  mkdirSync(dir, { recursive: true });
  const whole = readFileSync(sample[0]!);
  damaged = { truncated: path.join(dir, 'truncated.json.gz'), malformed: path.join(dir, 'malformed.json') };
  writeFileSync(damaged.truncated, whole.subarray(0, Math.floor(whole.length / 2)));
  writeFileSync(damaged.malformed, '{"Records": [{"eventName": }]}');
  // A second copy of a real file: read twice, counted once.
  copyFileSync(sample[1]!, path.join(dir, 'copy.json.gz'));
  files = [...sample, damaged.truncated, damaged.malformed, path.join(dir, 'copy.json.gz')];
  onThisThread = await ingestCloudTrailFiles(files, { workers: 0 });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('CloudTrail ingest in worker threads', () => {
  it('reads the bundled sample: hundreds of files, thousands of events, two damaged files', () => {
    expect(onThisThread.stats.files).toBe(files.length);
    expect(onThisThread.stats.files).toBeGreaterThan(200);
    expect(onThisThread.stats.events).toBeGreaterThan(1000);
    expect(onThisThread.stats).toMatchObject({ failedFiles: 2, alreadyIngestedFiles: 1 });
  });

  it('gives exactly the main-thread result with 1 and 3 workers', async () => {
    for (const workers of [1, 3]) {
      expect(await ingestCloudTrailFiles(files, { workers })).toEqual(onThisThread);
    }
  });

  it('names each damaged file in its gap, as on the main thread', async () => {
    const result = await ingestCloudTrailFiles(files, { workers: 2 });
    const gaps = result.coverage.filter((c) => c.status === 'gap');
    expect(gaps.map((g) => g.scope).sort()).toEqual([damaged.malformed, damaged.truncated].sort());
    expect(gaps.find((g) => g.scope === damaged.truncated)?.reason).toMatch(/truncated\.json\.gz: truncated gzip/);
    expect(gaps.find((g) => g.scope === damaged.malformed)?.reason).toMatch(/malformed\.json: invalid CloudTrail JSON at byte \d+/);
  });

  it('reads streamed objects (S3) in workers: their bytes are fetched here and moved to a worker', async () => {
    let opened = 0;
    const sources: CloudTrailSource[] = files.map((file) => ({
      location: file,
      open: async () => {
        opened++;
        // Small chunks, as a network body arrives.
        const bytes = readFileSync(file);
        const chunks: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += 4096) chunks.push(bytes.subarray(i, i + 4096));
        return Readable.from(chunks);
      },
    }));
    const failing: CloudTrailSource = {
      location: 's3://trail-bucket/AWSLogs/111111111111/unreadable.json.gz',
      open: async () => {
        throw new Error('AccessDenied: Access Denied');
      },
    };
    const result = await ingestCloudTrailFiles([...sources, failing], { workers: 2 });
    expect(opened).toBe(files.length);
    expect(result.usage).toEqual(onThisThread.usage);
    expect(result.resourceUsage).toEqual(onThisThread.resourceUsage);
    expect(result.ingested).toEqual(onThisThread.ingested);
    expect(result.coverage.find((c) => c.scope === failing.location)).toMatchObject({
      status: 'gap',
      reason: `${failing.location}: cannot open object (AccessDenied: Access Denied)`,
    });
  });

  it('refuses a custom mapper with workers instead of silently ignoring one of them', async () => {
    const mapper = await loadCloudTrailActionMapper();
    await expect(ingestCloudTrailFiles(files.slice(0, 2), { mapper, workers: 2 })).rejects.toThrow(/pass either mapper or workers/);
  });

  it('hands a worker total over once it reaches the size limit, and the totals add up to the files kept', async () => {
    const totals: CloudTrailAggregateData[] = [];
    // A limit of one entry: every kept file's counts are handed over on their own.
    const pool = new CloudTrailWorkerPool(1, (data) => totals.push(data), 1);
    try {
      for (const file of files.slice(0, 3)) (await pool.read(file)).keep();
      expect(await pool.finish()).toEqual([]);
    } finally {
      await pool.close();
    }
    // Three handovers and the (empty) final one.
    expect(totals.map((t) => t.stats.events)).toEqual([
      ...files.slice(0, 3).map((f) => onThisThread.ingested.find((i) => i.location === f)?.events ?? 0),
      0,
    ]);
  });

  it('fails the files of a worker that dies, in flight or kept but not handed over, naming them, and goes on with the others', async () => {
    const totals: CloudTrailAggregateData[] = [];
    const pool = new CloudTrailWorkerPool(2, (data) => totals.push(data));
    const workers = (pool as unknown as { workers: { worker: import('node:worker_threads').Worker }[] }).workers;
    try {
      // Round-robin: reads 0 and 2 go to the first worker, 1 and 3 to the second.
      const kept = await pool.read(files[0]!);
      const keptByVictim = await pool.read(files[1]!);
      kept.keep();
      keptByVictim.keep();
      await pool.read(files[2]!).then((f) => f.drop());
      const inFlight = pool.read(files[3]!);
      await workers[1]!.worker.terminate();
      await expect(inFlight).rejects.toThrow(`${files[3]}: the ingest worker reading it stopped`);
      expect(pool.size).toBe(1);
      (await pool.read(files[4]!)).keep();

      const lost = await pool.finish();
      expect(lost).toEqual([{ location: files[1], reason: expect.stringContaining(`${files[1]}: the ingest worker that read it stopped`) }]);
      expect(totals).toHaveLength(1);
      // The survivor's total holds exactly its two kept files.
      const events = [files[0]!, files[4]!].map((f) => onThisThread.ingested.find((i) => i.location === f)?.events ?? 0);
      expect(totals[0]!.stats.events).toBe(events[0]! + events[1]!);
    } finally {
      await pool.close();
    }
  });
});
