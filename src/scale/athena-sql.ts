/**
 * Every SQL text of the Athena mode: the CloudTrail table (partition
 * projection on account, region and day) and the one aggregation query per
 * window. The DuckDB stand-ins the tests and the benchmark run it with are at
 * the end, next to what they stand in for.
 *
 * What the query does, and what it leaves to TypeScript
 * -----------------------------------------------------
 * It groups events by (partition, UTC day, identity, access key id,
 * eventSource, eventName) with the number of events, of access-denied
 * events and the latest eventTime. The attribution rules of the local
 * ingest (collect/files/cloudtrail/aggregate.ts) are written here once more,
 * because the grouping needs them: grouping by the raw session ARN instead
 * of the role would multiply the rows by every session name. They are
 * short, and the DuckDB tests run this text over real CloudTrail files and
 * compare with the local ingest row for row.
 *
 * The eventSource/eventName -> IAM action mapping is NOT repeated here: it
 * is a catalog-checked table of irregularities (catalog/cloudtrail-actions.ts)
 * that would drift as a copy. TypeScript maps each row with the same mapper
 * and adds rows that map to the same action (cloudtrail-rows.ts). The rows
 * per (eventSource, eventName) are barely more than per action, so this
 * costs nothing worth saving.
 *
 * Days: an eventTime in CloudTrail's own form (`2026-11-03T10:04:05Z`)
 * groups under its day; any other text groups under `raw:<the text>`, and
 * TypeScript reads it the way the local ingest does (rare: CloudTrail writes
 * the short form), so an unreadable time is counted as malformed in both.
 *
 * A second grouping set counts events per (recipient account, region, day,
 * kind): the days CloudTrail delivered events for, which coverage is judged
 * on (malformed events do not count there, as in the local ingest). A third
 * counts calls per identity and user agent (redacted and capped in
 * TypeScript, as the local ingest does).
 *
 * Portability: literals hold no backslash (`[0-9]` rather than `\d`), and
 * `regexp_extract` is only used where `regexp_like` matched, since Trino
 * answers NULL and DuckDB '' when nothing matches.
 */
import { checkDay, checkName, dayRanges, daysBetween, sqlString, type DayRange } from './sql-text.js';

export interface AthenaTable {
  database: string;
  table: string;
}

const NAME = /^[a-z0-9_]{1,255}$/;
const NAME_EXPECTED = 'lowercase letters, digits and _ (Athena lowercases names)';

export function checkAthenaTable(t: AthenaTable): AthenaTable {
  return {
    database: checkName(t.database, NAME, 'Athena database', NAME_EXPECTED),
    table: checkName(t.table, NAME, 'Athena table', NAME_EXPECTED),
  };
}

/** Where the trail writes: `s3://<bucket>/<prefix>/AWSLogs/[<o-org>/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`. */
export interface CloudTrailTableLayout {
  bucket: string;
  /** The trail's key prefix ('' for none). */
  prefix: string;
  /** `o-…` for an organisation trail. */
  organizationId?: string;
  /** Accounts and regions the projection enumerates. */
  accounts: readonly string[];
  regions: readonly string[];
  /** First day the projection covers, YYYY-MM-DD. */
  fromDay: string;
}

/** Regions CloudTrail can deliver from in the `aws` partition (a table's default projection). */
export const COMMERCIAL_REGIONS: readonly string[] = [
  'af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7', 'ca-central-1',
  'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
];

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** S3's safe key characters, less the quote and the star (the prefix goes into quoted SQL text and a key template). */
const KEY_PREFIX = /^[A-Za-z0-9!_.()/-]*$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ORG = /^o-[a-z0-9]{10,32}$/;

/** `s3://bucket/prefix/AWSLogs/[o-org/]`: the table's LOCATION. */
export function cloudTrailLogsRoot(layout: CloudTrailTableLayout): string {
  checkName(layout.bucket, BUCKET, 'CloudTrail bucket', 'an S3 bucket name');
  checkName(layout.prefix, KEY_PREFIX, 'CloudTrail key prefix', 'letters, digits and !_.()/-');
  const prefix = layout.prefix.replace(/^\/+|\/+$/g, '');
  const org = layout.organizationId ? `${checkName(layout.organizationId, ORG, 'organization id', 'o- and 10-32 lowercase letters or digits')}/` : '';
  return `s3://${layout.bucket}/${prefix ? `${prefix}/` : ''}AWSLogs/${org}`;
}

