/**
 * A local server speaking the BigQuery v2 REST API the @google-cloud/bigquery
 * client calls for a query: jobs.insert (with dryRun), jobs.get (a scripted
 * run of states), jobs.getQueryResults (pageToken pages, typed schema) and
 * jobs.cancel, with Google's JSON errors and the same bearer token and
 * transient-fault conventions as the other Google APIs' test server
 * (server.ts). What a query returns is the test's: canned rows, or the
 * received SQL run on DuckDB. Every request is recorded.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { STATUS_NAMES as GOOGLE_STATUS, type RecordedCall } from './server.js';
import { listenLocally, stopListening } from '../local-listener.js';

const STATUS_NAMES: Record<number, string> = { ...GOOGLE_STATUS, 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 500: 'INTERNAL' };

/** How a job runs: the state each jobs.get sees (the last entry repeats), and how it ends. */
export interface JobScript {
  states: ('PENDING' | 'RUNNING' | 'DONE')[];
  /** bytes a dry run estimates, and the finished job processed. */
  bytes?: number;
  /** The job ends with this error (errorResult), e.g. `{ reason: 'invalidQuery', message: 'Unrecognized name: x' }`. */
  error?: { reason: string; message: string };
}

export interface BigQueryAnswer {
  fields: { name: string; type: 'STRING' | 'INT64' }[];
  rows: (string | null)[][];
}

export interface BigQueryServerOptions {
  answer?: (sql: string) => BigQueryAnswer | Promise<BigQueryAnswer>;
  script?: (sql: string) => JobScript;
  /** Rows per page at most, whatever maxResults says. */
  maxPageSize?: number;
  /** The first `times` requests whose `METHOD path` matches fail with `status`. */
  transient?: { match: RegExp; status: 429 | 500 | 503; times: number }[];
}

export interface RecordedJob {
  id: string;
  sql: string;
  configuration: Record<string, unknown>;
  script: JobScript;
  polls: number;
  cancelled: boolean;
  answer?: BigQueryAnswer;
}

