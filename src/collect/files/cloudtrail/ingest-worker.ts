/**
 * Inside a worker thread: counts the CloudTrail files the pool sends (their
 * stored bytes, already judged to count) straight into a running total, and
 * hands the total over when it reaches a size and at finish.
 *
 * A file is decompressed whole before any of it is counted, so a truncated
 * or corrupt gzip never touches the total. Invalid JSON is only found while
 * parsing, possibly after some records were counted: the total is then
 * rebuilt from the other files in it (local files read again and checked
 * against their digest; objects from their bytes, kept until handover for
 * this and only this).
 * Failures are posted as messages naming the file, never thrown, so one bad
 * file cannot take the worker (and its other files) down.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import { loadCloudTrailActionMapper } from '../../../catalog/cloudtrail-actions.js';
import { AGGREGATE_FIELDS, CloudTrailAggregate } from './aggregate.js';
import { ingestCloudTrailFile } from './ingest.js';
import { packedBuffers } from './packed-aggregate.js';
import { CloudTrailRecordReader } from './record-reader.js';
import type { CountedFile, IngestWorkerData, WorkerReply, WorkerRequest } from './worker-pool.js';

const port = parentPort;
if (!port) throw new Error('ingest-worker.ts runs only as a worker thread');
const { maxEntriesBeforeHandover, maxRetainedBytesBeforeHandover } = workerData as IngestWorkerData;
const mapper = await loadCloudTrailActionMapper();
// Strings repeat across files (ARNs, agents): one copy each within a total.
const interned = new Map<string, string>();
let total = new CloudTrailAggregate(mapper, interned);

/** A file sent to count: its stored bytes (until counted, for a local file). */
interface Input {
  id: number;
  location: string;
  digest: string;
  /** A local file: read again when needed, rather than kept. */
  local: boolean;
  bytes: Buffer | undefined;
}
/** The files counted into `total` since the last handover (to rebuild it without one). */
let inTotal: Input[] = [];
let retainedBytes = 0;
/** Files waiting their turn. */
const queue: Input[] = [];
let draining = false;
let finishing = false;
/** Why the total could not be rebuilt, once it could not: then nothing more is counted or handed over. */
let stopped: string | undefined;

const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on('message', (request: WorkerRequest) => {
  if (stopped) return;
  if (request.type === 'finish') finishing = true;
  else {
    const { id, location, digest, local, pieces } = request;
    const bytes = pieces.length === 1 ? Buffer.from(pieces[0]!.buffer, pieces[0]!.byteOffset, pieces[0]!.byteLength) : Buffer.concat(pieces);
    queue.push({ id, location, digest, local, bytes });
  }
  void drain();
});

/** Counts queued files one at a time (a failed file must be taken out before the next goes in). */
async function drain(): Promise<void> {
  if (draining) return;
  draining = true;
  try {
    for (let input = queue.shift(); input !== undefined && !stopped; input = queue.shift()) reply(await countFile(input));
    // On the same port as the replies, so it arrives after the failed file's own.
    if (stopped) reply({ type: 'stopped', reason: stopped });
    else if (finishing) handOver(true);
  } finally {
    draining = false;
  }
}

