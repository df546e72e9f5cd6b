/**
 * Retries for quota (429 / RESOURCE_EXHAUSTED) and availability (503 /
 * UNAVAILABLE) errors, with capped exponential backoff. gaxios errors carry
 * an HTTP `status`, gax errors a gRPC `code`; both are read here so every
 * GCP call retries the same way.
 */
export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const RETRYABLE_HTTP = new Set([429, 500, 502, 503, 504]);
/** gRPC: RESOURCE_EXHAUSTED, UNAVAILABLE, DEADLINE_EXCEEDED. */
const RETRYABLE_GRPC = new Set([8, 14, 4]);

export function httpStatusOf(error: unknown): number | undefined {
  const e = error as { status?: unknown; response?: { status?: unknown }; code?: unknown };
  const status = e?.response?.status ?? e?.status ?? (typeof e?.code === 'number' && e.code >= 100 ? e.code : undefined);
  return typeof status === 'number' ? status : undefined;
}

export function grpcCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' && code < 100 ? code : undefined;
}

export function isRetryable(error: unknown): boolean {
  const status = httpStatusOf(error);
  const code = grpcCodeOf(error);
  return (status !== undefined && RETRYABLE_HTTP.has(status)) || (code !== undefined && RETRYABLE_GRPC.has(code));
}

/** PERMISSION_DENIED (403 / code 7) or NOT_FOUND hiding a forbidden resource: a coverage gap for that scope. */
export function isPermissionDenied(error: unknown): boolean {
  return httpStatusOf(error) === 403 || grpcCodeOf(error) === 7;
}

export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await sleep(Math.min(base * 2 ** (attempt - 1), 30_000) * (0.5 + Math.random() / 2));
    }
  }
}
