/**
 * A small pool of worker threads that count CloudTrail files in parallel.
 * Parsing is CPU-bound JavaScript, so one thread tops out at one core.
 *
 * The caller reads each file's stored bytes and decides, from their sha256,
 * whether the file counts (not a duplicate, not already stored) before any
 * parsing: only files that count are sent, and their bytes are moved, not
 * copied. A worker parses each straight into its running total and hands
 * that total over when it reaches a size (and at finish). The same
 * identities, actions and days recur file after file, so a total grows far
 * slower than its files; parsing into it, instead of into a per-file
 * aggregate merged afterwards, saves the merge and most of the garbage.
 * Handing over per file made the main thread deserialise and merge nearly as
 * much as the workers read; an unbounded total would cost a copy of the
 * whole result per worker.
 *
 * A file goes to the worker with the fewest files waiting, so a slow file
 * does not hold the others up. Which worker counts a file does not change the
 * result: aggregates merge into the same totals in any grouping and order
 * (see admitSmallest in aggregate.ts). A worker that dies (out of memory, a
 * native crash) fails its files in flight at once, and at finish() the files
 * it had counted but not yet handed over are reported lost, naming them:
 * nothing it read is counted half.
 */
import { Worker } from 'node:worker_threads';
import type { PackedCloudTrailAggregate } from './packed-aggregate.js';
import { TSX_WORKER_ENTRY } from './worker-entry.js';
import { renewNurseryHold, startWorkerNurseriesAt } from '../../../util/nursery.js';

/** What a worker is started with. */
export interface IngestWorkerData {
  maxEntriesBeforeHandover: number;
  maxRetainedBytesBeforeHandover: number;
}

/** Messages to a worker. */
export type WorkerRequest =
  /** `local`: the bytes are a local file's, which the worker can read again instead of keeping them. */
  | { type: 'count'; id: number; location: string; pieces: Uint8Array[]; digest: string; local: boolean }
  | { type: 'finish' };

/** What counting one file added. */
export interface CountedFile {
  records: number;
  /** Records lacking a readable eventTime, eventSource or eventName (not counted). */
  malformedRecords: number;
  /** Accounts the file's events were delivered for. */
  accounts: string[];
}

/** Messages from a worker. */
export type WorkerReply =
  | ({ type: 'counted'; id: number } & CountedFile)
  | { type: 'failed'; id: number; error: string }
  /** The worker's running total, holding the counted files `ids`; `final` answers finish. */
  | { type: 'total'; packed: PackedCloudTrailAggregate; ids: number[]; final: boolean }
  /** The worker's counts are no longer known (see ingest-worker.ts): it takes nothing more. */
  | { type: 'stopped'; reason: string };

interface PoolWorker {
  worker: Worker;
  pending: Map<number, { resolve: (r: CountedFile) => void; reject: (e: Error) => void; location: string }>;
  /** Files this worker counted whose counts it has not handed over yet, by request id. */
  counted: Map<number, string>;
  finished?: () => void;
  /** Handed its last total over and was stopped: its exit is no death. */
  retired?: boolean;
  death?: string;
}

/** A worker hands its total over once it holds this many entries (usage cells, resources, agents: ~40 bytes each, and their names)... */
export const MAX_ENTRIES_BEFORE_HANDOVER = 250_000;
/**
 * ...or keeps this many stored bytes of the objects in it (to take a failed file back out, see ingest-worker.ts).
 * Small: S3 objects are kept whole while local files are read again, and at 16 MB per worker a 1M-event
 * `collect aws` peaked 20-30 MB higher; the handovers this adds (one per ~7 objects) cost no measurable CPU.
 */
export const MAX_RETAINED_BYTES_BEFORE_HANDOVER = 4 << 20;

/**
 * A worker's young generation (V8's default is 48 MB). A worker allocates
 * ~0.6 KB of short-lived strings per event and a whole file's JSON (up to
 * ~7 MB, outside the heap) per file, all freed by the next scavenge: with
 * the default, each worker held ~32 MB of nursery and several files' JSON
 * waiting for it. Survivors are few (totals are typed arrays, see
 * keyed-rows.ts), so a small nursery costs little. Measured at 1M events,
 * 2 workers: 16 MB cut peak RSS from ~330 to ~285 MB at no measurable CPU;
 * 12 MB to ~260 MB for ~3% more CPU (A/B, one worker pinned per core);
 * 8 MB gained only ~5 MB more.
 */
const WORKER_YOUNG_GENERATION_MB = 12;

