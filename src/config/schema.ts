/**
 * The keywarden config file schema. Every object is strict: an unknown key
 * is an error, because a typo (`acounts:`) silently ignored would leave a
 * production account resolved as `unknown`, or worse, look configured.
 * The parsed form (`KeywardenConfig`) has every default filled in and the
 * agent userAgent lists already merged with the built-in ones.
 */
import { z } from 'zod';
import { validate as validateCron } from 'node-cron';
import { DEFAULT_AGENT_USER_AGENTS, DEFAULT_HUMAN_USER_AGENTS } from './defaults.js';
import { quoteInMessage } from '../util/secrets.js';

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Environment names a rule may assign. `unknown` is only ever a result. */
export const CONFIG_ENVIRONMENTS = ['production', 'staging', 'development', 'sandbox'] as const;
export type ConfiguredEnvironment = (typeof CONFIG_ENVIRONMENTS)[number];

const environment = z.enum(CONFIG_ENVIRONMENTS);

const pattern = z.string().trim().min(1, { error: 'expected a non-empty pattern' });

const AWS_ACCOUNT_ID = /^\d{12}$/;
// GCP project ids: 6-30 characters, lowercase letters, digits and hyphens, starting with a letter.
const GCP_PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/**
 * An AWS account id or a GCP project id. YAML reads an unquoted
 * `012345678901` as the number 12345678901, so a number is accepted only
 * when it still has 12 digits, and otherwise the error says to quote it.
 */
const accountId = z.unknown().transform((value, ctx): string => {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && AWS_ACCOUNT_ID.test(String(value))) return String(value);
    ctx.addIssue({
      code: 'custom',
      message: `expected a 12-digit AWS account id, got the number ${value}; quote it (id: '012345678901') so leading zeros are kept`,
    });
    return z.NEVER;
  }
  if (typeof value === 'string') {
    const id = value.trim();
    if (AWS_ACCOUNT_ID.test(id) || GCP_PROJECT_ID.test(id)) return id;
    ctx.addIssue({
      code: 'custom',
      message: /^\d+$/.test(id)
        ? `expected a 12-digit AWS account id, got ${id.length} digits`
        : `expected a 12-digit AWS account id or a GCP project id, got ${quoteInMessage(value, 40)}`,
    });
    return z.NEVER;
  }
  ctx.addIssue({
    code: 'custom',
    message: value === undefined ? 'missing: expected a 12-digit AWS account id' : 'expected a 12-digit AWS account id',
  });
  return z.NEVER;
});

const accountRules = z.array(z.strictObject({ id: accountId, environment })).superRefine((rules, ctx) => {
  // The same id twice is at best redundant and at worst contradictory; either way, a mistake.
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    const first = seen.get(rule.id);
    if (first === undefined) seen.set(rule.id, i);
    else {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'id'],
        message: `account ${rule.id} is already listed at environments.accounts[${first}] (as ${rules[first]!.environment})`,
      });
    }
  });
});

const environmentsSchema = z
  .strictObject({
    /** Exact account (or project) ids. Highest precedence. */
    accounts: accountRules.default([]),
    /** Account alias globs, first match wins. */
    accountPatterns: z.array(z.strictObject({ alias: pattern, environment })).default([]),
    /** Account tag key/value globs, first match wins. */
    accountTags: z.array(z.strictObject({ key: pattern, value: pattern, environment })).default([]),
    /** Resource ARN (`arn:…`) or resource-name globs, first match wins. */
    resources: z.array(z.strictObject({ pattern, environment })).default([]),
  })
  .prefault({});

const merge = (defaults: readonly string[], extra: string[], replace: boolean): string[] =>
  replace ? [...new Set(extra)] : [...new Set([...defaults, ...extra])];

const agentsSchema = z
  .strictObject({
    tags: z.array(z.strictObject({ key: pattern, value: pattern })).default([]),
    names: z.array(pattern).default([]),
    arns: z.array(pattern).default([]),
    userAgents: z.array(pattern).default([]),
    userAgentsReplaceDefaults: z.boolean().default(false),
    humanUserAgents: z.array(pattern).default([]),
    humanUserAgentsReplaceDefaults: z.boolean().default(false),
  })
  .prefault({})
  .transform((a) => ({
    tags: a.tags,
    names: a.names,
    arns: a.arns,
    /** Effective list: built-in defaults plus the file's, unless it replaced them. */
    userAgents: merge(DEFAULT_AGENT_USER_AGENTS, a.userAgents, a.userAgentsReplaceDefaults),
    humanUserAgents: merge(DEFAULT_HUMAN_USER_AGENTS, a.humanUserAgents, a.humanUserAgentsReplaceDefaults),
  }));

