/**
 * Policy-as-code check before deploy: the IAM principals and policies in
 * policy files (IAM policy JSON, Terraform plan JSON, CloudFormation) go
 * through the same pipeline as a scanned account (snapshot -> store ->
 * effective grants -> rules), in a throwaway in-memory store, so a planned
 * over-privileged role is judged exactly as a deployed one would be.
 *
 * The checks are a list of rules: root-level scope, production reach and
 * privilege escalation, the same rule objects an audit runs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { attributeAgent } from '../analyse/agents.js';
import { buildAuditReport } from '../analyse/audit.js';
import type { AuditWindow } from '../analyse/window.js';
import { loadAwsActionCatalog } from '../catalog/aws-actions.js';
import { readProblem, type KeywardenConfig } from '../config/index.js';
import { UserError } from '../cli/errors.js';
import type { CoverageEntry, Identity, PolicyAttachment, Snapshot, StoredPolicy } from '../model/domain.js';
import { policyHash } from '../model/policy-hash.js';
import { reportSchema, type AuditReport } from '../report/json-schema.js';
import { productionReach } from '../rules/aws/production-reach.js';
import { rootLevelScope } from '../rules/aws/root-level-scope.js';
import { privilegeEscalation } from '../rules/aws/privilege-escalation.js';
import type { Rule } from '../rules/rule.js';
import { openStore } from '../store/index.js';
import { MAX_INPUT_NESTING as MAX_NESTING, nestingDepth } from '../util/nesting.js';
import type { SuppressionEntry } from '../suppress/suppressions-file.js';
import { isCloudFormation, parseCloudFormation, principalsFromCloudFormation } from './cloudformation.js';
import { policyDocumentOf, type PlannedPrincipal } from './planned.js';
import { isTerraformPlan, principalsFromTerraformPlan } from './terraform-plan.js';

/** The rules a planned principal is checked against. */
export const POLICY_CHECKS: readonly Rule[] = [rootLevelScope, productionReach, privilegeEscalation];

/** Account a planned principal is placed in when none is given: classified by nobody, so unknown (treated as production). */
export const UNKNOWN_ACCOUNT = '000000000000';

export interface PolicyCheckOptions {
  files: readonly string[];
  config: KeywardenConfig;
  window: AuditWindow;
  toolVersion: string;
  /** The account the files deploy to (its environment comes from the config). */
  accountId?: string;
  /** `agents`: only principals attributed to agents (plus policies attached to nobody in the input). */
  principals?: 'all' | 'agents';
  suppressions?: readonly SuppressionEntry[];
  checks?: readonly Rule[];
  now?: Date;
}

