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

  it('upgrade a version-10 database to rowid-stored suggestions (migration 11) without losing or changing one', () => {
    const file = tempFile();
    const v10 = raw(file);
    applyMigrations(v10, MIGRATIONS.slice(0, 10));
    expect(v10.pragma('user_version', { simple: true })).toBe(10);
    const scan = (source: string, at: string) =>
      Number(
        v10
          .prepare(`INSERT INTO scans (provider, source, collected_at, started_at, finished_at, status) VALUES ('aws', ?, ?, ?, ?, 'complete')`)
          .run(source, at, at, at).lastInsertRowid,
      );
    const first = scan('live:prod', '2026-11-01T06:00:00.000Z');
    const second = scan('live:prod', '2026-11-08T06:00:00.000Z');
    // What version-10 code wrote: rows of a few KB (the size that spilled to overflow pages) and small ones, in two scans.
    const row = (scanId: number, n: number) => {
      const suggestion = {
        id: `kw-${n.toString(16).padStart(16, '0')}`,
        kind: 'detach-unused-policy',
        provider: 'aws',
        identityArn: `arn:aws:iam::111122223333:role/r${n}`,
        accountId: '111122223333',
        title: `Remove managed policy p${n}`,
        resolves: [`${n}`.padStart(32, 'f')],
        risk: 'x'.repeat(n % 2 ? 2_800 : 40),
        evidence: [],
        steps: [],
        rollback: [],
      };
      return [scanId, suggestion.id, suggestion.kind, 'aws', suggestion.identityArn, JSON.stringify(suggestion.resolves), JSON.stringify(suggestion)] as const;
    };
    const insert = v10.prepare('INSERT INTO scan_suggestions (scan_id, id, kind, provider, identity_arn, resolves, suggestion) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const written = [...Array.from({ length: 40 }, (_, n) => row(first, n)), ...Array.from({ length: 25 }, (_, n) => row(second, 100 + n))];
    for (const r of written) insert.run(...r);
    const before = v10.prepare('SELECT * FROM scan_suggestions ORDER BY scan_id, id').all();
    expect(v10.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'scan_suggestions'`).pluck().get()).toMatch(/WITHOUT ROWID/);
    v10.close();

    const store = openStore(file);
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.suggestions(first)).toEqual(written.slice(0, 40).map((r) => JSON.parse(r[6])));
    expect(store.suggestions(second)).toHaveLength(25);
    // A new save replaces one scan's suggestions only, as before.
    store.saveSuggestions(second, store.suggestions(second).slice(0, 3));
    expect(store.suggestions(second)).toHaveLength(3);
    expect(store.suggestions(first)).toHaveLength(40);
    store.close();

    const db = raw(file);
    expect(db.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'scan_suggestions'`).pluck().get()).not.toMatch(/WITHOUT ROWID/);
    expect(db.prepare('SELECT * FROM scan_suggestions WHERE scan_id = ? ORDER BY id').all(first)).toEqual(before.filter((r) => (r as { scan_id: number }).scan_id === first));
    expect(() => db.prepare('INSERT INTO scan_suggestions (scan_id, id, kind, provider, identity_arn, resolves, suggestion) VALUES (?, ?, ?, ?, ?, ?, ?)').run(...row(first, 0))).toThrow(/UNIQUE/);
    expect(() => db.prepare('INSERT INTO scan_suggestions (scan_id, id, kind, provider, identity_arn, resolves, suggestion) VALUES (?, ?, ?, ?, ?, ?, ?)').run(...row(99, 0))).toThrow(/FOREIGN KEY/);
    // Deleting a scan still takes its suggestions with it.
    db.prepare('DELETE FROM scans WHERE id = ?').run(first);
    expect(db.prepare('SELECT count(*) FROM scan_suggestions').pluck().get()).toBe(3);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
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
