/**
 * CloudTrail from a real S3 implementation (s3rver) over HTTP: the real key
 * layout (account and organisation trails), gzip objects streamed into the
 * file importer's aggregation, a corrupt object recorded while the others
 * are ingested, and the per-day cursor: a second scan downloads nothing it
 * already read and counts nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { S3Client } from '@aws-sdk/client-s3';
import { collectCloudTrailFromS3, storeCloudTrailCursor, type CloudTrailS3Config } from '../../../src/collect/aws/cloudtrail-s3.js';
import { awsClientFactory } from '../../../src/collect/aws/clients.js';
import { openStore, type Store } from '../../../src/store/index.js';
import type { Snapshot } from '../../../src/model/domain.js';
import { S3RVER_CREDENTIALS, startLocalS3, TRAIL_BUCKET, trailKey, trailObject, type LocalS3, type TrailEvent } from '../../servers/aws/s3-harness.js';
import { recordOperations } from '../../servers/aws/harness.js';
import { HOME, MEMBER } from './world.js';

const ORG = 'o-abc123def4';
const runner = `arn:aws:iam::${HOME}:role/agent-runner`;
const deploy = `arn:aws:iam::${MEMBER}:role/deploy`;
const ev = (roleArn: string, eventName: string, eventTime: string, region = 'us-east-1', errorCode?: string): TrailEvent => ({
  roleArn,
  accessKeyId: 'ASIAEXAMPLE000000001',
  eventSource: eventName === 'CreateStack' ? 'cloudformation.amazonaws.com' : 's3.amazonaws.com',
  eventName,
  eventTime,
  region,
  ...(errorCode ? { errorCode } : {}),
});

const now = () => new Date('2026-11-14T12:00:00Z');
// Neither regions nor the organisation id are configured: both are discovered from the bucket.
// Two keys per list call, so listing goes through many pages.
const config: CloudTrailS3Config = { bucket: TRAIL_BUCKET, prefix: 'trails', lookbackDays: 30, concurrency: 2, listPageSize: 2 };

function emptySnapshot(): Snapshot {
  return { provider: 'aws', source: 'test', collectedAt: now().toISOString(), accounts: [], identities: [], credentials: [], policies: [], attachments: [], accessAdvisor: [], usage: [], unmappedEvents: [], ingested: [], coverage: [] };
}

describe('CloudTrail from S3 (s3rver)', () => {
  let s3: LocalS3;
  let client: S3Client;
  let store: Store;
  const ops: string[] = [];

  beforeAll(async () => {
    s3 = await startLocalS3();
    const factory = awsClientFactory({
      region: 'us-east-1',
      maxAttempts: 3,
      endpoints: { s3: s3.endpoint },
      credentials: S3RVER_CREDENTIALS,
      instrument: recordOperations(ops),
    });
    client = factory.s3();
    const put = (key: Parameters<typeof trailKey>[0], events: TrailEvent[], offset: number) => s3.put(trailKey({ prefix: 'trails', ...key }), trailObject(events, offset));
    await put({ account: HOME, region: 'us-east-1', day: '2026-11-10', id: 'a1' }, [ev(runner, 'GetObject', '2026-11-10T01:00:00Z'), ev(runner, 'GetObject', '2026-11-10T02:00:00Z')], 0);
    await put({ account: HOME, region: 'us-east-1', day: '2026-11-10', id: 'a2' }, [ev(runner, 'PutObject', '2026-11-10T03:00:00Z', 'us-east-1', 'AccessDenied')], 10);
    await put({ account: HOME, region: 'eu-west-1', day: '2026-11-11', id: 'b1' }, [ev(runner, 'GetObject', '2026-11-11T05:00:00Z', 'eu-west-1')], 20);
    await put({ account: HOME, region: 'us-east-1', day: '2026-11-12', id: 'c1' }, [ev(runner, 'ListBucket', '2026-11-12T05:00:00Z')], 30);
    // A corrupt object: a valid gzip header, then garbage.
    await s3.put(trailKey({ prefix: 'trails', account: HOME, region: 'us-east-1', day: '2026-11-12', id: 'bad' }), Buffer.concat([gzipSync('{"Records":[').subarray(0, 10), Buffer.from('not deflate data at all')]));
    // Organisation trail layout for the member account.
    await put({ org: ORG, account: MEMBER, region: 'us-east-1', day: '2026-11-11', id: 'o1' }, [ev(deploy, 'CreateStack', '2026-11-11T09:00:00Z')], 40);
    // Outside the window: never read.
    await put({ account: HOME, region: 'us-east-1', day: '2026-09-01', id: 'old' }, [ev(runner, 'DeleteObject', '2026-09-01T00:00:00Z')], 50);
    store = openStore(':memory:');
  }, 30_000);
  afterAll(async () => {
    store.close();
    await s3.stop();
  });

  const run = () => collectCloudTrailFromS3(client, [HOME, MEMBER], config, storeCloudTrailCursor(store), { now });
  const write = (r: Awaited<ReturnType<typeof run>>) =>
    store.writeScan(
      { ...emptySnapshot(), usage: r.ingest?.usage ?? [], unmappedEvents: r.ingest?.unmapped ?? [], ingested: r.ingest?.ingested ?? [], coverage: r.coverage },
      r.extras,
    );
  const window = { from: '2026-10-01', to: '2026-11-14' };
  const counts = () => store.usageDays(window).map((u) => `${u.identityArn.split(':').pop()} ${u.action} ${u.day} ${u.count}/${u.denied}`).sort();

  it('streams every readable object of both layouts into usage; the corrupt one is a gap', async () => {
    const first = await run();
    expect(first.stats.objectsRead).toBe(5);
    // Discovery, one call per folder plus one: AWSLogs/ (account + org folder), home regions (2), home under the org (none),
    // member (none), member under the org (1). Then the window, 2 keys a page: eu-west-1 1 key, us-east-1 4 keys, member 1 key.
    expect(first.stats.listCalls).toBe(3 + 3 + 1 + 1 + 2 + (1 + 2 + 1));
    const bad = first.coverage.find((c) => c.status === 'gap');
    expect(bad?.scope).toMatch(/_bad\.json\.gz$/);
    expect(bad?.reason).toMatch(/corrupt gzip|truncated gzip/);
    expect(first.coverage.find((c) => c.scope === `aws:${HOME}`)?.status).toBe('partial');
    expect(first.coverage.find((c) => c.scope === `aws:${MEMBER}`)?.status).toBe('ok');
    write(first);
    expect(counts()).toEqual([
      'role/agent-runner s3:GetObject 2026-11-10 2/0',
      'role/agent-runner s3:GetObject 2026-11-11 1/0',
      'role/agent-runner s3:ListBucket 2026-11-12 1/0',
      'role/agent-runner s3:PutObject 2026-11-10 0/1',
      'role/deploy cloudformation:CreateStack 2026-11-11 1/0',
    ]);
    // Closed days without failures are complete; the day with the corrupt object is not.
    const days = first.extras.cloudTrailS3.days.filter((d) => d.objects > 0).map((d) => `${d.accountId} ${d.region} ${d.day} ${d.objects}`).sort();
    expect(days).toEqual([`${HOME} eu-west-1 2026-11-11 1`, `${HOME} us-east-1 2026-11-10 2`, `${MEMBER} us-east-1 2026-11-11 1`]);
    expect(first.extras.cloudTrailS3.days.some((d) => d.day === '2026-11-12' && d.region === 'us-east-1' && d.accountId === HOME)).toBe(false);
  });

  it('a second scan lists only open days, downloads only the object it could not read, and counts nothing twice', async () => {
    ops.length = 0;
    const second = await run();
    expect(ops.filter((o) => o === 'S3:GetObject')).toHaveLength(1);
    expect(second.stats.objectsSkipped).toBe(1); // c1 on the open day, same ETag
    expect(second.coverage.find((c) => c.status === 'gap')?.scope).toMatch(/_bad\.json\.gz$/);
    write(second);
    expect(counts()).toHaveLength(5);
    expect(counts()).toContain('role/agent-runner s3:GetObject 2026-11-10 2/0');
  });

  it('a new object on an open day is read by the next scan', async () => {
    await s3.put(trailKey({ prefix: 'trails', account: HOME, region: 'us-east-1', day: '2026-11-13', id: 'd1' }), trailObject([ev(runner, 'GetObject', '2026-11-13T00:10:00Z')], 60));
    const third = await run();
    expect(third.stats.objectsRead).toBe(1);
    write(third);
    expect(counts()).toContain('role/agent-runner s3:GetObject 2026-11-13 1/0');
  });

  it('leaves partitions Athena loaded to Athena: their objects are not read', async () => {
    const fresh = openStore(':memory:');
    try {
      fresh.writeQueryLoad({
        engine: 'athena',
        source: 'athena:keywarden.cloudtrail',
        queryId: 'q-1',
        bytesScanned: 0,
        days: [{ day: '2026-11-10', closed: true }],
        partitions: new Map([['p', { scope: HOME, region: 'us-east-1', day: '2026-11-10', events: 3 }]]),
        usage: [],
        unmapped: [],
      });
      const result = await collectCloudTrailFromS3(client, [HOME, MEMBER], config, storeCloudTrailCursor(fresh), { now });
      const read = result.ingest?.ingested.map((o) => o.location) ?? [];
      expect(read.some((l) => l.includes('/us-east-1/2026/11/10/'))).toBe(false);
      expect(read.some((l) => l.includes('/eu-west-1/2026/11/11/'))).toBe(true);
      expect(result.coverage.find((c) => c.source === 'cloudtrail' && c.scope === 'aws')?.reason).toMatch(/^2 CloudTrail object\(s\) not read: .* loaded by Athena/);
    } finally {
      fresh.close();
    }
  });
});
