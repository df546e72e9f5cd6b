/**
 * Every SQL text of the BigQuery mode: the one aggregation query over the
 * Cloud Audit Logs a log sink exports to a BigQuery dataset, and the DuckDB
 * stand-ins the tests run it with.
 *
 * The sink writes one table family per audit log (`cloudaudit_googleapis_com_
 * activity`, `_data_access`, `_system_event`, `_policy`), either date-sharded
 * (`…_activity_20261103`, the default) or partitioned by the entry's
 * timestamp day (`use_partitioned_tables`). The query reads them through the
 * wildcard table `cloudaudit_googleapis_com_*`: a family with no table yet
 * (Data Access logs off) simply matches nothing, where naming it would fail.
 * `_TABLE_SUFFIX` conditions name only the days asked for (sharded) and the
 * timestamp condition prunes partitions (partitioned): bytes billed are
 * those of the window's days and the columns read.
 *
 * It is the local reader's aggregation (collect/files/gcp/audit-logs.ts):
 * each `authorizationInfo[]` entry of an audit entry by a service account
 * is one permission check, counted as used when `granted` and as denied
 * otherwise, per (service account, key id, permission, UTC day); an entry
 * delivered twice (same logName and insertId) counts once. A second
 * grouping set counts entries per service account and caller-supplied user
 * agent (agent attribution); the LEFT JOIN keeps entries without checks for
 * it. Rows stay per log scope (`projects/<id>`, `folders/<id>`, …) and day,
 * the unit one source owns (store/query-loads.ts).
 *
 * Portability (DuckDB runs this text in the tests): no backslash in
 * literals (`[.]` for a dot), REGEXP_EXTRACT only with patterns without a
 * group (BigQuery's third argument is a position, DuckDB's a group) and
 * NULLIF'd where nothing may match (BigQuery answers NULL, DuckDB '').
 */
import { checkDay, checkName, dayRanges, daysBetween, nextDay, sqlString, type DayRange } from './sql-text.js';

/** The dataset a log sink writes to. */
export interface AuditLogDataset {
  /** Project holding the dataset. */
  project: string;
  dataset: string;
  /** `sharded`: a table per day (the sink's default); `partitioned`: `use_partitioned_tables`. */
  layout: 'sharded' | 'partitioned';
}

/** The audit logs read (all that Cloud Logging's `entries:list` reads under `cloudaudit.googleapis.com`). */
export const AUDIT_LOG_FAMILIES = ['activity', 'data_access', 'system_event', 'policy'] as const;

