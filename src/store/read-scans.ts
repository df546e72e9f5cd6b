/** Which scans exist, and everything one complete scan stored. */
import type Database from 'better-sqlite3';
import type { AccessAdvisorReport, Provider } from '../model/domain.js';
import type { PolicyDocument } from '../model/policy.js';
import {
  SCAN_COLUMNS,
  toAccount,
  toAttachment,
  toCoverage,
  toCredential,
  toIdentity,
  toReports,
  toScan,
  type AccountRow,
  type AttachmentRow,
  type CoverageRow,
  type CredentialRow,
  type IdentityRow,
  type ReportRow,
  type ScanRow,
  type ServiceRow,
  type TrackedActionRow,
} from './rows.js';
import type { ScanContents, ScanRecord } from './types.js';

const COMPLETE = `status = 'complete'`;

export function listScans(db: Database.Database, provider?: Provider): ScanRecord[] {
  const rows =
    provider === undefined
      ? db.prepare<[], ScanRow>(`SELECT ${SCAN_COLUMNS} FROM scans WHERE ${COMPLETE} ORDER BY collected_at, id`).all()
      : db
          .prepare<[Provider], ScanRow>(
            `SELECT ${SCAN_COLUMNS} FROM scans WHERE provider = ? AND ${COMPLETE} ORDER BY collected_at, id`,
          )
          .all(provider);
  return rows.map(toScan);
}

export function getScan(db: Database.Database, scanId: number): ScanRecord | undefined {
  const row = db.prepare<[number], ScanRow>(`SELECT ${SCAN_COLUMNS} FROM scans WHERE id = ? AND ${COMPLETE}`).get(scanId);
  return row && toScan(row);
}

/** The most recently collected complete scan of a provider. */
export function latestScan(db: Database.Database, provider: Provider): ScanRecord | undefined {
  const row = db
    .prepare<[Provider], ScanRow>(
      `SELECT ${SCAN_COLUMNS} FROM scans WHERE provider = ? AND ${COMPLETE}
       ORDER BY collected_at DESC, id DESC LIMIT 1`,
    )
    .get(provider);
  return row && toScan(row);
}

/** The complete scan of the same provider collected just before `scan`. */
export function previousScan(db: Database.Database, scan: ScanRecord): ScanRecord | undefined {
  const row = db
    .prepare<[Provider, string, number], ScanRow>(
      `SELECT ${SCAN_COLUMNS} FROM scans WHERE provider = ? AND ${COMPLETE} AND (collected_at, id) < (?, ?)
       ORDER BY collected_at DESC, id DESC LIMIT 1`,
    )
    .get(scan.provider, scan.collectedAt, scan.id);
  return row && toScan(row);
}

/** Reports in the order given, each with its services and tracked actions. */
export function loadReports(db: Database.Database, reports: ReportRow[]): AccessAdvisorReport[] {
  if (reports.length === 0) return [];
  const ids = JSON.stringify(reports.map((r) => r.id));
  const services = db
    .prepare<[string], ServiceRow>(
      `SELECT report_id, namespace, name, last_authenticated, last_authenticated_region, action_level
       FROM access_advisor_services WHERE report_id IN (SELECT value FROM json_each(?)) ORDER BY report_id, namespace`,
    )
    .all(ids);
  const actions = db
    .prepare<[string], TrackedActionRow>(
      `SELECT report_id, namespace, action, last_accessed, region
       FROM access_advisor_actions WHERE report_id IN (SELECT value FROM json_each(?))
       ORDER BY report_id, namespace, action`,
    )
    .all(ids);
  const byId = toReports(reports, services, actions);
  return reports.map((r) => byId.get(r.id) as AccessAdvisorReport);
}

export const REPORT_COLUMNS = 'id, scan_id, identity_arn, job_id, granularity, completed_at';

export function readPolicies(db: Database.Database, hashes: Iterable<string>): Map<string, PolicyDocument> {
  const rows = policiesStatement(db).all(JSON.stringify([...hashes]));
  return new Map(rows.map((r) => [r.hash, JSON.parse(r.document) as PolicyDocument]));
}

/** Prepared once per connection: planners read documents one at a time, thousands of times per audit. */
function policiesStatement(db: Database.Database): Database.Statement<[string], { hash: string; document: string }> {
  let statement = policiesStatements.get(db);
  if (!statement) {
    statement = db.prepare<[string], { hash: string; document: string }>('SELECT hash, document FROM policies WHERE hash IN (SELECT value FROM json_each(?))');
    policiesStatements.set(db, statement);
  }
  return statement;
}
const policiesStatements = new WeakMap<Database.Database, Database.Statement<[string], { hash: string; document: string }>>();

export function readScanContents(db: Database.Database, scan: ScanRecord): ScanContents {
  const id = scan.id;
  const policyRows = db
    .prepare<[number], { hash: string; document: string }>(
      `SELECT p.hash, p.document FROM scan_policies sp JOIN policies p ON p.hash = sp.hash
       WHERE sp.scan_id = ? ORDER BY p.hash`,
    )
    .all(id);
  const reportRows = db
    .prepare<[number], ReportRow>(
      `SELECT ${REPORT_COLUMNS} FROM access_advisor_reports WHERE scan_id = ? ORDER BY identity_arn, id`,
    )
    .all(id);
  return {
    scan,
    accounts: db
      .prepare<[number], AccountRow>('SELECT * FROM accounts WHERE scan_id = ? ORDER BY account_id')
      .all(id)
      .map(toAccount),
    identities: db
      .prepare<[number], IdentityRow>('SELECT * FROM identities WHERE scan_id = ? ORDER BY arn')
      .all(id)
      .map(toIdentity),
    credentials: db
      .prepare<[number], CredentialRow>('SELECT * FROM credentials WHERE scan_id = ? ORDER BY id')
      .all(id)
      .map(toCredential),
    attachments: db
      .prepare<[number], AttachmentRow>('SELECT * FROM attachments WHERE scan_id = ? ORDER BY identity_arn, rowid')
      .all(id)
      .map(toAttachment),
    policies: new Map(policyRows.map((r) => [r.hash, JSON.parse(r.document) as PolicyDocument])),
    accessAdvisor: loadReports(db, reportRows),
    coverage: db
      .prepare<[number], CoverageRow>('SELECT * FROM coverage WHERE scan_id = ? ORDER BY seq')
      .all(id)
      .map(toCoverage),
  };
}
