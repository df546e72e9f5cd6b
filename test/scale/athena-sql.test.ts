/**
 * The Athena aggregation, run on DuckDB over real CloudTrail files, gives
 * the local ingest's rows exactly: usage (identity, access key, action,
 * day, count, denied, last seen), unmapped events, days seen and the event
 * statistics. Same files, same mapper; only the engine differs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../bench/prng.js';
import { loadCloudTrailActionMapper, type CloudTrailActionMapper } from '../../src/catalog/cloudtrail-actions.js';
import { discoverCloudTrailFiles, ingestCloudTrailFiles, type CloudTrailIngestResult } from '../../src/collect/files/cloudtrail/index.js';
import { cloudTrailAggregationSql, cloudTrailTableDdl, createDatabaseDdl, duckDbCloudTrailPrelude, type AthenaTable } from '../../src/scale/athena-sql.js';
import { CloudTrailRowFolder, mergeUnmapped, mergeUsage, mergeUserAgents, type CloudTrailRowsResult } from '../../src/scale/cloudtrail-rows.js';
import { SqlValueError } from '../../src/scale/sql-text.js';
import { layOutStratusCaptures, writeCloudTrailLayout } from '../helpers/cloudtrail-layout.js';
import { openDuckDb, type DuckDb } from '../helpers/duckdb.js';
import { describeFixtures, fixture, projectRoot } from '../helpers/fixtures.js';

const TABLE: AthenaTable = { database: 'keywarden', table: 'cloudtrail' };
const ALL_DAYS = [{ from: '2013-01-01', to: '2059-12-31' }];

let tmp: string;
let db: DuckDb;
let mapper: CloudTrailActionMapper;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-athena-sql-'));
  db = await openDuckDb();
  mapper = await loadCloudTrailActionMapper();
});
afterAll(() => {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function viaDuckDb(files: readonly string[], days = ALL_DAYS, exclude?: Parameters<typeof cloudTrailAggregationSql>[0]['exclude']): Promise<CloudTrailRowsResult> {
  for (const statement of duckDbCloudTrailPrelude(TABLE, files)) await db.run(statement);
  const folder = new CloudTrailRowFolder(mapper);
  for (const row of await db.rows(cloudTrailAggregationSql({ table: TABLE, days, ...(exclude ? { exclude } : {}) }))) folder.add(row);
  return folder.result();
}

function expectSameAsLocal(query: CloudTrailRowsResult, local: CloudTrailIngestResult): void {
  expect(mergeUsage(query.usage)).toEqual(local.usage);
  expect(mergeUnmapped(query.unmapped)).toEqual(local.unmapped);
  expect(query.daysSeen).toEqual(local.daysSeen);
  expect(mergeUserAgents(query.userAgents)).toEqual(local.userAgents.flatMap((u) => u.userAgents.map((a) => ({ identityArn: u.identityArn, ...a }))));
  const { files: _files, ingestedFiles: _ingested, failedFiles: _failed, alreadyIngestedFiles: _already, ...events } = local.stats;
  expect(query.stats).toEqual(events);
}

describe('the Athena aggregation on DuckDB', () => {
  it('equals the local ingest on the bundled sample (samples/acme)', async () => {
    const files = await discoverCloudTrailFiles(path.join(projectRoot, 'samples/acme/cloudtrail'));
    const local = await ingestCloudTrailFiles(files, { mapper });
    const query = await viaDuckDb(files);
    expectSameAsLocal(query, local);
    expect(local.usage.length).toBeGreaterThan(50);
    // Every event of the sample lies in a partition that had events.
    expect([...query.partitions.values()].reduce((n, p) => n + p.events, 0)).toBe(local.stats.events);
  });

  it('equals the local ingest on records covering every attribution rule and hostile times', async () => {
    const files = writeCloudTrailLayout(path.join(tmp, 'generated'), generatedRecords(1500), 'generated');
    const local = await ingestCloudTrailFiles(files, { mapper });
    expectSameAsLocal(await viaDuckDb(files), local);
    // The generator reaches every branch.
    expect(local.stats.skippedServiceEvents && local.stats.skippedNonApiEvents && local.stats.unmapped && local.stats.unattributed).toBeGreaterThan(0);
    expect(local.stats.malformedRecords && local.stats.denied).toBeGreaterThan(0);
  });

  it('reads only the partition days asked for, and leaves out excluded partitions', async () => {
    const files = await discoverCloudTrailFiles(path.join(projectRoot, 'samples/acme/cloudtrail'));
    const all = await viaDuckDb(files);
    const some = await viaDuckDb(files, [{ from: '2026-11-01', to: '2026-11-10' }]);
    expect([...some.partitions.values()].every((p) => p.day >= '2026-11-01' && p.day <= '2026-11-10')).toBe(true);
    expect(some.partitions.size).toBeGreaterThan(0);
    expect(some.partitions.size).toBeLessThan(all.partitions.size);
    const byKey = (r: CloudTrailRowsResult) => [...r.partitions.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, p]) => p);
    const [first, ...rest] = byKey(some);
    const fewer = await viaDuckDb(files, [{ from: '2026-11-01', to: '2026-11-10' }], [first!]);
    expect(byKey(fewer)).toEqual(rest);
  });
});

describeFixtures('the Athena aggregation on DuckDB over the stratus-red-team captures', () => {
  it('equals the local ingest of the same files', async () => {
    const files = layOutStratusCaptures(path.dirname(fixture('aws/cloudtrail-stratus/aws.persistence.iam-create-admin-user.json')), path.join(tmp, 'stratus'));
    const local = await ingestCloudTrailFiles(files, { mapper });
    expect(local.stats.failedFiles).toBe(0);
    expect(local.usage.length).toBeGreaterThan(30);
    expectSameAsLocal(await viaDuckDb(files), local);
  });
});

describe('the CloudTrail table DDL', () => {
  const layout = { bucket: 'acme-trail', prefix: 'org/', organizationId: 'o-a1b2c3d4e5', accounts: ['111111111111', '222222222222'], regions: ['us-east-1', 'eu-west-1'], fromDay: '2025-01-01' };

  it('projects account, region and day over the trail layout', () => {
    const ddl = cloudTrailTableDdl(TABLE, layout);
    expect(ddl).toMatch(/^CREATE EXTERNAL TABLE IF NOT EXISTS `keywarden`\.`cloudtrail` \(/);
    expect(ddl).toContain("LOCATION 's3://acme-trail/org/AWSLogs/o-a1b2c3d4e5/'");
    expect(ddl).toContain("'storage.location.template' = 's3://acme-trail/org/AWSLogs/o-a1b2c3d4e5/${account}/CloudTrail/${region}/${timestamp}'");
    expect(ddl).toContain("'projection.account.values' = '111111111111,222222222222'");
    expect(ddl).toContain("'projection.timestamp.range' = '2025/01/01,NOW'");
    expect(ddl).toContain('PARTITIONED BY (account STRING, region STRING, `timestamp` STRING)');
    // Every column the aggregation reads is declared.
    for (const column of ['eventtime', 'eventsource', 'eventname', 'awsregion', 'errorcode', 'eventtype', 'recipientaccountid', 'invokedby', 'accesskeyid', 'sessionissuer']) expect(ddl).toContain(column);
    expect(createDatabaseDdl('keywarden')).toBe('CREATE DATABASE IF NOT EXISTS `keywarden`');
  });

  it('refuses names and values that could change the statement', () => {
    expect(() => cloudTrailTableDdl({ database: 'kw`; DROP', table: 't' }, layout)).toThrow(SqlValueError);
    expect(() => cloudTrailTableDdl(TABLE, { ...layout, bucket: "b'x" })).toThrow(/CloudTrail bucket/);
    expect(() => cloudTrailTableDdl(TABLE, { ...layout, accounts: ["1' OR '1"] })).toThrow(/account id/);
    expect(() => cloudTrailTableDdl(TABLE, { ...layout, accounts: [] })).toThrow(/at least one account/);
    expect(() => cloudTrailAggregationSql({ table: TABLE, days: [{ from: '2026-02-30', to: '2026-03-01' }] })).toThrow(/YYYY-MM-DD/);
  });
});

/** Records combining every branch of the attribution rules, from a fixed seed. */
function generatedRecords(n: number): unknown[] {
  const random = prng(20261115);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const A = '111111111111';
  const B = '222222222222';
  const identities: (Record<string, unknown> | null | undefined)[] = [
    { type: 'AssumedRole', arn: `arn:aws:sts::${A}:assumed-role/deployer/s1`, accountId: A, accessKeyId: 'ASIAAAAAAAAAAAAAAAA1', sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${A}:role/ci/deployer` } } },
    { type: 'AssumedRole', arn: `arn:aws:sts::${A}:assumed-role/deployer/s2`, accountId: A, accessKeyId: 'ASIAAAAAAAAAAAAAAAA2' },
    { type: 'AssumedRole', arn: `arn:aws:sts::${B}:assumed-role/reader/i-0abc`, sessionContext: { sessionIssuer: { arn: '' } } },
    { type: 'AssumedRole', arn: 'not-a-session-arn', accountId: A },
    { type: 'AssumedRole', arn: '' },
    { type: 'FederatedUser', arn: `arn:aws:sts::${A}:federated-user/bob`, sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${A}:user/minter` } } },
    { type: 'FederatedUser', arn: `arn:aws:sts::${A}:federated-user/eve` },
    { type: 'Root', arn: `arn:aws:iam::${A}:root`, accountId: A },
    { type: 'Root' },
    { type: 'Root', accountId: '' },
    { type: 'IAMUser', arn: `arn:aws:iam::${B}:user/ci-bot`, accountId: B, accessKeyId: 'AKIAAAAAAAAAAAAAAAA3' },
    { type: 'IAMUser', arn: `arn:aws:iam::${B}:user/ci-bot`, accountId: B },
    { type: 'IdentityCenterUser', arn: `arn:aws:identitystore::${A}:user/u-1` },
    { type: 'AWSAccount', accountId: B, principalId: 'AIDAX' },
    { arn: `arn:aws:iam::${A}:user/typeless` },
    { type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' },
    { type: 'AssumedRole', arn: `arn:aws:sts::${A}:assumed-role/svc/x`, invokedBy: 'lambda.amazonaws.com', sessionContext: { sessionIssuer: { arn: `arn:aws:iam::${A}:role/svc` } } },
    { type: 'IAMUser', arn: `arn:aws:iam::${A}:user/empty-invoker`, invokedBy: '' },
    null,
    undefined,
  ];
  const events: [string, string][] = [
    ['s3.amazonaws.com', 'ListBuckets'],
    ['s3.amazonaws.com', 'GetObject'],
    ['iam.amazonaws.com', 'CreateUser'],
    ['sts.amazonaws.com', 'AssumeRole'],
    ['lambda.amazonaws.com', 'GetFunction20150331v2'],
    ['ec2.amazonaws.com', 'DescribeInstances'],
    ['signin.amazonaws.com', 'ConsoleLogin'],
    ['example.invalid', 'DoThing'],
    ['iam.amazonaws.com', 'NoSuchApiCall'],
  ];
  const times = [
    '2026-11-03T10:00:00Z', '2026-11-03T23:59:59Z', '2026-11-04T00:00:00Z', '2026-11-05T12:30:60Z',
    '2026-11-03T10:00:00.250Z', '2026-11-04T01:00:00+02:00', '2026-11-04T23:30:00-01:00',
    '2026-02-30T00:00:00Z', '2026-11-03T25:00:00Z', '2026-11-03', '2026-11-03T', 'yesterday', '1969-12-31T23:00:00Z', '2070-01-01T00:00:00Z',
    undefined,
  ];
  const errors = [undefined, undefined, undefined, '', 'AccessDenied', 'AccessDeniedException', 'Client.UnauthorizedOperation', 'NoSuchEntity', 'ThrottlingException'];
  const records: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const [eventSource, eventName] = pick(events);
    const ui = pick(identities);
    const record: Record<string, unknown> = {
      eventVersion: '1.09',
      eventTime: random() < 0.7 ? pick(times.slice(0, 4)) : pick(times),
      eventSource: random() < 0.02 ? undefined : eventSource,
      eventName: random() < 0.02 ? undefined : eventName,
      awsRegion: random() < 0.05 ? undefined : pick(['us-east-1', 'eu-west-1']),
      recipientAccountId: random() < 0.1 ? undefined : pick([A, B]),
      errorCode: pick(errors),
      eventType: pick(['AwsApiCall', 'AwsApiCall', 'AwsApiCall', 'AwsServiceEvent', 'AwsConsoleSignIn', 'AwsCloudTrailInsight', undefined]),
      userAgent: pick(['aws-cli/2.15.0', 'Boto3/1.34.50 md/Botocore#1.34.50', 'claude-agent/0.4 (automation)', '', 'agent token=ghp_' + 'a'.repeat(36), undefined]),
    };
    if (ui !== undefined) record.userIdentity = ui;
    records.push(record);
  }
  return records;
}