const PROJECT = /^([a-z][a-z0-9.-]{0,61}:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const DATASET = /^[A-Za-z0-9_]{1,1024}$/;

export function checkDataset(d: AuditLogDataset): AuditLogDataset {
  if (d.layout !== 'sharded' && d.layout !== 'partitioned') throw new Error(`BigQuery table layout must be sharded or partitioned, got ${JSON.stringify(d.layout)}`);
  return {
    project: checkName(d.project, PROJECT, 'BigQuery project', 'a project id such as acme-logging'),
    dataset: checkName(d.dataset, DATASET, 'BigQuery dataset', 'letters, digits and _'),
    layout: d.layout,
  };
}

/** A log scope and UTC day whose entries one source (a local read, or a load) owns. */
export interface AuditLogPartition {
  /** `projects/<id>` (or `folders/<id>`, `organizations/<id>`): the logName's parent. */
  scope: string;
  day: string;
}

export interface AuditLogAggregationOptions {
  dataset: AuditLogDataset;
  days: readonly DayRange[];
  /** Days of a log scope left out (a local read already counted them). */
  exclude?: readonly { scope: string; days: readonly DayRange[] }[];
}

/** Output columns, in order (audit-log-rows.ts reads them by name). */
export const AUDIT_LOG_ROW_COLUMNS = ['scope', 'day', 'identity', 'credential', 'permission', 'user_agent', 'granted', 'denied', 'entries', 'last_seen_us'] as const;

/** Service-account principals (audit-logs.ts SERVICE_ACCOUNT_EMAIL), written without backslashes. */
const SERVICE_ACCOUNT = "'@[a-z0-9-]+[.](iam[.])?gserviceaccount[.]com$|@appspot[.]gserviceaccount[.]com$|@developer[.]gserviceaccount[.]com$'";
const SCOPE = /^(projects|folders|organizations|billingAccounts)\/[A-Za-z0-9._:-]{1,100}$/;

const timestampOf = (day: string) => `CAST(${sqlString(checkDay(day), 'day')} AS TIMESTAMP)`;

export function auditLogAggregationSql(options: AuditLogAggregationOptions): string {
  const d = checkDataset(options.dataset);
  const ranges = dayRanges(options.days.flatMap((r) => daysBetween(r.from, r.to)));
  if (ranges.length === 0) throw new Error('the aggregation needs at least one day');
  const time = ranges.map((r) => `(timestamp >= ${timestampOf(r.from)} AND timestamp < ${timestampOf(nextDay(r.to))})`).join(' OR ');
  const suffix =
    d.layout === 'partitioned'
      ? `_TABLE_SUFFIX IN (${AUDIT_LOG_FAMILIES.map((f) => `'${f}'`).join(', ')})`
      : AUDIT_LOG_FAMILIES.flatMap((f) =>
          ranges.map((r) => `_TABLE_SUFFIX BETWEEN '${f}_${r.from.replaceAll('-', '')}' AND '${f}_${r.to.replaceAll('-', '')}'`),
        ).join('\n      OR ');
  const source = `\`${d.project}.${d.dataset}.cloudaudit_googleapis_com_*\``;
  const exclusions = (options.exclude ?? []).map((e) => {
    const scope = sqlString(checkName(e.scope, SCOPE, 'log scope', 'projects/<id>'), 'scope');
    const within = e.days.map((r) => `(entry_time >= ${timestampOf(r.from)} AND entry_time < ${timestampOf(nextDay(r.to))})`).join(' OR ');
    return `\n    AND NOT (scope = ${scope} AND (${within}))`;
  });
  return `-- keywarden: audit-log usage per log scope, day, service account, key and permission (src/scale/bigquery-sql.ts)
WITH entries AS (
  SELECT
    NULLIF(REGEXP_EXTRACT(logName, '^[^/]+/[^/]+'), '') AS scope,
    logName AS log_name,
    insertId AS insert_id,
    timestamp AS entry_time,
    LOWER(protopayload_auditlog.authenticationInfo.principalEmail) AS identity,
    COALESCE(REGEXP_EXTRACT(COALESCE(protopayload_auditlog.authenticationInfo.serviceAccountKeyName, ''), '[^/]*$'), '') AS credential,
    protopayload_auditlog.authorizationInfo AS checks,
    protopayload_auditlog.requestMetadata.callerSuppliedUserAgent AS user_agent
  FROM ${source}
  WHERE (${suffix})
    AND (${time})
),
counted AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY COALESCE(log_name, ''), insert_id ORDER BY entry_time) AS delivery
  FROM entries
  WHERE entry_time IS NOT NULL AND REGEXP_CONTAINS(identity, ${SERVICE_ACCOUNT})${exclusions.join('')}
),
kept AS (
  SELECT
    *,
    CAST(CAST(entry_time AS DATE) AS STRING) AS day,
    -- One key per entry counted: log, insertId (or none) and its delivery number.
    CONCAT(COALESCE(log_name, ''), '|', CASE WHEN insert_id IS NULL THEN 'n' ELSE CONCAT('v', insert_id) END, '|', CAST(delivery AS STRING)) AS entry_key
  FROM counted
  WHERE COALESCE(insert_id, '') = '' OR delivery = 1
)
SELECT
  scope,
  day,
  identity,
  credential,
  auth.permission AS permission,
  user_agent,
  SUM(CASE WHEN COALESCE(auth.permission, '') <> '' AND auth.granted THEN 1 ELSE 0 END) AS granted,
  SUM(CASE WHEN COALESCE(auth.permission, '') = '' THEN 0 WHEN auth.granted THEN 0 ELSE 1 END) AS denied,
  COUNT(DISTINCT entry_key) AS entries,
  UNIX_MICROS(MAX(entry_time)) AS last_seen_us
FROM kept LEFT JOIN UNNEST(checks) AS auth
GROUP BY GROUPING SETS (
  (scope, day, identity, credential, auth.permission),
  (scope, day, identity, user_agent)
)`;
}

// ---------------------------------------------------------------------------
// DuckDB stand-ins (tests only; src never runs DuckDB)
//
// duckDbAuditLogSql() makes the two changes DuckDB needs: it reads
// `audit_log_entries` instead of the wildcard table, and joins the UNNEST
// DuckDB's way (`AS t(auth) ON TRUE`; BigQuery's `AS auth` names the element
// itself and needs no condition). The rest of the text runs as it is.
// Supplied around it:
// - REGEXP_CONTAINS and UNIX_MICROS, BigQuery's names for DuckDB's
//   regexp_matches (a match anywhere) and epoch_us;
// - `audit_log_entries`: a view over newline-delimited JSON rows in the
//   sink's BigQuery schema (`protopayload_auditlog.authenticationInfo.
//   principalEmail`, …), with `_TABLE_SUFFIX` as the wildcard table gives it.
// ---------------------------------------------------------------------------

const ENTRY_COLUMNS = `{
    logName: 'VARCHAR', insertId: 'VARCHAR', timestamp: 'TIMESTAMP', receiveTimestamp: 'TIMESTAMP', severity: 'VARCHAR',
    resource: 'STRUCT(type VARCHAR, labels STRUCT(project_id VARCHAR))',
    protopayload_auditlog: 'STRUCT(serviceName VARCHAR, methodName VARCHAR, resourceName VARCHAR, status STRUCT(code BIGINT, message VARCHAR), authenticationInfo STRUCT(principalEmail VARCHAR, serviceAccountKeyName VARCHAR), authorizationInfo STRUCT(resource VARCHAR, permission VARCHAR, granted BOOLEAN)[], requestMetadata STRUCT(callerIp VARCHAR, callerSuppliedUserAgent VARCHAR))'
  }`;

/** The aggregation's text as DuckDB runs it (see above); throws if the text is not the aggregation's. */
export function duckDbAuditLogSql(sql: string): string {
  const from = /FROM `[^`]+\.cloudaudit_googleapis_com_\*`/;
  const unnest = 'LEFT JOIN UNNEST(checks) AS auth';
  if (!from.test(sql) || !sql.includes(unnest)) throw new Error('not the audit-log aggregation of bigquery-sql.ts');
  return sql.replace(from, 'FROM audit_log_entries').replace(unnest, 'LEFT JOIN UNNEST(checks) AS checks_(auth) ON TRUE');
}

export function duckDbAuditLogPrelude(files: readonly string[], layout: AuditLogDataset['layout']): string[] {
  const list = `[${files.map((f) => sqlString(f, 'file')).join(', ')}]`;
  const family = "regexp_extract(logName, 'cloudaudit[.]googleapis[.]com%2F([a-z_]+)$', 1)";
  const suffix = layout === 'partitioned' ? family : `${family} || '_' || strftime(timestamp, '%Y%m%d')`;
  return [
    'CREATE OR REPLACE MACRO regexp_contains(s, p) AS regexp_matches(s, p)',
    'CREATE OR REPLACE MACRO unix_micros(t) AS epoch_us(t)',
    `CREATE OR REPLACE VIEW audit_log_entries AS
SELECT *, ${suffix} AS _TABLE_SUFFIX
FROM read_json(${list}, columns = ${ENTRY_COLUMNS}, format = 'newline_delimited')`,
  ];
}
