/**
 * Inside a worker thread: reads the CloudTrail files (or object bytes) the
 * pool sends, one aggregate per file, reports each file's facts, and folds
 * the files the pool says to keep into one running total, posted at finish.
 * Failures are posted as messages naming the file, never thrown, so one bad
 * file cannot take the worker (and its other files) down.
 */
import { Readable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { loadCloudTrailActionMapper } from '../../../catalog/cloudtrail-actions.js';
import { CloudTrailAggregate } from './aggregate.js';
import { ingestCloudTrailFile } from './ingest.js';
import type { WorkerReply, WorkerRequest } from './worker-pool.js';

const port = parentPort;
if (!port) throw new Error('ingest-worker.ts runs only as a worker thread');
const mapper = await loadCloudTrailActionMapper();
// Strings repeat across a worker's files (ARNs, agents): one copy each.
const interned = new Map<string, string>();
const total = new CloudTrailAggregate(mapper, interned);
/** Read files awaiting the pool's keep/drop, by request id. */
const awaiting = new Map<number, CloudTrailAggregate>();

const reply = (message: WorkerReply) => port.postMessage(message);

port.on('message', (request: WorkerRequest) => {
  switch (request.type) {
    case 'read':
      void read(request.id, request.location, request.bytes).then(reply);
      return;
    case 'keep':
      total.merge(awaiting.get(request.id)!.data());
      awaiting.delete(request.id);
      return;
    case 'drop':
      awaiting.delete(request.id);
      return;
    case 'finish':
      reply({ type: 'total', data: total.data() });
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
