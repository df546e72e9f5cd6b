/**
 * Writes one Snapshot in a single synchronous IMMEDIATE transaction: the
 * scan's own rows, and the usage, ingested objects and coverage it
 * accumulates. Either all of it lands or none of it does, so a CloudTrail
 * file can never be counted without being recorded, or recorded without
 * being counted. Only the typed fields are copied into bound parameters;
 * input objects are never dumped whole.
 */
import type Database from 'better-sqlite3';
import type { Snapshot } from '../model/domain.js';
import type { PolicyDocument } from '../model/policy.js';
import { messageOf } from './errors.js';
import { canonicalJson, tagsJson } from './json.js';
import type { ScanExtras } from './types.js';
import { writeCloudTrailS3Cursor } from './cloudtrail-s3-cursor.js';
import { insertGcpPart } from './gcp-write.js';
import { resourceUsageWriter } from './resource-usage.js';
import { queryOwnedStatement } from './query-loads.js';
import { cloudTrailPartitionOfPath } from '../util/cloudtrail-partition.js';

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A CloudTrail object of this snapshot was stored by another scan after the
 * collector checked (two imports of the same logs at once): the check runs
 * again inside the write transaction, so its events are never counted twice.
 */
export class AlreadyIngestedError extends Error {
  override readonly name = 'AlreadyIngestedError';
}

/** A rejected input row; the message says which one and why. */
export class ScanWriteError extends Error {
  override readonly name = 'ScanWriteError';
}

/**
 * Adds one day of one identity's use of one action to usage_days (parameters:
 * identity ARN, credential id, action, day, calls, denied calls, last seen):
 * usage accumulates across scans, so a day seen again adds to it.
 */
export const USAGE_UPSERT_SQL = `INSERT INTO usage_days (identity_arn, credential_id, action, day, count, denied, last_seen)
  VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (identity_arn, credential_id, action, day) DO UPDATE SET
    count = count + excluded.count,
    denied = denied + excluded.denied,
    last_seen = max(last_seen, excluded.last_seen)`;

function eachRow<T>(label: string, rows: readonly T[] | undefined, key: (row: T) => unknown, write: (row: T) => void): void {
  if (rows === undefined) return;
  if (!Array.isArray(rows)) throw new ScanWriteError(`${label} is not an array`);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as T;
    try {
      write(row);
    } catch (error) {
      let name: string;
      try {
        name = JSON.stringify(key(row)) ?? 'undefined';
      } catch {
        name = '?';
      }
      throw new ScanWriteError(`${label}[${i}] ${name}: ${messageOf(error)}`, { cause: error });
    }
  }
}

const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

function flag(value: boolean | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'boolean') throw new Error(`expected true, false or null, got ${JSON.stringify(value)}`);
  return value ? 1 : 0;
}

function day(value: string, field: string): string {
  if (typeof value !== 'string' || !DAY_PATTERN.test(value)) {
    throw new Error(`${field} must be a YYYY-MM-DD day, got ${JSON.stringify(value)}`);
  }
  return value;
}

