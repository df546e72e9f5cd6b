/**
 * Inside a worker thread: reads the CloudTrail files (or object bytes) the
 * pool sends, one aggregate per file, reports each file's facts, and folds
 * the files the pool says to keep into a running total it hands over every
 * few files and at finish.
 * Failures are posted as messages naming the file, never thrown, so one bad
 * file cannot take the worker (and its other files) down.
 */
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { loadCloudTrailActionMapper } from '../../../catalog/cloudtrail-actions.js';
import { CloudTrailAggregate } from './aggregate.js';
import { ingestCloudTrailFile } from './ingest.js';
import type { IngestWorkerData, WorkerReply, WorkerRequest } from './worker-pool.js';

const port = parentPort;
if (!port) throw new Error('ingest-worker.ts runs only as a worker thread');
const { maxEntriesBeforeHandover } = workerData as IngestWorkerData;
const mapper = await loadCloudTrailActionMapper();
// Strings repeat across files (ARNs, agents): one copy each within a total.
const interned = new Map<string, string>();
let total = new CloudTrailAggregate(mapper, interned);
/** Request ids of the kept files folded into `total` since the last handover. */
let inTotal: number[] = [];
/** Read files awaiting the pool's keep/drop, by request id. */
const awaiting = new Map<number, CloudTrailAggregate>();

const reply = (message: WorkerReply) => port.postMessage(message);

/** Hands the running total to the pool and starts a new one, so a worker's memory stays bounded whatever the input. */
function handOver(final: boolean): void {
  reply({ type: 'total', data: total.data(), ids: inTotal, final });
  total = new CloudTrailAggregate(mapper, interned);
  inTotal = [];
  // Interning pays off within a total; a fresh total starts a fresh table.
  interned.clear();
}

port.on('message', (request: WorkerRequest) => {
  switch (request.type) {
    case 'read':
      void read(request.id, request.location, request.bytes).then(reply);
      return;
    case 'keep':
      total.merge(awaiting.get(request.id)!.data());
      awaiting.delete(request.id);
      inTotal.push(request.id);
      if (total.entries >= maxEntriesBeforeHandover) handOver(false);
      return;
    case 'drop':
      awaiting.delete(request.id);
      return;
    case 'finish':
      handOver(true);
      return;
  }
});

async function read(id: number, location: string, bytes: Uint8Array | undefined): Promise<WorkerReply> {
  try {
    const source =
      bytes === undefined
        ? location
        : { location, open: async () => Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]) };
    const result = await ingestCloudTrailFile(source, mapper, interned);
    awaiting.set(id, result.aggregate);
    const accounts = [...new Set([...result.aggregate.days.values()].map((d) => d.accountId))];
    return { type: 'read', id, digest: result.digest, records: result.records, stats: result.aggregate.stats, accounts };
  } catch (err) {
    return { type: 'failed', id, error: err instanceof Error ? err.message : String(err) };
  }
}
