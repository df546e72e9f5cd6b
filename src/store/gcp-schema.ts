/**
 * Migration 7: what GCP needs beyond the shared inventory and usage tables.
 * Service accounts and keys are rows of `identities` and `credentials`,
 * audit-log usage goes to `usage_days`; these tables hold the hierarchy,
 * bindings with their level and condition, deny rules, key details, role
 * definitions (content-addressed, with the API's etag) and usage evidence.
 */
import type { Migration } from './migrations.js';

export const GCP_MIGRATION: Migration = {
  id: 6,
  name: 'gcp hierarchy, bindings, deny rules, role cache, keys and usage evidence',
  sql: `
CREATE TABLE gcp_resources (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  name TEXT NOT NULL CHECK (name <> ''),
  kind TEXT NOT NULL CHECK (kind IN ('organization', 'folder', 'project')),
  parent TEXT,
  display_name TEXT,
  labels TEXT NOT NULL,
  PRIMARY KEY (scan_id, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE gcp_bindings (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  resource TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('organization', 'folder', 'project', 'service-account')),
  role TEXT NOT NULL CHECK (role <> ''),
  member TEXT NOT NULL,
  condition_title TEXT,
  condition_expression TEXT
) STRICT;
CREATE INDEX gcp_bindings_by_scan ON gcp_bindings (scan_id, member);

CREATE TABLE gcp_deny_rules (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  attached_to TEXT NOT NULL,
  policy_name TEXT NOT NULL,
  denied_principals TEXT NOT NULL,
  exception_principals TEXT NOT NULL,
  denied_permissions TEXT NOT NULL,
  exception_permissions TEXT NOT NULL,
  condition_title TEXT,
  condition_expression TEXT,
  PRIMARY KEY (scan_id, seq)
) STRICT, WITHOUT ROWID;

-- Role definitions by content: a role is stored once per distinct permission
-- list (predefined roles' etags do not always change with their content).
CREATE TABLE gcp_roles (
  name TEXT NOT NULL CHECK (name <> ''),
  digest TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('predefined', 'custom')),
  etag TEXT,
  title TEXT,
  stage TEXT,
  deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
  permissions TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  PRIMARY KEY (name, digest)
) STRICT, WITHOUT ROWID;
CREATE INDEX gcp_roles_by_source ON gcp_roles (source, name, stored_at);

-- The role definitions a scan delivered (custom roles, and predefined ones it fetched).
CREATE TABLE gcp_scan_roles (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  digest TEXT NOT NULL,
  PRIMARY KEY (scan_id, name),
  FOREIGN KEY (name, digest) REFERENCES gcp_roles (name, digest)
) STRICT, WITHOUT ROWID;

CREATE TABLE gcp_service_accounts (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  description TEXT,
  PRIMARY KEY (scan_id, email)
) STRICT, WITHOUT ROWID;

CREATE TABLE gcp_keys (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  key_id TEXT NOT NULL CHECK (key_id <> ''),
  service_account TEXT NOT NULL,
  key_type TEXT NOT NULL,
  key_origin TEXT,
  key_algorithm TEXT,
  valid_after TEXT,
  valid_before TEXT,
  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  PRIMARY KEY (scan_id, key_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE gcp_last_authentications (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  subject TEXT NOT NULL CHECK (subject IN ('service-account', 'key')),
  id TEXT NOT NULL,
  service_account TEXT NOT NULL,
  last_authenticated TEXT,
  observed_until TEXT,
  PRIMARY KEY (scan_id, subject, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX gcp_last_authentications_by_id ON gcp_last_authentications (subject, id);

CREATE TABLE gcp_insights (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  service_account TEXT NOT NULL,
  role TEXT NOT NULL,
  resource TEXT NOT NULL,
  exercised TEXT NOT NULL,
  inferred TEXT NOT NULL,
  current_total INTEGER,
  observation_days INTEGER,
  last_refresh TEXT,
  PRIMARY KEY (scan_id, seq)
) STRICT, WITHOUT ROWID;

-- Accumulates across scans like usage_days: overlapping audit-log reads never count an entry twice.
CREATE TABLE gcp_audit_log_cursors (
  project_id TEXT PRIMARY KEY,
  last_timestamp TEXT NOT NULL,
  insert_ids TEXT NOT NULL,
  scan_id INTEGER REFERENCES scans (id) ON DELETE SET NULL
) STRICT, WITHOUT ROWID;
`,
};

/** Migration 8: Resource Manager tags per resource, and IAM role recommendations. */
export const GCP_TAGS_RECOMMENDATIONS_MIGRATION: Migration = {
  id: 8,
  name: 'gcp effective tags and role recommendations',
  sql: `
-- Namespaced tag key -> short value (JSON); NULL when the tags were not read.
ALTER TABLE gcp_resources ADD COLUMN tags TEXT;

CREATE TABLE gcp_recommendations (
  scan_id INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  service_account TEXT NOT NULL,
  resource TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role <> ''),
  replacements TEXT NOT NULL,
  subtype TEXT,
  description TEXT,
  priority TEXT,
  last_refresh TEXT,
  insights TEXT NOT NULL,
  PRIMARY KEY (scan_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX gcp_recommendations_by_account ON gcp_recommendations (scan_id, service_account);
`,
};
