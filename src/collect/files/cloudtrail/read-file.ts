/**
 * Streams one CloudTrail file (gzip or plain JSON) through the record reader,
 * hashing the stored bytes on the way so the digest costs no second read.
 * Compression is detected from the gzip magic bytes, not the file name:
 * downloads sometimes arrive decompressed under a `.gz` name.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { CloudTrailParseError, CloudTrailRecordReader, type CloudTrailRecordReaderOptions } from './record-reader.js';
import type { CloudTrailRecordFields } from './record-fields.js';

export interface CloudTrailFileRead {
  /** sha256 (hex) of the file's bytes as stored. */
  digest: string;
  records: number;
  /** Bytes on disk. */
  storedBytes: number;
  gzip: boolean;
}

/** A file that could not be read to the end; `message` names the file and the problem. */
export class CloudTrailFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'CloudTrailFileError';
  }
}

/** What to decode and how to hand records over (see CloudTrailRecordReaderOptions). */
type ReadOptions = Pick<CloudTrailRecordReaderOptions, 'fields' | 'reuse'>;

const READ_CHUNK = 1 << 20;
const GUNZIP_CHUNK = 256 << 10;

async function startsWithGzipMagic(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Reads every record of `file`, calling onRecord for each as it completes.
 * Throws CloudTrailFileError (unreadable, truncated/corrupt gzip, invalid
 * JSON) after possibly having emitted some records: callers that need
 * all-or-nothing should buffer per file and keep it only on success.
 */
export async function readCloudTrailFile(
  file: string,
  onRecord: (record: CloudTrailRecordFields) => void,
  options: ReadOptions = {},
): Promise<CloudTrailFileRead> {
  let gzip: boolean;
  try {
    gzip = await startsWithGzipMagic(file);
  } catch (err) {
    throw new CloudTrailFileError(file, `cannot read file (${(err as Error).message})`);
  }
  return readCloudTrailInput(createReadStream(file, { highWaterMark: READ_CHUNK }), file, gzip, onRecord, options);
}

/**
 * readCloudTrailFile for any byte stream (an S3 object body): compression is
 * told from the first chunk's magic bytes, the stream is never buffered whole.
 */
export async function readCloudTrailStream(
  input: Readable,
  source: string,
  onRecord: (record: CloudTrailRecordFields) => void,
  options: ReadOptions = {},
): Promise<CloudTrailFileRead> {
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: IteratorResult<Buffer>;
  try {
    first = await iterator.next();
  } catch (err) {
    throw new CloudTrailFileError(source, `cannot read object (${(err as Error).message})`);
  }
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  const rest = Readable.from(
    (async function* () {
      if (head.length) yield head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield Buffer.from(next.value);
    })(),
    { objectMode: false },
  );
  return readCloudTrailInput(rest, source, gzip, onRecord, options);
}

async function readCloudTrailInput(
  input: Readable,
  file: string,
  gzip: boolean,
  onRecord: (record: CloudTrailRecordFields) => void,
  options: ReadOptions,
): Promise<CloudTrailFileRead> {
  const hash = createHash('sha256');
  let storedBytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      hash.update(chunk);
      storedBytes += chunk.length;
      done(null, chunk);
    },
  });
  const reader = new CloudTrailRecordReader({ source: file, onRecord, ...options });
  // Kept aside: when the sink fails, pipeline may reject with the AbortError of a stream it tore down instead.
  let sinkError: unknown;
  const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
    try {
      for await (const chunk of source) reader.push(chunk);
      reader.end();
    } catch (err) {
      sinkError = err;
      throw err;
    }
  };
  try {
    if (gzip) await pipeline(input, hashing, createGunzip({ chunkSize: GUNZIP_CHUNK }), sink);
    else await pipeline(input, hashing, sink);
  } catch (err) {
    // The sink also sees the source's errors (its iterator rethrows them), so classify whichever came first.
    const e = (sinkError ?? err) as NodeJS.ErrnoException;
    // A parse error names the file already.
    if (e instanceof CloudTrailParseError) throw e;
    if (e.code === 'Z_BUF_ERROR' || e.code === 'Z_DATA_ERROR' || e.errno === -5 || e.errno === -3) {
      const what = e.code === 'Z_BUF_ERROR' ? 'truncated gzip' : 'corrupt gzip';
      throw new CloudTrailFileError(
        file,
        `${what} (${e.message}) after ${reader.bytes} decompressed bytes, ${reader.records} records`,
      );
    }
    // Anything else the sink threw is the record consumer's own failure.
    if (sinkError !== undefined) throw sinkError;
    if (typeof e.code === 'string' && e.code.startsWith('E')) throw new CloudTrailFileError(file, `cannot read file (${e.message})`);
    throw err;
  }
  return { digest: hash.digest('hex'), records: reader.records, storedBytes, gzip };
}
