/**
 * The Athena flow with the real AthenaClient over HTTP against a local
 * server speaking Athena's protocol, which answers the received SQL by
 * running it on DuckDB over the bundled sample's CloudTrail files: start,
 * poll with backoff, page through results, store; and what goes wrong:
 * a FAILED query, one that never finishes, throttling, the cost guard.
 */
import path from 'node:path';
import type { AthenaClient } from '@aws-sdk/client-athena';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsClientFactory } from '../../src/collect/aws/clients.js';
import { loadCloudTrailActionMapper, type CloudTrailActionMapper } from '../../src/catalog/cloudtrail-actions.js';
import { discoverCloudTrailFiles, ingestCloudTrailFiles, type CloudTrailIngestResult } from '../../src/collect/files/cloudtrail/index.js';
import { CLOUDTRAIL_ROW_COLUMNS, duckDbCloudTrailPrelude } from '../../src/scale/athena-sql.js';
import { ensureCloudTrailTable, loadCloudTrailFromAthena, type AthenaLoadOptions } from '../../src/scale/athena.js';
import { mergeUsage } from '../../src/scale/cloudtrail-rows.js';
import { GIB } from '../../src/scale/plan.js';
import { openStore, type Store } from '../../src/store/index.js';
import { FakeAthenaServer, type AthenaServerOptions, type QueryAnswer } from '../servers/aws/athena-server.js';
import { openDuckDb, type DuckDb } from '../helpers/duckdb.js';
import { projectRoot } from '../helpers/fixtures.js';
import { windowEndingAt } from '../../src/analyse/window.js';

const TABLE = { database: 'keywarden', table: 'cloudtrail' };
const NOW = new Date('2026-11-15T12:00:00Z');
const WINDOW = windowEndingAt(NOW, 90);

let db: DuckDb;
let mapper: CloudTrailActionMapper;
let local: CloudTrailIngestResult;
beforeAll(async () => {
  db = await openDuckDb();
  mapper = await loadCloudTrailActionMapper();
  const files = await discoverCloudTrailFiles(path.join(projectRoot, 'samples/acme/cloudtrail'));
  local = await ingestCloudTrailFiles(files, { mapper });
  for (const statement of duckDbCloudTrailPrelude(TABLE, files)) await db.run(statement);
});
afterAll(() => db.close());

/** The server's answer to a SELECT: the SQL as received, run on DuckDB over the sample. */
async function duckDbAnswer(sql: string): Promise<QueryAnswer> {
  if (!sql.includes('GROUPING SETS')) return { columns: [], rows: [] };
  const rows = await db.rows(sql);
  return { columns: [...CLOUDTRAIL_ROW_COLUMNS], rows: rows.map((r) => CLOUDTRAIL_ROW_COLUMNS.map((c) => r[c] ?? null)) };
}

let server: FakeAthenaServer;
let client: AthenaClient;
let store: Store;
const progress: string[] = [];
async function start(options: AthenaServerOptions = {}) {
  server = new FakeAthenaServer({ answer: duckDbAnswer, maxPageSize: 25, ...options });
  const endpoint = await server.start();
  client = awsClientFactory({ region: 'us-east-1', maxAttempts: 4, endpoints: { athena: endpoint }, credentials: { accessKeyId: 'AKIAKEYWARDENTEST001', secretAccessKey: 'test-secret' } }).athena();
}
beforeEach(() => {
  store = openStore(':memory:');
  progress.length = 0;
});
afterEach(async () => {
  store.close();
  client?.destroy();
  await server?.stop();
});

const options = (over: Partial<AthenaLoadOptions> = {}): AthenaLoadOptions => ({
  table: TABLE,
  workGroup: 'keywarden',
  outputLocation: 's3://athena-results/keywarden/',
  maxScannedBytes: 10 * GIB,
  poll: { timeoutMs: 2000, initialDelayMs: 5, maxDelayMs: 40 },
  pageSize: 1000,
  window: WINDOW,
  now: NOW,
  mapper,
  onProgress: (line) => progress.push(line),
  ...over,
});

/** Stored usage as the local ingest reports it (its order; seconds, not milliseconds). */
const storedUsage = () => mergeUsage(store.usageDays(WINDOW).map((u) => ({ ...u, lastSeen: u.lastSeen.replace('.000Z', 'Z') })));

