import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  applyMigrations,
  assertMigrationOrder,
  KEYWARDEN_APPLICATION_ID,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
} from '../../src/store/migrations.js';
import { openStore } from '../../src/store/index.js';
import { ACCOUNT, DEPLOY_ROLE, realisticSnapshot } from './realistic-snapshot.js';

const tempFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'kw-migrate-')), 'keywarden.db');

function raw(file: string) {
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  return db;
}

describe('schema migrations', () => {
  it('bring a new file to the latest version, recording each one and keeping user_version in step', () => {
    const file = tempFile();
    openStore(file).close();
    const db = raw(file);
    expect(db.pragma('application_id', { simple: true })).toBe(KEYWARDEN_APPLICATION_ID);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare('SELECT id, name FROM schema_migrations ORDER BY id').all()).toEqual(
      MIGRATIONS.map((m) => ({ id: m.id, name: m.name })),
    );
    db.close();
  });

  it('upgrade a version-1 database without losing its scans, usage or ingested objects', () => {
    const file = tempFile();
    const v1 = raw(file);
    applyMigrations(v1, MIGRATIONS.slice(0, 1));
    expect(v1.pragma('user_version', { simple: true })).toBe(1);
    // What version-1 code wrote.
    v1.prepare(
      `INSERT INTO scans (provider, source, collected_at, started_at, finished_at, status)
       VALUES ('aws', 'live:prod', '2025-01-05T06:00:00.000Z', '2025-01-05T05:58:00.000Z', '2025-01-05T06:01:00.000Z', 'complete')`,
    ).run();
    v1.prepare(
      `INSERT INTO identities (scan_id, arn, provider, account_id, kind, name, path, tags)
       VALUES (1, ?, 'aws', ?, 'role', 'deploy-from-github', '/ci/', '{"owner":"platform"}')`,
    ).run(DEPLOY_ROLE, ACCOUNT);
    v1.prepare(
      `INSERT INTO usage_days VALUES (?, 'ASIA3XFRBF53EXAMPLE01', 'ecs:UpdateService', '2025-01-04', 12, 1, '2025-01-04T20:00:00.000Z')`,
    ).run(DEPLOY_ROLE);
    v1.prepare(`INSERT INTO ingested_objects VALUES (?, 'old.json.gz', 13, 1, '2025-01-05T06:01:00.000Z')`).run('0a'.repeat(32));
    v1.close();

    const store = openStore(file);
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.listScans().map((s) => s.source)).toEqual(['live:prod']);
    expect(store.scanContents(1).identities).toEqual([
      { provider: 'aws', arn: DEPLOY_ROLE, accountId: ACCOUNT, kind: 'role', name: 'deploy-from-github', path: '/ci/', tags: { owner: 'platform' } },
    ]);
    expect(store.hasIngested('0a'.repeat(32))).toBe(true);

    // New scans, including what only the newer schema holds, add to the old usage.
    store.writeScan(realisticSnapshot(), { cloudTrailDays: [{ accountId: ACCOUNT, region: 'us-east-1', day: '2025-03-09' }] });
    const deploy = store.usageSummaryByIdentity({ from: '2025-01-01', to: '2025-03-31' }).find((s) => s.identityArn === DEPLOY_ROLE);
    expect(deploy).toMatchObject({ calls: 12 + 3, denied: 1, firstDay: '2025-01-04', lastDay: '2025-03-08' });
    expect(store.cloudTrailDays({ from: '2025-03-09', to: '2025-03-09' })).toHaveLength(1);
    store.close();
  });

  it('roll back a failing migration as a whole, leaving the previous version usable', () => {
    const file = tempFile();
    openStore(file).close();
    const db = raw(file);
    const broken = { id: LATEST_SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE half_done (a TEXT); INSERT INTO no_such_table VALUES (1);' };
    expect(() => applyMigrations(db, [...MIGRATIONS, broken])).toThrow(/migration \d+ \(broken\) failed: no such table: no_such_table/);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'`).pluck().get()).toBe(0);
    expect(db.prepare('SELECT max(id) FROM schema_migrations').pluck().get()).toBe(LATEST_SCHEMA_VERSION);

    const fixed = { ...broken, name: 'add a note to scans', sql: 'ALTER TABLE scans ADD COLUMN note TEXT;' };
    expect(applyMigrations(db, [...MIGRATIONS, fixed])).toEqual([LATEST_SCHEMA_VERSION + 1]);
    expect(applyMigrations(db, [...MIGRATIONS, fixed])).toEqual([]); // idempotent
    db.close();
  });

  it('must be numbered 1, 2, 3… without gaps', () => {
    expect(() => assertMigrationOrder(MIGRATIONS)).not.toThrow();
    expect(() => assertMigrationOrder([MIGRATIONS[0]!, { id: 3, name: 'skip', sql: '' }])).toThrow(
      /migration "skip" has id 3, expected 2/,
    );
  });

  it('refuse a database that records a migration this build does not know', () => {
    const file = tempFile();
    openStore(file).close();
    const db = raw(file);
    db.prepare('UPDATE schema_migrations SET name = ? WHERE id = 2').run('something from a fork');
    db.close();
    expect(() => openStore(file)).toThrow(`${file} records migration 2 "something from a fork", which this keywarden does not know`);
  });
});
