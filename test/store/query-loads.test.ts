/**
 * Usage loaded by warehouse queries lands in usage_days like the local
 * ingest's, and every event is counted once: the same window loaded twice,
 * an open day loaded again with more events, local files and a query for
 * the same partition, in either order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot, UsageDay } from '../../src/model/domain.js';
import { openStore, StoreBusyError, type LoadedPartition, type QueryLoad, type Store } from '../../src/store/index.js';
import { cloudTrailPartitionOfPath } from '../../src/store/query-loads.js';

const A = '111111111111';
const ROLE = `arn:aws:iam::${A}:role/deployer`;
const WINDOW = { from: '2026-11-01', to: '2026-11-30' };

const part = (day: string, region = 'us-east-1', scope = A, events = 10): [string, LoadedPartition] => [`${scope}/${region}/${day}`, { scope, region, day, events }];
const use = (partition: string, day: string, count: number, denied = 0, action = 's3:GetObject'): UsageDay & { partition: string } => ({
  partition,
  identityArn: ROLE,
  credentialId: 'ASIAEXAMPLE',
  action,
  day,
  count,
  denied,
  lastSeen: `${day}T10:00:00Z`,
});

function athenaLoad(days: { day: string; closed: boolean }[], usage: (UsageDay & { partition: string })[], extra: Partial<QueryLoad> = {}): QueryLoad {
  const partitions = new Map(usage.map((u) => part(u.partition.split('/')[2]!, u.partition.split('/')[1]!)));
  return {
    engine: 'athena',
    source: 'athena:keywarden.cloudtrail',
    queryId: `q-${Math.random()}`,
    bytesScanned: 1000,
    days,
    partitions,
    usage,
    unmapped: [],
    ...extra,
  };
}

const counts = (store: Store) => store.usageDays(WINDOW).map((u) => [u.day, u.action, u.count, u.denied]);

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

/** A scan holding one local CloudTrail file (by its location), with its usage. */
function localScan(location: string, usage: UsageDay[]): Snapshot {
  return {
    provider: 'aws',
    source: 'files:test',
    collectedAt: '2026-11-20T00:00:00Z',
    accounts: [],
    identities: [],
    credentials: [],
    policies: [],
    attachments: [],
    accessAdvisor: [],
    usage,
    unmappedEvents: [],
    ingested: [{ digest: location.replace(/\W/g, '').padEnd(64, '0').slice(0, 64), location, events: usage.reduce((n, u) => n + u.count, 0) }],
    coverage: [],
  };
}