const days = z
  .number()
  .int({ error: (iss) => `expected a whole number of days, got ${String(iss.input)}` })
  .min(1, { error: (iss) => `expected at least 1 day, got ${String(iss.input)}` })
  .max(3650, { error: (iss) => `expected at most 3650 days (ten years), got ${String(iss.input)}` });

const thresholdsSchema = z
  .strictObject({
    /** The observation window: a grant unused for this many days counts as unused. */
    unusedDays: days.default(90),
    /** Access keys older than this should be rotated. */
    keyMaxAgeDays: days.default(90),
    /** Flag when unused granted actions / granted actions is at least this. */
    unusedPermissionRatio: z
      .number()
      .gt(0, { error: 'expected a share above 0 (0 would flag every identity)' })
      .lte(1, { error: (iss) => `expected a share between 0 and 1, got ${String(iss.input)}` })
      .default(0.5),
    /** Root credentials used within this many days are reported. */
    rootRecentUseDays: days.default(90),
  })
  .prefault({});

const path = z.string().trim().min(1, { error: 'expected a non-empty path' });

const suggestionsSchema = z
  .strictObject({
    /** Days to observe after a reversible first step (deactivate, quarantine) before the delete. */
    observeDays: days.default(14),
    /** Directory `keywarden plan` writes to (default reports/plan-<date>; resolved like `database`). */
    planDir: path.optional(),
  })
  .prefault({});
const awsAccountId = accountId.refine((id) => AWS_ACCOUNT_ID.test(id), { error: 'expected a 12-digit AWS account id' });
const seconds = z.number().int().min(1).max(86_400);
const url = z.url({ error: 'expected a URL such as https://iam.amazonaws.com' });

/** Live AWS collection (`keywarden collect aws`, and `audit` without --from). Absent: offline only. */
const liveAwsSchema = z.strictObject({
  /** Region for the API clients (IAM, STS and Organizations are global; S3 uses it for the bucket). */
  region: z.string().trim().min(1).default('us-east-1'),
  /** When set, the credentials in use must belong to this account. */
  homeAccount: awsAccountId.optional(),
  auditRole: z
    .strictObject({
      /** Role name assumed in every other account. */
      name: z.string().trim().min(1).default('keywarden-audit'),
      /** Or a full ARN; `{account}` is replaced by each account id. */
      arn: z.string().trim().startsWith('arn:', { error: 'expected an ARN such as arn:aws:iam::{account}:role/keywarden-audit' }).optional(),
      externalId: z.string().trim().min(2).max(1224).optional(),
      sessionName: z.string().regex(/^[\w+=,.@-]{2,64}$/, { error: 'expected 2-64 characters of letters, digits and +=,.@_-' }).default('keywarden'),
    })
    .prefault({}),
  /** Also audit every active account Organizations lists (run from the management or a delegated administrator account). */
  organizations: z.boolean().default(false),
  /** Accounts to audit besides the home account. */
  accounts: z.array(awsAccountId).default([]),
  /** API calls in flight at once per account. */
  concurrency: z.number().int().min(1).max(64).default(8),
  /** Attempts per API call including the first (Throttling and 5xx are retried with backoff). */
  maxAttempts: z.number().int().min(1).max(20).default(8),
  /** One attempt of an API call that gets no connection or answer within this fails (and is retried): a server that never answers cannot hang the run. */
  requestTimeoutSeconds: seconds.default(30),
  /** How long one Access Advisor job may take before it counts as a coverage gap. */
  accessAdvisorTimeoutSeconds: seconds.default(300),
  credentialReportTimeoutSeconds: seconds.default(300),
  /** Endpoint overrides (VPC endpoints, FIPS, or local test servers). */
  endpoints: z.strictObject({ iam: url.optional(), sts: url.optional(), s3: url.optional(), organizations: url.optional() }).prefault({}),
  cloudTrail: z
    .strictObject({
      bucket: z.string().trim().min(3),
      prefix: z.string().trim().default(''),
      organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, { error: 'expected an organization id such as o-a1b2c3d4e5' }).optional(),
      regions: z.array(z.string().trim().min(1)).optional(),
      /** Days read on the first run; later runs read only days not yet complete. */
      lookbackDays: days.default(90),
      /** Account holding the bucket (reached with the audit role); default: home. */
      bucketAccount: awsAccountId.optional(),
      concurrency: z.number().int().min(1).max(16).default(2),
    })
    .optional(),
});

