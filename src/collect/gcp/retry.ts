/**
 * Retries for quota (429 / RESOURCE_EXHAUSTED) and availability (503 /
 * UNAVAILABLE) errors, attempts that got no answer within the request
 * timeout, and dropped connections, with capped exponential backoff: the one
 * retry loop of every GCP call (the clients' own retries are off), so the
 * attempts per call are bounded and known. gaxios errors carry an HTTP
 * `status`, gax errors a gRPC `code`, network failures a Node `code` on the
 * error or its cause; all are read here so every GCP call retries the same way.
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

/** Node and undici codes of a connection that was dropped or never made: worth another attempt. */
const DROPPED = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** The error and its causes (the clients wrap network errors once or twice). */
function* causes(error: unknown): Generator<{ name?: unknown; code?: unknown }> {
  let e = error as { name?: unknown; code?: unknown; cause?: unknown } | undefined;
  for (let i = 0; i < 5 && e && typeof e === 'object'; i++, e = e.cause as typeof e) yield e;
}

/** No answer within the request timeout: the transporter aborted the attempt (nothing else aborts these requests). */
export function isTimeout(error: unknown): boolean {
  return [...causes(error)].some((e) => e.name === 'AbortError' || e.name === 'TimeoutError');
}

/** The Node error code of a dropped connection, if that is what happened. */
export function droppedConnection(error: unknown): string | undefined {
  return [...causes(error)].map((e) => e.code).find((code): code is string => typeof code === 'string' && DROPPED.has(code));
}

export function isRetryable(error: unknown): boolean {
  const status = httpStatusOf(error);
  const code = grpcCodeOf(error);
  return (status !== undefined && RETRYABLE_HTTP.has(status)) || (code !== undefined && RETRYABLE_GRPC.has(code)) || isTimeout(error) || droppedConnection(error) !== undefined;
}

/** Why a call failed, in one line for a coverage gap: timeouts and dropped connections in words (their own messages say "aborted" or quote a URL). */
export function failureReason(error: unknown): string {
  if (error instanceof RetriesExhaustedError) return error.message;
  if (isTimeout(error)) return 'no answer within the request timeout (gcp.live.requestTimeoutSeconds)';
  const dropped = droppedConnection(error);
  if (dropped) return `the connection was dropped (${dropped})`;
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
}

/** Thrown when every attempt of a call failed with a retryable error; `cause` is the last one. */
export class RetriesExhaustedError extends Error {
  override name = 'RetriesExhaustedError';
  constructor(
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`${failureReason(cause)} (${attempts} attempts)`, { cause });
  }
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
      if (!isRetryable(error)) throw error;
      if (attempt >= attempts) throw attempts > 1 ? new RetriesExhaustedError(attempt, error) : error;
      await sleep(Math.min(base * 2 ** (attempt - 1), 30_000) * (0.5 + Math.random() / 2));
    }
  }
}
