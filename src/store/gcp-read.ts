/** Reads a scan's GCP part back, and the role definitions in effect for it. */
import type Database from 'better-sqlite3';
import type { GcpBindingLevel, GcpLogCursor, GcpResourceKind, GcpRole, GcpRoleSource, GcpSnapshotPart } from '../model/gcp.js';
import { parseJson } from './json.js';

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
const condition = (title: string | null, expression: string | null) => (expression === null ? undefined : { title: opt(title), expression });

interface RoleRow {
  name: string;
  source: GcpRoleSource;
  etag: string | null;
  title: string | null;
  stage: string | null;
  deleted: number;
  permissions: string;
}

const toRole = (r: RoleRow): GcpRole => ({
  name: r.name,
  source: r.source,
  etag: opt(r.etag),
  title: opt(r.title),
  stage: opt(r.stage),
  deleted: r.deleted === 1 || undefined,
  permissions: JSON.parse(r.permissions) as string[],
});

/**
 * Roles for a scan: the definitions the scan delivered, plus for every other
 * predefined role the newest cached definition stored up to the scan.
 */
export function readGcpRoles(db: Database.Database, scanId: number, asOf: string): GcpRole[] {
  const own = db
    .prepare<[number], RoleRow>(
      `SELECT r.name, r.source, r.etag, r.title, r.stage, r.deleted, r.permissions
       FROM gcp_scan_roles s JOIN gcp_roles r ON r.name = s.name AND r.digest = s.digest WHERE s.scan_id = ?`,
    )
    .all(scanId);
  const cached = db
    .prepare<[string], RoleRow>(
      `SELECT name, source, etag, title, stage, deleted, permissions FROM gcp_roles r
       WHERE source = 'predefined' AND stored_at = (SELECT max(stored_at) FROM gcp_roles x WHERE x.name = r.name AND x.source = 'predefined' AND x.stored_at <= ?)`,
    )
    .all(asOf);
  const roles = new Map(cached.map((r) => [r.name, toRole(r)]));
  for (const r of own) roles.set(r.name, toRole(r));
  return [...roles.values()];
}