const gigabytes = z
  .number()
  .positive({ error: 'expected a number of gigabytes above 0' })
  .max(1_000_000, { error: (iss) => `expected at most 1000000 GB, got ${String(iss.input)}` });
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a day such as 2025-01-01' });

/**
 * Athena over the trail's S3 bucket (`keywarden collect athena`): one
 * aggregation query per run instead of reading every log file here. Absent:
 * the command needs its flags.
 */
export const athenaSchema = z.strictObject({
  /** Region of the workgroup and the Glue catalog (the bucket's region is cheapest). */
  region: z.string().trim().min(1).default('us-east-1'),
  /** Glue database and table (created by `--create-table`, or an existing one with keywarden's layout). */
  database: z.string().regex(/^[a-z0-9_]{1,255}$/, { error: 'expected lowercase letters, digits and _' }).default('keywarden'),
  table: z.string().regex(/^[a-z0-9_]{1,255}$/, { error: 'expected lowercase letters, digits and _' }).default('cloudtrail'),
  /** Data catalog. Default AwsDataCatalog. */
  catalog: z.string().trim().min(1).optional(),
  workgroup: z.string().regex(/^[a-zA-Z0-9._-]{1,128}$/, { error: 'expected a workgroup name' }).default('primary'),
  /** Where Athena writes query results; may be left to a workgroup that enforces its own. */
  outputLocation: z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, { error: 'expected an S3 URL such as s3://acme-athena-results/keywarden/' }).optional(),
  /** A query scanning more than this is stopped and not loaded. */
  maxScannedGb: gigabytes.default(100),
  /** A query still running after this is stopped (a coverage gap). */
  queryTimeoutSeconds: seconds.default(1800),
  maxAttempts: z.number().int().min(1).max(20).default(8),
  requestTimeoutSeconds: seconds.default(30),
  /** Athena endpoint override (VPC endpoint, or a local test server). */
  endpoint: url.optional(),
  /** The trail's logs, for the table's DDL (`keywarden athena ddl`, `collect athena --create-table`). */
  logs: z
    .strictObject({
      bucket: z.string().trim().min(3),
      prefix: z.string().trim().default(''),
      organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, { error: 'expected an organization id such as o-a1b2c3d4e5' }).optional(),
      /** Accounts the table's partition projection enumerates. */
      accounts: z.array(awsAccountId).min(1, { error: 'list at least one account' }),
      /** Regions it enumerates. Default: every commercial region. */
      regions: z.array(z.string().trim().min(1)).optional(),
      /** First day the projection covers. */
      fromDay: isoDay.default('2024-01-01'),
    })
    .optional(),
});

/** BigQuery over a log sink's dataset (`keywarden collect bigquery`). */
export const bigquerySchema = z.strictObject({
  /** `<project>.<dataset>` the sink writes Cloud Audit Logs to. */
  dataset: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,1024}$/, { error: 'expected <project>.<dataset>, e.g. acme-logging.audit_logs' }),
  /** Project the query jobs run and are billed in. Default: the dataset's. */
  jobProject: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: 'expected a project id' }).optional(),
  /** `sharded` (the sink's default: a table per day) or `partitioned` (use_partitioned_tables). */
  layout: z.enum(['sharded', 'partitioned']).default('sharded'),
  /** The dataset's location (US, EU, europe-west1, …). Default: BigQuery finds it. */
  location: z.string().trim().min(1).optional(),
  /** A query that would process more than this is not run. */
  maxBilledGb: gigabytes.default(100),
  queryTimeoutSeconds: seconds.default(1800),
  /** BigQuery endpoint override (private access, or a local test server). */
  endpoint: url.optional(),
});

const cronExpression = z
  .string()
  .trim()
  .refine((e) => validateCron(e), { error: 'expected a cron expression such as "0 3 1 * *" (minute hour day-of-month month day-of-week)' });

