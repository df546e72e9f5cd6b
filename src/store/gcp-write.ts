/** Writes a snapshot's GCP part; runs inside insertScan's transaction. Bound parameters only. */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { GcpRole, GcpSnapshotPart } from '../model/gcp.js';
import { tagsJson } from './json.js';

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

/** Content digest of a role definition: the same permissions under the same name are stored once. */
export function roleDigest(role: GcpRole): string {
  return createHash('sha256').update(JSON.stringify([role.name, role.title ?? null, role.deleted === true, [...role.permissions].sort()])).digest('hex');
}

export function insertGcpPart(db: Database.Database, scanId: number, part: GcpSnapshotPart, storedAt: string): void {
  const resource = db.prepare('INSERT INTO gcp_resources (scan_id, name, kind, parent, display_name, labels, tags) VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const r of part.resources) resource.run(scanId, r.name, r.kind, orNull(r.parent), orNull(r.displayName), tagsJson(r.labels), r.tags ? tagsJson(r.tags) : null);

  const binding = db.prepare(
    `INSERT INTO gcp_bindings (scan_id, resource, level, role, member, condition_title, condition_expression)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const b of part.bindings) binding.run(scanId, b.resource, b.level, b.role, b.member, orNull(b.condition?.title), orNull(b.condition?.expression));

  const deny = db.prepare(
    `INSERT INTO gcp_deny_rules (scan_id, seq, attached_to, policy_name, denied_principals, exception_principals,
       denied_permissions, exception_permissions, condition_title, condition_expression)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  part.denyRules.forEach((d, seq) =>
    deny.run(
      scanId, seq, d.attachedTo, d.policyName,
      JSON.stringify(d.deniedPrincipals), JSON.stringify(d.exceptionPrincipals),
      JSON.stringify(d.deniedPermissions), JSON.stringify(d.exceptionPermissions),
      orNull(d.condition?.title), orNull(d.condition?.expression),
    ),
  );

  const role = db.prepare(
    `INSERT INTO gcp_roles (name, digest, source, etag, title, stage, deleted, permissions, stored_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name, digest) DO UPDATE SET etag = excluded.etag, stored_at = excluded.stored_at`,
  );
  const scanRole = db.prepare('INSERT INTO gcp_scan_roles (scan_id, name, digest) VALUES (?, ?, ?)');
  for (const r of part.roles) {
    const digest = roleDigest(r);
    role.run(r.name, digest, r.source, orNull(r.etag), orNull(r.title), orNull(r.stage), r.deleted ? 1 : 0, JSON.stringify(r.permissions), storedAt);
    scanRole.run(scanId, r.name, digest);
  }

  const sa = db.prepare('INSERT INTO gcp_service_accounts (scan_id, email, disabled, description) VALUES (?, ?, ?, ?)');
  for (const s of part.serviceAccounts) sa.run(scanId, s.email, s.disabled ? 1 : 0, orNull(s.description));

  const key = db.prepare(
    `INSERT INTO gcp_keys (scan_id, key_id, service_account, key_type, key_origin, key_algorithm, valid_after, valid_before, disabled)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const k of part.keys) {
    key.run(scanId, k.keyId, k.serviceAccount, k.keyType, orNull(k.keyOrigin), orNull(k.keyAlgorithm), orNull(k.validAfter), orNull(k.validBefore), k.disabled ? 1 : 0);
  }

  const auth = db.prepare(
    `INSERT INTO gcp_last_authentications (scan_id, subject, id, service_account, last_authenticated, observed_until)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET last_authenticated = max(coalesce(last_authenticated, ''), coalesce(excluded.last_authenticated, ''))`,
  );
  for (const a of part.lastAuthentications) auth.run(scanId, a.subject, a.id, a.serviceAccount, orNull(a.lastAuthenticated), orNull(a.observedUntil));

  const cursor = db.prepare(
    `INSERT INTO gcp_audit_log_cursors (project_id, last_timestamp, insert_ids, scan_id) VALUES (?, ?, ?, ?)
     ON CONFLICT (project_id) DO UPDATE SET last_timestamp = excluded.last_timestamp, insert_ids = excluded.insert_ids, scan_id = excluded.scan_id
     WHERE excluded.last_timestamp >= last_timestamp`,
  );
  for (const c of part.logCursors) cursor.run(c.projectId, new Date(c.timestamp).toISOString(), JSON.stringify(c.insertIds), scanId);

  const recommendation = db.prepare(
    `INSERT INTO gcp_recommendations (scan_id, seq, name, service_account, resource, role, replacements, subtype, description, priority, last_refresh, insights)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  part.recommendations.forEach((r, seq) =>
    recommendation.run(
      scanId, seq, r.name, r.serviceAccount, r.resource, r.role, JSON.stringify(r.replacements),
      orNull(r.subtype), orNull(r.description), orNull(r.priority), orNull(r.lastRefresh), JSON.stringify(r.insights),
    ),
  );

  const insight = db.prepare(
    `INSERT INTO gcp_insights (scan_id, seq, name, service_account, role, resource, exercised, inferred, current_total, observation_days, last_refresh)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  part.insights.forEach((i, seq) =>
    insight.run(
      scanId, seq, i.name, i.serviceAccount, i.role, i.resource, JSON.stringify(i.exercised), JSON.stringify(i.inferred),
      orNull(i.currentTotal), orNull(i.observationDays), orNull(i.lastRefresh),
    ),
  );
}
