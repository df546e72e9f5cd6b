/** An identity across scans, and the newest Access Advisor data per identity. */
import type Database from 'better-sqlite3';
import type { Provider } from '../model/domain.js';
import { getScan, loadReports, REPORT_COLUMNS } from './read-scans.js';
import { toAttachment, toIdentity, type AttachmentRow, type IdentityRow, type ReportRow } from './rows.js';
import type { IdentityHistoryEntry, LatestAccessAdvisor, ScanRecord } from './types.js';

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
