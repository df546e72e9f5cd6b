/** Retries a failing async step with exponential backoff, a bounded number of times. */

export interface RetryOptions {
  /** Attempts after the first. */
  retries: number;
  baseDelayMs: number;
  /** Injected so tests (and SIGTERM) control waiting. */
  sleep: (ms: number) => Promise<void>;
  /** Stop retrying (e.g. on SIGTERM): the last error is rethrown. */
  shouldStop?: () => boolean;
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

/** Delay before retry n (1-based): base, 2×base, 4×base, … */
export function backoffDelay(baseDelayMs: number, retry: number): number {
  return baseDelayMs * 2 ** (retry - 1);
}

/** Calls `attempt(1)`, then on failure `attempt(2)` after a delay, …; rethrows the last error. */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n > options.retries || options.shouldStop?.()) throw error;
      const delay = backoffDelay(options.baseDelayMs, n);
      options.onRetry?.(n, delay, error);
      await options.sleep(delay);
      if (options.shouldStop?.()) throw error;
    }
  }
}