const scheduleSchema = z.strictObject({
  /** Full audit: import `from` (when set) and write the report. Default: 03:00 on the 1st of every month. */
  audit: cronExpression.default('0 3 1 * *'),
  /** More frequent usage ingestion (CloudTrail, Access Advisor) so history has no holes; off when absent. */
  ingest: cronExpression.optional(),
  /** IANA time zone the expressions are read in. */
  timezone: z
    .string()
    .trim()
    .refine((tz) => isTimeZone(tz), { error: 'expected an IANA time zone such as Europe/Berlin or UTC' })
    .default('UTC'),
  /** Export directory each run imports. */
  from: path.optional(),
  /** Clouds each run collects live (config liveAws / gcp.live), after importing `from`: one scan each. */
  live: z.array(z.enum(['aws', 'gcp'])).max(2).default([]),
  /** Attempts after a failure, with exponential backoff from retryDelaySeconds. */
  retries: z.number().int().min(0).max(10).default(3),
  retryDelaySeconds: z.number().int().min(1).max(3600).default(60),
  /** Months of scans and usage kept; older rows are pruned after each audit. */
  retentionMonths: z.number().int().min(1).max(120).default(13),
  /** A run lock older than this (no heartbeat) is taken over: its holder crashed. */
  lockTtlMinutes: z.number().int().min(1).max(24 * 60).default(30),
  notify: z
    .strictObject({
      /** Program and arguments run with the summary JSON on stdin (no shell). */
      command: z.array(z.string().min(1)).min(1).optional(),
      /** http(s) URL the summary JSON is POSTed to. */
      webhook: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
    })
    .optional(),
});

/** GCP: folder environments (after project ids, labels and names) and a predefined-roles file for offline audits. */
const gcpSchema = z.strictObject({
  /** First match wins; `folder` is a glob on the folder's display name, or `folders/<id>`. */
  folderEnvironments: z.array(z.strictObject({ folder: pattern, environment })).default([]),
  /** JSON (or .json.gz) array of IAM Role objects with includedPermissions, cached in the database. */
  predefinedRoles: path.optional(),
  /**
   * Resource Manager tags, after project ids, labels and names and before
   * folders: first match wins; `key` is a glob on the namespaced key
   * (`123456/environment`), `value` on the short value (`production`).
   */
  tagEnvironments: z.array(z.strictObject({ key: pattern, value: pattern, environment })).default([]),
  /** `keywarden collect gcp`, and `keywarden audit` without --from: collect live with Application Default Credentials. */
  live: z
    .strictObject({
      /** `organizations/<id>`: walk its folders and projects. */
      organization: z.string().regex(/^organizations\/\d+$/, { error: 'expected organizations/<numeric id>' }).optional(),
      /** Project ids besides (or instead of) the organisation's. */
      projects: z.array(z.string().trim().min(1)).default([]),
      /** Days of Cloud Audit Logs read per run (entries already counted are skipped). */
      logDays: days.default(30),
      /** The predefined-role cache is refreshed in full when its oldest definition is older than this. */
      predefinedRolesMaxAgeDays: days.default(7),
      /** One endpoint for every Google API (private access, or a local test server). */
      endpoint: url.optional(),
      /** One attempt of an API call that gets no answer within this fails (and is retried, 5 attempts in all): a server that never answers cannot hang the run. */
      requestTimeoutSeconds: seconds.default(30),
    })
    .refine((l) => l.organization !== undefined || l.projects.length > 0, { error: 'gcp.live needs organization or at least one project' })
    .optional(),
});

export const configSchema = z.strictObject({
  environments: environmentsSchema,
  agents: agentsSchema,
  thresholds: thresholdsSchema,
  /** SQLite database path (relative paths are resolved against the config file's directory). */
  database: path.optional(),
  /** Directory for report files (resolved like `database`). */
  reports: path.optional(),
  /** Revocation and replacement plans. */
  suggestions: suggestionsSchema,
  liveAws: liveAwsSchema.optional(),
  /** Suppressions file (resolved like `database`; default .keywarden/suppressions.yaml when present). */
  suppressions: path.optional(),
  /** `keywarden schedule`: when to audit, ingest, prune and whom to tell. */
  schedule: scheduleSchema.optional(),
  gcp: gcpSchema.optional(),
  athena: athenaSchema.optional(),
  bigquery: bigquerySchema.optional(),
});

export type KeywardenConfig = z.output<typeof configSchema>;
export type EnvironmentsConfig = KeywardenConfig['environments'];
export type AgentsConfig = KeywardenConfig['agents'];
export type ThresholdsConfig = KeywardenConfig['thresholds'];
export type LiveAwsConfig = NonNullable<KeywardenConfig['liveAws']>;
export type ScheduleConfig = z.output<typeof scheduleSchema>;
export type GcpConfig = NonNullable<KeywardenConfig['gcp']>;
export type AthenaConfig = NonNullable<KeywardenConfig['athena']>;
export type BigQueryConfig = NonNullable<KeywardenConfig['bigquery']>;
