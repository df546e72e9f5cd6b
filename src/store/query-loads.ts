/**
 * Migration 10: usage loaded by warehouse queries (Athena over CloudTrail,
 * BigQuery over an audit-log sink), and the rule that keeps every event
 * counted once.
 *
 * The unit is a partition: for CloudTrail an S3 prefix `…/<account>/
 * CloudTrail/<region>/<yyyy>/<mm>/<dd>/` (Athena's partition, and the folder
 * of the local files), for audit logs a log scope (`projects/<id>`) and UTC
 * day. Every event lies in exactly one partition, and a partition has one
 * source:
 *
 * - A query leaves out partitions a local read already holds (CloudTrail
 *   files ingested from that prefix; audit-log days up to a project's read
 *   cursor), and local readers skip partitions a query loaded
 *   (query_load_partitions). Both checks run again inside the write
 *   transaction, so two runs at once cannot both count one.
 * - A query names no resources: every call it loads is recorded as a call
 *   whose resource was not observed (usage_resource_gaps.unresolved), so a
 *   least-privilege suggestion never narrows an action to the resources of
 *   the days local files happened to cover.
 * - A query loads per day. A day loaded after it could still receive events
 *   (24 hours after its end, as the S3 cursor judges it) is closed: never
 *   queried again. A day loaded earlier stays open, and what it added to
 *   usage_days is kept here (query_load_usage, query_load_unmapped), so the
 *   next load of that day first takes it back out, then adds the new
 *   answer: the same window queried twice counts once.
 */
import type Database from 'better-sqlite3';
import type { UnmappedEvent, UsageDay } from '../model/domain.js';
import type { Migration } from './migrations.js';
import type { CloudTrailDay } from './types.js';
import { cloudTrailPartitionOfPath } from '../util/cloudtrail-partition.js';

export { cloudTrailPartitionOfPath };

const DAY = (column: string) => `CHECK (${column} GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]')`;

export const QUERY_LOADS_MIGRATION: Migration = {
  id: 10,
  name: 'usage loaded by warehouse queries (Athena, BigQuery), per partition day',
  sql: `
-- A day a query loaded; closed = 1: loaded after it could receive events, never queried again.
CREATE TABLE query_load_days (
  engine TEXT NOT NULL CHECK (engine IN ('athena', 'bigquery')),
  day TEXT NOT NULL ${DAY('day')},
  source TEXT NOT NULL,
  query_id TEXT NOT NULL,
  bytes_scanned INTEGER NOT NULL CHECK (bytes_scanned >= 0),
  closed INTEGER NOT NULL CHECK (closed IN (0, 1)),
  loaded_at TEXT NOT NULL,
  PRIMARY KEY (engine, day)
) STRICT, WITHOUT ROWID;

-- Partitions (account and region, or log scope) of a loaded day that had events: local readers skip them.
CREATE TABLE query_load_partitions (
  engine TEXT NOT NULL,
  day TEXT NOT NULL,
  scope TEXT NOT NULL,
  region TEXT NOT NULL,
  events INTEGER NOT NULL CHECK (events >= 0),
  PRIMARY KEY (engine, day, scope, region),
  FOREIGN KEY (engine, day) REFERENCES query_load_days (engine, day) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX query_load_partitions_by_scope ON query_load_partitions (scope, region, day);

-- What an open day's load added to usage_days, identity_user_agents and unmapped_events, taken back out when the day is loaded again.
CREATE TABLE query_load_usage (
  engine TEXT NOT NULL,
  day TEXT NOT NULL,
  identity_arn TEXT NOT NULL,
  credential_id TEXT NOT NULL,
  action TEXT NOT NULL,
  usage_day TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  denied INTEGER NOT NULL CHECK (denied >= 0),
  PRIMARY KEY (engine, day, identity_arn, credential_id, action, usage_day),
  FOREIGN KEY (engine, day) REFERENCES query_load_days (engine, day) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE query_load_user_agents (
  engine TEXT NOT NULL,
  day TEXT NOT NULL,
  identity_arn TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  PRIMARY KEY (engine, day, identity_arn, user_agent),
  FOREIGN KEY (engine, day) REFERENCES query_load_days (engine, day) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE query_load_unmapped (
  engine TEXT NOT NULL,
  day TEXT NOT NULL,
  event_source TEXT NOT NULL,
  event_name TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  PRIMARY KEY (engine, day, event_source, event_name),
  FOREIGN KEY (engine, day) REFERENCES query_load_days (engine, day) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
`,
};

export type QueryEngine = 'athena' | 'bigquery';

/** A partition with events: `scope` is the AWS account id or the log scope (`projects/<id>`); `region` '' for audit logs. */
export interface LoadedPartition {
  scope: string;
  region: string;
  day: string;
  events: number;
}

