import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore, StoreError } from '../../src/store/index.js';
import { LATEST_SCHEMA_VERSION } from '../../src/store/migrations.js';
import { realisticSnapshot } from './realistic-snapshot.js';

const tempDir = () => mkdtempSync(path.join(tmpdir(), 'kw-open-'));

function openError(file: string): StoreError {
  try {
    openStore(file).close();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error(`expected openStore(${file}) to fail`);
}

describe('opening a database', () => {
  it('creates missing parent directories and a WAL-mode file, and reopens it with its data', () => {
    const file = path.join(tempDir(), 'state', 'nested', 'keywarden.db');
    const store = openStore(file);
    store.writeScan(realisticSnapshot());
    store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const again = openStore(file);
    expect(again.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(again.listScans()).toHaveLength(1);
    again.close();
  });

  it('supports :memory: for tests', () => {
    const store = openStore(':memory:');
    expect(store.writeScan(realisticSnapshot())).toBe(1);
    store.close();
  });

  it('refuses a text file, naming it and leaving it untouched', () => {
    const file = path.join(tempDir(), 'notes.txt');
    writeFileSync(file, 'role/deploy-from-github: ask platform team before removing\n'.repeat(20));
    const before = readFileSync(file);
    const error = openError(file);
    expect(error.message).toBe(`${file} is not a keywarden database (file is not a database)`);
    expect(error.path).toBe(file);
    expect(readFileSync(file)).toEqual(before);
  });

  it('refuses some other application\'s SQLite database', () => {
    const file = path.join(tempDir(), 'other.sqlite');
    const other = new Database(file);
    other.exec('CREATE TABLE bookmarks (url TEXT)');
    other.close();
    expect(openError(file).message).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a SQLite database but not a keywarden database`),
    );
    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT name FROM sqlite_schema').pluck().all()).toEqual(['bookmarks']);
    check.close();
  });

  it('refuses a database written by a newer keywarden', () => {
    const file = path.join(tempDir(), 'keywarden.db');
    openStore(file).close();
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    db.close();
    expect(openError(file).message).toBe(
      `${file} was written by a newer keywarden (schema version ${LATEST_SCHEMA_VERSION + 5}; ` +
        `this one understands up to ${LATEST_SCHEMA_VERSION}); upgrade keywarden to read it`,
    );
  });

  it('refuses a path inside node_modules without creating anything', () => {
    const dir = tempDir();
    const file = path.join(dir, 'node_modules', 'keywarden', 'keywarden.db');
    expect(openError(file).message).toMatch(/refusing to keep the keywarden database inside node_modules .*node_modules\/keywarden\/keywarden.db/);
    expect(existsSync(path.join(dir, 'node_modules'))).toBe(false);
  });

  it('says what went wrong when the path cannot be a file', () => {
    expect(openError('').message).toBe('database path is empty');
    const dir = tempDir();
    expect(openError(dir).message).toMatch(new RegExp(`^cannot open keywarden database ${dir}`));
    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, '');
    expect(openError(path.join(blocker, 'keywarden.db')).message).toMatch(/^cannot open keywarden database .*a-file\/keywarden.db: /);
  });
});