/** The principals one file defines; a file that is none of the known formats is the user's to fix. */
export function readPolicyFile(file: string): PlannedPrincipal[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`${file}: cannot read policy file: ${readProblem(error)}`);
  }
  let data: unknown;
  try {
    data = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseCloudFormation(text, file);
  } catch (error) {
    throw new UserError(`${file}: cannot parse policy file: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  // Real plans and templates nest a few tens of levels; deeper input would exhaust the stack further on.
  if (nestingDepth(data, MAX_NESTING) > MAX_NESTING) throw new UserError(`${file}: nested more than ${MAX_NESTING} levels deep: not a policy file keywarden can read`);
  try {
    return principalsOf(data, file);
  } catch (error) {
    // The readers follow the formats' documented shapes; a value of another type where one is expected refuses the file.
    if (error instanceof UserError) throw error;
    throw new UserError(`${file}: cannot read policy file: unexpected structure (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
}


function principalsOf(data: unknown, file: string): PlannedPrincipal[] {
  if (isTerraformPlan(data)) return principalsFromTerraformPlan(data as Record<string, unknown>, file);
  if (isCloudFormation(data)) return principalsFromCloudFormation(data as Record<string, unknown>, file);
  const document = policyDocumentOf(data);
  if (document) {
    const name = path.basename(file).replace(/\.[^.]+$/, '');
    return [{ source: file, kind: 'policy', name, tags: {}, policies: [{ name, kind: 'managed', document }], unknowns: [] }];
  }
  throw new UserError(`${file}: not an IAM policy document, Terraform plan JSON (terraform show -json) or CloudFormation template`);
}

function arnOf(p: PlannedPrincipal, accountId: string): string {
  if (p.kind === 'policy') return `arn:aws:iam::${accountId}:policy/${p.name}`;
  const pathPart = p.path && p.path.startsWith('/') ? p.path : '/';
  return `arn:aws:iam::${accountId}:${p.kind}${pathPart}${p.name}`;
}

/** The planned principals as a snapshot, with what could not be known as coverage gaps. */
export function snapshotOfPlanned(planned: readonly PlannedPrincipal[], options: Pick<PolicyCheckOptions, 'config' | 'accountId' | 'principals' | 'files'> & { now: Date }): { snapshot: Snapshot; sources: Map<string, string[]> } {
  const accountId = options.accountId ?? UNKNOWN_ACCOUNT;
  const identities = new Map<string, Identity>();
  const sources = new Map<string, string[]>();
  const policies = new Map<string, StoredPolicy>();
  const attachments: PolicyAttachment[] = [];
  const coverage: CoverageEntry[] = [];
  for (const p of planned) {
    const arn = arnOf(p, accountId);
    const identity: Identity = identities.get(arn) ?? { provider: 'aws', arn, accountId, kind: p.kind === 'role' ? 'role' : 'user', name: p.name, path: p.path, tags: p.tags, trustPolicy: p.trustPolicy };
    // Standalone policies are always checked: who will receive them is unknown.
    if (options.principals === 'agents' && p.kind !== 'policy' && !attributeAgent(identity, [], options.config).agent) continue;
    identities.set(arn, identity);
    sources.set(arn, [...(sources.get(arn) ?? []), p.source]);
    for (const reason of p.unknowns) coverage.push({ scope: arn, source: 'policy-file', status: 'gap', reason });
    for (const policy of p.policies) {
      if (policy.unknown || !policy.document) {
        coverage.push({ scope: arn, source: 'policy-file', status: 'gap', reason: policy.unknown ?? `${p.source}: policy ${policy.name} is unknown` });
      }
      if (!policy.document) continue;
      const hash = policyHash(policy.document);
      policies.set(hash, { hash, document: policy.document });
      if (attachments.some((a) => a.identityArn === arn && a.policyHash === hash && a.kind === policy.kind)) continue;
      attachments.push({ identityArn: arn, policyHash: hash, kind: policy.kind, policyName: policy.name, ...(policy.arn && { policyArn: policy.arn }) });
    }
  }
  // Files say what is granted, never what was used or which keys exist.
  const nothingObserved = { credentials: [], accessAdvisor: [], usage: [], unmappedEvents: [], ingested: [] };
  const snapshot: Snapshot = {
    provider: 'aws',
    source: `policy-files:${options.files.join(',')}`,
    collectedAt: options.now.toISOString(),
    accounts: [{ provider: 'aws', accountId, tags: {} }],
    identities: [...identities.values()],
    policies: [...policies.values()],
    attachments,
    coverage,
    ...nothingObserved,
  };
  return { snapshot, sources };
}

export async function checkPolicyFiles(options: PolicyCheckOptions): Promise<AuditReport> {
  const now = options.now ?? new Date();
  const planned = options.files.flatMap(readPolicyFile);
  const { snapshot, sources } = snapshotOfPlanned(planned, { ...options, now });
  const store = openStore(':memory:');
  try {
    const scanId = store.writeScan(snapshot);
    const catalog = await loadAwsActionCatalog();
    const report = buildAuditReport(store, catalog, {
      scanId,
      window: options.window,
      config: options.config,
      rules: options.checks ?? POLICY_CHECKS,
      toolVersion: options.toolVersion,
      suppressions: options.suppressions,
      now,
    });
    // Say where each planned principal is defined, so the fix is one click away.
    for (const f of report.findings) {
      const where = sources.get(f.identityArn);
      if (where) f.evidence.unshift({ kind: 'note', summary: `planned in ${where.join(', ')}`, detail: { definedIn: where } });
    }
    return reportSchema.parse(report);
  } finally {
    store.close();
  }
}