/** What one query answered, per partition, ready to store. */
export interface QueryLoad {
  engine: QueryEngine;
  /** `athena:<database>.<table>` or `bigquery:<project>.<dataset>`. */
  source: string;
  queryId: string;
  bytesScanned: number;
  /** The days the query answered for (with or without events), and whether each was closed when it ran. */
  days: readonly { day: string; closed: boolean }[];
  /** Partitions with events, by the key their usage rows name. */
  partitions: ReadonlyMap<string, LoadedPartition>;
  usage: readonly (UsageDay & { partition: string })[];
  unmapped: readonly (UnmappedEvent & { partition: string })[];
  /** Calls per identity and user agent (agent attribution). */
  userAgents?: readonly { partition: string; identityArn: string; userAgent: string; count: number; lastSeen: string }[];
  /** Days CloudTrail delivered events for, per account and region (coverage). */
  cloudTrailDays?: readonly CloudTrailDay[];
}

export interface QueryLoadWritten {
  /** Days stored, and of them how many replaced an earlier (open) load. */
  days: number;
  replacedDays: number;
  usageRows: number;
  /** Days another run closed meanwhile: left as they were. */
  skippedDays: string[];
  /** Partitions a local read took meanwhile: not stored. */
  droppedPartitions: LoadedPartition[];
}

export interface QueryLoadDay {
  day: string;
  closed: boolean;
  source: string;
  loadedAt: string;
}

export function queryLoadDays(db: Database.Database, engine: QueryEngine, from: string, to: string): Map<string, QueryLoadDay> {
  const rows = db
    .prepare<[string, string, string], { day: string; closed: number; source: string; loaded_at: string }>(
      'SELECT day, closed, source, loaded_at FROM query_load_days WHERE engine = ? AND day BETWEEN ? AND ?',
    )
    .all(engine, from, to);
  return new Map(rows.map((r) => [r.day, { day: r.day, closed: r.closed === 1, source: r.source, loadedAt: r.loaded_at }]));
}

/** Partitions a query loaded (with events), as `scope/region/day` keys. */
export function queryOwnedPartitions(db: Database.Database, engine: QueryEngine, from: string, to: string): Set<string> {
  const rows = db
    .prepare<[string, string, string], { scope: string; region: string; day: string }>(
      'SELECT scope, region, day FROM query_load_partitions WHERE engine = ? AND day BETWEEN ? AND ?',
    )
    .all(engine, from, to);
  return new Set(rows.map(ownedKey));
}

export const ownedKey = (p: { scope: string; region: string; day: string }) => `${p.scope}/${p.region}/${p.day}`;

/** Whether a query loaded a partition (local readers skip it): prepared once per use site, asked per file or entry. */
export function queryOwnedStatement(db: Database.Database): (scope: string, region: string, day: string) => boolean {
  const statement = db.prepare<[string, string, string], number>('SELECT 1 FROM query_load_partitions WHERE scope = ? AND region = ? AND day = ? LIMIT 1').pluck();
  return (scope, region, day) => statement.get(scope, region, day) !== undefined;
}

/** CloudTrail partitions local ingest read files of (from the locations of ingested objects), within the days. */
export function localCloudTrailPartitions(db: Database.Database, from: string, to: string): Set<string> {
  const held = new Set<string>();
  const locations = db
    .prepare<[], string>(`SELECT location FROM ingested_objects WHERE location LIKE '%CloudTrail%'`)
    .pluck()
    .iterate();
  for (const location of locations) {
    const p = cloudTrailPartitionOfPath(location);
    if (p && p.day >= from && p.day <= to) held.add(ownedKey({ scope: p.accountId, region: p.region, day: p.day }));
  }
  return held;
}

/** Per project, the day of its audit-log read cursor: local reads counted every entry up to it. */
export function localAuditLogDays(db: Database.Database): Map<string, string> {
  const rows = db.prepare<[], { project_id: string; last_timestamp: string }>('SELECT project_id, last_timestamp FROM gcp_audit_log_cursors').all();
  return new Map(rows.map((r) => [`projects/${r.project_id}`, r.last_timestamp.slice(0, 10)]));
}

/** Whether a local read holds the partition: CloudTrail files from its prefix, or an audit-log cursor at or after its day. */
function localHeldCheck(db: Database.Database, load: QueryLoad): (p: LoadedPartition) => boolean {
  const days = load.days.map((d) => d.day).sort();
  if (days.length === 0) return () => false;
  if (load.engine === 'athena') {
    const held = localCloudTrailPartitions(db, days[0]!, days[days.length - 1]!);
    return (p) => held.has(ownedKey(p));
  }
  const cursors = localAuditLogDays(db);
  return (p) => {
    const through = cursors.get(p.scope);
    return through !== undefined && p.day <= through;
  };
}

