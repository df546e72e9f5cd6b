/**
 * Store throughput at the size of a large account. Not a vitest test (no
 * timing assertions); run with `npx tsx test/store/bench-write-scan.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Snapshot } from '../../src/model/domain.js';
import { openStore } from '../../src/store/index.js';
import { policy } from './realistic-snapshot.js';

const ACCOUNT = '123456789012';

function largeSnapshot(collectedAt: string, dayOffset = 0): Snapshot {
  const policies = Array.from({ length: 2000 }, (_, p) =>
    policy({
      Version: '2012-10-17',
      Statement: [
        { Sid: `P${p}`, Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::bucket-${p}/*` },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/${p}` },
      ],
    }),
  );
  const arn = (i: number) => `arn:aws:iam::${ACCOUNT}:role/svc/worker-${i}`;
  const identities = Array.from({ length: 10_000 }, (_, i) => ({
    provider: 'aws' as const, arn: arn(i), accountId: ACCOUNT, kind: 'role' as const, name: `worker-${i}`,
    path: '/svc/', uniqueId: `AROA${String(i).padStart(17, '0')}`, tags: { team: `t${i % 40}` },
    trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
  }));
  const attachments = Array.from({ length: 50_000 }, (_, a) => ({
    identityArn: arn(a % 10_000), policyHash: policies[(a * 7) % 2000]!.hash, kind: 'managed' as const,
    policyName: `policy-${(a * 7) % 2000}`, policyArn: `arn:aws:iam::${ACCOUNT}:policy/policy-${(a * 7) % 2000}`, policyVersion: 'v1',
  }));
  const actions = ['s3:GetObject', 's3:PutObject', 'kms:Decrypt', 'sts:AssumeRole', 'dynamodb:Query'];
  const usage = Array.from({ length: 200_000 }, (_, u) => {
    const day = new Date(Date.UTC(2025, 0, 1 + dayOffset + (u % 4))).toISOString().slice(0, 10);
    return {
      identityArn: arn(Math.floor(u / 20) % 10_000), credentialId: `ASIA${String(Math.floor(u / 20) % 10_000).padStart(16, '0')}`,
      action: actions[Math.floor(u / 4) % 5]!, day, count: 1 + (u % 13), denied: u % 50 === 0 ? 1 : 0, lastSeen: `${day}T10:00:00.000Z`,
    };
  });
  return {
    provider: 'aws', source: 'files:bench', collectedAt, accounts: [{ provider: 'aws', accountId: ACCOUNT, tags: {} }],
    identities, credentials: [], policies, attachments, accessAdvisor: [], usage, unmappedEvents: [],
    ingested: [{ digest: collectedAt.replace(/\D/g, '').padEnd(64, '0'), location: 'bench', events: 200_000 }], coverage: [],
  };
}

const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-'));
const store = openStore(path.join(dir, 'keywarden.db'));
try {
  for (const [i, at] of ['2025-01-05T00:00:00Z', '2025-01-06T00:00:00Z'].entries()) {
    const snapshot = largeSnapshot(at, i * 2);
    let t = performance.now();
    const id = store.writeScan(snapshot);
    const write = performance.now() - t;
    t = performance.now();
    const contents = store.scanContents(id);
    const read = performance.now() - t;
    t = performance.now();
    const one = store.usageFor({ from: '2025-01-01', to: '2025-03-31' }, [`arn:aws:iam::${ACCOUNT}:role/svc/worker-42`]);
    const usage = performance.now() - t;
    console.log(
      `scan ${id}: writeScan ${write.toFixed(0)} ms (10k identities, 2k policies, 50k attachments, 200k usage rows); ` +
        `scanContents ${read.toFixed(0)} ms (${contents.attachments.length} attachments); ` +
        `usageFor one identity ${usage.toFixed(1)} ms (${one.length} rows)`,
    );
  }
} finally {
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
