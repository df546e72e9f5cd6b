import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot, UsageDay } from '../../src/model/domain.js';
import { openStore, type Store } from '../../src/store/index.js';
import {
  ACCOUNT,
  ADMIN,
  DEPLOY_ROLE,
  TERRAFORM_KEY,
  TERRAFORM_USER,
  realisticSnapshot,
} from './realistic-snapshot.js';

const TERRAFORM_AGENT = 'APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0';
const MARCH = { from: '2025-03-01', to: '2025-03-31' };

function putObject(day: string, count: number, lastSeen: string): UsageDay {
  return { identityArn: TERRAFORM_USER, credentialId: TERRAFORM_KEY, action: 's3:PutObject', day, count, denied: 0, lastSeen };
}

/** The next day's scan: more events for 03-09 from a later file, a new day, and an admin grant on the deploy role. */
function secondScan(): Snapshot {
  const snapshot = realisticSnapshot();
  snapshot.collectedAt = '2025-03-11T06:00:00.000Z';
  snapshot.attachments.push({
    identityArn: DEPLOY_ROLE,
    policyHash: ADMIN.hash,
    kind: 'managed',
    policyName: 'AdministratorAccess',
    policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    policyVersion: 'v1',
  });
  snapshot.accessAdvisor = [
    { identityArn: DEPLOY_ROLE, granularity: 'SERVICE_LEVEL', completedAt: '2025-03-11T05:59:00Z', services: [] },
  ];
  snapshot.usage = [
    putObject('2025-03-09', 9, '2025-03-09T23:59:00.000Z'),
    putObject('2025-03-10', 5, '2025-03-10T08:00:00.000Z'),
  ];
  snapshot.ingested = [
    { digest: '5e1d'.repeat(16), location: 's3://acme-trail/AWSLogs/123456789012/CloudTrail/us-east-1/2025/03/10/b.json.gz', events: 14 },
  ];
  snapshot.unmappedEvents = [{ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', count: 2 }];
  return snapshot;
}

let store: Store;
let first: number;
let second: number;
beforeEach(() => {
  store = openStore(':memory:');
  first = store.writeScan(realisticSnapshot(), {
    cloudTrailDays: [
      { accountId: ACCOUNT, region: 'us-east-1', day: '2025-03-08' },
      { accountId: ACCOUNT, region: 'us-east-1', day: '2025-03-09' },
    ],
    userAgents: [{ identityArn: TERRAFORM_USER, userAgent: TERRAFORM_AGENT, count: 41, lastSeen: '2025-03-09T18:00:00Z' }],
  });
  second = store.writeScan(secondScan(), {
    cloudTrailDays: [
      { accountId: ACCOUNT, region: 'us-east-1', day: '2025-03-09' },
      { accountId: ACCOUNT, region: 'us-east-1', day: '2025-03-10' },
      { accountId: ACCOUNT, region: 'eu-west-1', day: '2025-03-10' },
    ],
    userAgents: [
      { identityArn: TERRAFORM_USER, userAgent: TERRAFORM_AGENT, count: 14, lastSeen: '2025-03-10T08:00:00Z' },
      { identityArn: TERRAFORM_USER, userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1', count: 1, lastSeen: '2025-03-10T07:00:00Z' },
    ],
  });
});
afterEach(() => store.close());

describe('usage accumulated across scans', () => {
  it('adds counts for the same identity, credential, action and day, and keeps the latest lastSeen', () => {
    const days = store.usageDays(MARCH, [TERRAFORM_USER]).filter((d) => d.action === 's3:PutObject');
    expect(days).toEqual([
      putObject('2025-03-09', 41 + 9, '2025-03-09T23:59:00.000Z'),
      putObject('2025-03-10', 5, '2025-03-10T08:00:00.000Z'),
    ]);
  });

  it('aggregates one identity over a window, keeping denials apart from use', () => {
    expect(store.usageFor(MARCH, [TERRAFORM_USER])).toEqual([
      {
        identityArn: TERRAFORM_USER, credentialId: TERRAFORM_KEY, action: 'iam:CreateUser',
        firstDay: '2025-03-09', lastDay: '2025-03-09', activeDays: 1, count: 0, denied: 2, lastSeen: '2025-03-09T17:42:10.000Z',
      },
      {
        identityArn: TERRAFORM_USER, credentialId: TERRAFORM_KEY, action: 's3:PutObject',
        firstDay: '2025-03-09', lastDay: '2025-03-10', activeDays: 2, count: 55, denied: 0, lastSeen: '2025-03-10T08:00:00.000Z',
      },
    ]);
    expect(store.usageFor({ from: '2025-03-10', to: '2025-03-10' }, [TERRAFORM_USER]).map((u) => [u.action, u.count])).toEqual([
      ['s3:PutObject', 5],
    ]);
    expect(store.usageFor(MARCH, [])).toEqual([]);
    expect(new Set(store.usageFor(MARCH).map((u) => u.identityArn))).toEqual(new Set([TERRAFORM_USER, DEPLOY_ROLE]));
  });

  it('summarises each identity', () => {
    expect(store.usageSummaryByIdentity(MARCH)).toEqual([
      {
        identityArn: DEPLOY_ROLE, actionsUsed: 1, actionsDenied: 0, calls: 3, denied: 0, credentials: 1,
        activeDays: 1, firstDay: '2025-03-08', lastDay: '2025-03-08', lastSeen: '2025-03-08T11:05:00.000Z',
      },
      {
        identityArn: TERRAFORM_USER, actionsUsed: 1, actionsDenied: 1, calls: 55, denied: 2, credentials: 1,
        activeDays: 2, firstDay: '2025-03-09', lastDay: '2025-03-10', lastSeen: '2025-03-10T08:00:00.000Z',
      },
    ]);
  });

  it('accumulates CloudTrail day coverage, unmapped events and user agents', () => {
    expect(store.cloudTrailDays(MARCH)).toEqual([
      { accountId: ACCOUNT, region: 'eu-west-1', day: '2025-03-10' },
      { accountId: ACCOUNT, region: 'us-east-1', day: '2025-03-08' },
      { accountId: ACCOUNT, region: 'us-east-1', day: '2025-03-09' },
      { accountId: ACCOUNT, region: 'us-east-1', day: '2025-03-10' },
    ]);
    expect(store.cloudTrailDays({ from: '2025-03-09', to: '2025-03-09' }, '999999999999')).toEqual([]);
    expect(store.unmappedEvents()).toEqual([{ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', count: 3 }]);
    expect(store.userAgents([TERRAFORM_USER])).toEqual([
      { identityArn: TERRAFORM_USER, userAgent: TERRAFORM_AGENT, count: 55, lastSeen: '2025-03-10T08:00:00.000Z' },
      { identityArn: TERRAFORM_USER, userAgent: 'aws-cli/2.15.30 Python/3.11.8 Linux/6.1', count: 1, lastSeen: '2025-03-10T07:00:00.000Z' },
    ]);
  });

  it('rejects a malformed window, naming the bound', () => {
    expect(() => store.usageFor({ from: '2025-3-1', to: '2025-03-31' })).toThrow(/"from" must be a YYYY-MM-DD day, got "2025-3-1"/);
    expect(() => store.usageSummaryByIdentity({ from: '2025-03-31', to: '2025-03-01' })).toThrow(/reversed/);
  });
});

describe('CloudTrail objects are counted once', () => {
  /** What a file collector does: skip objects already folded in, aggregate the rest. */
  function collect(files: { digest: string; usage: UsageDay[] }[]): Snapshot {
    const fresh = files.filter((f) => !store.hasIngested(f.digest));
    return {
      ...secondScan(),
      collectedAt: '2025-03-12T06:00:00.000Z',
      usage: fresh.flatMap((f) => f.usage),
      ingested: fresh.map((f) => ({ digest: f.digest, location: `file:${f.digest}.json.gz`, events: f.usage.length })),
    };
  }

  it('a collector re-reading the same files adds nothing', () => {
    const files = [{ digest: 'c0ffee'.padEnd(64, '0'), usage: [putObject('2025-03-11', 7, '2025-03-11T01:00:00Z')] }];
    expect(store.hasIngested(files[0]!.digest)).toBe(false);
    store.writeScan(collect(files));
    expect(store.hasIngested(files[0]!.digest)).toBe(true);
    store.writeScan(collect(files));
    expect(store.usageFor({ from: '2025-03-11', to: '2025-03-11' }).map((u) => u.count)).toEqual([7]);
  });

  it('refuses a snapshot that lists an object already ingested, storing none of it', () => {
    const again = realisticSnapshot();
    again.collectedAt = '2025-03-12T06:00:00Z';
    expect(() => store.writeScan(again)).toThrow(
      /ingested\[0\] "s3:\/\/acme-trail\/.*": already ingested by scan 1 at .*would count its events twice/,
    );
    expect(store.usageSummaryByIdentity(MARCH).find((s) => s.identityArn === TERRAFORM_USER)!.calls).toBe(55);
    expect(store.listScans()).toHaveLength(2);
  });

  it('refuses an object listed twice in one snapshot', () => {
    const twice = secondScan();
    twice.ingested = [
      { digest: 'ab'.repeat(32), location: 'a.json.gz', events: 1 },
      { digest: 'ab'.repeat(32), location: 'copy-of-a.json.gz', events: 1 },
    ];
    expect(() => store.writeScan(twice)).toThrow(/ingested\[1\] "copy-of-a.json.gz": object a?b.* is listed twice/);
  });
});

describe('scans over time', () => {
  it('lists complete scans oldest first and finds the latest and previous by collection time', () => {
    expect(store.listScans('aws').map((s) => s.id)).toEqual([first, second]);
    expect(store.latestScan('aws')?.id).toBe(second);
    expect(store.latestScan('gcp')).toBeUndefined();
    expect(store.previousScan(second)?.id).toBe(first);
    expect(store.previousScan(first)).toBeUndefined();
    expect(() => store.previousScan(999)).toThrow(/has no complete scan with id 999/);
  });

  it('orders an old export imported late by when it was collected', () => {
    const old = store.writeScan({ ...realisticSnapshot(), collectedAt: '2025-01-01T00:00:00Z', usage: [], ingested: [] });
    expect(store.latestScan('aws')?.id).toBe(second);
    expect(store.previousScan(first)?.id).toBe(old);
    expect(store.listScans().map((s) => s.id)).toEqual([old, first, second]);
  });

  it('keeps providers apart', () => {
    const gcp = store.writeScan({
      ...realisticSnapshot(),
      provider: 'gcp',
      source: 'live:acme-prod-gcp',
      accounts: [{ provider: 'gcp', accountId: 'acme-prod-417812', tags: {} }],
      identities: [
        {
          provider: 'gcp', arn: 'ci-deployer@acme-prod-417812.iam.gserviceaccount.com', accountId: 'acme-prod-417812',
          kind: 'service-account', name: 'ci-deployer', uniqueId: '108826543210987654321', tags: {},
        },
      ],
      credentials: [], attachments: [], accessAdvisor: [], usage: [], ingested: [], unmappedEvents: [],
    });
    expect(store.latestScan('gcp')?.id).toBe(gcp);
    expect(store.latestScan('aws')?.id).toBe(second);
    expect(store.previousScan(gcp)).toBeUndefined();
    expect(store.scanContents(gcp).identities.map((i) => i.kind)).toEqual(['service-account']);
  });

  it('gives an identity its attachments per scan, so a grown grant shows', () => {
    const history = store.identityHistory(DEPLOY_ROLE);
    expect(history.map((h) => h.scan.id)).toEqual([first, second]);
    expect(history.map((h) => h.attachments.map((a) => a.policyName))).toEqual([
      ['deploy-artifacts'],
      ['deploy-artifacts', 'AdministratorAccess'],
    ]);
    expect(history[1]!.identity.trustPolicy).toEqual(history[0]!.identity.trustPolicy);
    const docs = store.policyDocuments(history[1]!.attachments.map((a) => a.policyHash));
    expect(docs.get(ADMIN.hash)).toEqual(ADMIN.document);
    expect(store.identityHistory('arn:aws:iam::123456789012:role/never-seen')).toEqual([]);
  });

  it('keeps an earlier scan readable unchanged after later ones', () => {
    const contents = store.scanContents(first);
    expect(contents.attachments.filter((a) => a.identityArn === DEPLOY_ROLE)).toHaveLength(1);
    expect(contents.accessAdvisor.map((r) => r.identityArn)).toEqual([TERRAFORM_USER, DEPLOY_ROLE].sort());
  });

  it('takes each identity\'s Access Advisor from the newest scan that has it', () => {
    const latest = store.latestAccessAdvisor('aws');
    expect(latest.get(DEPLOY_ROLE)?.scan.id).toBe(second);
    expect(latest.get(DEPLOY_ROLE)?.reports).toEqual([
      { identityArn: DEPLOY_ROLE, granularity: 'SERVICE_LEVEL', completedAt: '2025-03-11T05:59:00Z', services: [] },
    ]);
    // The second scan could not read it for the Terraform user: the first scan's report stands, dated.
    expect(latest.get(TERRAFORM_USER)?.scan.id).toBe(first);
    expect(latest.get(TERRAFORM_USER)?.reports[0]?.services.map((s) => s.namespace)).toEqual(['iam', 'kms', 's3']);
    expect([...store.latestAccessAdvisor('aws', [TERRAFORM_USER]).keys()]).toEqual([TERRAFORM_USER]);
    expect(store.latestAccessAdvisor('gcp').size).toBe(0);
  });
});
