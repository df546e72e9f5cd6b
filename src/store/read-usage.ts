/**
 * Usage accumulated across scans, read over a window of UTC days. Queries
 * for given identities go through usage_days_by_identity_day, so one
 * identity's 90 days cost the same whatever the table's total history.
 */
import type Database from 'better-sqlite3';
import type { UnmappedEvent, UsageDay } from '../model/domain.js';
import type { CloudTrailDay, DayWindow, IdentityUsageSummary, UsageAggregate, UserAgentUsage } from './types.js';

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Throws, naming the bad bound, unless the window is two YYYY-MM-DD days in order. */
export function checkWindow(window: DayWindow): void {
  for (const bound of ['from', 'to'] as const) {
    const value = window?.[bound];
    if (typeof value !== 'string' || !DAY_PATTERN.test(value) || Number.isNaN(Date.parse(value))) {
      throw new RangeError(`usage window "${bound}" must be a YYYY-MM-DD day, got ${JSON.stringify(value)}`);
    }
  }
  if (window.from > window.to) {
    throw new RangeError(`usage window is reversed: from ${window.from} is after to ${window.to}`);
  }
}

const IN_IDENTITIES = 'identity_arn IN (SELECT value FROM json_each(?))';
const IN_WINDOW = 'day BETWEEN ? AND ?';

const AGGREGATE = `SELECT identity_arn, credential_id, action,
    MIN(day) AS first_day, MAX(day) AS last_day, COUNT(*) AS active_days,
    SUM(count) AS count, SUM(denied) AS denied, MAX(last_seen) AS last_seen
  FROM usage_days`;
const AGGREGATE_ORDER = 'GROUP BY identity_arn, credential_id, action ORDER BY identity_arn, credential_id, action';

/*
 * Left to itself the planner serves GROUP BY from the primary key
 * (identity_arn, credential_id, action, day), which bounds only the identity
 * and reads its whole history. INDEXED BY pins the (identity, day) index,
 * and fails at prepare time if a migration ever drops it.
 */
const BY_IDENTITY_DAY = 'INDEXED BY usage_days_by_identity_day';

/** Exported so a test can EXPLAIN exactly what the store runs. Parameters: JSON array of ARNs, from, to. */
export const USAGE_FOR_IDENTITIES_SQL = `${AGGREGATE} ${BY_IDENTITY_DAY} WHERE ${IN_IDENTITIES} AND ${IN_WINDOW} ${AGGREGATE_ORDER}`;
const USAGE_FOR_ALL_SQL = `${AGGREGATE} WHERE ${IN_WINDOW} ${AGGREGATE_ORDER}`;

const DAYS = 'SELECT identity_arn, credential_id, action, day, count, denied, last_seen FROM usage_days';
export const USAGE_DAYS_FOR_IDENTITIES_SQL = `${DAYS} ${BY_IDENTITY_DAY} WHERE ${IN_IDENTITIES} AND ${IN_WINDOW}
  ORDER BY identity_arn, day, credential_id, action`;
const USAGE_DAYS_FOR_ALL_SQL = `${DAYS} WHERE ${IN_WINDOW} ORDER BY identity_arn, day, credential_id, action`;

interface AggregateRow {
  identity_arn: string;
  credential_id: string;
  action: string;
  first_day: string;
  last_day: string;
  active_days: number;
  count: number;
  denied: number;
  last_seen: string;
}

interface DayRow {
  identity_arn: string;
  credential_id: string;
  action: string;
  day: string;
  count: number;
  denied: number;
  last_seen: string;
}

function windowed<R>(
  db: Database.Database,
  forIdentities: string,
  forAll: string,
  window: DayWindow,
  identityArns: readonly string[] | undefined,
): R[] {
  checkWindow(window);
  if (identityArns === undefined) return db.prepare<[string, string], R>(forAll).all(window.from, window.to);
  if (identityArns.length === 0) return [];
  return db
    .prepare<[string, string, string], R>(forIdentities)
    .all(JSON.stringify(identityArns), window.from, window.to);
}

