/**
 * The JSON report: a documented, versioned contract for anything that reads
 * keywarden's output. The zod schema is the single source: the TypeScript
 * types come from it, every written report is validated against it, and
 * docs/report.schema.json is generated from it (a test keeps them equal).
 *
 * Versioning: `schemaVersion` is MAJOR.MINOR. Adding optional fields bumps
 * MINOR; renaming, removing or changing the meaning of a field bumps MAJOR.
 */
import { z } from 'zod';

export const REPORT_SCHEMA_VERSION = '1.2';

/** Services listed per identity besides those with use: keeps reports bounded for administrators. */
export const REPORT_SERVICES_PER_IDENTITY = 20;

const isoTime = z.string().describe('ISO 8601 timestamp (UTC)');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).describe('UTC day, YYYY-MM-DD');

export const usageStatus = z
  .enum(['used', 'unused', 'unknown'])
  .describe('used: seen in the window; unused: a source that observes it saw no use; unknown: no source observes it');

const usageSource = z.enum([
  'cloudtrail', 'access-advisor', 'credential-report', 'role-last-used', 'access-key-last-used',
  // GCP: Policy Analyzer Activity Analyzer, Cloud Audit Logs, IAM Recommender insights.
  'gcp-activity-analyzer', 'gcp-audit-logs', 'gcp-recommender',
]);

const accessLevelCounts = z.record(z.string(), z.number().int()).describe('granted actions per AWS access level');

const lastUse = z.object({ at: isoTime, source: usageSource, detail: z.string().optional() });

const actionUsage = z.object({
  action: z.string(),
  accessLevel: z.string().optional(),
  status: usageStatus,
  lastUsed: isoTime.optional(),
  sources: z.array(usageSource),
  calls: z.number().int().optional().describe('successful CloudTrail calls in the window'),
  denied: z.number().int().optional().describe('calls refused (AccessDenied): a signal, not usage'),
  unrestricted: z.boolean().describe('granted on every resource with no condition'),
});

const serviceUsage = z.object({
  service: z.string().describe('IAM service prefix, e.g. s3'),
  name: z.string().optional(),
  status: usageStatus,
  observedBy: z.array(usageSource).describe('sources able to observe this service for this identity'),
  granted: z.number().int(),
  unrestricted: z.number().int(),
  byAccessLevel: accessLevelCounts,
  used: z.number().int(),
  unused: z.number().int(),
  unknown: z.number().int(),
  lastUsed: isoTime.optional(),
  usedActions: z.array(actionUsage),
  unusedActions: z
    .array(z.string())
    .describe('actions a source observes and saw no use of: at most 100, permissions management and write first'),
  unusedActionsOmitted: z.number().int().optional().describe('unused actions beyond those listed'),
  unusedByAccessLevel: accessLevelCounts.describe('unused actions per access level (complete)'),
});

const credential = z.object({
  id: z.string(),
  kind: z.string(),
  active: z.boolean().nullable(),
  createdAt: isoTime.optional(),
  rotatedAt: isoTime.optional(),
  lastUsedAt: isoTime.optional(),
  lastUsedService: z.string().optional(),
  lastUsedRegion: z.string().optional(),
  ageDays: z.number().int().optional(),
  calls: z.number().int().describe('CloudTrail calls in the window made with this key id'),
});

/** Up to this many statement resources are named per environment; the rest are counted. */
export const REPORT_RESOURCES_PER_ENVIRONMENT = 5;

const environmentGrant = z.object({
  environment: z.enum(['production', 'staging', 'development', 'sandbox', 'unknown']),
  productionRisk: z.boolean().describe('production, or unknown (counted as production for risk)'),
  granted: z.number().int().describe('granted actions reaching resources of this environment (one action may reach several)'),
  everyResource: z
    .number()
    .int()
    .describe("of granted: through Resource `*` or NotResource, i.e. every resource of the identity's own account, whose environment this is"),
  used: z.number().int().describe('of granted: actions seen used in the window (usage is per action, not per resource)'),
  unused: z.number().int().describe('of granted: actions a source observes and saw unused'),
  unknown: z.number().int().describe('of granted: actions no source observes'),
  resources: z.array(z.string()).describe(`statement resources placing actions here, at most ${REPORT_RESOURCES_PER_ENVIRONMENT}`),
  resourcesOmitted: z.number().int().optional().describe('statement resources beyond those listed'),
});

