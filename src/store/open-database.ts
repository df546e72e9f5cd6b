/**
 * Opens (creating if needed) a keywarden SQLite file: refuses anything that
 * is not one, or is newer than this code, before touching it; then sets the
 * connection up (WAL, foreign keys, busy timeout) and applies migrations.
 */
import { closeSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, messageOf } from './errors.js';
import {
  applyMigrations,
  KEYWARDEN_APPLICATION_ID,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  schemaVersion,
} from './migrations.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export interface OpenDatabaseOptions {
  busyTimeoutMs?: number;
  now?: () => Date;
}

function checkPath(file: string): void {
  if (typeof file !== 'string' || file.trim() === '') throw new StoreError('database path is empty', String(file));
  if (path.resolve(file).split(/[\\/]/).includes('node_modules')) {
    throw new StoreError(
      `refusing to keep the keywarden database inside node_modules (${file}): it would be lost on reinstall; choose another path`,
      file,
    );
  }
}

/** Throws unless the open file is empty (new) or a keywarden database this code can read. */
function checkIdentity(db: Database.Database, file: string): void {
  let applicationId: number, version: number, objects: number;
  try {
    applicationId = db.pragma('application_id', { simple: true }) as number;
    version = schemaVersion(db);
    objects = db.prepare<[], number>('SELECT count(*) FROM sqlite_schema').pluck().get() ?? 0;
  } catch (error) {
    throw new StoreError(`${file} is not a keywarden database (${messageOf(error)})`, file, { cause: error });
  }
  const fresh = applicationId === 0 && version === 0 && objects === 0;
  if (fresh) return;
  if (applicationId !== KEYWARDEN_APPLICATION_ID) {
    throw new StoreError(
      `${file} is a SQLite database but not a keywarden database (application_id ${applicationId}, ` +
        `${objects} schema objects); point keywarden at a new or keywarden-made file`,
      file,
    );
  }
  if (version > LATEST_SCHEMA_VERSION) {
    throw new StoreError(
      `${file} was written by a newer keywarden (schema version ${version}; this one understands up to ` +
        `${LATEST_SCHEMA_VERSION}); upgrade keywarden to read it`,
      file,
    );
  }
  const recorded = db
    .prepare<[], { id: number; name: string }>('SELECT id, name FROM schema_migrations ORDER BY id')
    .all();
  for (const row of recorded) {
    const known = MIGRATIONS[row.id - 1];
    if (!known || known.name !== row.name) {
      throw new StoreError(
        `${file} records migration ${row.id} "${row.name}", which this keywarden does not know; ` +
          'it was made by a different build',
        file,
      );
    }
  }
}

/**
 * Creates a new database file owner-only (0600, whatever the umask) before
 * SQLite opens it: SQLite would create it 0644 less the umask, and gives its
 * -wal and -shm files the main file's mode. An existing file is left as its
 * owner set it.
 */
function createOwnerOnly(file: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  const memory = file === ':memory:';
  if (!memory) checkPath(file);
  const timeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeout) || timeout < 0) {
    throw new StoreError(`busy timeout for ${file} must be a non-negative integer of milliseconds`, file);
  }
  let db: Database.Database;
  try {
    if (!memory) createOwnerOnly(file);
    db = new Database(file, { timeout });
  } catch (error) {
    throw new StoreError(`cannot open keywarden database ${file}: ${messageOf(error)}`, file, { cause: error });
  }
  try {
    checkIdentity(db, file);
    if (!memory) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    try {
      applyMigrations(db, MIGRATIONS, options.now);
    } catch (error) {
      throw new StoreError(
        `cannot bring ${file} to schema version ${LATEST_SCHEMA_VERSION} (it stays at ${schemaVersion(db)}): ${messageOf(error)}`,
        file,
        { cause: error },
      );
    }
  } catch (error) {
    db.close();
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot open keywarden database ${file}: ${messageOf(error)}`, file, { cause: error });
  }
  return db;
}
