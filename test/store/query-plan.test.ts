import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { Snapshot, UsageDay } from '../../src/model/domain.js';
import { openStore } from '../../src/store/index.js';
import { USAGE_DAYS_FOR_IDENTITIES_SQL, USAGE_FOR_IDENTITIES_SQL } from '../../src/store/read-usage.js';

const IDENTITIES = 60;
const ACTIONS = ['s3:GetObject', 's3:PutObject', 'sts:AssumeRole'];

/** A year of daily aggregates for many identities, as a year of daily scans would leave. */
function yearOfUsage(): UsageDay[] {
  const rows: UsageDay[] = [];
  const start = Date.UTC(2024, 2, 1);
  for (let d = 0; d < 365; d++) {
    const day = new Date(start + d * 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < IDENTITIES; i++) {
      for (const action of ACTIONS) {
        rows.push({
          identityArn: `arn:aws:iam::123456789012:role/worker-${i}`,
          credentialId: `ASIA${String(i).padStart(16, '0')}`,
          action,
          day,
          count: 1 + ((d + i) % 7),
          denied: 0,
          lastSeen: `${day}T12:00:00.000Z`,
        });
      }
    }
  }
  return rows;
}

let file: string;
let db: Database.Database;
beforeAll(() => {
  file = path.join(mkdtempSync(path.join(tmpdir(), 'kw-plan-')), 'keywarden.db');
  const store = openStore(file);
  const snapshot: Snapshot = {
    provider: 'aws', source: 'files:year', collectedAt: '2025-03-01T00:00:00Z',
    accounts: [], identities: [], credentials: [], policies: [], attachments: [], accessAdvisor: [],
    usage: yearOfUsage(), unmappedEvents: [], ingested: [], coverage: [],
  };
  store.writeScan(snapshot);
  // The query under test returns the right rows: 90 days of one identity.
  const window = { from: '2024-12-01', to: '2025-02-28' };
  const usage = store.usageFor(window, ['arn:aws:iam::123456789012:role/worker-7']);
  expect(usage.map((u) => [u.action, u.activeDays])).toEqual(ACTIONS.map((a) => [a, 90]));
  store.close();
  db = new Database(file, { readonly: true });
});
afterAll(() => db.close());

function plan(sql: string): string {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('["arn:aws:iam::123456789012:role/worker-7"]', '2024-12-01', '2025-02-28') as { detail: string }[])
    .map((r) => r.detail)
    .join('\n');
}

describe('reading one identity\'s usage over a window', () => {
  it.each([
    ['aggregated per action', USAGE_FOR_IDENTITIES_SQL],
    ['as daily rows', USAGE_DAYS_FOR_IDENTITIES_SQL],
  ])('%s seeks the (identity, day) index on both columns', (_name, sql) => {
    const text = plan(sql);
    expect(text).toMatch(/SEARCH usage_days USING INDEX usage_days_by_identity_day \(identity_arn=\? AND day>\? AND day<\?\)/);
    expect(text).not.toMatch(/SCAN usage_days/);
  });

  it('keeps that plan once the database has statistics (ANALYZE)', () => {
    const writable = new Database(file);
    writable.exec('ANALYZE');
    writable.close();
    for (const sql of [USAGE_FOR_IDENTITIES_SQL, USAGE_DAYS_FOR_IDENTITIES_SQL]) {
      expect(plan(sql)).toMatch(/SEARCH usage_days USING INDEX usage_days_by_identity_day \(identity_arn=\? AND day>\? AND day<\?\)/);
    }
  });
});