describe('Athena mode against a local Athena server', () => {
  it('starts the query, polls until it succeeds, reads every page and stores the local ingest rows', async () => {
    await start({ script: () => ({ states: ['QUEUED', 'RUNNING', 'RUNNING', 'SUCCEEDED'], scanned: [0, 1 * GIB, 2 * GIB, 3 * GIB] }) });
    const report = await loadCloudTrailFromAthena(client, store, options());
    expect(report.coverage.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(mergeUsage(report.load!.usage)).toEqual(local.usage);
    expect(report.stats).toMatchObject({ events: local.stats.events, attributed: local.stats.attributed, denied: local.stats.denied });
    expect(report.bytesScanned).toBe(3 * GIB);

    const [startCall] = server.calls('StartQueryExecution');
    expect(startCall!.params).toMatchObject({
      QueryExecutionContext: { Database: 'keywarden' },
      WorkGroup: 'keywarden',
      ResultConfiguration: { OutputLocation: 's3://athena-results/keywarden/' },
    });
    expect(startCall!.params.ClientRequestToken).toEqual(expect.any(String));
    expect(String(startCall!.params.QueryString)).toContain(`"timestamp" BETWEEN '${WINDOW.from.replaceAll('-', '/')}' AND '2026/11/15'`);
    expect(server.calls('GetQueryExecution')).toHaveLength(4);
    // 25 rows a page: the header row and every data row, page by page.
    const pages = server.calls('GetQueryResults');
    expect(pages.length).toBe(Math.ceil((report.rows! + 1) / 25));
    expect(pages.slice(1).every((p, i) => p.params.NextToken === String((i + 1) * 25))).toBe(true);
    expect(progress).toContain(`athena: query ${server.executions[0]!.id} SUCCEEDED, 3.00 GB scanned`);

    store.writeQueryLoad(report.load!);
    expect(storedUsage()).toEqual(local.usage);
    expect(store.cloudTrailDays(WINDOW).length).toBe(local.daysSeen.length);
    // The user agents each identity called with, for agent attribution, as the local ingest records them.
    const agents = (list: { identityArn: string; userAgent: string; count: number }[]) => list.map((a) => `${a.identityArn} ${a.count} ${a.userAgent}`).sort();
    expect(agents(store.userAgents())).toEqual(agents(local.userAgents.flatMap((u) => u.userAgents.map((a) => ({ identityArn: u.identityArn, ...a })))));
  });

  it('queries only the days still open on the next run, and counts nothing twice', async () => {
    await start();
    store.writeQueryLoad((await loadCloudTrailFromAthena(client, store, options())).load!);
    const again = await loadCloudTrailFromAthena(client, store, options());
    expect(again.plan.days.map((d) => d.day)).toEqual(['2026-11-14', '2026-11-15']);
    expect(again.plan.closedBefore).toHaveLength(88);
    expect(server.executions[1]!.sql).toContain(`"timestamp" BETWEEN '2026/11/14' AND '2026/11/15'`);
    store.writeQueryLoad(again.load!);
    expect(storedUsage()).toEqual(local.usage);
    // Two days later everything is closed and queried once more at most; a third run the same day queries nothing.
    const later = { now: new Date('2026-11-17T12:00:00Z'), window: windowEndingAt(new Date('2026-11-15T12:00:00Z'), 90) };
    store.writeQueryLoad((await loadCloudTrailFromAthena(client, store, options(later))).load!);
    const none = await loadCloudTrailFromAthena(client, store, options(later));
    expect(none.load).toBeUndefined();
    expect(none.coverage[0]!.reason).toMatch(/every day of .* was loaded and closed by earlier runs/);
    expect(server.executions).toHaveLength(3);
    expect(storedUsage()).toEqual(local.usage);
  });

  it('reports a FAILED query as a gap with its reason, and stores nothing, losing nothing stored before', async () => {
    await start();
    store.writeQueryLoad((await loadCloudTrailFromAthena(client, store, options())).load!);
    await server.stop();
    await start({ script: () => ({ states: ['RUNNING', 'FAILED'], reason: "HIVE_BAD_DATA: Error parsing field value '{' for field 3" }) });
    const report = await loadCloudTrailFromAthena(client, store, options({ now: new Date('2026-11-16T12:00:00Z'), window: windowEndingAt(new Date('2026-11-16T12:00:00Z'), 90) }));
    expect(report.load).toBeUndefined();
    expect(report.coverage).toEqual([
      expect.objectContaining({
        status: 'gap',
        source: 'athena',
        reason: expect.stringMatching(/^athena:keywarden\.cloudtrail: Athena query \S+ failed: HIVE_BAD_DATA: Error parsing field value .*; CloudTrail usage of 2026-11-14\.\.2026-11-16 was not loaded, those days stay unknown$/),
      }),
    ]);
    expect(server.calls('GetQueryResults')).toHaveLength(0);
    expect(storedUsage()).toEqual(local.usage);
  });

  it('stops a query that never finishes and reports the timeout as a gap', async () => {
    await start({ script: () => ({ states: ['QUEUED', 'RUNNING'], scanned: [0, 1000] }) });
    const report = await loadCloudTrailFromAthena(client, store, options({ poll: { timeoutMs: 300, initialDelayMs: 5, maxDelayMs: 40 } }));
    expect(report.load).toBeUndefined();
    expect(report.coverage[0]).toMatchObject({ status: 'gap', reason: expect.stringMatching(/was still RUNNING after 0 s and was stopped \(athena\.queryTimeoutSeconds\)/) });
    expect(server.calls('StopQueryExecution')).toEqual([expect.objectContaining({ params: { QueryExecutionId: server.executions[0]!.id } })]);
    // Polls back off: far fewer than one per 5 ms.
    expect(server.calls('GetQueryExecution').length).toBeLessThan(20);
  });

  it('rides out throttling and server errors (the SDK retries; StartQueryExecution keeps its idempotency token)', async () => {
    await start({
      faults: [
        { action: 'StartQueryExecution', kind: 'Throttling', times: 2 },
        { action: 'GetQueryExecution', kind: 'ServiceUnavailable', times: 1 },
        { action: 'GetQueryResults', kind: 'Throttling', times: 1 },
      ],
    });
    const report = await loadCloudTrailFromAthena(client, store, options());
    expect(mergeUsage(report.load!.usage)).toEqual(local.usage);
    const starts = server.calls('StartQueryExecution');
    expect(starts.map((s) => s.status)).toEqual([400, 400, 200]);
    expect(new Set(starts.map((s) => s.params.ClientRequestToken)).size).toBe(1);
    expect(server.executions).toHaveLength(1);
  });

  it('gives up with a gap when throttling outlasts the retries', async () => {
    await start({ faults: [{ action: 'GetQueryResults', kind: 'Throttling' }] });
    const report = await loadCloudTrailFromAthena(client, store, options());
    expect(report.load).toBeUndefined();
    expect(report.coverage[0]).toMatchObject({ status: 'gap', reason: expect.stringMatching(/Athena query \S+: Throttling \(400\): Rate exceeded; CloudTrail usage of .* was not loaded/) });
  });

  it('stops a query as soon as it has scanned more than the maximum, and loads nothing', async () => {
    await start({ script: () => ({ states: ['RUNNING', 'RUNNING', 'RUNNING', 'SUCCEEDED'], scanned: [1 * GIB, 6 * GIB, 12 * GIB, 20 * GIB] }) });
    const report = await loadCloudTrailFromAthena(client, store, options({ maxScannedBytes: 5 * GIB }));
    expect(report.load).toBeUndefined();
    expect(report.coverage[0]!.reason).toMatch(/Athena query \S+ scanned 6\.00 GB, above the maximum of 5\.00 GB \(athena\.maxScannedGb, --max-scanned-gb\); it was stopped/);
    expect(server.calls('StopQueryExecution')).toHaveLength(1);
    expect(server.calls('GetQueryResults')).toHaveLength(0);
  });

  it('refuses to load a finished query that scanned more than the maximum', async () => {
    await start({ script: () => ({ states: ['SUCCEEDED'], scanned: [8 * GIB] }) });
    const report = await loadCloudTrailFromAthena(client, store, options({ maxScannedBytes: 5 * GIB }));
    expect(report.load).toBeUndefined();
    expect(report.coverage[0]!.reason).toMatch(/scanned 8\.00 GB, above the maximum of 5\.00 GB .*; its result was not loaded/);
    expect(server.calls('StopQueryExecution')).toHaveLength(0);
    expect(store.usageDays(WINDOW)).toEqual([]);
  });

  it("says so when the workgroup's own per-query data limit ended the query", async () => {
    await start({ script: () => ({ states: ['RUNNING', 'CANCELLED'], scanned: [1 * GIB, 2 * GIB], reason: 'Query exceeded the per-query data usage limit of 2147483648 bytes' }) });
    const report = await loadCloudTrailFromAthena(client, store, options());
    expect(report.coverage[0]!.reason).toMatch(/was ended by the workgroup's per-query data limit: Query exceeded the per-query data usage limit/);
  });

  it('creates the database and the table when missing (IF NOT EXISTS), with the configured workgroup', async () => {
    await start();
    await ensureCloudTrailTable(client, options(), { bucket: 'acme-trail', prefix: '', accounts: ['111111111111'], regions: ['us-east-1'], fromDay: '2026-01-01' });
    const sql = server.executions.map((e) => e.sql.split('\n')[0]);
    expect(sql).toEqual(['CREATE DATABASE IF NOT EXISTS `keywarden`', 'CREATE EXTERNAL TABLE IF NOT EXISTS `keywarden`.`cloudtrail` (']);
    expect(server.calls('StartQueryExecution').every((c) => c.params.WorkGroup === 'keywarden')).toBe(true);
  });
});
