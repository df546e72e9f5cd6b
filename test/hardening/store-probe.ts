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
  const raw = new Database(file, { readonly: true, fileMustExist: true });
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
