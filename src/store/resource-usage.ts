/**
 * Migration 7: the resources CloudTrail calls named, per identity, action and
 * day, accumulated across scans like usage_days.
 *
 * Bounded: at most MAX_STORED_RESOURCES_PER_ACTION distinct resources are
 * kept per (identity, action) over the whole history; calls on further ones
 * are added to the gap row's overflow, so a reader knows the sample is
 * incomplete. Only ARNs (or ARN prefixes) are stored, never request values.
 */
import type Database from 'better-sqlite3';
import type { ResourceGapDay, ResourceUsageDay } from '../model/domain.js';
import type { Migration } from './migrations.js';
import { checkWindow } from './read-usage.js';
import type { DayWindow } from './types.js';

/** Equal to the aggregate's per-file cap: a history never keeps more than one ingest could. */
export const MAX_STORED_RESOURCES_PER_ACTION = 20;
export const MAX_STORED_RESOURCE_ARN_LENGTH = 512;

const DAY = (column: string) => `CHECK (${column} GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]')`;

export const RESOURCE_USAGE_MIGRATION: Migration = {
  id: 7,
  name: 'resources named by CloudTrail calls',
  sql: `
CREATE TABLE usage_resources (
  identity_arn TEXT NOT NULL,
  action TEXT NOT NULL,
  resource_arn TEXT NOT NULL CHECK (resource_arn GLOB 'arn:*' AND length(resource_arn) <= ${MAX_STORED_RESOURCE_ARN_LENGTH}),
  day TEXT NOT NULL ${DAY('day')},
  calls INTEGER NOT NULL CHECK (calls >= 0),
  PRIMARY KEY (identity_arn, action, resource_arn, day)
) STRICT, WITHOUT ROWID;
CREATE INDEX usage_resources_by_identity_day ON usage_resources (identity_arn, day);

CREATE TABLE usage_resource_gaps (
  identity_arn TEXT NOT NULL,
  action TEXT NOT NULL,
  day TEXT NOT NULL ${DAY('day')},
  unresolved INTEGER NOT NULL CHECK (unresolved >= 0),
  overflow INTEGER NOT NULL CHECK (overflow >= 0),
  PRIMARY KEY (identity_arn, action, day)
) STRICT, WITHOUT ROWID;
`,
};

/** Prepared once per write transaction. */
export function resourceUsageWriter(db: Database.Database) {
  const known = db.prepare<[string, string, string], number>(
    'SELECT 1 FROM usage_resources WHERE identity_arn = ? AND action = ? AND resource_arn = ? LIMIT 1',
  ).pluck();
  const distinct = db.prepare<[string, string], number>(
    'SELECT COUNT(DISTINCT resource_arn) FROM usage_resources WHERE identity_arn = ? AND action = ?',
  ).pluck();
  const addCalls = db.prepare(
    `INSERT INTO usage_resources (identity_arn, action, resource_arn, day, calls) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (identity_arn, action, resource_arn, day) DO UPDATE SET calls = calls + excluded.calls`,
  );
  const addGap = db.prepare(
    `INSERT INTO usage_resource_gaps (identity_arn, action, day, unresolved, overflow) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (identity_arn, action, day) DO UPDATE SET
       unresolved = unresolved + excluded.unresolved, overflow = overflow + excluded.overflow`,
  );
  return {
    /** A resource row; past the cap for a resource not yet stored, its calls become overflow. */
    resource(row: ResourceUsageDay): void {
      const stored = known.get(row.identityArn, row.action, row.resourceArn) !== undefined;
      if (!stored && distinct.get(row.identityArn, row.action)! >= MAX_STORED_RESOURCES_PER_ACTION) {
        addGap.run(row.identityArn, row.action, row.day, 0, row.calls);
        return;
      }
      addCalls.run(row.identityArn, row.action, row.resourceArn, row.day, row.calls);
    },
    gap(row: ResourceGapDay): void {
      addGap.run(row.identityArn, row.action, row.day, row.unresolved, row.overflow);
    },
  };
}

/** What the window's calls of one action named. */
export interface ActionResourceEvidence {
  /** Distinct resources (ARNs or ARN prefixes ending in `*`), sorted. */
  resources: string[];
  /** Successful calls that named a resource kept here. */
  calls: number;
  /** Calls naming no observable resource. */
  unresolved: number;
  /** Calls on resources not kept (cap reached). */
  overflow: number;
}

/** Per identity, per action: the resource evidence within the window. */
export type ResourceEvidence = Map<string, Map<string, ActionResourceEvidence>>;

const IN_IDENTITIES = 'identity_arn IN (SELECT value FROM json_each(?))';

export function resourceEvidence(db: Database.Database, window: DayWindow, identityArns?: readonly string[]): ResourceEvidence {
  checkWindow(window);
  const filter = identityArns === undefined ? '' : `AND ${IN_IDENTITIES}`;
  const params: string[] = identityArns === undefined ? [window.from, window.to] : [window.from, window.to, JSON.stringify(identityArns)];
  const out: ResourceEvidence = new Map();
  const entry = (identityArn: string, action: string): ActionResourceEvidence => {
    let byAction = out.get(identityArn);
    if (!byAction) out.set(identityArn, (byAction = new Map()));
    let e = byAction.get(action);
    if (!e) byAction.set(action, (e = { resources: [], calls: 0, unresolved: 0, overflow: 0 }));
    return e;
  };
  const resources = db
    .prepare<string[], { identity_arn: string; action: string; resource_arn: string; calls: number }>(
      `SELECT identity_arn, action, resource_arn, SUM(calls) AS calls FROM usage_resources
       WHERE day BETWEEN ? AND ? ${filter} GROUP BY identity_arn, action, resource_arn ORDER BY identity_arn, action, resource_arn`,
    )
    .all(...params);
  for (const r of resources) {
    const e = entry(r.identity_arn, r.action);
    e.resources.push(r.resource_arn);
    e.calls += r.calls;
  }
  const gaps = db
    .prepare<string[], { identity_arn: string; action: string; unresolved: number; overflow: number }>(
      `SELECT identity_arn, action, SUM(unresolved) AS unresolved, SUM(overflow) AS overflow FROM usage_resource_gaps
       WHERE day BETWEEN ? AND ? ${filter} GROUP BY identity_arn, action`,
    )
    .all(...params);
  for (const g of gaps) {
    const e = entry(g.identity_arn, g.action);
    e.unresolved += g.unresolved;
    e.overflow += g.overflow;
  }
  return out;
}