export interface BigQueryTestServer {
  endpoint: string;
  calls: (RecordedCall & { query: Record<string, string> })[];
  jobs: RecordedJob[];
  dryRuns: string[];
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

const REASONS: Record<number, string> = { 400: 'invalid', 404: 'notFound', 429: 'rateLimitExceeded', 500: 'backendError', 503: 'backendError' };

export async function startBigQueryServer(options: BigQueryServerOptions = {}): Promise<BigQueryTestServer> {
  const calls: BigQueryTestServer['calls'] = [];
  const jobs: RecordedJob[] = [];
  const dryRuns: string[] = [];
  const transient = (options.transient ?? []).map((t) => ({ ...t, left: t.times }));

  const jobResource = (project: string, job: RecordedJob) => {
    const at = Math.min(job.polls, job.script.states.length - 1);
    const state = job.cancelled ? 'DONE' : job.script.states[at]!;
    const error = job.cancelled ? { reason: 'stopped', message: 'Job execution was cancelled: User requested cancellation' } : state === 'DONE' ? job.script.error : undefined;
    const bytes = String(job.script.bytes ?? 0);
    return {
      kind: 'bigquery#job',
      id: `${project}:US.${job.id}`,
      jobReference: { projectId: project, jobId: job.id, location: 'US' },
      configuration: job.configuration,
      status: { state, ...(error ? { errorResult: error, errors: [error] } : {}) },
      statistics: { creationTime: '1763200000000', ...(state === 'DONE' && !error ? { totalBytesProcessed: bytes, query: { totalBytesProcessed: bytes, totalBytesBilled: bytes } } : {}) },
    };
  };

  async function route(method: string, url: URL, req: IncomingMessage): Promise<[number, unknown]> {
    let m: RegExpExecArray | null;
    if (method === 'POST' && (m = /^\/bigquery\/v2\/projects\/([^/]+)\/jobs$/.exec(url.pathname))) {
      const body = await bodyOf(req);
      const configuration = (body.configuration ?? {}) as { dryRun?: boolean; query?: { query?: string } };
      const sql = configuration.query?.query ?? '';
      const script = options.script?.(sql) ?? { states: ['RUNNING', 'DONE'], bytes: 1_000_000 };
      const reference = (body.jobReference ?? {}) as { jobId?: string };
      if (configuration.dryRun) {
        dryRuns.push(sql);
        return [200, { kind: 'bigquery#job', jobReference: { projectId: m[1], location: 'US' }, configuration, status: { state: 'DONE' }, statistics: { totalBytesProcessed: String(script.bytes ?? 0), query: { totalBytesProcessed: String(script.bytes ?? 0) } } }];
      }
      const job: RecordedJob = { id: reference.jobId ?? randomUUID(), sql, configuration: configuration as Record<string, unknown>, script, polls: 0, cancelled: false };
      jobs.push(job);
      return [200, { ...jobResource(m[1]!, job), status: { state: 'PENDING' } }];
    }
    if (method === 'GET' && (m = /^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)$/.exec(url.pathname))) {
      const job = jobs.find((j) => j.id === m![2]);
      if (!job) return [404, undefined];
      const resource = jobResource(m[1]!, job);
      job.polls++;
      return [200, resource];
    }
    if (method === 'POST' && (m = /^\/bigquery\/v2\/projects\/([^/]+)\/jobs\/([^/]+)\/cancel$/.exec(url.pathname))) {
      const job = jobs.find((j) => j.id === m![2]);
      if (!job) return [404, undefined];
      job.cancelled = true;
      return [200, { kind: 'bigquery#jobCancelResponse', job: jobResource(m[1]!, job) }];
    }
    if (method === 'GET' && (m = /^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(url.pathname))) {
      const job = jobs.find((j) => j.id === m![2]);
      if (!job) return [404, undefined];
      if (job.cancelled || job.script.error) return [400, { error: { code: 400, message: job.script.error?.message ?? 'Job was cancelled', errors: [{ reason: job.script.error?.reason ?? 'stopped', message: 'failed' }], status: 'INVALID_ARGUMENT' } }];
      job.answer ??= options.answer ? await options.answer(job.sql) : { fields: [], rows: [] };
      const { fields, rows } = job.answer;
      const start = Number(url.searchParams.get('pageToken') ?? 0);
      const size = Math.min(Number(url.searchParams.get('maxResults') ?? 100_000), options.maxPageSize ?? 100_000);
      const page = rows.slice(start, start + size);
      const next = start + size < rows.length ? String(start + size) : undefined;
      return [
        200,
        {
          kind: 'bigquery#getQueryResultsResponse',
          jobReference: { projectId: m[1], jobId: job.id, location: 'US' },
          schema: { fields: fields.map((f) => ({ ...f, mode: 'NULLABLE' })) },
          totalRows: String(rows.length),
          rows: page.map((r) => ({ f: r.map((v) => ({ v })) })),
          totalBytesProcessed: String(job.script.bytes ?? 0),
          jobComplete: true,
          cacheHit: false,
          ...(next ? { pageToken: next } : {}),
        },
      ];
    }
    return [404, undefined];
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const key = `${method} ${url.pathname}`;
    const send = (status: number, body: unknown) => {
      calls.push({ method, path: url.pathname, status, query: Object.fromEntries(url.searchParams) });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body ?? { error: { code: status, message: `${key} not found`, errors: [{ reason: REASONS[status] ?? 'unknown', message: `${key} not found` }], status: STATUS_NAMES[status] ?? 'UNKNOWN' } }));
    };
    const error = (status: number, message: string) => send(status, { error: { code: status, message, errors: [{ reason: REASONS[status] ?? 'unknown', message, domain: 'global' }], status: STATUS_NAMES[status] ?? 'UNKNOWN' } });
    (async () => {
      if (req.headers.authorization !== 'Bearer test') return error(401, 'missing or wrong bearer token');
      const t = transient.find((x) => x.left > 0 && x.match.test(key));
      if (t) {
        t.left--;
        return error(t.status, t.status === 429 ? 'Exceeded rate limits: too many api requests per user per method for this user_method' : 'Backend error');
      }
      const [status, body] = await route(method, url, req);
      return send(status, body);
    })().catch((e: unknown) => error(500, String(e)));
  });
  const { endpoint } = await listenLocally(server);
  return { endpoint, calls, jobs, dryRuns, close: () => stopListening(server) };
}
