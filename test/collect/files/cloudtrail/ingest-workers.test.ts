/**
 * Worker-thread ingest must be an implementation detail: the same usage,
 * coverage, bookkeeping and gaps as reading on the main thread, for local
 * files and for streamed objects, including files that cannot be read.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  discoverCloudTrailFiles,
  ingestCloudTrailFiles,
  type CloudTrailIngestResult,
  type CloudTrailSource,
} from '../../../../src/collect/files/cloudtrail/index.js';
import { loadCloudTrailActionMapper } from '../../../../src/catalog/cloudtrail-actions.js';
import { CloudTrailWorkerPool } from '../../../../src/collect/files/cloudtrail/worker-pool.js';
import type { PackedCloudTrailAggregate } from '../../../../src/collect/files/cloudtrail/packed-aggregate.js';

const SAMPLE = path.resolve('samples/acme/cloudtrail');
/** Counts a local file in the pool, as ingest does: its bytes and their digest. */
const countIn = (pool: CloudTrailWorkerPool, file: string, local = true) => {
  const bytes = readFileSync(file);
  return pool.count(file, [bytes], createHash('sha256').update(bytes).digest('hex'), local);
};
/** Local files as objects (S3): streamed in small chunks, as a network body arrives. */
const asObject = (file: string): CloudTrailSource => ({
  location: file,
  open: async () => {
    const bytes = readFileSync(file);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 4096) chunks.push(bytes.subarray(i, i + 4096));
    return Readable.from(chunks);
  },
});
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
      open: () => {
        opened++;
        return asObject(file).open();
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

  it('moves an object\'s body to the worker in the buffers it arrived in, leaving none of them on this thread', async () => {
    // Node's HTTP client gives each body chunk a buffer of its own (the parser copies it out of the socket's).
    const arrived: { file: string; chunk: Buffer }[] = [];
    const sources: CloudTrailSource[] = files.map((file) => ({
      location: file,
      open: async () => {
        const bytes = readFileSync(file);
        const chunks: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += 16_384) {
          const piece = bytes.subarray(i, i + 16_384);
          const own = Buffer.alloc(piece.length); // never from Buffer's shared pool
          piece.copy(own);
          chunks.push(own);
        }
        arrived.push(...chunks.map((chunk) => ({ file, chunk })));
        return Readable.from(chunks);
      },
    }));
    const result = await ingestCloudTrailFiles(sources, { workers: 2 });
    expect(result.usage).toEqual(onThisThread.usage);
    expect(result.resourceUsage).toEqual(onThisThread.resourceUsage);
    expect(result.ingested).toEqual(onThisThread.ingested);
    // Moved, not copied: each counted file's chunks now belong to a worker (detached here). Only the
    // sample's byte-for-byte copy of another file stays: its digest was seen, so it was never sent.
    const counted = new Set(result.ingested.map((i) => i.location));
    expect(arrived.filter(({ file }) => counted.has(file)).length).toBeGreaterThanOrEqual(counted.size);
    expect(arrived.filter(({ file, chunk }) => counted.has(file) && chunk.byteLength !== 0)).toEqual([]);
    expect(new Set(arrived.filter(({ chunk }) => chunk.byteLength !== 0).map(({ file }) => path.basename(file)))).toEqual(new Set(['copy.json.gz']));
  });

  it('refuses a custom mapper with workers instead of silently ignoring one of them', async () => {
    const mapper = await loadCloudTrailActionMapper();
    await expect(ingestCloudTrailFiles(files.slice(0, 2), { mapper, workers: 2 })).rejects.toThrow(/pass either mapper or workers/);
  });

  it('hands a worker total over once it reaches the size limit, and the totals add up to the files kept', async () => {
    const eventsOf = (f: string) => onThisThread.ingested.find((i) => i.location === f)?.events ?? 0;
    for (const { local, ...limits } of [
      { maxEntriesBeforeHandover: 1, maxRetainedBytesBeforeHandover: 1 << 30, local: true },
      // Bytes are kept (and so limited) for objects only: a local file can be read again.
      { maxEntriesBeforeHandover: 1 << 30, maxRetainedBytesBeforeHandover: 1, local: false },
    ]) {
      const totals: PackedCloudTrailAggregate[] = [];
      // A limit of one entry (or one byte): every file's counts are handed over on their own.
      const pool = new CloudTrailWorkerPool(1, (data) => totals.push(data), 3, limits);
      try {
        for (const file of files.slice(0, 3)) await countIn(pool, file, local);
        expect(await pool.finish()).toEqual([]);
      } finally {
        await pool.close();
      }
      // Three handovers and the (empty) final one.
      expect(totals.map((t) => t.stats.events)).toEqual([...files.slice(0, 3).map(eventsOf), 0]);
    }
  });

  it('takes a file that fails half way back out of the running total: the counts are those of the other files', async () => {
    // Valid gzip, hundreds of valid records, then JSON that breaks: records were counted before the failure.
    const largest = [...onThisThread.ingested].sort((a, b) => b.events - a.events)[0]!.location;
    const records = JSON.parse(gunzipSync(readFileSync(largest)).toString('utf8')).Records as unknown[];
    expect(records.length).toBeGreaterThan(10);
    const text = JSON.stringify({ Records: records });
    const brokenLate = path.join(tmp, 'AWSLogs', '111111111111', 'CloudTrail', 'us-east-1', '2026', '11', '14', 'broken-late.json.gz');
    writeFileSync(brokenLate, gzipSync(text.slice(0, -2) + ',{"eventName": oops}]}'));
    const withBroken = [...files.slice(0, 6), brokenLate, ...files.slice(6)];
    // Local files are read again to recount them; objects' bytes were kept for it.
    for (const [workers, sources] of [[1, withBroken], [2, withBroken], [2, withBroken.map(asObject)]] as const) {
      const result = await ingestCloudTrailFiles(sources, { workers });
      expect(result.coverage.find((c) => c.scope === brokenLate)).toMatchObject({ status: 'gap', reason: expect.stringMatching(/broken-late\.json\.gz: invalid CloudTrail JSON at byte \d+/) });
      expect(result.usage).toEqual(onThisThread.usage);
      expect(result.resourceUsage).toEqual(onThisThread.resourceUsage);
      expect(result.userAgents).toEqual(onThisThread.userAgents);
      expect(result.stats.events).toBe(onThisThread.stats.events);
      expect(result.ingested).toEqual(onThisThread.ingested);
    }
  });

  /**
   * One worker counts a local file, the file is then rewritten on disk, and a
   * broken file (`brokenJson`) fails in the same worker: what finish() reports lost, and the totals.
   */
  async function changeThenBreak(brokenJson: string) {
    const dir = mkdtempSync(path.join(tmp, 'changed-'));
    const changing = path.join(dir, 'changing.json.gz');
    const broken = path.join(dir, 'broken.json');
    copyFileSync(files[0]!, changing);
    writeFileSync(broken, brokenJson);
    const totals: PackedCloudTrailAggregate[] = [];
    const pool = new CloudTrailWorkerPool(1, (data) => totals.push(data));
    try {
      await countIn(pool, changing);
      // Rotated or rewritten meanwhile: its counts can no longer be rebuilt from it.
      copyFileSync(files[1]!, changing);
      await expect(countIn(pool, broken)).rejects.toThrow(/broken\.json: invalid CloudTrail JSON/);
      return { changing, lost: await pool.finish(), totals };
    } finally {
      await pool.close();
    }
  }

  it('reports the counted files lost when one of them changed on disk before a failed file made it recount them', async () => {
    // One good record, then JSON that breaks: the record was counted, so the total must be rebuilt.
    const [first] = JSON.parse(gunzipSync(readFileSync(files[0]!)).toString('utf8')).Records as unknown[];
    const { changing, lost, totals } = await changeThenBreak(`{"Records": [${JSON.stringify(first)}, {"eventName": }]}`);
    expect(lost).toEqual([{ location: changing, reason: expect.stringContaining(`${changing}: the ingest worker that read it stopped`) }]);
    expect(lost[0]!.reason).toContain('changed while it was being ingested');
    expect(totals).toEqual([]);
  });

  it('recounts nothing for a file that breaks before its first record: the total was not touched', async () => {
    // Were the total recounted, the changed file would make the worker stop and lose it.
    const { lost, totals } = await changeThenBreak('{"Records": [{"eventName": }]}');
    expect(lost).toEqual([]);
    expect(totals.map((t) => t.stats.events)).toEqual([onThisThread.ingested.find((i) => i.location === files[0])?.events ?? 0]);
  });

  it('fails the files of a worker that dies, in flight or kept but not handed over, naming them, and goes on with the others', async () => {
    const totals: PackedCloudTrailAggregate[] = [];
    const pool = new CloudTrailWorkerPool(2, (data) => totals.push(data));
    const workers = (pool as unknown as { workers: { worker: import('node:worker_threads').Worker }[] }).workers;
    try {
      // Idle workers take turns: files 0 and 2 go to the first worker, 1 and 3 to the second.
      const count = (file: string) => countIn(pool, file);
      await count(files[0]!);
      await count(files[1]!);
      await count(files[2]!);
      // The second worker is told to stop, then sent file 3 (it is still in the pool until it has exited):
      // the file is in flight on a dying worker. (Sent first, a fast worker could count it before it stopped.)
      const stopping = workers[1]!.worker.terminate();
      const inFlight = count(files[3]!);
      await stopping;
      await expect(inFlight).rejects.toThrow(`${files[3]}: the ingest worker reading it stopped`);
      expect(pool.size).toBe(1);
      await count(files[4]!);

      const lost = await pool.finish();
      expect(lost).toEqual([{ location: files[1], reason: expect.stringContaining(`${files[1]}: the ingest worker that read it stopped`) }]);
      expect(totals).toHaveLength(1);
      // The survivor's total holds exactly its three files.
      const events = [files[0]!, files[2]!, files[4]!].map((f) => onThisThread.ingested.find((i) => i.location === f)?.events ?? 0);
      expect(totals[0]!.stats.events).toBe(events[0]! + events[1]! + events[2]!);
    } finally {
      await pool.close();
    }
  });
});
