/**
 * The store's schema, as an ordered list of migrations. A database records
 * each migration it has run in `schema_migrations` and its version in the
 * `user_version` pragma; both move together inside the migration's own
 * transaction, so a failed migration leaves the previous version intact.
 *
 * Never edit a migration that has shipped: append a new one.
 */
import type Database from 'better-sqlite3';
import { GCP_MIGRATION, GCP_TAGS_RECOMMENDATIONS_MIGRATION } from './gcp-schema.js';
import { RESOURCE_USAGE_MIGRATION } from './resource-usage.js';
import { SCAN_SUMMARIES_MIGRATION } from './scan-summaries.js';
import { QUERY_LOADS_MIGRATION } from './query-loads.js';

export interface Migration {
  /** 1, 2, 3, … in order, without gaps: it becomes `user_version`. */
  id: number;
  name: string;
  sql: string;
}

/** `PRAGMA application_id` of every keywarden database: 'KWDN'. */
export const KEYWARDEN_APPLICATION_ID = 0x4b57444e;

const PROVIDER = `CHECK (provider IN ('aws', 'gcp'))`;
const DAY = (column: string) => `CHECK (${column} GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]')`;

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'scans, inventory, policies, access advisor, usage and ingestion',
    sql: `
PRAGMA application_id = ${KEYWARDEN_APPLICATION_ID};

CREATE TABLE schema_migrations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT;

-- Rows are written 'complete' in one transaction; readers still filter on
-- status so a future partial importer cannot leak half a scan into analysis.
CREATE TABLE scans (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  provider TEXT NOT NULL ${PROVIDER},
  source TEXT NOT NULL,
  collected_at TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('complete', 'incomplete'))
) STRICT;
CREATE INDEX scans_latest_by_provider ON scans (provider, status, collected_at, id);

CREATE TABLE accounts (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  provider TEXT NOT NULL ${PROVIDER},
  alias TEXT,
  tags TEXT NOT NULL,
  PRIMARY KEY (scan_id, account_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE identities (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  arn TEXT NOT NULL CHECK (arn <> ''),
  provider TEXT NOT NULL ${PROVIDER},
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('user', 'role', 'root', 'service-account')),
  name TEXT NOT NULL,
  path TEXT,
  unique_id TEXT,
  created_at TEXT,
  tags TEXT NOT NULL,
  trust_policy TEXT,
  last_used_at TEXT,
  last_used_region TEXT,
  last_used_source TEXT CHECK (last_used_source IN
    ('cloudtrail', 'access-advisor', 'credential-report', 'role-last-used', 'access-key-last-used')),
  permissions_boundary_arn TEXT,
  CHECK ((last_used_at IS NULL) = (last_used_source IS NULL)),
  PRIMARY KEY (scan_id, arn)
) STRICT, WITHOUT ROWID;
CREATE INDEX identities_by_arn ON identities (arn, scan_id);

CREATE TABLE credentials (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  id TEXT NOT NULL CHECK (id <> ''),
  identity_arn TEXT NOT NULL,
  provider TEXT NOT NULL ${PROVIDER},
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('access-key', 'password', 'signing-certificate', 'service-account-key')),
  active INTEGER CHECK (active IN (0, 1)),
  created_at TEXT,
  rotated_at TEXT,
  last_used_at TEXT,
  last_used_service TEXT,
  last_used_region TEXT,
  PRIMARY KEY (scan_id, id)
) STRICT, WITHOUT ROWID;

-- Content-addressed: a document is stored once however many scans and
-- identities hold it. Not WITHOUT ROWID: documents can be large.
CREATE TABLE policies (
  hash TEXT PRIMARY KEY CHECK (hash <> ''),
  document TEXT NOT NULL
) STRICT;

-- Which policies each scan delivered (attached or not).
CREATE TABLE scan_policies (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  hash TEXT NOT NULL REFERENCES policies (hash),
  PRIMARY KEY (scan_id, hash)
) STRICT, WITHOUT ROWID;

-- An attachment must name a policy its own scan delivered.
CREATE TABLE attachments (
  scan_id INTEGER NOT NULL,
  identity_arn TEXT NOT NULL,
  policy_hash TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('inline', 'managed', 'group-inline', 'group-managed', 'permissions-boundary')),
  policy_name TEXT NOT NULL,
  policy_arn TEXT,
  policy_version TEXT,
  group_name TEXT,
  FOREIGN KEY (scan_id, policy_hash) REFERENCES scan_policies (scan_id, hash) ON DELETE CASCADE
) STRICT;
CREATE INDEX attachments_by_scan ON attachments (scan_id, identity_arn);
CREATE INDEX attachments_by_identity ON attachments (identity_arn, scan_id);

CREATE TABLE access_advisor_reports (
  id INTEGER PRIMARY KEY,
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  identity_arn TEXT NOT NULL,
  job_id TEXT,
  granularity TEXT NOT NULL CHECK (granularity IN ('SERVICE_LEVEL', 'ACTION_LEVEL')),
  completed_at TEXT
) STRICT;
CREATE INDEX access_advisor_reports_by_scan ON access_advisor_reports (scan_id, identity_arn);
CREATE INDEX access_advisor_reports_by_identity ON access_advisor_reports (identity_arn, scan_id);

-- action_level: the service carried trackedActions (possibly none), as
-- opposed to service-level data that says nothing about actions.
CREATE TABLE access_advisor_services (
  report_id INTEGER NOT NULL REFERENCES access_advisor_reports (id) ON DELETE CASCADE,
  namespace TEXT NOT NULL,
  name TEXT,
  last_authenticated TEXT,
  last_authenticated_region TEXT,
  action_level INTEGER NOT NULL CHECK (action_level IN (0, 1)),
  PRIMARY KEY (report_id, namespace)
) STRICT, WITHOUT ROWID;

CREATE TABLE access_advisor_actions (
  report_id INTEGER NOT NULL,
  namespace TEXT NOT NULL,
  action TEXT NOT NULL,
  last_accessed TEXT,
  region TEXT,
  PRIMARY KEY (report_id, namespace, action),
  FOREIGN KEY (report_id, namespace) REFERENCES access_advisor_services (report_id, namespace) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE coverage (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  scope TEXT NOT NULL,
  source TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'gap')),
  reason TEXT,
  detail TEXT,
  PRIMARY KEY (scan_id, seq)
) STRICT, WITHOUT ROWID;

-- Accumulates across scans (not per scan), so the observation window can be
-- longer than any cloud API keeps history.
CREATE TABLE usage_days (
  identity_arn TEXT NOT NULL,
  credential_id TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action <> ''),
  day TEXT NOT NULL ${DAY('day')},
  count INTEGER NOT NULL CHECK (count >= 0),
  denied INTEGER NOT NULL CHECK (denied >= 0),
  last_seen TEXT NOT NULL,
  PRIMARY KEY (identity_arn, credential_id, action, day)
) STRICT, WITHOUT ROWID;
CREATE INDEX usage_days_by_identity_day ON usage_days (identity_arn, day);

-- Each CloudTrail object folded into usage_days, written in the same
-- transaction as its usage. Survives scan pruning: the usage does too.
CREATE TABLE ingested_objects (
  digest TEXT PRIMARY KEY CHECK (digest <> ''),
  location TEXT NOT NULL,
  events INTEGER NOT NULL CHECK (events >= 0),
  scan_id INTEGER REFERENCES scans (id) ON DELETE SET NULL,
  ingested_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE unmapped_events (
  event_source TEXT NOT NULL,
  event_name TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  PRIMARY KEY (event_source, event_name)
) STRICT, WITHOUT ROWID;
`,
  },
  {
    id: 2,
    name: 'cloudtrail day coverage and user agents per identity',
    sql: `
CREATE TABLE cloudtrail_days (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  day TEXT NOT NULL ${DAY('day')},
  first_scan_id INTEGER REFERENCES scans (id) ON DELETE SET NULL,
  PRIMARY KEY (account_id, region, day)
) STRICT, WITHOUT ROWID;
CREATE INDEX cloudtrail_days_by_day ON cloudtrail_days (day);

CREATE TABLE identity_user_agents (
  identity_arn TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  last_seen TEXT NOT NULL,
  PRIMARY KEY (identity_arn, user_agent)
) STRICT, WITHOUT ROWID;
`,
  },
  {
    id: 3,
    name: 'suggestions stored per scan',
    sql: `
-- The suggestions a report of the scan made, as the JSON report carries them,
-- so the next scan can tell new, still-open and done ones apart.
CREATE TABLE scan_suggestions (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  id TEXT NOT NULL CHECK (id <> ''),
  kind TEXT NOT NULL,
  provider TEXT NOT NULL ${PROVIDER},
  identity_arn TEXT NOT NULL,
  resolves TEXT NOT NULL,
  suggestion TEXT NOT NULL,
  PRIMARY KEY (scan_id, id)
) STRICT, WITHOUT ROWID;
`,
  },
  {
    id: 4,
    name: 'cloudtrail s3 cursor: ingested objects and completed days per trail prefix',
    sql: `
-- Each S3 log object read into usage, by key and ETag, so a later scan lists
-- a day again without downloading what it already read. The digest ties it to
-- ingested_objects, which still guards against counting the same bytes twice.
CREATE TABLE cloudtrail_s3_objects (
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  etag TEXT NOT NULL,
  digest TEXT NOT NULL,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  day TEXT NOT NULL ${DAY('day')},
  scan_id INTEGER REFERENCES scans (id) ON DELETE SET NULL,
  PRIMARY KEY (bucket, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX cloudtrail_s3_objects_by_day ON cloudtrail_s3_objects (bucket, account_id, region, day);

-- Days whose every object was read after CloudTrail stopped delivering for
-- them: never listed again.
CREATE TABLE cloudtrail_s3_days (
  bucket TEXT NOT NULL,
  prefix TEXT NOT NULL,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  day TEXT NOT NULL ${DAY('day')},
  objects INTEGER NOT NULL CHECK (objects >= 0),
  scan_id INTEGER REFERENCES scans (id) ON DELETE SET NULL,
  completed_at TEXT NOT NULL,
  PRIMARY KEY (bucket, prefix, account_id, region, day)
) STRICT, WITHOUT ROWID;
`,
  },
  {
    id: 5,
    name: 'scheduler runs and run lock',
    sql: `
-- One row per scheduled (or manual) run: what it did and how it ended.
-- 'running' rows whose lock has expired are turned into 'aborted' by the
-- next process that takes the lock (the holder crashed).
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('audit', 'ingest')),
  attempt INTEGER NOT NULL CHECK (attempt >= 1),
  started_at TEXT NOT NULL,
  finished_at TEXT,
  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'incomplete', 'failed', 'aborted')),
  scan_id INTEGER REFERENCES scans (id) ON DELETE SET NULL,
  coverage_complete INTEGER CHECK (coverage_complete IN (0, 1)),
  counts TEXT,
  error TEXT,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  CHECK ((outcome = 'running') = (finished_at IS NULL))
) STRICT;
CREATE INDEX runs_by_start ON runs (started_at);

-- At most one holder per lock name. A holder renews heartbeat_at/expires_at
-- while it runs; a row past expires_at belongs to a crashed process and may
-- be taken over.
CREATE TABLE run_lock (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  acquired_at TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL
) STRICT, WITHOUT ROWID;
`,
  },
  GCP_MIGRATION,
  RESOURCE_USAGE_MIGRATION,
  GCP_TAGS_RECOMMENDATIONS_MIGRATION,
  SCAN_SUMMARIES_MIGRATION,
  QUERY_LOADS_MIGRATION,
  {
    id: 11,
    name: 'suggestions stored in a rowid table',
    sql: `
-- Suggestion rows are a few KB of JSON. In a WITHOUT ROWID table (migration 3)
-- a row over ~1 KB spills into overflow pages, so every suggestion of a scan
-- cost several page writes; a rowid table keeps a row of up to ~4 KB on its
-- leaf page, and the (scan_id, id) key lives in its own small index. Rows are
-- copied as they are: nothing stored is lost or changed.
CREATE TABLE scan_suggestions_rowid (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  id TEXT NOT NULL CHECK (id <> ''),
  kind TEXT NOT NULL,
  provider TEXT NOT NULL ${PROVIDER},
  identity_arn TEXT NOT NULL,
  resolves TEXT NOT NULL,
  suggestion TEXT NOT NULL,
  PRIMARY KEY (scan_id, id)
) STRICT;
INSERT INTO scan_suggestions_rowid (scan_id, id, kind, provider, identity_arn, resolves, suggestion)
  SELECT scan_id, id, kind, provider, identity_arn, resolves, suggestion FROM scan_suggestions ORDER BY scan_id, id;
DROP TABLE scan_suggestions;
ALTER TABLE scan_suggestions_rowid RENAME TO scan_suggestions;
`,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/** Throws unless ids run 1, 2, 3, … in order: user_version depends on it. */
export function assertMigrationOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.id !== i + 1) throw new Error(`migration "${m.name}" has id ${m.id}, expected ${i + 1}`);
  });
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies every migration newer than the database, each in its own
 * IMMEDIATE transaction that re-reads the version first, so two processes
 * opening a fresh file at once apply each migration exactly once.
 * Returns the ids applied.
 */
export function applyMigrations(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => Date = () => new Date(),
): number[] {
  assertMigrationOrder(migrations);
  const applied: number[] = [];
  for (const migration of migrations) {
    if (schemaVersion(db) >= migration.id) continue;
    const run = db.transaction(() => {
      if (schemaVersion(db) >= migration.id) return;
      try {
        db.exec(migration.sql);
      } catch (error) {
        throw new Error(`migration ${migration.id} (${migration.name}) failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(
        migration.id,
        migration.name,
        now().toISOString(),
      );
      // PRAGMA takes no bound parameters; the id is a validated integer.
      db.pragma(`user_version = ${Number(migration.id)}`);
      applied.push(migration.id);
    });
    run.immediate();
  }
  return applied;
}
