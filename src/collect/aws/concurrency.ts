/**
 * Bounded concurrency and polling with backoff for the live collectors.
 * Transport retries (Throttling, 5xx) are the SDK's own retry strategy,
 * configured in clients.ts; this module handles what the SDK cannot: many
 * independent calls at once, and jobs that complete asynchronously.
 */

/** Runs `fn` over `items` with at most `limit` in flight; results keep input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export interface PollOptions {
  /** Give up after this long (ms), measured from the first poll. */
  timeoutMs: number;
  /** First wait between polls (ms); doubles up to maxDelayMs. */
  initialDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export type PollResult<T> = { done: true; value: T; polls: number } | { done: false; last: T | undefined; polls: number };

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `poll` until `isDone` says the value is final or the time runs out.
 * Timing out is a result, not an exception: the caller records it as a
 * coverage gap. Errors from `poll` propagate.
 */
export async function pollUntil<T>(poll: () => Promise<T>, isDone: (value: T) => boolean, options: PollOptions): Promise<PollResult<T>> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const deadline = now() + options.timeoutMs;
  let delay = options.initialDelayMs;
  let polls = 0;
  let last: T | undefined;
  for (;;) {
    last = await poll();
    polls++;
    if (isDone(last)) return { done: true, value: last, polls };
    const remaining = deadline - now();
    if (remaining <= 0) return { done: false, last, polls };
    // Jitter spreads many pollers so they do not hit the API in step.
    await wait(Math.min(remaining, delay * (0.75 + Math.random() * 0.5)));
    delay = Math.min(options.maxDelayMs, delay * 2);
  }
}