/**
 * The CloudTrail table keywarden creates (`CREATE EXTERNAL TABLE IF NOT
 * EXISTS`, so running it again is harmless): AWS's documented schema for
 * CloudTrail in Athena with partition projection, partitioned by `account`,
 * `region` and `timestamp` (`yyyy/MM/dd`, the S3 key's day). Partitions are
 * computed from the key template, never crawled or added. A table is
 * metadata only: a second table over the same logs costs nothing.
 */
export function cloudTrailTableDdl(table: AthenaTable, layout: CloudTrailTableLayout): string {
  const t = checkAthenaTable(table);
  const root = cloudTrailLogsRoot(layout);
  if (layout.accounts.length === 0) throw new Error('the CloudTrail table needs at least one account to project (athena.logs.accounts)');
  if (layout.regions.length === 0) throw new Error('the CloudTrail table needs at least one region to project (athena.logs.regions)');
  const accounts = layout.accounts.map((a) => checkName(a, ACCOUNT, 'account id', '12 digits')).join(',');
  const regions = layout.regions.map((r) => checkName(r, REGION, 'region', 'a region name such as eu-west-1')).join(',');
  const from = checkDay(layout.fromDay, 'projection start').replaceAll('-', '/');
  return `CREATE EXTERNAL TABLE IF NOT EXISTS \`${t.database}\`.\`${t.table}\` (
  eventversion STRING,
  useridentity STRUCT<
    type: STRING,
    principalid: STRING,
    arn: STRING,
    accountid: STRING,
    invokedby: STRING,
    accesskeyid: STRING,
    username: STRING,
    onbehalfof: STRUCT<userid: STRING, identitystorearn: STRING>,
    sessioncontext: STRUCT<
      attributes: STRUCT<mfaauthenticated: STRING, creationdate: STRING>,
      sessionissuer: STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING, username: STRING>,
      ec2roledelivery: STRING,
      webidfederationdata: STRUCT<federatedprovider: STRING, attributes: MAP<STRING, STRING>>
    >
  >,
  eventtime STRING,
  eventsource STRING,
  eventname STRING,
  awsregion STRING,
  sourceipaddress STRING,
  useragent STRING,
  errorcode STRING,
  errormessage STRING,
  requestparameters STRING,
  responseelements STRING,
  additionaleventdata STRING,
  requestid STRING,
  eventid STRING,
  readonly STRING,
  resources ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>,
  eventtype STRING,
  apiversion STRING,
  recipientaccountid STRING,
  serviceeventdetails STRING,
  sharedeventid STRING,
  vpcendpointid STRING,
  vpcendpointaccountid STRING,
  eventcategory STRING,
  tlsdetails STRUCT<tlsversion: STRING, ciphersuite: STRING, clientprovidedhostheader: STRING>
)
PARTITIONED BY (account STRING, region STRING, \`timestamp\` STRING)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '${root}'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.account.type' = 'enum',
  'projection.account.values' = '${accounts}',
  'projection.region.type' = 'enum',
  'projection.region.values' = '${regions}',
  'projection.timestamp.type' = 'date',
  'projection.timestamp.format' = 'yyyy/MM/dd',
  'projection.timestamp.range' = '${from},NOW',
  'projection.timestamp.interval' = '1',
  'projection.timestamp.interval.unit' = 'DAYS',
  'storage.location.template' = '${root}\${account}/CloudTrail/\${region}/\${timestamp}'
)`;
}

export function createDatabaseDdl(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS \`${checkName(database, NAME, 'Athena database', NAME_EXPECTED)}\``;
}

/** One CloudTrail partition: an S3 prefix `…/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`. */
export interface CloudTrailPartition {
  accountId: string;
  region: string;
  /** YYYY-MM-DD */
  day: string;
}

export interface CloudTrailAggregationOptions {
  table: AthenaTable;
  /** Partition days to read (the S3 key's day), inclusive ranges. */
  days: readonly DayRange[];
  /** Partitions another source (local files) already read: left out. */
  exclude?: readonly CloudTrailPartition[];
}

/** The output columns, in order (cloudtrail-rows.ts reads them by name). */
export const CLOUDTRAIL_ROW_COLUMNS = [
  'p_account', 'p_region', 'p_day', 'seen_account', 'seen_region', 'day', 'identity', 'credential',
  'event_source', 'event_name', 'kind', 'user_agent', 'events', 'denied', 'last_seen',
] as const;

