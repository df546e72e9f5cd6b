/**
 * A local server speaking Athena's JSON 1.1 protocol (`X-Amz-Target:
 * AmazonAthena.<Operation>`, AWS JSON errors), for the real AthenaClient:
 * StartQueryExecution, GetQueryExecution (a scripted run of states and
 * bytes scanned per poll), GetQueryResults (NextToken pages, the header row
 * first, as Athena answers a SELECT) and StopQueryExecution. What a query
 * returns is the test's: canned rows, or the received SQL run on DuckDB.
 * Faults (throttling, 5xx, hangs) come from the IAM server's plumbing. Every
 * request is recorded.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Fault } from './account-model.js';
import { ApiError, FAULTS, NO_ANSWER } from './query-server.js';
import { listenLocally, stopListening } from '../local-listener.js';

type State = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** How one query runs: the state and the bytes scanned each GetQueryExecution sees (the last entry repeats). */
export interface QueryScript {
  states: State[];
  scanned?: number[];
  /** StateChangeReason of a FAILED or CANCELLED query. */
  reason?: string;
}

export interface QueryAnswer {
  columns: string[];
  rows: (string | null)[][];
}

export interface AthenaServerOptions {
  /** The result of a statement (called once, when its result is first read). */
  answer?: (sql: string) => QueryAnswer | Promise<QueryAnswer>;
  /** How a statement runs; default: RUNNING once, then SUCCEEDED, 1 MB scanned. */
  script?: (sql: string, index: number) => QueryScript;
  /** Rows per page at most, whatever MaxResults says (forces paging). */
  maxPageSize?: number;
  faults?: Omit<Fault, 'account'>[];
  /** Workgroups with no query result location of their own: a query there must name one, as on AWS. */
  workGroupsWithoutOutputLocation?: string[];
}

export interface AthenaRequest {
  action: string;
  params: Record<string, unknown>;
  status: number;
}

interface Execution {
  id: string;
  sql: string;
  script: QueryScript;
  polls: number;
  stopped: boolean;
  input: Record<string, unknown>;
  answer?: QueryAnswer;
}

export class FakeAthenaServer {
  readonly requests: AthenaRequest[] = [];
  readonly executions: Execution[] = [];
  private server: http.Server | undefined;
  private readonly faults: (Omit<Fault, 'account'> & { left: number })[];

  constructor(private readonly options: AthenaServerOptions = {}) {
    this.faults = (options.faults ?? []).map((f) => ({ ...f, left: f.times ?? Number.POSITIVE_INFINITY }));
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    return (await listenLocally(this.server)).endpoint;
  }

  stop(): Promise<void> {
    return stopListening(this.server);
  }

  calls(action: string): AthenaRequest[] {
    return this.requests.filter((r) => r.action === action);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.startsWith('AmazonAthena.') ? target.slice('AmazonAthena.'.length) : target;
    const params = (chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}) as Record<string, unknown>;
    const record: AthenaRequest = { action, params, status: 200 };
    this.requests.push(record);
    const send = (status: number, payload: unknown) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
      res.end(JSON.stringify(payload));
    };
    try {
      if (!/Credential=AKIA/.test(req.headers.authorization ?? '')) throw new ApiError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
      const fault = this.faults.find((f) => f.action === action && f.left > 0);
      if (fault) {
        fault.left--;
        if (fault.kind === 'Reset') res.socket?.destroy();
        if (fault.kind === 'Hang' || fault.kind === 'Reset') throw NO_ANSWER;
        const f = FAULTS[fault.kind];
        throw new ApiError(f.status, f.code, f.message);
      }
      send(200, await this.operation(action, params));
    } catch (err) {
      if (err === NO_ANSWER) return;
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalServerException', String(err));
      send(e.status, { __type: e.code, Message: e.message });
    }
  }

  private execution(params: Record<string, unknown>): Execution {
    const found = this.executions.find((e) => e.id === params.QueryExecutionId);
    if (!found) throw new ApiError(400, 'InvalidRequestException', `QueryExecution ${String(params.QueryExecutionId)} was not found`);
    return found;
  }

  private async operation(action: string, params: Record<string, unknown>): Promise<unknown> {
    switch (action) {
      case 'StartQueryExecution': {
        const location = (params.ResultConfiguration as { OutputLocation?: string } | undefined)?.OutputLocation;
        if (!location && this.options.workGroupsWithoutOutputLocation?.includes(String(params.WorkGroup ?? 'primary'))) {
          throw new ApiError(400, 'InvalidRequestException', 'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.');
        }
        const sql = String(params.QueryString ?? '');
        const script = this.options.script?.(sql, this.executions.length) ?? { states: ['RUNNING', 'SUCCEEDED'], scanned: [1_000_000] };
        const execution: Execution = { id: randomUUID(), sql, script, polls: 0, stopped: false, input: params };
        this.executions.push(execution);
        return { QueryExecutionId: execution.id };
      }
      case 'GetQueryExecution': {
        const e = this.execution(params);
        const at = Math.min(e.polls, e.script.states.length - 1);
        e.polls++;
        const state: State = e.stopped ? 'CANCELLED' : e.script.states[at]!;
        const scanned = e.script.scanned?.[Math.min(at, e.script.scanned.length - 1)] ?? 0;
        const reason = e.stopped ? 'Query cancelled by user' : state === 'FAILED' || state === 'CANCELLED' ? e.script.reason : undefined;
        return {
          QueryExecution: {
            QueryExecutionId: e.id,
            Query: e.sql,
            StatementType: /^\s*(CREATE|DROP|ALTER)/i.test(e.sql) ? 'DDL' : 'DML',
            QueryExecutionContext: e.input.QueryExecutionContext,
            WorkGroup: e.input.WorkGroup ?? 'primary',
            Status: { State: state, SubmissionDateTime: 1.7e9, ...(reason ? { StateChangeReason: reason } : {}), ...(state === 'FAILED' ? { AthenaError: { ErrorCategory: 2, ErrorType: 1000, ErrorMessage: reason } } : {}) },
            Statistics: { DataScannedInBytes: scanned, EngineExecutionTimeInMillis: 1200 },
          },
        };
      }
      case 'StopQueryExecution': {
        this.execution(params).stopped = true;
        return {};
      }
      case 'GetQueryResults': {
        const e = this.execution(params);
        if (e.stopped || e.script.states[e.script.states.length - 1] !== 'SUCCEEDED') throw new ApiError(400, 'InvalidRequestException', `Query has not yet finished. Current state: ${e.stopped ? 'CANCELLED' : 'RUNNING'}`);
        e.answer ??= this.options.answer ? await this.options.answer(e.sql) : { columns: [], rows: [] };
        const { columns, rows } = e.answer;
        // The header row, then the data rows: position 0 is the header.
        const all = [columns, ...rows];
        const start = Number(params.NextToken ?? 0);
        const size = Math.min(Number(params.MaxResults ?? 1000), this.options.maxPageSize ?? 1000);
        const page = all.slice(start, start + size);
        const next = start + size < all.length ? String(start + size) : undefined;
        return {
          ResultSet: {
            Rows: page.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })),
            ResultSetMetadata: { ColumnInfo: columns.map((c) => ({ CatalogName: 'hive', Name: c, Label: c, Type: 'varchar', Nullable: 'UNKNOWN' })) },
          },
          UpdateCount: 0,
          ...(next ? { NextToken: next } : {}),
        };
      }
      default:
        throw new ApiError(400, 'UnknownOperationException', `unknown operation ${action}`);
    }
  }
}