describe('query loads', () => {
  it('add usage, days seen and unmapped events like the local ingest', () => {
    const key = part('2026-11-03')[0];
    const written = store.writeQueryLoad(
      athenaLoad([{ day: '2026-11-03', closed: true }], [use(key, '2026-11-03', 7, 2)], {
        unmapped: [{ partition: key, eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', count: 3 }],
        cloudTrailDays: [{ accountId: A, region: 'us-east-1', day: '2026-11-03' }],
      }),
    );
    expect(written).toMatchObject({ days: 1, replacedDays: 0, usageRows: 1, skippedDays: [], droppedPartitions: [] });
    expect(store.usageDays(WINDOW)).toEqual([{ identityArn: ROLE, credentialId: 'ASIAEXAMPLE', action: 's3:GetObject', day: '2026-11-03', count: 7, denied: 2, lastSeen: '2026-11-03T10:00:00.000Z' }]);
    expect(store.unmappedEvents()).toEqual([{ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', count: 3 }]);
    expect(store.cloudTrailDays(WINDOW)).toEqual([{ accountId: A, region: 'us-east-1', day: '2026-11-03' }]);
    expect(store.queryLoadDays('athena', WINDOW.from, WINDOW.to).get('2026-11-03')).toMatchObject({ closed: true, source: 'athena:keywarden.cloudtrail' });
    expect(store.isQueryOwned(A, 'us-east-1', '2026-11-03')).toBe(true);
  });

  it('replace an open day when it is loaded again, so the same window loaded twice counts once', () => {
    const key = part('2026-11-19')[0];
    const unmapped = [{ partition: key, eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', count: 1 }];
    const userAgents = [{ partition: key, identityArn: ROLE, userAgent: 'Boto3/1.34.50', count: 5, lastSeen: '2026-11-19T10:00:00Z' }];
    store.writeQueryLoad(athenaLoad([{ day: '2026-11-19', closed: false }], [use(key, '2026-11-19', 5)], { unmapped, userAgents }));
    store.writeQueryLoad(athenaLoad([{ day: '2026-11-19', closed: false }], [use(key, '2026-11-19', 5)], { unmapped, userAgents }));
    expect(counts(store)).toEqual([['2026-11-19', 's3:GetObject', 5, 0]]);
    expect(store.unmappedEvents()[0]!.count).toBe(1);
    expect(store.userAgents([ROLE])).toEqual([{ identityArn: ROLE, userAgent: 'Boto3/1.34.50', count: 5, lastSeen: '2026-11-19T10:00:00.000Z' }]);
    // Later the day has more events, and a call that no longer happens is gone: the new answer replaces the old.
    const written = store.writeQueryLoad(
      athenaLoad([{ day: '2026-11-19', closed: true }], [use(key, '2026-11-19', 8, 1), use(key, '2026-11-20', 1, 0, 's3:PutObject')], { unmapped: [] }),
    );
    expect(written.replacedDays).toBe(1);
    // The calls' resources are unknown to a query: recorded as unresolved, replaced along with the usage.
    expect(store.resourceEvidence(WINDOW).get(ROLE)?.get('s3:GetObject')).toEqual({ resources: [], calls: 0, unresolved: 8, overflow: 0 });
    expect(counts(store)).toEqual([
      ['2026-11-19', 's3:GetObject', 8, 1],
      ['2026-11-20', 's3:PutObject', 1, 0],
    ]);
    expect(store.unmappedEvents()).toEqual([]);
    expect(store.userAgents([ROLE])).toEqual([]);
    // Closed now: a further load of that day changes nothing.
    const again = store.writeQueryLoad(athenaLoad([{ day: '2026-11-19', closed: true }], [use(key, '2026-11-19', 8, 1)]));
    expect(again).toMatchObject({ days: 0, skippedDays: ['2026-11-19'] });
    expect(counts(store)).toEqual([
      ['2026-11-19', 's3:GetObject', 8, 1],
      ['2026-11-20', 's3:PutObject', 1, 0],
    ]);
  });

  it('only take back what the query added: usage from local files on the same rows stays', () => {
    store.writeScan(localScan(`/x/AWSLogs/${A}/CloudTrail/eu-west-1/2026/11/19/f.json.gz`, [use('', '2026-11-19', 4)]));
    const key = part('2026-11-19')[0];
    store.writeQueryLoad(athenaLoad([{ day: '2026-11-19', closed: false }], [use(key, '2026-11-19', 5)]));
    store.writeQueryLoad(athenaLoad([{ day: '2026-11-19', closed: false }], [use(key, '2026-11-19', 6)]));
    expect(counts(store)).toEqual([['2026-11-19', 's3:GetObject', 10, 0]]);
  });

  it('never store a partition local files were read from, unless the query owned it first', () => {
    store.writeScan(localScan(`/x/AWSLogs/${A}/CloudTrail/us-east-1/2026/11/05/${A}_CloudTrail_us-east-1_20261105T1000Z_a.json.gz`, [use('', '2026-11-05', 4)]));
    const local = part('2026-11-05')[0];
    const other = part('2026-11-05', 'eu-west-1')[0];
    const written = store.writeQueryLoad(athenaLoad([{ day: '2026-11-05', closed: true }], [use(local, '2026-11-05', 4), use(other, '2026-11-05', 2)]));
    expect(written.droppedPartitions).toEqual([{ scope: A, region: 'us-east-1', day: '2026-11-05', events: 10 }]);
    expect(counts(store)).toEqual([['2026-11-05', 's3:GetObject', 6, 0]]);
    expect(store.isQueryOwned(A, 'us-east-1', '2026-11-05')).toBe(false);
    expect(store.isQueryOwned(A, 'eu-west-1', '2026-11-05')).toBe(true);
  });

  it('refuse a local file whose partition a query loaded meanwhile (the import reads again, skipping it)', () => {
    const key = part('2026-11-06')[0];
    store.writeQueryLoad(athenaLoad([{ day: '2026-11-06', closed: true }], [use(key, '2026-11-06', 3)]));
    const file = `s3://trail/AWSLogs/${A}/CloudTrail/us-east-1/2026/11/06/${A}_CloudTrail_us-east-1_20261106T1000Z_b.json.gz`;
    expect(() => store.writeScan(localScan(file, [use('', '2026-11-06', 3)]))).toThrow(StoreBusyError);
    expect(counts(store)).toEqual([['2026-11-06', 's3:GetObject', 3, 0]]);
    // A file of another region is its own partition.
    store.writeScan(localScan(file.replaceAll('us-east-1', 'eu-west-1'), [use('', '2026-11-06', 1)]));
    expect(counts(store)).toEqual([['2026-11-06', 's3:GetObject', 4, 0]]);
  });

  it('leave audit-log days a local read counted (up to its cursor) to that read', () => {
    const db = (store as unknown as { db: import('better-sqlite3').Database }).db;
    db.prepare("INSERT INTO gcp_audit_log_cursors (project_id, last_timestamp, insert_ids, scan_id) VALUES ('p-prod-1', '2026-11-10T08:00:00.000Z', '[]', NULL)").run();
    expect(store.localAuditLogDays()).toEqual(new Map([['projects/p-prod-1', '2026-11-10']]));
    const sa = 'app@p-prod-1.iam.gserviceaccount.com';
    const load: QueryLoad = {
      engine: 'bigquery',
      source: 'bigquery:acme-logging.audit',
      queryId: 'job-1',
      bytesScanned: 10,
      days: [{ day: '2026-11-10', closed: true }, { day: '2026-11-11', closed: true }],
      partitions: new Map([
        ['projects/p-prod-1/2026-11-10', { scope: 'projects/p-prod-1', region: '', day: '2026-11-10', events: 1 }],
        ['projects/p-prod-1/2026-11-11', { scope: 'projects/p-prod-1', region: '', day: '2026-11-11', events: 1 }],
      ]),
      usage: ['2026-11-10', '2026-11-11'].map((day) => ({ partition: `projects/p-prod-1/${day}`, identityArn: sa, credentialId: '', action: 'storage.objects.get', day, count: 1, denied: 0, lastSeen: `${day}T09:00:00Z` })),
      unmapped: [],
    };
    expect(store.writeQueryLoad(load).droppedPartitions.map((p) => p.day)).toEqual(['2026-11-10']);
    expect(store.usageDays(WINDOW).map((u) => u.day)).toEqual(['2026-11-11']);
    expect(store.isQueryOwned('projects/p-prod-1', '', '2026-11-11')).toBe(true);
  });
});

describe('the partition of a CloudTrail file', () => {
  it('is read from its S3 key or its file name', () => {
    expect(cloudTrailPartitionOfPath(`s3://b/p/AWSLogs/o-abc123/${A}/CloudTrail/eu-west-1/2026/11/03/x.json.gz`)).toEqual({ accountId: A, region: 'eu-west-1', day: '2026-11-03' });
    expect(cloudTrailPartitionOfPath(`C:\\logs\\AWSLogs\\${A}\\CloudTrail\\us-east-1\\2026\\11\\03\\x.json.gz`)).toEqual({ accountId: A, region: 'us-east-1', day: '2026-11-03' });
    expect(cloudTrailPartitionOfPath(`/tmp/${A}_CloudTrail_us-east-2_20261103T0005Z_abc.json.gz`)).toEqual({ accountId: A, region: 'us-east-2', day: '2026-11-03' });
    expect(cloudTrailPartitionOfPath('/tmp/aws.persistence.iam-backdoor-role.json')).toBeUndefined();
  });
});