/** CloudTrail's own eventTime form, to the second, in a valid hour/minute/second. */
const CLOUDTRAIL_TIME = "'^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)Z$'";
const SESSION_ARN = "'^arn:([^:]+):sts::([0-9]{12}):assumed-role/([^/]+)/'";

/** attributeIdentity() of aggregate.ts, over the Athena columns. */
const IDENTITY = `CASE
      WHEN useridentity IS NULL THEN NULL
      WHEN useridentity.type = 'AssumedRole' THEN CASE
        WHEN COALESCE(useridentity.sessioncontext.sessionissuer.arn, '') <> '' THEN useridentity.sessioncontext.sessionissuer.arn
        WHEN regexp_like(useridentity.arn, ${SESSION_ARN}) THEN 'arn:' || regexp_extract(useridentity.arn, ${SESSION_ARN}, 1)
          || ':iam::' || regexp_extract(useridentity.arn, ${SESSION_ARN}, 2) || ':role/' || regexp_extract(useridentity.arn, ${SESSION_ARN}, 3)
      END
      WHEN useridentity.type = 'FederatedUser' THEN COALESCE(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn)
      WHEN useridentity.type = 'Root' THEN CASE
        WHEN COALESCE(useridentity.accountid, recipientaccountid, '') <> '' THEN 'arn:aws:iam::' || COALESCE(useridentity.accountid, recipientaccountid) || ':root'
      END
      ELSE useridentity.arn
    END`;

function partitionKey(p: CloudTrailPartition): string {
  checkName(p.accountId, ACCOUNT, 'account id', '12 digits');
  checkName(p.region, /^[a-z0-9-]{1,32}$/, 'region', 'a region name');
  return sqlString(`${p.accountId}/${p.region}/${checkDay(p.day).replaceAll('-', '/')}`, 'partition');
}

/** Above this many excluded partitions the exclusion is left to the caller (Athena limits a query to 256 KB of text). */
export const MAX_EXCLUDED_PARTITIONS = 2000;

/**
 * The aggregation over the given partition days, three grouping sets told
 * apart by which keys are NULL (partition values and `kind` never are):
 * usage rows (`p_day` and `kind` set); days CloudTrail delivered events for
 * (`p_day` NULL); and the user agents each identity called with, per
 * partition (`p_day` set, `kind` NULL), the raw material of agent attribution.
 */
export function cloudTrailAggregationSql(options: CloudTrailAggregationOptions): string {
  const t = checkAthenaTable(options.table);
  const ranges = dayRanges(options.days.flatMap((r) => daysBetween(r.from, r.to)));
  if (ranges.length === 0) throw new Error('the aggregation needs at least one day');
  const dayFilter = ranges
    .map((r) => `"timestamp" BETWEEN ${sqlString(r.from.replaceAll('-', '/'), 'day')} AND ${sqlString(r.to.replaceAll('-', '/'), 'day')}`)
    .join(' OR ');
  const exclude = options.exclude ?? [];
  const excluded =
    exclude.length > 0 && exclude.length <= MAX_EXCLUDED_PARTITIONS
      ? `\n    AND account || '/' || region || '/' || "timestamp" NOT IN (${exclude.map(partitionKey).join(', ')})`
      : '';
  return `-- keywarden: CloudTrail usage per partition, day, identity, access key and event (src/scale/athena-sql.ts)
WITH events AS (
  SELECT
    account AS p_account,
    region AS p_region,
    "timestamp" AS p_day,
    COALESCE(recipientaccountid, useridentity.accountid, '') AS seen_account,
    COALESCE(awsregion, '') AS seen_region,
    CASE WHEN regexp_like(eventtime, ${CLOUDTRAIL_TIME}) THEN substr(eventtime, 1, 10) ELSE 'raw:' || eventtime END AS day,
    eventtime,
    CASE
      WHEN eventtime IS NULL OR eventsource IS NULL OR eventname IS NULL THEN 'malformed'
      WHEN eventtype = 'AwsServiceEvent' THEN 'service'
      WHEN eventtype = 'AwsCloudTrailInsight' THEN 'insight'
      WHEN useridentity.type = 'AWSService' OR COALESCE(useridentity.invokedby, '') <> '' THEN 'service'
      ELSE 'call'
    END AS kind,
    ${IDENTITY} AS identity,
    COALESCE(useridentity.accesskeyid, '') AS credential,
    eventsource,
    eventname,
    errorcode,
    useragent
  FROM "${t.database}"."${t.table}"
  WHERE (${dayFilter})${excluded}
),
calls AS (
  SELECT
    p_account, p_region, p_day, seen_account, seen_region, day, eventtime, kind,
    CASE WHEN kind = 'call' THEN identity END AS identity,
    CASE WHEN kind = 'call' THEN credential END AS credential,
    CASE WHEN kind = 'call' THEN eventsource END AS event_source,
    CASE WHEN kind = 'call' THEN eventname END AS event_name,
    CASE WHEN kind = 'call' AND (errorcode LIKE '%AccessDenied%' OR errorcode LIKE '%UnauthorizedOperation%') THEN 1 ELSE 0 END AS denied,
    CASE WHEN kind = 'call' AND identity IS NOT NULL THEN useragent END AS user_agent
  FROM events
)
SELECT
  p_account, p_region, p_day, seen_account, seen_region, day, identity, credential, event_source, event_name, kind, user_agent,
  COUNT(*) AS events, SUM(denied) AS denied, MAX(eventtime) AS last_seen
FROM calls
GROUP BY GROUPING SETS (
  (p_account, p_region, p_day, day, identity, credential, event_source, event_name, kind),
  (seen_account, seen_region, day, kind),
  (p_account, p_region, p_day, day, identity, user_agent)
)`;
}


