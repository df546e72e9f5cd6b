/**
 * Migration 9: the headline figures of a scan's audit over a window length,
 * stored when a report is built so the HTML trend charts read them instead
 * of auditing every earlier scan again.
 *
 * A row speaks for one window (its last day is kept) and one basis (a hash
 * of what else decides the figures: tool version, rules, the config's
 * environments and agents); a reader reuses a row only when both match, and
 * otherwise audits again and replaces it.
 */
import type Database from 'better-sqlite3';
import type { Migration } from './migrations.js';

export const SCAN_SUMMARIES_MIGRATION: Migration = {
  id: 9,
  name: 'scan summaries for trends',
  sql: `
CREATE TABLE scan_summaries (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  window_days INTEGER NOT NULL CHECK (window_days >= 1),
  window_to TEXT NOT NULL CHECK (window_to GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  basis TEXT NOT NULL,
  -- JSON object: severity -> findings (open and suppressed alike).
  findings_by_severity TEXT NOT NULL CHECK (json_valid(findings_by_severity)),
  granted_actions INTEGER NOT NULL CHECK (granted_actions >= 0),
  used_actions INTEGER NOT NULL CHECK (used_actions >= 0),
  agent_identities INTEGER NOT NULL CHECK (agent_identities >= 0),
  identities INTEGER NOT NULL CHECK (identities >= 0),
  stored_at TEXT NOT NULL,
  PRIMARY KEY (scan_id, window_days)
) STRICT, WITHOUT ROWID;
`,
};

export interface ScanSummary {
  scanId: number;
  windowDays: number;
  /** Last day of the window the figures speak for. */
  windowTo: string;
  basis: string;
  findingsBySeverity: Record<string, number>;
  grantedActions: number;
  usedActions: number;
  agentIdentities: number;
  identities: number;
}

interface Row {
  scan_id: number;
  window_days: number;
  window_to: string;
  basis: string;
  findings_by_severity: string;
  granted_actions: number;
  used_actions: number;
  agent_identities: number;
  identities: number;
}

/** Stores (or replaces) the summary of a scan for its window length. */
export function saveScanSummary(db: Database.Database, s: ScanSummary, storedAt: string): void {
  db.prepare<[number, number, string, string, string, number, number, number, number, string]>(
    `INSERT INTO scan_summaries (scan_id, window_days, window_to, basis, findings_by_severity, granted_actions, used_actions, agent_identities, identities, stored_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (scan_id, window_days) DO UPDATE SET window_to = excluded.window_to, basis = excluded.basis,
       findings_by_severity = excluded.findings_by_severity, granted_actions = excluded.granted_actions, used_actions = excluded.used_actions,
       agent_identities = excluded.agent_identities, identities = excluded.identities, stored_at = excluded.stored_at`,
  ).run(s.scanId, s.windowDays, s.windowTo, s.basis, JSON.stringify(s.findingsBySeverity), s.grantedActions, s.usedActions, s.agentIdentities, s.identities, storedAt);
}

/** The stored summaries of some scans for one window length, by scan id. */
export function readScanSummaries(db: Database.Database, scanIds: readonly number[], windowDays: number): Map<number, ScanSummary> {
  const rows = db
    .prepare<[number, string], Row>('SELECT * FROM scan_summaries WHERE window_days = ? AND scan_id IN (SELECT value FROM json_each(?))')
    .all(windowDays, JSON.stringify(scanIds));
  return new Map(
    rows.map((r) => [
      r.scan_id,
      {
        scanId: r.scan_id,
        windowDays: r.window_days,
        windowTo: r.window_to,
        basis: r.basis,
        findingsBySeverity: JSON.parse(r.findings_by_severity) as Record<string, number>,
        grantedActions: r.granted_actions,
        usedActions: r.used_actions,
        agentIdentities: r.agent_identities,
        identities: r.identities,
      },
    ]),
  );
}
