/**
 * V8's young generation ("nursery") on the threads of a collection.
 *
 * While a collection runs, the main thread only coordinates: it lists and
 * fetches objects, hands them to ingest workers and merges what they send
 * back. Loading modules (the CLI's own, then the AWS SDK) and reading IAM
 * keep most of what they allocate, and V8 answers a high survival rate by
 * doubling the nursery: to 16 MB semi-spaces (~30 MB touched), held for the
 * rest of the process. V8 reads --semi-space-growth-factor each time it would
 * grow a nursery, so 1 keeps a running isolate's nursery at its size.
 * Measured on `collect aws` (1M CloudTrail events from s3rver), alternated
 * runs: peak RSS 278-294 MB instead of 313-320 MB, at the same CPU. An audit
 * is another matter (10k principals: +7-26% CPU with the nursery held), so
 * the hold ends with the collection.
 *
 * The flag is process-wide, so an ingest worker started meanwhile would stay
 * at V8's initial nursery: workers are started at their full young
 * generation instead (startWorkerNurseriesAt, read when an isolate is made).
 */
import v8 from 'node:v8';

/** V8's own default growth factor (a user's --semi-space-growth-factor is not readable, so not restored). */
const DEFAULT_GROWTH_FACTOR = 2;
let holders = 0;

function hold(setFlag: boolean): () => void {
  if (holders++ === 0 && setFlag) v8.setFlagsFromString('--semi-space-growth-factor=1');
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) v8.setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
  };
}

/** Runs `work` with nurseries held at their size; nested and overlapping holds end together. */
export async function withNurseryHeld<T>(work: () => Promise<T>): Promise<T> {
  const release = hold(true);
  try {
    return await work();
  } finally {
    release();
  }
}

/**
 * Takes over a hold the process started with (bin/keywarden.js sets the flag
 * before the CLI's modules load); the returned function ends it, once.
 */
export function adoptNurseryHold(): () => void {
  return hold(false);
}

/**
 * Starting a worker thread puts the growth factor back to 2: V8 raises it
 * to at least 2 when it sets up an isolate's heap (measured on Node 20: the
 * main thread's nursery grew to 16 MB semi-spaces again once the ingest
 * workers were up). The pool calls this once each worker is online; a
 * scavenge on this thread while a worker starts may still grow it once.
 */
export function renewNurseryHold(): void {
  if (holders > 0) v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * Isolates made from now on (worker threads) start with semi-spaces of
 * `youngGenerationMb` / 3 (V8's young generation is two semi-spaces and a
 * large-object space of the same size): a worker with that young generation
 * as its limit starts at it instead of growing to it.
 */
export function startWorkerNurseriesAt(youngGenerationMb: number): void {
  v8.setFlagsFromString(`--min-semi-space-size=${Math.max(1, Math.floor(youngGenerationMb / 3))}`);
}