export class CloudTrailWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 0;
  private readonly slotWaiters: (() => void)[] = [];

  /**
   * `onTotal` receives each worker total handed over: the counts of counted files, to merge.
   * `maxWaitingPerWorker` bounds the files (and their bytes) sent ahead of a worker.
   */
  constructor(
    size: number,
    private readonly onTotal: (total: PackedCloudTrailAggregate) => void,
    private readonly maxWaitingPerWorker = 3,
    private readonly limits: IngestWorkerData = {
      maxEntriesBeforeHandover: MAX_ENTRIES_BEFORE_HANDOVER,
      maxRetainedBytesBeforeHandover: MAX_RETAINED_BYTES_BEFORE_HANDOVER,
    },
    /** The worker script (see worker-entry.ts). */
    private readonly entry: URL = TSX_WORKER_ENTRY,
  ) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  /** Workers still running. */
  get size(): number {
    return this.live().length;
  }

  /** Resolves once some worker has fewer than maxWaitingPerWorker files waiting (or none is left to wait for). */
  async slot(): Promise<void> {
    while (this.live().length > 0 && this.live().every((w) => w.pending.size >= this.maxWaitingPerWorker)) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
  }

  /**
   * Counts a file's stored bytes (gzip or plain JSON) in a worker. Resolves with what
   * it added; rejects with an Error naming the file when it cannot be read to the end,
   * and then none of it is counted.
   */
  count(location: string, pieces: readonly Uint8Array[], digest: string, local: boolean): Promise<CountedFile> {
    const id = this.nextId++;
    const live = this.live();
    if (live.length === 0) return Promise.reject(new Error(`${location}: no CloudTrail ingest worker is left running`));
    // The least busy worker; among equals, the next in turn.
    let target = live[id % live.length]!;
    for (const w of live) if (w.pending.size < target.pending.size) target = w;
    return new Promise<CountedFile>((resolve, reject) => {
      target.pending.set(id, { resolve, reject, location });
      const request: WorkerRequest = { type: 'count', id, location, pieces: [...pieces], digest, local };
      // Pieces that fill their own buffer are moved, not copied: the caller has no further use for them.
      const whole = pieces.filter((p) => p.byteOffset === 0 && p.byteLength === p.buffer.byteLength).map((p) => p.buffer as ArrayBuffer);
      target.worker.postMessage(request, [...new Set(whole)]);
    });
  }

  /** Collects every live worker's last total; returns the counted files whose counts died with a worker, and why. */
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
        [...w.counted.values()].map((location) => ({
          location,
          reason: `${location}: the ingest worker that read it stopped (${w.death}) before handing over its counts`,
        })),
      );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private live(): PoolWorker[] {
    return this.workers.filter((w) => w.death === undefined && !w.retired);
  }

  private wakeSlotWaiters(): void {
    for (const wake of this.slotWaiters.splice(0)) wake();
  }

  private spawn(): PoolWorker {
    startWorkerNurseriesAt(WORKER_YOUNG_GENERATION_MB);
    const worker = new Worker(this.entry, { workerData: this.limits, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    const entry: PoolWorker = { worker, pending: new Map(), counted: new Map() };
    worker.once('online', renewNurseryHold);
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'stopped') {
        die(reply.reason);
        void worker.terminate();
        return;
      }
      if (reply.type === 'total') {
        this.onTotal(reply.packed);
        for (const id of reply.ids) entry.counted.delete(id);
        if (reply.final) {
          // Its heap (a total's worth) is freed before the main thread builds the result.
          entry.retired = true;
          void worker.terminate();
          entry.finished?.();
        }
        return;
      }
      const job = entry.pending.get(reply.id);
      if (!job) return;
      entry.pending.delete(reply.id);
      this.wakeSlotWaiters();
      if (reply.type === 'failed') {
        job.reject(new Error(reply.error));
        return;
      }
      const { id, records, malformedRecords, accounts } = reply;
      entry.counted.set(id, job.location);
      job.resolve({ records, malformedRecords, accounts });
    });
    const die = (why: string) => {
      if (entry.death !== undefined || entry.retired) return;
      entry.death = why;
      for (const job of entry.pending.values()) job.reject(new Error(`${job.location}: the ingest worker reading it stopped (${why})`));
      entry.pending.clear();
      this.wakeSlotWaiters();
    };
    worker.on('error', (err) => die(err.message));
    worker.on('exit', (code) => die(`exit code ${code}`));
    return entry;
  }
}