/** Stores one query's answer in one transaction (the caller's, IMMEDIATE). */
export function writeQueryLoad(db: Database.Database, load: QueryLoad, loadedAt: string): QueryLoadWritten {
  const previous = db.prepare<[string, string], { closed: number }>('SELECT closed FROM query_load_days WHERE engine = ? AND day = ?');
  const previouslyOwned = db.prepare<[string, string, string, string], number>(
    'SELECT 1 FROM query_load_partitions WHERE engine = ? AND day = ? AND scope = ? AND region = ?',
  ).pluck();
  const ledger = db.prepare<[string, string], { identity_arn: string; credential_id: string; action: string; usage_day: string; count: number; denied: number }>(
    'SELECT identity_arn, credential_id, action, usage_day, count, denied FROM query_load_usage WHERE engine = ? AND day = ?',
  );
  const ledgerUnmapped = db.prepare<[string, string], { event_source: string; event_name: string; count: number }>(
    'SELECT event_source, event_name, count FROM query_load_unmapped WHERE engine = ? AND day = ?',
  );
  const subtract = db.prepare(
    `UPDATE usage_days SET count = max(count - ?, 0), denied = max(denied - ?, 0)
     WHERE identity_arn = ? AND credential_id = ? AND action = ? AND day = ?`,
  );
  const dropEmpty = db.prepare('DELETE FROM usage_days WHERE identity_arn = ? AND credential_id = ? AND action = ? AND day = ? AND count = 0 AND denied = 0');
  const subtractUnmapped = db.prepare('UPDATE unmapped_events SET count = max(count - ?, 0) WHERE event_source = ? AND event_name = ?');
  const dropEmptyUnmapped = db.prepare('DELETE FROM unmapped_events WHERE event_source = ? AND event_name = ? AND count = 0');
  const forget = db.prepare('DELETE FROM query_load_days WHERE engine = ? AND day = ?');
  const insertDay = db.prepare(
    'INSERT INTO query_load_days (engine, day, source, query_id, bytes_scanned, closed, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertPartition = db.prepare('INSERT INTO query_load_partitions (engine, day, scope, region, events) VALUES (?, ?, ?, ?, ?)');
  const addUsage = db.prepare(
    `INSERT INTO usage_days (identity_arn, credential_id, action, day, count, denied, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (identity_arn, credential_id, action, day) DO UPDATE SET
       count = count + excluded.count, denied = denied + excluded.denied, last_seen = max(last_seen, excluded.last_seen)`,
  );
  const addLedger = db.prepare(
    `INSERT INTO query_load_usage (engine, day, identity_arn, credential_id, action, usage_day, count, denied) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count, denied = denied + excluded.denied`,
  );
  const addUnmapped = db.prepare(
    `INSERT INTO unmapped_events (event_source, event_name, count) VALUES (?, ?, ?)
     ON CONFLICT (event_source, event_name) DO UPDATE SET count = count + excluded.count`,
  );
  const addLedgerUnmapped = db.prepare(
    `INSERT INTO query_load_unmapped (engine, day, event_source, event_name, count) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count`,
  );
  const addUnresolved = db.prepare(
    `INSERT INTO usage_resource_gaps (identity_arn, action, day, unresolved, overflow) VALUES (?, ?, ?, ?, 0)
     ON CONFLICT (identity_arn, action, day) DO UPDATE SET unresolved = unresolved + excluded.unresolved`,
  );
  const subtractUnresolved = db.prepare('UPDATE usage_resource_gaps SET unresolved = max(unresolved - ?, 0) WHERE identity_arn = ? AND action = ? AND day = ?');
  const dropEmptyGap = db.prepare('DELETE FROM usage_resource_gaps WHERE identity_arn = ? AND action = ? AND day = ? AND unresolved = 0 AND overflow = 0');
  const ledgerAgents = db.prepare<[string, string], { identity_arn: string; user_agent: string; count: number }>(
    'SELECT identity_arn, user_agent, count FROM query_load_user_agents WHERE engine = ? AND day = ?',
  );
  const subtractAgent = db.prepare('UPDATE identity_user_agents SET count = max(count - ?, 0) WHERE identity_arn = ? AND user_agent = ?');
  const dropEmptyAgent = db.prepare('DELETE FROM identity_user_agents WHERE identity_arn = ? AND user_agent = ? AND count = 0');
  const addAgent = db.prepare(
    `INSERT INTO identity_user_agents (identity_arn, user_agent, count, last_seen) VALUES (?, ?, ?, ?)
     ON CONFLICT (identity_arn, user_agent) DO UPDATE SET count = count + excluded.count, last_seen = max(last_seen, excluded.last_seen)`,
  );
  const addLedgerAgent = db.prepare(
    `INSERT INTO query_load_user_agents (engine, day, identity_arn, user_agent, count) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT DO UPDATE SET count = count + excluded.count`,
  );
  const cloudTrailDay = db.prepare(
    'INSERT INTO cloudtrail_days (account_id, region, day, first_scan_id) VALUES (?, ?, ?, NULL) ON CONFLICT (account_id, region, day) DO NOTHING',
  );

  const engine = load.engine;
  const localHeld = localHeldCheck(db, load);
  const skippedDays: string[] = [];
  /** Day -> still open (its contribution is kept to be replaced later). */
  const storing = new Map<string, boolean>();
  let replacedDays = 0;
  for (const { day, closed } of load.days) {
    const before = previous.get(engine, day);
    if (before?.closed === 1) {
      skippedDays.push(day);
      continue;
    }
    storing.set(day, !closed);
    if (!before) continue;
    // Take the earlier (open) load of this day back out before adding the new answer.
    replacedDays++;
    for (const r of ledger.all(engine, day)) {
      subtract.run(r.count, r.denied, r.identity_arn, r.credential_id, r.action, r.usage_day);
      dropEmpty.run(r.identity_arn, r.credential_id, r.action, r.usage_day);
      if (engine === 'athena' && r.count > 0) {
        subtractUnresolved.run(r.count, r.identity_arn, r.action, r.usage_day);
        dropEmptyGap.run(r.identity_arn, r.action, r.usage_day);
      }
    }
    for (const r of ledgerUnmapped.all(engine, day)) {
      subtractUnmapped.run(r.count, r.event_source, r.event_name);
      dropEmptyUnmapped.run(r.event_source, r.event_name);
    }
    for (const r of ledgerAgents.all(engine, day)) {
      subtractAgent.run(r.count, r.identity_arn, r.user_agent);
      dropEmptyAgent.run(r.identity_arn, r.user_agent);
    }
  }

  // Partitions this load may store: of a day it stores, and not taken by a local read in the meantime.
  const stored = new Set<string>();
  const droppedPartitions: LoadedPartition[] = [];
  for (const [key, p] of load.partitions) {
    if (!storing.has(p.day)) continue;
    const wasOurs = previouslyOwned.get(engine, p.day, p.scope, p.region) !== undefined;
    if (!wasOurs && localHeld(p)) {
      droppedPartitions.push(p);
      continue;
    }
    stored.add(key);
  }

  for (const day of storing.keys()) forget.run(engine, day);
  for (const [day, isOpen] of storing) insertDay.run(engine, day, load.source, load.queryId, load.bytesScanned, isOpen ? 0 : 1, loadedAt);
  for (const [key, p] of load.partitions) if (stored.has(key)) insertPartition.run(engine, p.day, p.scope, p.region, p.events);

  let usageRows = 0;
  for (const u of load.usage) {
    if (!stored.has(u.partition)) continue;
    const day = load.partitions.get(u.partition)!.day;
    addUsage.run(u.identityArn, u.credentialId, u.action, u.day, u.count, u.denied, new Date(u.lastSeen).toISOString());
    // Resources are tracked for AWS actions only (CloudTrail); the successful calls named none the store knows.
    if (engine === 'athena' && u.count > 0) addUnresolved.run(u.identityArn, u.action, u.day, u.count);
    if (storing.get(day)) addLedger.run(engine, day, u.identityArn, u.credentialId, u.action, u.day, u.count, u.denied);
    usageRows++;
  }
  for (const e of load.unmapped) {
    if (!stored.has(e.partition)) continue;
    const day = load.partitions.get(e.partition)!.day;
    addUnmapped.run(e.eventSource, e.eventName, e.count);
    if (storing.get(day)) addLedgerUnmapped.run(engine, day, e.eventSource, e.eventName, e.count);
  }
  for (const a of load.userAgents ?? []) {
    if (!stored.has(a.partition)) continue;
    const day = load.partitions.get(a.partition)!.day;
    addAgent.run(a.identityArn, a.userAgent, a.count, new Date(a.lastSeen).toISOString());
    if (storing.get(day)) addLedgerAgent.run(engine, day, a.identityArn, a.userAgent, a.count);
  }
  for (const d of load.cloudTrailDays ?? []) cloudTrailDay.run(d.accountId, d.region, d.day);
  return { days: storing.size, replacedDays, usageRows, skippedDays, droppedPartitions };
}
