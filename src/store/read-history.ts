/** An identity across scans, and the newest Access Advisor data per identity. */
import type Database from 'better-sqlite3';
import type { PolicyAttachment, Provider, UsageSource } from '../model/domain.js';
import { getScan, loadReports, REPORT_COLUMNS } from './read-scans.js';
import { toAttachment, toIdentity, withOptional, type AttachmentRow, type IdentityRow, type ReportRow } from './rows.js';
import type { IdentityHistoryEntry, LatestAccessAdvisor, ScanRecord, StoredLastUse } from './types.js';

/**
 * Every complete scan that saw the identity, oldest first, with the policies
 * attached then; scans where it was absent are skipped.
 */
export function identityHistory(db: Database.Database, arn: string): IdentityHistoryEntry[] {
  const identities = db
    .prepare<[string], IdentityRow>(
      `SELECT i.* FROM identities i JOIN scans s ON s.id = i.scan_id
       WHERE i.arn = ? AND s.status = 'complete' ORDER BY s.collected_at, s.id`,
    )
    .all(arn);
  if (identities.length === 0) return [];
  const attachments = new Map<number, AttachmentRow[]>();
  for (const row of db
    .prepare<[string], AttachmentRow>('SELECT * FROM attachments WHERE identity_arn = ? ORDER BY scan_id, rowid')
    .all(arn)) {
    const list = attachments.get(row.scan_id) ?? [];
    list.push(row);
    attachments.set(row.scan_id, list);
  }
  return identities.map((row) => ({
    scan: getScan(db, row.scan_id) as ScanRecord,
    identity: toIdentity(row),
    attachments: (attachments.get(row.scan_id) ?? []).map(toAttachment),
  }));
}

/**
 * Per identity, its newest dated last use recorded in any complete scan
 * (RoleLastUsed and the like): the latest valid date, the earliest scan
 * (by collection time) on a tie. One pass over every scan, for rules that
 * would otherwise read each identity's history on its own.
 */
export function newestLastUses(db: Database.Database): Map<string, StoredLastUse> {
  const rows = db
    .prepare<[], { arn: string; scan_id: number; at: string; source: UsageSource; region: string | null }>(
      `SELECT i.arn, i.scan_id, i.last_used_at AS at, i.last_used_source AS source, i.last_used_region AS region
       FROM identities i JOIN scans s ON s.id = i.scan_id
       WHERE s.status = 'complete' AND i.last_used_at IS NOT NULL AND i.last_used_source IS NOT NULL
       ORDER BY s.collected_at, s.id`,
    )
    .iterate();
  const newest = new Map<string, StoredLastUse & { time: number }>();
  for (const row of rows) {
    const time = Date.parse(row.at);
    if (Number.isNaN(time)) continue;
    const found = newest.get(row.arn);
    if (found && time <= found.time) continue;
    newest.set(row.arn, withOptional<StoredLastUse & { time: number }>({ at: row.at, source: row.source, scanId: row.scan_id, time }, { region: row.region }));
  }
  return new Map([...newest].map(([arn, { time: _time, ...use }]) => [arn, use]));
}

/** One identity in one scan: the policies attached to it then (its history entry without the scan record). */
export function scanAttachments(db: Database.Database, scanId: number): Map<string, PolicyAttachment[]> {
  const out = new Map<string, PolicyAttachment[]>();
  for (const { arn } of db.prepare<[number], { arn: string }>('SELECT arn FROM identities WHERE scan_id = ?').iterate(scanId)) out.set(arn, []);
  for (const row of db.prepare<[number], AttachmentRow>('SELECT * FROM attachments WHERE scan_id = ? ORDER BY rowid').iterate(scanId)) {
    out.get(row.identity_arn)?.push(toAttachment(row));
  }
  return out;
}

/**
 * Per identity, the reports of the newest complete scan that has any for it,
 * so one scan that could not read Access Advisor does not hide older data
 * (the scan date says how old it is).
 */
export function latestAccessAdvisor(
  db: Database.Database,
  provider: Provider,
  identityArns?: readonly string[],
): Map<string, LatestAccessAdvisor> {
  const filter = identityArns === undefined ? '' : 'AND r.identity_arn IN (SELECT value FROM json_each(?))';
  const sql = `SELECT ${REPORT_COLUMNS} FROM (
      SELECT r.*, DENSE_RANK() OVER (PARTITION BY r.identity_arn ORDER BY s.collected_at DESC, s.id DESC) AS newest
      FROM access_advisor_reports r JOIN scans s ON s.id = r.scan_id
      WHERE s.status = 'complete' AND s.provider = ? ${filter}
    ) WHERE newest = 1 ORDER BY identity_arn, id`;
  const params = identityArns === undefined ? [provider] : [provider, JSON.stringify(identityArns)];
  const rows = db.prepare<string[], ReportRow>(sql).all(...params);
  const reports = loadReports(db, rows);
  const scans = new Map<number, ScanRecord>();
  const latest = new Map<string, LatestAccessAdvisor>();
  rows.forEach((row, i) => {
    let scan = scans.get(row.scan_id);
    if (!scan) {
      scan = getScan(db, row.scan_id) as ScanRecord;
      scans.set(row.scan_id, scan);
    }
    const entry = latest.get(row.identity_arn) ?? { scan, reports: [] };
    entry.reports.push(reports[i]!);
    latest.set(row.identity_arn, entry);
  });
  return latest;
}