function tally(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${field} must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Normalised ISO instant, so max() over text compares instants correctly. */
function instant(value: string, field: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new Error(`${field} must be an ISO timestamp, got ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

function policyJson(document: PolicyDocument): string {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new Error('document must be a policy object');
  }
  return JSON.stringify(document);
}

function prepare(db: Database.Database) {
  return {
    scan: db.prepare(
      `INSERT INTO scans (provider, source, collected_at, started_at, finished_at, status)
       VALUES (?, ?, ?, ?, ?, 'complete')`,
    ),
    policy: db.prepare('INSERT INTO policies (hash, document) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING'),
    storedPolicy: db.prepare<[string], string>('SELECT document FROM policies WHERE hash = ?').pluck(),
    scanPolicy: db.prepare('INSERT INTO scan_policies (scan_id, hash) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    account: db.prepare('INSERT INTO accounts (scan_id, account_id, provider, alias, tags) VALUES (?, ?, ?, ?, ?)'),
    identity: db.prepare(
      `INSERT INTO identities (scan_id, arn, provider, account_id, kind, name, path, unique_id, created_at, tags,
         trust_policy, last_used_at, last_used_region, last_used_source, permissions_boundary_arn)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    credential: db.prepare(
      `INSERT INTO credentials (scan_id, id, identity_arn, provider, account_id, kind, active, created_at,
         rotated_at, last_used_at, last_used_service, last_used_region)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    attachment: db.prepare(
      `INSERT INTO attachments (scan_id, identity_arn, policy_hash, kind, policy_name, policy_arn, policy_version, group_name)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    report: db.prepare(
      `INSERT INTO access_advisor_reports (scan_id, identity_arn, job_id, granularity, completed_at)
       VALUES (?, ?, ?, ?, ?)`,
    ),
    service: db.prepare(
      `INSERT INTO access_advisor_services (report_id, namespace, name, last_authenticated, last_authenticated_region, action_level)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    trackedAction: db.prepare(
      `INSERT INTO access_advisor_actions (report_id, namespace, action, last_accessed, region) VALUES (?, ?, ?, ?, ?)`,
    ),
    coverage: db.prepare(
      'INSERT INTO coverage (scan_id, seq, scope, source, status, reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    usage: db.prepare(USAGE_UPSERT_SQL),
    ingestedBy: db.prepare<[string], { scan_id: number | null; ingested_at: string }>(
      'SELECT scan_id, ingested_at FROM ingested_objects WHERE digest = ?',
    ),
    ingested: db.prepare(
      'INSERT INTO ingested_objects (digest, location, events, scan_id, ingested_at) VALUES (?, ?, ?, ?, ?)',
    ),
    unmapped: db.prepare(
      `INSERT INTO unmapped_events (event_source, event_name, count) VALUES (?, ?, ?)
       ON CONFLICT (event_source, event_name) DO UPDATE SET count = count + excluded.count`,
    ),
    cloudTrailDay: db.prepare(
      `INSERT INTO cloudtrail_days (account_id, region, day, first_scan_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id, region, day) DO NOTHING`,
    ),
    userAgent: db.prepare(
      `INSERT INTO identity_user_agents (identity_arn, user_agent, count, last_seen) VALUES (?, ?, ?, ?)
       ON CONFLICT (identity_arn, user_agent) DO UPDATE SET
         count = count + excluded.count,
         last_seen = max(last_seen, excluded.last_seen)`,
    ),
  };
}

/**
 * Inserts the snapshot; must run inside a transaction (the caller's), which
 * any thrown error rolls back. Returns the new scan id.
 */
export function insertScan(db: Database.Database, snapshot: Snapshot, extras: ScanExtras, finishedAt: string): number {
  if (typeof snapshot !== 'object' || snapshot === null) throw new ScanWriteError('snapshot is not an object');
  const sql = prepare(db);

  const collectedAt = instant(snapshot.collectedAt, 'snapshot.collectedAt');
  const startedAt = extras.startedAt === undefined ? collectedAt : instant(extras.startedAt, 'extras.startedAt');
  const scanId = Number(
    sql.scan.run(snapshot.provider, snapshot.source, collectedAt, startedAt, finishedAt).lastInsertRowid,
  );

  eachRow('policies', snapshot.policies, (p) => p.hash, (p) => {
    const json = policyJson(p.document);
    if (sql.policy.run(p.hash, json).changes === 0) {
      const stored = sql.storedPolicy.get(p.hash);
      if (stored !== json && stored !== undefined && canonicalJson(JSON.parse(stored)) !== canonicalJson(p.document)) {
        throw new Error('hash already stored for a different document (content hashes must be computed from the document)');
      }
    }
    sql.scanPolicy.run(scanId, p.hash);
  });

  eachRow('accounts', snapshot.accounts, (a) => a.accountId, (a) => {
    sql.account.run(scanId, a.accountId, a.provider, orNull(a.alias), tagsJson(a.tags));
  });

  eachRow('identities', snapshot.identities, (i) => i.arn, (i) => {
    sql.identity.run(
      scanId, i.arn, i.provider, i.accountId, i.kind, i.name,
      orNull(i.path), orNull(i.uniqueId), orNull(i.createdAt), tagsJson(i.tags),
      i.trustPolicy === undefined ? null : policyJson(i.trustPolicy),
      orNull(i.lastUsed?.at), orNull(i.lastUsed?.region), orNull(i.lastUsed?.source),
      orNull(i.permissionsBoundaryArn),
    );
  });

  eachRow('credentials', snapshot.credentials, (c) => c.id, (c) => {
    sql.credential.run(
      scanId, c.id, c.identityArn, c.provider, c.accountId, c.kind, flag(c.active),
      orNull(c.createdAt), orNull(c.rotatedAt), orNull(c.lastUsedAt), orNull(c.lastUsedService), orNull(c.lastUsedRegion),
    );
  });

  eachRow('attachments', snapshot.attachments, (a) => [a.identityArn, a.policyName], (a) => {
    try {
      sql.attachment.run(
        scanId, a.identityArn, a.policyHash, a.kind, a.policyName,
        orNull(a.policyArn), orNull(a.policyVersion), orNull(a.groupName),
      );
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new Error(`policy hash ${a.policyHash} is not among this snapshot's policies`, { cause: error });
      }
      throw error;
    }
  });

  eachRow('accessAdvisor', snapshot.accessAdvisor, (r) => r.identityArn, (r) => {
    const reportId = Number(
      sql.report.run(scanId, r.identityArn, orNull(r.jobId), r.granularity, orNull(r.completedAt)).lastInsertRowid,
    );
    eachRow('services', r.services, (s) => s.namespace, (s) => {
      sql.service.run(
        reportId, s.namespace, orNull(s.name), orNull(s.lastAuthenticated), orNull(s.lastAuthenticatedRegion),
        s.trackedActions === undefined ? 0 : 1,
      );
      eachRow('trackedActions', s.trackedActions, (t) => t.action, (t) => {
        sql.trackedAction.run(reportId, s.namespace, t.action, orNull(t.lastAccessed), orNull(t.region));
      });
    });
  });

  let seq = 0;
  eachRow('coverage', snapshot.coverage, (c) => [c.scope, c.source], (c) => {
    sql.coverage.run(
      scanId, seq++, c.scope, c.source, c.status, orNull(c.reason),
      c.detail === undefined ? null : JSON.stringify(c.detail),
    );
  });

  const digests = new Set<string>();
  const queryOwned = queryOwnedStatement(db);
  eachRow('ingested', snapshot.ingested, (o) => o.location, (o) => {
    if (digests.has(o.digest)) throw new Error(`object ${o.digest} is listed twice in this snapshot`);
    digests.add(o.digest);
    const earlier = sql.ingestedBy.get(o.digest);
    if (earlier) {
      throw new AlreadyIngestedError(
        `already ingested by scan ${earlier.scan_id ?? '(pruned)'} at ${earlier.ingested_at}; ` +
          'storing it again would count its events twice (collectors must skip objects for which hasIngested() is true)',
      );
    }
    // A warehouse query loaded this object's partition since the collector checked: its events are counted there.
    const partition = cloudTrailPartitionOfPath(o.location);
    if (partition && queryOwned(partition.accountId, partition.region, partition.day)) {
      throw new AlreadyIngestedError(
        `CloudTrail partition ${partition.accountId}/${partition.region}/${partition.day} was loaded by a warehouse query (keywarden collect athena) meanwhile; ` +
          'storing this object would count its events twice',
      );
    }
    sql.ingested.run(o.digest, o.location, tally(o.events, 'events'), scanId, finishedAt);
  });

  eachRow('usage', snapshot.usage, (u) => [u.identityArn, u.action, u.day], (u) => {
    sql.usage.run(
      u.identityArn, u.credentialId, u.action, day(u.day, 'day'),
      tally(u.count, 'count'), tally(u.denied, 'denied'), instant(u.lastSeen, 'lastSeen'),
    );
  });

  eachRow('unmappedEvents', snapshot.unmappedEvents, (e) => [e.eventSource, e.eventName], (e) => {
    sql.unmapped.run(e.eventSource, e.eventName, tally(e.count, 'count'));
  });

  eachRow('extras.cloudTrailDays', extras.cloudTrailDays, (d) => [d.accountId, d.region, d.day], (d) => {
    sql.cloudTrailDay.run(d.accountId, d.region, day(d.day, 'day'), scanId);
  });

  if (snapshot.gcp) {
    if (snapshot.provider !== 'gcp') throw new ScanWriteError('a GCP part belongs to a gcp snapshot');
    insertGcpPart(db, scanId, snapshot.gcp, finishedAt);
  }

  eachRow('extras.userAgents', extras.userAgents, (a) => [a.identityArn, a.userAgent], (a) => {
    sql.userAgent.run(a.identityArn, a.userAgent, tally(a.count, 'count'), instant(a.lastSeen, 'lastSeen'));
  });

  if (extras.resourceUsage) {
    const resources = resourceUsageWriter(db);
    eachRow('extras.resourceUsage.days', extras.resourceUsage.days, (r) => [r.identityArn, r.action, r.day], (r) => {
      resources.resource({ ...r, day: day(r.day, 'day'), calls: tally(r.calls, 'calls') });
    });
    eachRow('extras.resourceUsage.gaps', extras.resourceUsage.gaps, (g) => [g.identityArn, g.action, g.day], (g) => {
      resources.gap({ ...g, day: day(g.day, 'day'), unresolved: tally(g.unresolved, 'unresolved'), overflow: tally(g.overflow, 'overflow') });
    });
  }

  if (extras.cloudTrailS3) writeCloudTrailS3Cursor(db, scanId, finishedAt, extras.cloudTrailS3.objects, extras.cloudTrailS3.days);

  return scanId;
}
