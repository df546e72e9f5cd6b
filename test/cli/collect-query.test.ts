/**
 * `collect athena`, `collect bigquery` and `athena ddl` through the command
 * layer: settings from the config with flags over them, one load stored per
 * run, exit code 2 when the query could not speak for its days, and the
 * bundled sample's CloudTrail loaded through Athena first and imported from
 * files afterwards counting every event once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import type { AthenaClient } from '@aws-sdk/client-athena';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { windowEndingAt } from '../../src/analyse/window.js';
import { awsClientFactory } from '../../src/collect/aws/clients.js';
import { discoverCloudTrailFiles, ingestCloudTrailFiles, type CloudTrailIngestResult } from '../../src/collect/files/cloudtrail/index.js';
import { runCollectAthena, runCollectBigQuery, type QueryDeps } from '../../src/cli/collect-query.js';
import { runImport } from '../../src/cli/commands.js';
import { main } from '../../src/cli/main.js';
import { CLOUDTRAIL_ROW_COLUMNS, duckDbCloudTrailPrelude } from '../../src/scale/athena-sql.js';
import { AUDIT_LOG_ROW_COLUMNS, duckDbAuditLogPrelude, duckDbAuditLogSql } from '../../src/scale/bigquery-sql.js';
import { mergeUsage } from '../../src/scale/cloudtrail-rows.js';
import { openStore } from '../../src/store/index.js';
import { ACME_AS_OF, acmeGcp } from '../helpers/acme-gcp.js';
import { writeSinkRows } from '../helpers/audit-log-sink.js';
import { openDuckDb, type DuckDb } from '../helpers/duckdb.js';
import { projectRoot } from '../helpers/fixtures.js';
import { auditLogEntries } from '../helpers/gcp-org.js';
import { FakeAthenaServer, type QueryScript } from '../servers/aws/athena-server.js';
import { startBigQueryServer, type BigQueryTestServer } from '../servers/gcp/bigquery-server.js';

const NOW = new Date('2026-11-15T12:00:00Z');
const SAMPLE = path.join(projectRoot, 'samples/acme');

let tmp: string;
let duck: DuckDb;
let local: CloudTrailIngestResult;
let athena: FakeAthenaServer;
let athenaClient: AthenaClient;
let script: QueryScript | undefined;
let bigquery: BigQueryTestServer;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kw-cli-query-'));
  duck = await openDuckDb();
  const files = await discoverCloudTrailFiles(path.join(SAMPLE, 'cloudtrail'));
  local = await ingestCloudTrailFiles(files);
  for (const statement of duckDbCloudTrailPrelude({ database: 'acme_logs', table: 'trail' }, files)) await duck.run(statement);
  athena = new FakeAthenaServer({
    script: () => script ?? { states: ['RUNNING', 'SUCCEEDED'], scanned: [2 ** 30] },
    workGroupsWithoutOutputLocation: ['adhoc'],
    answer: async (sql) => {
      if (!sql.includes('GROUPING SETS')) return { columns: [], rows: [] };
      const rows = await duck.rows(sql);
      return { columns: [...CLOUDTRAIL_ROW_COLUMNS], rows: rows.map((r) => CLOUDTRAIL_ROW_COLUMNS.map((c) => r[c] ?? null)) };
    },
  });
  const endpoint = await athena.start();
  athenaClient = awsClientFactory({ region: 'eu-west-1', maxAttempts: 2, endpoints: { athena: endpoint }, credentials: { accessKeyId: 'AKIAKEYWARDENTEST001', secretAccessKey: 'x' } }).athena();

  const entries = acmeGcp.projects.flatMap((p) => auditLogEntries(p, ACME_AS_OF));
  for (const statement of duckDbAuditLogPrelude([writeSinkRows(path.join(tmp, 'sink.json'), entries)], 'partitioned')) await duck.run(statement);
  bigquery = await startBigQueryServer({
    answer: async (sql) => ({
      fields: AUDIT_LOG_ROW_COLUMNS.map((name) => ({ name, type: ['granted', 'denied', 'entries', 'last_seen_us'].includes(name) ? ('INT64' as const) : ('STRING' as const) })),
      rows: (await duck.rows(duckDbAuditLogSql(sql))).map((r) => AUDIT_LOG_ROW_COLUMNS.map((c) => r[c] ?? null)),
    }),
  });
}, 30_000);
afterAll(async () => {
  athenaClient.destroy();
  await athena.stop();
  await bigquery.close();
  duck.close();
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => {
  script = undefined;
});

let n = 0;
function setup(configText: string) {
  n++;
  const config = path.join(tmp, `keywarden-${n}.yaml`);
  writeFileSync(config, configText);
  const lines = { out: '', err: '' };
  return { opts: { config, db: path.join(tmp, `k-${n}.db`) }, lines, io: { out: (s: string) => void (lines.out += s), err: (s: string) => void (lines.err += s) } };
}

const ATHENA_CONFIG = [
  'athena:',
  '  region: eu-west-1',
  '  database: acme_logs',
  '  table: trail',
  '  workgroup: security',
  "  outputLocation: 's3://acme-athena-results/keywarden/'",
  '  maxScannedGb: 5',
  '  logs: { bucket: acme-trail, accounts: [\'111111111111\', \'222222222222\'], regions: [us-east-1, eu-west-1], fromDay: 2026-01-01 }',
].join('\n');

const athenaDeps: () => QueryDeps = () => ({ athena: athenaClient, now: () => NOW });

describe('keywarden collect athena', () => {
  it('creates the table, loads the window, and a later import of the same CloudTrail files counts nothing twice', async () => {
    const { opts, lines, io } = setup(ATHENA_CONFIG + '\n');
    const before = athena.executions.length;
    expect(await runCollectAthena({ ...opts, createTable: true }, io, athenaDeps())).toBe(0);
    const sql = athena.executions.slice(before).map((e) => e.sql.split('\n')[0]);
    expect(sql).toEqual(['CREATE DATABASE IF NOT EXISTS `acme_logs`', 'CREATE EXTERNAL TABLE IF NOT EXISTS `acme_logs`.`trail` (', expect.stringMatching(/^-- keywarden: CloudTrail usage/)]);
    expect(athena.executions.at(-1)!.input).toMatchObject({ WorkGroup: 'security', ResultConfiguration: { OutputLocation: 's3://acme-athena-results/keywarden/' } });
    expect(lines.err).toMatch(/athena: query \S+ processed 1\.00 GB; 90 day\(s\) loaded, 2 still open \(loaded again next run\); \d+ partition\(s\), \d+ event\(s\) \(\d+ attributed, \d+ denied, \d+ unmapped\), \d+ usage row\(s\)/);

    const window = windowEndingAt(NOW, 90);
    const usage = () => {
      const store = openStore(opts.db);
      try {
        return mergeUsage(store.usageDays(window).map((u) => ({ ...u, lastSeen: u.lastSeen.replace('.000Z', 'Z') })));
      } finally {
        store.close();
      }
    };
    expect(usage()).toEqual(local.usage);
    // The days CloudTrail delivered for, per account and region: what "unused" vs "unknown" is judged on.
    const store = openStore(opts.db);
    try {
      const key = (d: { accountId: string; region: string; day: string }) => `${d.accountId} ${d.region} ${d.day}`;
      expect(store.cloudTrailDays(window).map(key).sort()).toEqual(local.daysSeen.map(key).sort());
    } finally {
      store.close();
    }

    // The export's IAM files are imported; its CloudTrail files belong to partitions Athena loaded.
    const imported = setup('');
    expect(await runImport({ ...opts, config: undefined, from: SAMPLE }, imported.io)).toBe(0);
    expect(imported.lines.err).toMatch(/reading 0 CloudTrail file\(s\) and 2 account\(s\)/);
    expect(usage()).toEqual(local.usage);
  });

  it('exits 2 when the query fails, and 0 with --allow-partial', async () => {
    script = { states: ['FAILED'], reason: 'TABLE_NOT_FOUND: Table awsdatacatalog.acme_logs.trail does not exist' };
    const failed = setup(ATHENA_CONFIG + '\n');
    expect(await runCollectAthena(failed.opts, failed.io, athenaDeps())).toBe(2);
    expect(failed.lines.err).toMatch(/warning: aws \[athena\]: athena:acme_logs\.trail: Athena query \S+ failed: TABLE_NOT_FOUND: .*; CloudTrail usage of 2026-08-18\.\.2026-11-15 was not loaded/);
    expect(failed.lines.err).toMatch(/exit code 2; pass --allow-partial to accept/);
    const partial = setup(ATHENA_CONFIG + '\n');
    expect(await runCollectAthena({ ...partial.opts, allowPartial: true }, partial.io, athenaDeps())).toBe(0);
  });

  it('takes the cost guard from the flag over the config', async () => {
    script = { states: ['RUNNING', 'SUCCEEDED'], scanned: [3 * 2 ** 30] };
    const { opts, lines, io } = setup(ATHENA_CONFIG + '\n');
    expect(await runCollectAthena({ ...opts, maxScannedGb: 2 }, io, athenaDeps())).toBe(2);
    expect(lines.err).toMatch(/scanned 3\.00 GB, above the maximum of 2\.00 GB/);
  });

  it('says a workgroup without a result location needs athena.outputLocation: a setting to fix (exit code 3), not a gap', async () => {
    const config = ATHENA_CONFIG.replace('workgroup: security', 'workgroup: adhoc').replace(/^ {2}outputLocation: .*\n/m, '');
    const { opts, lines, io } = setup(config + '\n');
    const refused = runCollectAthena(opts, io, athenaDeps());
    await expect(refused).rejects.toThrow(
      /^Athena workgroup adhoc has no query result location and none was given: set athena\.outputLocation .*\(No output location provided\./,
    );
    // A UserError: main prints its one line and exits 3 (see the next case).
    await expect(refused).rejects.toMatchObject({ name: 'UserError', exitCode: 3 });
    expect(lines.out).toBe('');
    expect(lines.err).not.toMatch(/warning/);
  });

  it('names a bad setting in one line with exit code 3', async () => {
    const { opts } = setup('athena:\n  outputLocation: results-bucket\n');
    let err = '';
    const code = await main(['node', 'keywarden', '--config', opts.config, '--db', opts.db, 'collect', 'athena'], { out: () => {}, err: (s) => void (err += s) });
    expect(code).toBe(3);
    expect(err).toMatch(/athena\.outputLocation: expected an S3 URL such as s3:\/\/acme-athena-results\/keywarden\//);
    expect(err.trim().split('\n')).toHaveLength(1);
  });
});

describe('keywarden athena ddl', () => {
  it('prints the statements from the config, flags over it', async () => {
    const { opts } = setup(ATHENA_CONFIG + '\n');
    let out = '';
    const code = await main(['node', 'keywarden', '--config', opts.config, 'athena', 'ddl', '--regions', 'us-east-1'], { out: (s) => void (out += s), err: () => {} });
    expect(code).toBe(0);
    expect(out).toMatch(/^CREATE DATABASE IF NOT EXISTS `acme_logs`;\n\nCREATE EXTERNAL TABLE IF NOT EXISTS `acme_logs`\.`trail` \(/);
    expect(out).toContain("'projection.region.values' = 'us-east-1'");
    expect(out).toContain("'projection.account.values' = '111111111111,222222222222'");
    expect(out).toContain("LOCATION 's3://acme-trail/AWSLogs/'");
  });

  it('says what is missing without a bucket', async () => {
    let err = '';
    expect(await main(['node', 'keywarden', '--config', setup('').opts.config, 'athena', 'ddl'], { out: () => {}, err: (s) => void (err += s) })).toBe(3);
    expect(err).toMatch(/needs the trail bucket and its accounts: set athena\.logs .* or pass --bucket and --accounts/);
  });
});

describe('keywarden collect bigquery', () => {
  const deps = (): QueryDeps => {
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: 'test' });
    return { bigquery: { endpoint: bigquery.endpoint, authClient }, now: () => NOW };
  };

  it('loads the audit-log usage of the sink dataset named on the command line', async () => {
    const { opts, lines, io } = setup('');
    expect(await runCollectBigQuery({ ...opts, dataset: 'acme-logging.audit_logs', project: 'acme-jobs', partitioned: true }, io, deps())).toBe(0);
    expect(bigquery.jobs.at(-1)!.sql).toContain("_TABLE_SUFFIX IN ('activity', 'data_access', 'system_event', 'policy')");
    expect(bigquery.calls.at(-1)!.path).toMatch(/^\/bigquery\/v2\/projects\/acme-jobs\/queries\//);
    expect(lines.err).toMatch(/bigquery: query \S+ processed 0\.00 GB; 90 day\(s\) loaded, 2 still open .*; \d+ partition\(s\), 3 permission check\(s\) of service accounts, 3 usage row\(s\)/);
    const store = openStore(opts.db);
    try {
      expect(store.usageDays(windowEndingAt(NOW, 90)).map((u) => u.action).sort()).toEqual(['bigquery.tables.getData', 'iam.serviceAccounts.actAs', 'run.services.update']);
    } finally {
      store.close();
    }
  });

  it('needs a dataset', async () => {
    let err = '';
    expect(await main(['node', 'keywarden', '--config', setup('').opts.config, 'collect', 'bigquery'], { out: () => {}, err: (s) => void (err += s) })).toBe(3);
    expect(err).toMatch(/--dataset <project>\.<dataset>/);
  });
});