async function countFile(input: Input): Promise<WorkerReply> {
  try {
    const counted = await countInto(input);
    inTotal.push(input);
    if (input.local) input.bytes = undefined;
    else retainedBytes += input.bytes!.length;
    if (!stopped && (total.entries >= maxEntriesBeforeHandover || retainedBytes >= maxRetainedBytesBeforeHandover)) handOver(false);
    return { type: 'counted', id: input.id, ...counted };
  } catch (err) {
    return { type: 'failed', id: input.id, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Hands the running total to the pool and starts a new one, so a worker's memory stays bounded whatever the input. */
function handOver(final: boolean): void {
  const packed = total.pack();
  reply({ type: 'total', packed, ids: inTotal.map((i) => i.id), final }, packedBuffers(packed));
  total = new CloudTrailAggregate(mapper, interned);
  inTotal = [];
  retainedBytes = 0;
  // Interning pays off within a total; a fresh total starts a fresh table.
  interned.clear();
}

/** Largest decompressed file held whole; anything larger streams through its own aggregate. */
const MAX_WHOLE_JSON_BYTES = 256 << 20;
/** gzip's own size field is believed up to this ratio (JSON compresses ~7x); beyond it output grows by chunks. */
const MAX_BELIEVED_RATIO = 64;

/**
 * The file's JSON, or undefined when it is not there to have whole (corrupt
 * or truncated gzip, or too large). Decompressed here, synchronously: both
 * cores already run a worker, and handing each file to the thread pool and
 * back cost more than it overlapped (~10% of the run's CPU, measured). A
 * single-member gzip (CloudTrail's) ends with its size, so the output is one
 * buffer of exactly that size, never joined from pieces.
 */
function decompressed(bytes: Buffer): Buffer | undefined {
  if (!(bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b)) return bytes;
  const stated = bytes.length >= 18 ? bytes.readUInt32LE(bytes.length - 4) : 0;
  const chunkSize = stated > 0 && stated <= bytes.length * MAX_BELIEVED_RATIO && stated < MAX_WHOLE_JSON_BYTES ? stated + 1 : 1 << 20;
  try {
    return gunzipSync(bytes, { chunkSize: Math.max(chunkSize, 64 << 10), maxOutputLength: MAX_WHOLE_JSON_BYTES });
  } catch {
    return undefined;
  }
}

/** Counts one file into `total`; on failure the total is as if the file had never been sent. */
async function countInto(input: Input): Promise<CountedFile> {
  const bytes = input.bytes ?? (await readAgain(input));
  const json = decompressed(bytes);
  // The streamed reader says exactly what is wrong with a damaged gzip, in its own aggregate.
  if (json === undefined) return countStreamed(input, bytes);
  const before = total.stats.malformedRecords;
  total.beginFile();
  let touched = false;
  const reader = new CloudTrailRecordReader({
    source: input.location,
    fields: AGGREGATE_FIELDS,
    reuse: true,
    onRecord: (record) => {
      touched = true;
      total.add(record);
    },
  });
  try {
    reader.push(json);
    reader.end();
  } catch (err) {
    // A file that breaks before its first record (empty, not CloudTrail's) left the total as it was.
    if (touched) {
      await rebuildWithout(input);
      // Handed over at once, so a next broken file recounts only the files after this one, not all again.
      if (!stopped) handOver(false);
    }
    throw err;
  }
  return { records: reader.records, malformedRecords: total.stats.malformedRecords - before, accounts: total.accountsOfFile() };
}

/** A local file counted before, read again to recount it: it must still be the same bytes. */
async function readAgain(input: Input): Promise<Buffer> {
  const bytes = await readFile(input.location);
  if (createHash('sha256').update(bytes).digest('hex') !== input.digest) throw new Error(`${input.location} changed while it was being ingested`);
  return bytes;
}

async function countStreamed(input: Input, bytes: Buffer): Promise<CountedFile> {
  const source = { location: input.location, open: async () => Readable.from([bytes]) };
  const { records, aggregate } = await ingestCloudTrailFile(source, mapper, interned);
  total.merge(aggregate);
  return { records, malformedRecords: aggregate.stats.malformedRecords, accounts: aggregate.accountsOfFile() };
}

/** Counts the other files of the total again, into a fresh one: the failed file's records are not in it. */
async function rebuildWithout(failed: Input): Promise<void> {
  total = new CloudTrailAggregate(mapper, interned);
  try {
    // The same bytes that were counted before (kept, or a local file read again and checked): they count the same way.
    for (const input of inTotal) if (input !== failed) await countInto(input);
  } catch (err) {
    // Only a local file changed or removed meanwhile (or a bug): this worker's counts are unknown,
    // so it hands nothing over and stops; the pool reports every file it had not handed over as lost.
    stopped = `recounting after ${failed.location} failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
