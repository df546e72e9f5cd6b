/** Suggestions stored per scan (migration 3; a rowid table since migration 11), replaced as a whole when a scan is reported again. */
import type Database from 'better-sqlite3';
import type { Suggestion } from '../report/json-schema.js';

export function saveSuggestions(db: Database.Database, scanId: number, suggestions: readonly Suggestion[]): void {
  const remove = db.prepare<[number]>('DELETE FROM scan_suggestions WHERE scan_id = ?');
  const insert = db.prepare<[number, string, string, string, string, string, string]>(
    `INSERT INTO scan_suggestions (scan_id, id, kind, provider, identity_arn, resolves, suggestion) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    remove.run(scanId);
    // In key order: ids are hashes, so inserting them as they come would split pages all over the (scan_id, id) index;
    // in order, each key lands at its end.
    for (const s of [...suggestions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      insert.run(scanId, s.id, s.kind, s.provider, s.identityArn, JSON.stringify(s.resolves), storedText(s));
    }
  }).immediate();
}

/**
 * A suggestion as stored: without its status, which is relative to the scan
 * that reads it. An audit stores them before any status is set, so most are
 * written as they are, without a copy of each (hundreds of MB at scale).
 */
function storedText(s: Suggestion): string {
  if (s.status === undefined) return JSON.stringify(s);
  const { status: _status, ...stored } = s;
  return JSON.stringify(stored);
}

export function readSuggestions(db: Database.Database, scanId: number): Suggestion[] {
  return db
    .prepare<[number], { suggestion: string }>('SELECT suggestion FROM scan_suggestions WHERE scan_id = ? ORDER BY id')
    .all(scanId)
    .map((r) => JSON.parse(r.suggestion) as Suggestion);
}
