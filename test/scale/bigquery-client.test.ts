/**
 * The BigQuery flow with the real @google-cloud/bigquery client over HTTP
 * against a local BigQuery REST server, which answers the received SQL by
 * running it on DuckDB over audit-log entries in the sink's schema: dry
 * run, job, poll, pages, store; and a failed job, one that never finishes,
 * rate limiting, the cost guard.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { windowEndingAt } from '../../src/analyse/window.js';
import { aggregateAuditLogs } from '../../src/collect/files/gcp/audit-logs.js';
import type { GcpAuditLogEntryWire } from '../../src/model/gcp-wire.js';
import { AUDIT_LOG_ROW_COLUMNS, duckDbAuditLogPrelude, duckDbAuditLogSql } from '../../src/scale/bigquery-sql.js';
import { bigQueryClient, loadAuditLogsFromBigQuery, type BigQueryLoadOptions } from '../../src/scale/bigquery.js';
import { mergeUsage, mergeUserAgents } from '../../src/scale/cloudtrail-rows.js';
import { GIB } from '../../src/scale/plan.js';
import { openStore, type Store } from '../../src/store/index.js';
import { ACME_AS_OF, acmeGcp } from '../helpers/acme-gcp.js';
import { variedAuditEntries, writeSinkRows } from '../helpers/audit-log-sink.js';
import { openDuckDb, type DuckDb } from '../helpers/duckdb.js';
import { auditLogEntries } from '../helpers/gcp-org.js';
import { startBigQueryServer, type BigQueryAnswer, type BigQueryServerOptions, type BigQueryTestServer } from '../servers/gcp/bigquery-server.js';

const DATASET = { project: 'acme-logging', dataset: 'audit_logs', layout: 'sharded' as const };
const NOW = ACME_AS_OF;
const WINDOW = windowEndingAt(NOW, 90);

let tmp: string;
let db: DuckDb;
let entries: GcpAuditLogEntryWire[];
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-bigquery-client-'));
  db = await openDuckDb();
  entries = [
    ...acmeGcp.projects.flatMap((p) => auditLogEntries(p, ACME_AS_OF)),
    ...variedAuditEntries('acme-payments-prod', '2026-11-10'),
    ...variedAuditEntries('acme-data-staging', '2026-11-14'),
  ];
  for (const statement of duckDbAuditLogPrelude([writeSinkRows(path.join(tmp, 'sink.json'), entries)], 'sharded')) await db.run(statement);
});
afterAll(() => {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function duckDbAnswer(sql: string): Promise<BigQueryAnswer> {
  const rows = await db.rows(duckDbAuditLogSql(sql));
  const fields = AUDIT_LOG_ROW_COLUMNS.map((name) => ({ name, type: ['granted', 'denied', 'entries', 'last_seen_us'].includes(name) ? ('INT64' as const) : ('STRING' as const) }));
  return { fields, rows: rows.map((r) => AUDIT_LOG_ROW_COLUMNS.map((c) => r[c] ?? null)) };
}

let server: BigQueryTestServer;
let store: Store;
const progress: string[] = [];
async function start(options: BigQueryServerOptions = {}) {
  server = await startBigQueryServer({ answer: duckDbAnswer, maxPageSize: 4, ...options });
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'test' });
  return bigQueryClient({ projectId: 'acme-audit-jobs', endpoint: server.endpoint, authClient, maxRetries: 2 });
}
beforeEach(() => {
  store = openStore(':memory:');
  progress.length = 0;
});
afterEach(async () => {
  store.close();
  await server?.close();
});

const options = (over: Partial<BigQueryLoadOptions> = {}): BigQueryLoadOptions => ({
  dataset: DATASET,
  maxBilledBytes: 10 * GIB,
  poll: { timeoutMs: 2000, initialDelayMs: 5, maxDelayMs: 40 },
  pageSize: 100,
  window: WINDOW,
  now: NOW,
  onProgress: (line) => progress.push(line),
  ...over,
});

const storedUsage = () => mergeUsage(store.usageDays(WINDOW));

describe('BigQuery mode against a local BigQuery server', () => {
  it('dry-runs, runs the job with its byte limit, polls, reads every page and stores the local reader rows', async () => {
    const client = await start({ script: () => ({ states: ['PENDING', 'RUNNING', 'DONE'], bytes: 3 * GIB }) });
    const report = await loadAuditLogsFromBigQuery(client, store, options());
    expect(report.coverage.filter((c) => c.status !== 'ok')).toEqual([]);
    const local = mergeUsage(aggregateAuditLogs(entries).usage);
    expect(mergeUsage(report.load!.usage)).toEqual(local);
    expect(server.dryRuns).toHaveLength(1);
    expect(server.jobs).toHaveLength(1);
    expect(server.jobs[0]!.configuration).toMatchObject({ query: { useLegacySql: false, maximumBytesBilled: String(10 * GIB) }, labels: { tool: 'keywarden' } });
    expect(server.jobs[0]!.sql).toContain('FROM `acme-logging.audit_logs.cloudaudit_googleapis_com_*`');
    expect(server.calls.filter((c) => c.path.endsWith(`/jobs/${server.jobs[0]!.id}`))).toHaveLength(3);
    // Four rows a page: every page read by its token.
    const pages = server.calls.filter((c) => c.path.includes('/queries/'));
    expect(pages.length).toBe(Math.ceil(report.rows! / 4));
    expect(pages.slice(1).every((p, i) => p.query.pageToken === String((i + 1) * 4))).toBe(true);
    expect(report.bytesScanned).toBe(3 * GIB);
    expect(progress[0]).toMatch(/^bigquery: aggregating audit logs of 2026-08-18\.\.2026-11-15/);

    store.writeQueryLoad(report.load!);
    expect(storedUsage()).toEqual(local);
    expect(mergeUserAgents(store.userAgents())).toEqual(mergeUserAgents(aggregateAuditLogs(entries).userAgents).map((a) => ({ ...a, lastSeen: new Date(a.lastSeen).toISOString() })));
    expect(report.coverage.map((c) => c.scope)).toEqual(expect.arrayContaining(['gcp:acme-payments-prod', 'gcp:acme-data-staging', 'gcp:folders/500000000001']));
  });

  it('queries only the open days again, and counts nothing twice', async () => {
    const client = await start();
    store.writeQueryLoad((await loadAuditLogsFromBigQuery(client, store, options())).load!);
    const again = await loadAuditLogsFromBigQuery(client, store, options());
    expect(again.plan.days.map((d) => d.day)).toEqual(['2026-11-14', '2026-11-15']);
    expect(server.jobs[1]!.sql).toContain("_TABLE_SUFFIX BETWEEN 'activity_20261114' AND 'activity_20261115'");
    store.writeQueryLoad(again.load!);
    expect(storedUsage()).toEqual(mergeUsage(aggregateAuditLogs(entries).usage));
  });

  it('leaves days a local audit-log read counted to it', async () => {
    const client = await start();
    const raw = (store as unknown as { db: import('better-sqlite3').Database }).db;
    raw.prepare("INSERT INTO gcp_audit_log_cursors (project_id, last_timestamp, insert_ids, scan_id) VALUES ('acme-payments-prod', '2026-11-10T12:00:00.000Z', '[]', NULL)").run();
    const report = await loadAuditLogsFromBigQuery(client, store, options());
    expect(server.jobs[0]!.sql).toContain("AND NOT (scope = 'projects/acme-payments-prod' AND ((entry_time >= CAST('2026-08-18' AS TIMESTAMP) AND entry_time < CAST('2026-11-11' AS TIMESTAMP))))");
    const kept = entries.filter((e) => !(e.logName!.startsWith('projects/acme-payments-prod/') && e.timestamp! < '2026-11-11'));
    expect(mergeUsage(report.load!.usage)).toEqual(mergeUsage(aggregateAuditLogs(kept).usage));
  });

  it('reports a failed job as a gap with its reason, storing nothing', async () => {
    const client = await start({ script: () => ({ states: ['RUNNING', 'DONE'], error: { reason: 'invalidQuery', message: 'Unrecognized name: protopayload_auditlog at [7:5]' } }) });
    const report = await loadAuditLogsFromBigQuery(client, store, options());
    expect(report.load).toBeUndefined();
    expect(report.coverage).toEqual([
      expect.objectContaining({
        status: 'gap',
        source: 'bigquery',
        reason: expect.stringMatching(/^bigquery:acme-logging\.audit_logs: BigQuery job \S+ failed: invalidQuery: Unrecognized name: protopayload_auditlog at \[7:5\]; audit-log usage of 2026-08-18\.\.2026-11-15 was not loaded, those days stay unknown$/),
      }),
    ]);
  });

  it('cancels a job that never finishes and reports the timeout as a gap', async () => {
    const client = await start({ script: () => ({ states: ['PENDING', 'RUNNING'] }) });
    const report = await loadAuditLogsFromBigQuery(client, store, options({ poll: { timeoutMs: 300, initialDelayMs: 5, maxDelayMs: 40 } }));
    expect(report.load).toBeUndefined();
    expect(report.coverage[0]!.reason).toMatch(/BigQuery job \S+ was still RUNNING after 0 s and was cancelled \(bigquery\.queryTimeoutSeconds\)/);
    expect(server.calls.filter((c) => c.path.endsWith('/cancel'))).toHaveLength(1);
    expect(server.jobs[0]!.cancelled).toBe(true);
  });

  it('rides out rate limiting and backend errors (the client retries)', async () => {
    const client = await start({
      transient: [
        { match: /^GET \/bigquery\/v2\/projects\/[^/]+\/jobs\//, status: 503, times: 1 },
        { match: /^GET \/bigquery\/v2\/projects\/[^/]+\/queries\//, status: 429, times: 1 },
      ],
    });
    // The client waits a second or more before a retry: room for it in the poll's time.
    const report = await loadAuditLogsFromBigQuery(client, store, options({ poll: { timeoutMs: 20_000, initialDelayMs: 5, maxDelayMs: 40 } }));
    expect(mergeUsage(report.load!.usage)).toEqual(mergeUsage(aggregateAuditLogs(entries).usage));
    expect(server.calls.filter((c) => c.status === 429 || c.status === 503)).toHaveLength(2);
  }, 30_000);

  it('does not run a query whose dry run says it would process more than the maximum', async () => {
    const client = await start({ script: () => ({ states: ['DONE'], bytes: 12 * GIB }) });
    const report = await loadAuditLogsFromBigQuery(client, store, options({ maxBilledBytes: 5 * GIB }));
    expect(report.load).toBeUndefined();
    expect(report.coverage[0]!.reason).toMatch(/the BigQuery query would process 12\.0 GB \(dry run\), above the maximum of 5\.00 GB \(bigquery\.maxBilledGb, --max-billed-gb\); it was not run/);
    expect(server.dryRuns).toHaveLength(1);
    expect(server.jobs).toHaveLength(0);
  });

  it("reports BigQuery's own refusal when the job would bill more than its maximum", async () => {
    const client = await start({ script: () => ({ states: ['DONE'], bytes: 1, error: { reason: 'bytesBilledLimitExceeded', message: 'Query exceeded limit for bytes billed: 5368709120. 6442450944 or higher required.' } }) });
    const report = await loadAuditLogsFromBigQuery(client, store, options({ maxBilledBytes: 5 * GIB }));
    expect(report.coverage[0]!.reason).toMatch(/BigQuery job \S+ was refused by its maximum of 5\.00 GB billed \(bytesBilledLimitExceeded: Query exceeded limit for bytes billed/);
  });
});