/** Per (identity, credential, action): days seen, calls and denials within the window. */
export function usageFor(
  db: Database.Database,
  window: DayWindow,
  identityArns?: readonly string[],
): UsageAggregate[] {
  return windowed<AggregateRow>(db, USAGE_FOR_IDENTITIES_SQL, USAGE_FOR_ALL_SQL, window, identityArns).map((r) => ({
    identityArn: r.identity_arn,
    credentialId: r.credential_id,
    action: r.action,
    firstDay: r.first_day,
    lastDay: r.last_day,
    activeDays: r.active_days,
    count: r.count,
    denied: r.denied,
    lastSeen: r.last_seen,
  }));
}

/** The daily rows themselves, for trends. */
export function usageDays(db: Database.Database, window: DayWindow, identityArns?: readonly string[]): UsageDay[] {
  return windowed<DayRow>(db, USAGE_DAYS_FOR_IDENTITIES_SQL, USAGE_DAYS_FOR_ALL_SQL, window, identityArns).map((r) => ({
    identityArn: r.identity_arn,
    credentialId: r.credential_id,
    action: r.action,
    day: r.day,
    count: r.count,
    denied: r.denied,
    lastSeen: r.last_seen,
  }));
}

interface SummaryRow {
  identity_arn: string;
  actions_used: number;
  actions_denied: number;
  calls: number;
  denied: number;
  credentials: number;
  active_days: number;
  first_day: string;
  last_day: string;
  last_seen: string;
}

export function usageSummaryByIdentity(db: Database.Database, window: DayWindow): IdentityUsageSummary[] {
  checkWindow(window);
  return db
    .prepare<[string, string], SummaryRow>(
      `SELECT identity_arn,
         COUNT(DISTINCT CASE WHEN count > 0 THEN action END) AS actions_used,
         COUNT(DISTINCT CASE WHEN denied > 0 THEN action END) AS actions_denied,
         SUM(count) AS calls, SUM(denied) AS denied,
         COUNT(DISTINCT NULLIF(credential_id, '')) AS credentials,
         COUNT(DISTINCT day) AS active_days,
         MIN(day) AS first_day, MAX(day) AS last_day, MAX(last_seen) AS last_seen
       FROM usage_days WHERE ${IN_WINDOW} GROUP BY identity_arn ORDER BY identity_arn`,
    )
    .all(window.from, window.to)
    .map((r) => ({
      identityArn: r.identity_arn,
      actionsUsed: r.actions_used,
      actionsDenied: r.actions_denied,
      calls: r.calls,
      denied: r.denied,
      credentials: r.credentials,
      activeDays: r.active_days,
      firstDay: r.first_day,
      lastDay: r.last_day,
      lastSeen: r.last_seen,
    }));
}

/** The (account, region, day) triples whose CloudTrail logs were read, within the window. */
export function cloudTrailDays(db: Database.Database, window: DayWindow, accountId?: string): CloudTrailDay[] {
  checkWindow(window);
  const sql = `SELECT account_id AS accountId, region, day FROM cloudtrail_days WHERE ${IN_WINDOW}
    ${accountId === undefined ? '' : 'AND account_id = ?'} ORDER BY account_id, region, day`;
  const params = accountId === undefined ? [window.from, window.to] : [window.from, window.to, accountId];
  return db.prepare<string[], CloudTrailDay>(sql).all(...params);
}

/** Events no catalog mapped to an IAM action, most frequent first. */
export function unmappedEvents(db: Database.Database): UnmappedEvent[] {
  return db
    .prepare<[], UnmappedEvent>(
      `SELECT event_source AS eventSource, event_name AS eventName, count FROM unmapped_events
       ORDER BY count DESC, event_source, event_name`,
    )
    .all();
}

export function userAgents(db: Database.Database, identityArns?: readonly string[]): UserAgentUsage[] {
  const columns = 'SELECT identity_arn AS identityArn, user_agent AS userAgent, count, last_seen AS lastSeen';
  const order = 'ORDER BY identity_arn, count DESC, user_agent';
  if (identityArns === undefined) {
    return db.prepare<[], UserAgentUsage>(`${columns} FROM identity_user_agents ${order}`).all();
  }
  return db
    .prepare<[string], UserAgentUsage>(`${columns} FROM identity_user_agents WHERE ${IN_IDENTITIES} ${order}`)
    .all(JSON.stringify(identityArns));
}
