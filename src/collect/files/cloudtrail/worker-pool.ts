/**
 * A small pool of worker threads that read CloudTrail files in parallel.
 * Parsing is CPU-bound JavaScript, so one thread tops out at one core.
 *
 * Each worker reads a file into its own aggregate and reports only the
 * file's facts (digest, records, accounts). The caller decides, in file
 * order, whether the file counts (not a duplicate, not already stored) and
 * tells the worker, which folds kept files into its running total and
 * hands that total over when it reaches a size (and at finish). The same
 * identities, actions and days recur file after file, so a total grows far
 * slower than its files: handing over per file (or every few files) made
 * the main thread deserialise and merge nearly as much as the workers read,
 * on a third thread competing for the same cores; an unbounded total would
 * cost a copy of the whole result per worker.
 *
 * Files go to workers round-robin by sequence, so for a given worker count
 * the result is the same on every run. A worker that dies (out of memory, a
 * native crash) fails its files in flight at once, and at finish() the
 * files it had kept but not yet handed over are reported lost, naming them:
 * nothing it read is counted half.
 */
import { Worker } from 'node:worker_threads';
import type { CloudTrailAggregateData, CloudTrailStats } from './aggregate.js';

/** What a worker is started with. */
export interface IngestWorkerData {
  maxEntriesBeforeHandover: number;
}

/** Messages to a worker. */
export type WorkerRequest =
  | { type: 'read'; id: number; location: string; bytes?: Uint8Array }
  | { type: 'keep' | 'drop'; id: number }
  | { type: 'finish' };

/** Messages from a worker. */
export type WorkerReply =
  | { type: 'read'; id: number; digest: string; records: number; stats: CloudTrailStats; accounts: string[] }
  | { type: 'failed'; id: number; error: string }
  /** The worker's running total, holding the kept files `ids`; `final` answers finish. */
  | { type: 'total'; data: CloudTrailAggregateData; ids: number[]; final: boolean };

/** What a worker reports of one file it read; its aggregate stays in the worker until kept or dropped. */
export interface WorkerFileFacts {
  digest: string;
  records: number;
  stats: CloudTrailStats;
  /** Accounts the file's events were delivered for. */
  accounts: string[];
  keep(): void;
  drop(): void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, { resolve: (r: WorkerFileFacts) => void; reject: (e: Error) => void; location: string }>;
  /** Files this worker kept whose counts it has not handed over yet, by request id. */
  kept: Map<number, string>;
  finished?: () => void;
  death?: string;
}

const ENTRY = new URL('./ingest-worker-entry.mjs', import.meta.url);

/** A worker hands its total over once it holds this many entries (usage cells, resources, agents: ~0.2 KB each). */
export const MAX_ENTRIES_BEFORE_HANDOVER = 100_000;

export class CloudTrailWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 0;

  /** `onTotal` receives each worker total handed over: the counts of kept files, to merge. */
  constructor(
    size: number,
    private readonly onTotal: (data: CloudTrailAggregateData) => void,
    private readonly maxEntriesBeforeHandover = MAX_ENTRIES_BEFORE_HANDOVER,
  ) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  /** Workers still running. */
  get size(): number {
    return this.live().length;
  }

  /** Reads one file (or an object's stored bytes) in a worker. Rejects with an Error naming it when it cannot be read to the end. */
  read(location: string, bytes?: Uint8Array): Promise<WorkerFileFacts> {
    const id = this.nextId++;
    const live = this.live();
    if (live.length === 0) return Promise.reject(new Error(`${location}: no CloudTrail ingest worker is left running`));
    const target = live[id % live.length]!;
    return new Promise<WorkerFileFacts>((resolve, reject) => {
      target.pending.set(id, { resolve, reject, location });
      const request: WorkerRequest = { type: 'read', id, location, ...(bytes ? { bytes } : {}) };
      // Whole buffers are moved, not copied: the caller has no further use for them.
      const whole = bytes !== undefined && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      target.worker.postMessage(request, whole ? [bytes.buffer as ArrayBuffer] : []);
    });
  }

  /** Collects every live worker's last total; returns the kept files whose counts died with a worker, and why. */
  async finish(): Promise<{ location: string; reason: string }[]> {
    await Promise.all(
      this.live().map(
        (w) =>
          new Promise<void>((resolve) => {
            w.finished = resolve;
            // A worker dying while finishing resolves too: its files are counted as lost below.
            w.worker.once('exit', () => resolve());
            w.worker.postMessage({ type: 'finish' } satisfies WorkerRequest);
          }),
      ),
    );
    return this.workers
      .filter((w) => w.death !== undefined)
      .flatMap((w) =>
        [...w.kept.values()].map((location) => ({
          location,
          reason: `${location}: the ingest worker that read it stopped (${w.death}) before handing over its counts`,
        })),
      );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private live(): PoolWorker[] {
    return this.workers.filter((w) => w.death === undefined);
  }

  private spawn(): PoolWorker {
    const worker = new Worker(ENTRY, { workerData: { maxEntriesBeforeHandover: this.maxEntriesBeforeHandover } satisfies IngestWorkerData });
    const entry: PoolWorker = { worker, pending: new Map(), kept: new Map() };
    const tell = (request: WorkerRequest) => {
      if (entry.death === undefined) worker.postMessage(request);
    };
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'total') {
        this.onTotal(reply.data);
        for (const id of reply.ids) entry.kept.delete(id);
        if (reply.final) entry.finished?.();
        return;
      }
      const job = entry.pending.get(reply.id);
      if (!job) return;
      entry.pending.delete(reply.id);
      if (reply.type === 'failed') {
        job.reject(new Error(reply.error));
        return;
      }
      const { id, digest, records, stats, accounts } = reply;
      job.resolve({
        digest,
        records,
        stats,
        accounts,
        keep: () => {
          entry.kept.set(id, job.location);
          tell({ type: 'keep', id });
        },
        drop: () => tell({ type: 'drop', id }),
      });
    });
    const die = (why: string) => {
      if (entry.death !== undefined) return;
      entry.death = why;
      for (const job of entry.pending.values()) job.reject(new Error(`${job.location}: the ingest worker reading it stopped (${why})`));
      entry.pending.clear();
    };
    worker.on('error', (err) => die(err.message));
    worker.on('exit', (code) => die(`exit code ${code}`));
    return entry;
  }
}
