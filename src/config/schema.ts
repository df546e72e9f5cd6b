/**
 * The keywarden config file schema. Every object is strict: an unknown key
 * is an error, because a typo (`acounts:`) silently ignored would leave a
 * production account resolved as `unknown`, or worse, look configured.
 * The parsed form (`KeywardenConfig`) has every default filled in and the
 * agent userAgent lists already merged with the built-in ones.
 */
import { z } from 'zod';
import { DEFAULT_AGENT_USER_AGENTS, DEFAULT_HUMAN_USER_AGENTS } from './defaults.js';
import { quoteInMessage } from '../util/secrets.js';

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

export const configSchema = z.strictObject({
  environments: environmentsSchema,
  agents: agentsSchema,
  thresholds: thresholdsSchema,
  /** SQLite database path (relative paths are resolved against the config file's directory). */
  database: path.optional(),
  /** Directory for report files (resolved like `database`). */
  reports: path.optional(),
});

export type KeywardenConfig = z.output<typeof configSchema>;
export type EnvironmentsConfig = KeywardenConfig['environments'];
export type AgentsConfig = KeywardenConfig['agents'];
export type ThresholdsConfig = KeywardenConfig['thresholds'];
