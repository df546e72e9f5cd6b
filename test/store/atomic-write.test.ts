import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/model/domain.js';
import { openStore, StoreError, type ScanExtras, type Store } from '../../src/store/index.js';
import { ACCOUNT, TERRAFORM_USER, clone, realisticSnapshot } from './realistic-snapshot.js';

const MARCH = { from: '2025-03-01', to: '2025-03-31' };
const stores: Store[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));

function storeWithOneScan(): { store: Store; file: string } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'kw-atomic-')), 'keywarden.db');
  const store = openStore(file);
  stores.push(store);
  store.writeScan(realisticSnapshot(), {
    cloudTrailDays: [{ accountId: ACCOUNT, region: 'us-east-1', day: '2025-03-09' }],
    userAgents: [{ identityArn: TERRAFORM_USER, userAgent: 'aws-cli/2.15.30', count: 3, lastSeen: '2025-03-09T10:00:00Z' }],
  });
  return { store, file };
}

/** Everything a later scan could have disturbed. */
function state(store: Store) {
  return {
    scans: store.listScans(),
    contents: store.scanContents(1),
    usage: store.usageDays(MARCH),
    days: store.cloudTrailDays(MARCH),
    unmapped: store.unmappedEvents(),
    agents: store.userAgents(),
  };
}

/** A second scan that writes a lot before its last row goes wrong. */
function laterScan(): Snapshot {
  const s = realisticSnapshot();
  s.collectedAt = '2025-03-11T06:00:00Z';
  s.usage = s.usage.map((u) => ({ ...u, count: u.count + 100 }));
  s.ingested = [{ digest: 'f'.repeat(64), location: 'later.json.gz', events: 144 }];
  return s;
}

const failures: [string, (s: Snapshot, extras: Required<Pick<ScanExtras, 'userAgents'>>) => void, RegExp][] = [
  [
    'an identity of an unknown kind in the middle',
    (s) => s.identities.splice(1, 0, { ...clone(s.identities[0]!), arn: `arn:aws:iam::${ACCOUNT}:role/x`, kind: 'robot' as 'role' }),
    /identities\[1\] "arn:aws:iam::123456789012:role\/x": CHECK constraint failed/,
  ],
  [
    'a usage row with a malformed day, after usage was already added',
    (s) => s.usage.push({ ...s.usage[0]!, day: '09/03/2025' }),
    /usage\[3\] .*day must be a YYYY-MM-DD day, got "09\/03\/2025"/,
  ],
  [
    'a negative count',
    (s) => s.usage.push({ ...s.usage[0]!, day: '2025-03-10', count: -4 }),
    /usage\[3\] .*count must be a non-negative integer, got -4/,
  ],
  [
    'an attachment to a policy the snapshot did not deliver',
    (s) => s.attachments.push({ ...s.attachments[0]!, policyHash: 'deadbeef' }),
    /attachments\[3\] .*policy hash deadbeef is not among this snapshot's policies/,
  ],
  [
    'tags that are not strings',
    (s) => Object.assign(s.identities[2]!, { tags: { cost: 12 } }),
    /identities\[2\] .*tag "cost" has a number value, expected a string/,
  ],
  [
    'a duplicate credential id',
    (s) => s.credentials.push(clone(s.credentials[0]!)),
    /credentials\[3\] "AKIAIOSFODNN7EXAMPLE": UNIQUE constraint failed/,
  ],
  [
    'a user agent with a bad timestamp, the very last row written',
    (_s, extras) => (extras.userAgents[0]!.lastSeen = 'yesterday'),
    /extras.userAgents\[0\] .*lastSeen must be an ISO timestamp, got "yesterday"/,
  ],
];

describe('a scan whose write fails midway', () => {
  it.each(failures)('leaves earlier scans and accumulated totals untouched: %s', (_name, corrupt, message) => {
    const { store, file } = storeWithOneScan();
    const before = state(store);
    const snapshot = laterScan();
    const extras = {
      cloudTrailDays: [{ accountId: ACCOUNT, region: 'us-east-1', day: '2025-03-10' }],
      userAgents: [{ identityArn: TERRAFORM_USER, userAgent: 'aws-cli/2.15.30', count: 5, lastSeen: '2025-03-10T10:00:00Z' }],
    };
    corrupt(snapshot, extras);

    let error: unknown;
    try {
      store.writeScan(snapshot, extras);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(`scan from files:/exports/acme-prod was not stored in ${file}`);

    expect(state(store)).toStrictEqual(before);
    expect(store.hasIngested('f'.repeat(64))).toBe(false);
    // The store is still usable, and the next scan takes the next id.
    expect(store.writeScan(laterScan())).toBe(2);
  });

  it('says which nested Access Advisor row was refused', () => {
    const { store } = storeWithOneScan();
    const snapshot = laterScan();
    snapshot.accessAdvisor[0]!.services.push({ namespace: 's3' });
    expect(() => store.writeScan(snapshot)).toThrow(
      /accessAdvisor\[0\] "arn:aws:iam::123456789012:user\/automation\/terraform-bot": services\[3\] "s3": UNIQUE constraint failed/,
    );
    expect(store.listScans()).toHaveLength(1);
  });

  it('refuses something that is not a snapshot with a clear message', () => {
    const { store } = storeWithOneScan();
    expect(() => store.writeScan(null as unknown as Snapshot)).toThrow(/\(unnamed source\) was not stored.*snapshot is not an object/);
    expect(() => store.writeScan({ ...laterScan(), usage: 'none' as unknown as [] })).toThrow(/usage is not an array/);
  });
});