export function readGcpPart(db: Database.Database, scanId: number): GcpSnapshotPart {
  const resources = db
    .prepare<[number], { name: string; kind: GcpResourceKind; parent: string | null; display_name: string | null; labels: string; tags: string | null }>(
      'SELECT name, kind, parent, display_name, labels, tags FROM gcp_resources WHERE scan_id = ? ORDER BY name',
    )
    .all(scanId)
    .map((r) => ({
      name: r.name,
      kind: r.kind,
      parent: opt(r.parent),
      displayName: opt(r.display_name),
      labels: JSON.parse(r.labels) as Record<string, string>,
      ...(r.tags !== null && { tags: JSON.parse(r.tags) as Record<string, string> }),
    }));
  const bindings = db
    .prepare<[number], { resource: string; level: GcpBindingLevel; role: string; member: string; condition_title: string | null; condition_expression: string | null }>(
      'SELECT resource, level, role, member, condition_title, condition_expression FROM gcp_bindings WHERE scan_id = ? ORDER BY rowid',
    )
    .all(scanId)
    .map((b) => ({ resource: b.resource, level: b.level, role: b.role, member: b.member, condition: condition(b.condition_title, b.condition_expression) }));
  const denyRules = db
    .prepare<[number], Record<string, string | null>>('SELECT * FROM gcp_deny_rules WHERE scan_id = ? ORDER BY seq')
    .all(scanId)
    .map((d) => ({
      attachedTo: d.attached_to!,
      policyName: d.policy_name!,
      deniedPrincipals: parseJson<string[]>(d.denied_principals!)!,
      exceptionPrincipals: parseJson<string[]>(d.exception_principals!)!,
      deniedPermissions: parseJson<string[]>(d.denied_permissions!)!,
      exceptionPermissions: parseJson<string[]>(d.exception_permissions!)!,
      condition: condition(d.condition_title ?? null, d.condition_expression ?? null),
    }));
  const keys = db
    .prepare<[number], Record<string, string | number | null>>('SELECT * FROM gcp_keys WHERE scan_id = ? ORDER BY key_id')
    .all(scanId)
    .map((k) => ({
      keyId: k.key_id as string,
      serviceAccount: k.service_account as string,
      keyType: k.key_type as string,
      keyOrigin: opt(k.key_origin as string | null),
      keyAlgorithm: opt(k.key_algorithm as string | null),
      validAfter: opt(k.valid_after as string | null),
      validBefore: opt(k.valid_before as string | null),
      disabled: k.disabled === 1,
    }));
  const serviceAccounts = db
    .prepare<[number], { email: string; disabled: number; description: string | null }>(
      'SELECT email, disabled, description FROM gcp_service_accounts WHERE scan_id = ? ORDER BY email',
    )
    .all(scanId)
    .map((s) => ({ email: s.email, disabled: s.disabled === 1, description: opt(s.description) }));
  // Last authentication: the latest any scan up to this one saw, so evidence outlives the API's own lookback.
  const lastAuthentications = db
    .prepare<[number, number], { subject: 'service-account' | 'key'; id: string; service_account: string; last: string | null; observed: string | null }>(
      `SELECT a.subject, a.id, a.service_account, nullif(max(coalesce(a.last_authenticated, '')), '') AS last, max(a.observed_until) AS observed
       FROM gcp_last_authentications a JOIN scans s ON s.id = a.scan_id
       WHERE s.status = 'complete' AND s.provider = 'gcp' AND s.collected_at <= (SELECT collected_at FROM scans WHERE id = ?)
         AND a.id IN (SELECT x.id FROM gcp_last_authentications x WHERE x.scan_id = ?)
       GROUP BY a.subject, a.id ORDER BY a.subject, a.id`,
    )
    .all(scanId, scanId)
    .map((a) => ({ subject: a.subject, id: a.id, serviceAccount: a.service_account, lastAuthenticated: opt(a.last), observedUntil: opt(a.observed) }));
  const insights = db
    .prepare<[number], Record<string, string | number | null>>('SELECT * FROM gcp_insights WHERE scan_id = ? ORDER BY seq')
    .all(scanId)
    .map((i) => ({
      name: i.name as string,
      serviceAccount: i.service_account as string,
      role: i.role as string,
      resource: i.resource as string,
      exercised: JSON.parse(i.exercised as string) as string[],
      inferred: JSON.parse(i.inferred as string) as string[],
      currentTotal: opt(i.current_total as number | null),
      observationDays: opt(i.observation_days as number | null),
      lastRefresh: opt(i.last_refresh as string | null),
    }));
  const recommendations = db
    .prepare<[number], Record<string, string | null>>('SELECT * FROM gcp_recommendations WHERE scan_id = ? ORDER BY seq')
    .all(scanId)
    .map((r) => ({
      name: r.name!,
      serviceAccount: r.service_account!,
      resource: r.resource!,
      role: r.role!,
      replacements: JSON.parse(r.replacements!) as string[],
      subtype: opt(r.subtype ?? null),
      description: opt(r.description ?? null),
      priority: opt(r.priority ?? null),
      lastRefresh: opt(r.last_refresh ?? null),
      insights: JSON.parse(r.insights!) as string[],
    }));
  return { resources, bindings, denyRules, roles: [], keys, lastAuthentications, insights, serviceAccounts, recommendations, logCursors: [] };
}

/** The newest cached definition of every predefined role (etag, title, stage, when stored): what a live collection need not fetch again. */
export function readPredefinedRoleCache(db: Database.Database): Map<string, { etag?: string; title?: string; stage?: string; storedAt: string }> {
  const rows = db
    .prepare<[], { name: string; etag: string | null; title: string | null; stage: string | null; stored_at: string }>(
      `SELECT name, etag, title, stage, stored_at FROM gcp_roles r WHERE source = 'predefined'
         AND stored_at = (SELECT max(stored_at) FROM gcp_roles x WHERE x.name = r.name AND x.source = 'predefined')`,
    )
    .all();
  return new Map(rows.map((r) => [r.name, { etag: opt(r.etag), title: opt(r.title), stage: opt(r.stage), storedAt: r.stored_at }]));
}

export function readGcpLogCursor(db: Database.Database, projectId: string): GcpLogCursor | undefined {
  const row = db
    .prepare<[string], { last_timestamp: string; insert_ids: string }>('SELECT last_timestamp, insert_ids FROM gcp_audit_log_cursors WHERE project_id = ?')
    .get(projectId);
  return row && { projectId, timestamp: row.last_timestamp, insertIds: JSON.parse(row.insert_ids) as string[] };
}