const identity = z.object({
  arn: z.string(),
  provider: z.enum(['aws', 'gcp']),
  accountId: z.string(),
  accountAlias: z.string().optional(),
  kind: z.string(),
  name: z.string(),
  tags: z.record(z.string(), z.string()),
  environment: z
    .object({ environment: z.string(), how: z.string() })
    .optional()
    .describe('environment of the account the identity lives in; unknown counts as production for risk'),
  agent: z
    .object({ agent: z.boolean(), reasons: z.array(z.string()) })
    .optional()
    .describe('whether an AI agent or automation uses this identity, and how that was attributed'),
  status: usageStatus.describe('whether the identity itself was used in the window'),
  lastUsed: lastUse.optional(),
  usageSources: z.array(usageSource).describe('sources that speak for this identity in the window'),
  credentials: z.array(credential),
  policies: z.array(
    z.object({ name: z.string(), kind: z.string(), arn: z.string().optional(), group: z.string().optional() }),
  ),
  granted: z.object({
    actions: z.number().int(),
    unrestricted: z.number().int(),
    services: z.number().int(),
    byAccessLevel: accessLevelCounts,
    unknownActions: z.array(z.object({ action: z.string(), policy: z.string() })),
    partialDenies: z.number().int().describe('granted actions a resource-scoped or conditioned Deny may refuse'),
  }),
  used: z.object({ actions: z.number().int(), services: z.number().int() }),
  unused: z.object({ actions: z.number().int(), services: z.number().int() }),
  unknown: z.object({ actions: z.number().int(), services: z.number().int() }),
  usedRatio: z.number().nullable().describe('used / granted actions; null when nothing is granted'),
  unusedRatio: z.number().nullable().describe('unused / granted actions (unknown counts as neither)'),
  deniedCalls: z.array(z.object({ action: z.string(), count: z.number().int() })),
  services: z
    .array(serviceUsage)
    .describe(`every service with use, then the ${REPORT_SERVICES_PER_IDENTITY} with the most dangerous unused grants; the rest are summed in servicesOmitted`),
  servicesOmitted: z
    .object({ services: z.number().int(), granted: z.number().int(), used: z.number().int(), unused: z.number().int(), unknown: z.number().int() })
    .optional()
    .describe('services left out of `services` (no use seen), summed'),
  errors: z.array(z.string()),
  grantedByEnvironment: z
    .array(environmentGrant)
    .optional()
    .describe(
      'granted vs used by the environment of the resources granted on (AWS: from the policy statements; GCP: every permission in the project\'s environment); only environments reached',
    ),
});

