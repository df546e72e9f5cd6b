/** What a reader of a keywarden database sees, for the crash and concurrency suites. */
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';

export interface DbState {
  integrity: string;
  scans: { id: number; identities: number }[];
  /** Calls + denied calls over every stored day. */
  usage: number;
  ingestedFiles: number;
}

export function dbState(file: string): DbState {
  // Read-write, so a WAL left by a killed writer is recovered the way keywarden's next run recovers it.
  const raw = new Database(file, { fileMustExist: true });
  let integrity: string;
  let ingestedFiles: number;
  try {
    integrity = (raw.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    ingestedFiles = raw.prepare<[], number>('SELECT count(*) FROM ingested_objects').pluck().get() ?? 0;
  } finally {
    raw.close();
  }
  const store = openStore(file);
  try {
    const scans = store.listScans().map((s) => ({ id: s.id, identities: store.scanContents(s.id).identities.length }));
    const usage = store.usageFor({ from: '2000-01-01', to: '2100-12-31' }).reduce((n, u) => n + u.count + u.denied, 0);
    return { integrity, scans, usage, ingestedFiles };
  } finally {
    store.close();
  }
}

/**
 * Whether a killed writer left uncommitted frames at the end of the WAL
 * (it died while committing): the valid frames (salts matching the header)
 * after the last commit frame. Read before anything opens the database.
 */
export function uncommittedWalFrames(bytes: Buffer | undefined): number {
  if (!bytes || bytes.length < 32) return 0;
  const pageSize = bytes.readUInt32BE(8);
  const salt1 = bytes.readUInt32BE(16);
  const salt2 = bytes.readUInt32BE(20);
  let sinceCommit = 0;
  for (let at = 32; at + 24 + pageSize <= bytes.length; at += 24 + pageSize) {
    if (bytes.readUInt32BE(at + 8) !== salt1 || bytes.readUInt32BE(at + 12) !== salt2) break;
    sinceCommit = bytes.readUInt32BE(at + 4) !== 0 ? 0 : sinceCommit + 1;
  }
  return sinceCommit;
}