// ---------------------------------------------------------------------------
// DuckDB stand-ins (tests and bench/duckdb-cloudtrail.ts only; src never runs DuckDB)
//
// The aggregation runs on DuckDB unchanged; two things are supplied around it:
// - `regexp_like`, which DuckDB calls `regexp_matches` (both: a match anywhere);
// - the table, as a view over CloudTrail files (`{"Records": [...]}`, gzip or
//   not) with the Athena column names and struct shape, its partition
//   columns read from the file's S3-layout path as partition projection
//   does. JSON keys are matched with CloudTrail's own spelling; DuckDB then
//   resolves the lowercase names the query uses, as Athena's JsonSerDe does.
// ---------------------------------------------------------------------------

const RECORD_TYPE =
  'STRUCT(eventVersion VARCHAR, ' +
  'userIdentity STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, invokedBy VARCHAR, accessKeyId VARCHAR, userName VARCHAR, ' +
  'sessionContext STRUCT(sessionIssuer STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, userName VARCHAR))), ' +
  'eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, awsRegion VARCHAR, userAgent VARCHAR, errorCode VARCHAR, ' +
  'eventType VARCHAR, recipientAccountId VARCHAR)[]';

const PATH_PARTITION = "'AWSLogs/(o-[a-z0-9]+/)?([0-9]{12})/CloudTrail/([^/]+)/([0-9]{4}/[0-9]{2}/[0-9]{2})/'";

/** Statements that make `table` readable by DuckDB over the given files (paths or globs, in the AWSLogs layout). */
export function duckDbCloudTrailPrelude(table: AthenaTable, files: readonly string[]): string[] {
  const t = checkAthenaTable(table);
  const list = `[${files.map((f) => sqlString(f, 'file')).join(', ')}]`;
  return [
    'CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)',
    `CREATE SCHEMA IF NOT EXISTS "${t.database}"`,
    `CREATE OR REPLACE VIEW "${t.database}"."${t.table}" AS
SELECT
  r.eventVersion AS eventversion, r.userIdentity AS useridentity, r.eventTime AS eventtime, r.eventSource AS eventsource,
  r.eventName AS eventname, r.awsRegion AS awsregion, r.userAgent AS useragent, r.errorCode AS errorcode,
  r.eventType AS eventtype, r.recipientAccountId AS recipientaccountid,
  regexp_extract(filename, ${PATH_PARTITION}, 2) AS account,
  regexp_extract(filename, ${PATH_PARTITION}, 3) AS region,
  regexp_extract(filename, ${PATH_PARTITION}, 4) AS "timestamp"
FROM (
  SELECT unnest(Records) AS r, filename
  FROM read_json(${list}, columns = {Records: '${RECORD_TYPE}'}, filename = true, maximum_object_size = 1073741824)
)`,
  ];
}