const evidence = z.object({
  kind: z.string(),
  summary: z.string(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

const finding = z.object({
  ruleId: z.string(),
  severity: z.enum(['critical', 'high', 'medium', 'low', 'info']),
  identityArn: z.string(),
  accountId: z.string(),
  credentialId: z.string().optional(),
  granular: z.string().optional().describe('the precise part a suppression can name, e.g. Action::iam:PassRole'),
  title: z.string(),
  evidence: z.array(evidence),
  fingerprint: z.string().describe('stable across scans: rule id + identity + credential + granular part'),
  suppression: z
    .object({
      reason: z.string(),
      owner: z.string(),
      expires: day.optional(),
      expired: z.boolean().describe('an expired suppression no longer hides the finding'),
      source: z.string().describe('file and entry that matched'),
    })
    .optional()
    .describe('present when a suppressions entry matched; the finding is open unless it has not expired'),
});

const reachEdge = z.object({
  from: z.string(),
  to: z.string(),
  edge: z.string().describe('assume-role, pass-role, escalation:<method>, gcp-impersonation, ...'),
  grantedBy: z.array(z.string()).describe('statements, trust policies or bindings that allow the hop'),
});

const suggestionStep = z.object({
  stage: z.number().int().describe('1 = reversible first step (deactivate, disable, detach); 2 = delete after observing'),
  description: z.string(),
  commands: z.array(z.string()).describe('POSIX shell commands, arguments quoted'),
  waitDays: z.number().int().optional().describe('days to observe before this stage'),
});

const suggestion = z.object({
  id: z.string().describe('stable across scans for the same change'),
  kind: z.string().describe('e.g. deactivate-access-key, delete-unused-role, replace-with-least-privilege'),
  provider: z.enum(['aws', 'gcp']),
  identityArn: z.string(),
  accountId: z.string(),
  credentialId: z.string().optional(),
  title: z.string().describe('the change in words'),
  resolves: z.array(z.string()).describe('fingerprints of the findings this resolves'),
  risk: z.string().describe('what may break, from the usage evidence'),
  evidence: z.array(evidence),
  steps: z.array(suggestionStep),
  rollback: z.array(suggestionStep),
  replacement: z
    .object({
      format: z.enum(['aws-policy', 'gcp-custom-role']),
      document: z
        .record(z.string(), z.unknown())
        .describe('the policy document; when split to fit the managed-policy size limit, { policies: [document, …] }'),
      coarse: z.array(z.string()).describe('entries wider than observed use (service-level data only)'),
    })
    .optional(),
  status: z.enum(['new', 'open', 'done']).optional().describe('against the previous scan: new, still open, or done (its findings are gone)'),
});

const ruleTally = z.object({
  ruleId: z.string(),
  title: z.string(),
  severity: z.string(),
  pass: z.number().int(),
  fail: z.number().int(),
  notApplicable: z.number().int(),
  error: z.number().int(),
});

const coverageEntry = z.object({
  scope: z.string(),
  source: z.string(),
  status: z.enum(['ok', 'partial', 'gap']),
  reason: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

export const reportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('keywarden'), version: z.string() }),
  generatedAt: isoTime,
  scan: z.object({ id: z.number().int(), source: z.string(), collectedAt: isoTime }),
  window: z.object({ from: day, to: day, days: z.number().int() }),
  accounts: z.array(
    z.object({
      provider: z.enum(['aws', 'gcp']),
      accountId: z.string(),
      alias: z.string().optional(),
      identities: z.number().int(),
      cloudTrailDays: z.number().int().describe('days of the window with CloudTrail data for this account'),
    }),
  ),
  coverage: z.object({ complete: z.boolean(), entries: z.array(coverageEntry) }),
  cloudTrail: z.object({
    unmappedEvents: z.array(z.object({ eventSource: z.string(), eventName: z.string(), count: z.number().int() })),
  }),
  rules: z.array(ruleTally).describe('per rule: how many identities passed, failed, were not applicable, or errored'),
  findings: z.array(finding).describe('worst first'),
  summary: z.object({
    findingsBySeverity: z.record(z.string(), z.number().int()),
    agentIdentities: z.number().int(),
    identities: z.number().int(),
    grantedActions: z.number().int(),
    usedActions: z.number().int(),
    unusedActions: z.number().int(),
    unknownActions: z.number().int(),
  }),
  identities: z.array(identity),
  suggestions: z.array(suggestion).optional().describe('revocation and replacement plans; keywarden never runs them'),
  reach: z.object({ edges: z.array(reachEdge) }).optional().describe('the reach-graph edges used by findings'),
});

export type AuditReport = z.infer<typeof reportSchema>;
export type IdentityAudit = z.infer<typeof identity>;
export type EnvironmentGrant = z.infer<typeof environmentGrant>;
export type ReportFinding = z.infer<typeof finding>;
export type ServiceUsage = z.infer<typeof serviceUsage>;
export type ActionUsage = z.infer<typeof actionUsage>;
export type CredentialAudit = z.infer<typeof credential>;
export type UsageStatus = z.infer<typeof usageStatus>;
export type Suggestion = z.infer<typeof suggestion>;
export type SuggestionStep = z.infer<typeof suggestionStep>;
export type ReachEdge = z.infer<typeof reachEdge>;

export function reportJsonSchema(): unknown {
  return z.toJSONSchema(reportSchema, { target: 'draft-2020-12' });
}
