/**
 * `npx tsx bench/analyse-grants.ts`: effective grants for 10,000 principals
 * sharing 2,000 distinct policies, from catalog load to per-service summary.
 * Target: under 5 s and under 1 GiB peak RSS on a 2-core machine.
 *
 * Policies are synthesised from real catalog action names in the shapes real
 * accounts hold: service wildcards, verb-prefix wildcards (Get*, Describe*),
 * explicit lists, resource-scoped and conditioned statements, NotAction
 * (PowerUser-style), denies, and a few permissions boundaries; principals hold
 * 3-10 policies each, partly through groups. Attachments are shaped as the
 * IAM export gives them: managed ones (direct, group, boundary) with their
 * policy ARN, AWS managed (arn:aws:iam::aws:policy/…) or customer managed
 * (arn:aws:iam::<account>:policy/…).
 */
import { createHash } from 'node:crypto';
import { EffectiveGrantCalculator, type EffectiveGrant } from '../src/analyse/aws/effective-grant.js';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../src/catalog/aws-actions.js';
import type { AccountInfo, PolicyAttachment, Snapshot, StoredPolicy, UsageDay } from '../src/model/domain.js';
import type { ConditionBlock, PolicyDocument, PolicyStatement } from '../src/model/policy.js';
import { parseConfig, type KeywardenConfig } from '../src/config/index.js';
import { prng } from './prng.js';
import { runIfMain } from './run-main.js';
import { reportFigure } from './figures.js';

const DEFAULT_PRINCIPALS = Number(process.env.BENCH_PRINCIPALS ?? 10_000);
const DEFAULT_POLICIES = 2_000;
const BOUNDARIES = 20;
const GROUPS = 200;
const TARGET_SECONDS = 5;
const TARGET_RSS_MB = 1024;


/** Synthesises `count` distinct policy documents using the catalog's real names. */
function synthesisePolicies(catalog: AwsActionCatalog, count: number, rand: () => number): PolicyDocument[] {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  // Popular services weigh more, as in real accounts.
  const common = ['s3', 'ec2', 'iam', 'lambda', 'dynamodb', 'sqs', 'sns', 'logs', 'cloudwatch', 'kms', 'secretsmanager', 'ssm', 'ecr', 'ecs', 'rds', 'sts', 'cloudformation', 'events'];
  const all = catalog.services().map((s) => s.service);
  const service = () => (rand() < 0.7 ? pick(common) : pick(all));
  const actionsOf = (svc: string, n: number) => {
    const range = catalog.service(svc)!;
    return Array.from({ length: n }, () => catalog.keyAt(int(range.start, range.end - 1)));
  };
  const scopedResource = (svc: string, i: number) =>
    svc === 's3' ? [`arn:aws:s3:::team-${i}-data`, `arn:aws:s3:::team-${i}-data/*`] : [`arn:aws:${svc}:eu-west-1:111122223333:*/team-${i}-*`];
  const condition = (i: number): ConditionBlock =>
    rand() < 0.5
      ? { StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] } }
      : { StringEquals: { 'aws:ResourceTag/team': `team-${i}` } };

  const docs: PolicyDocument[] = [];
  for (let i = 0; i < count; i++) {
    const statements: PolicyStatement[] = [];
    const roll = rand();
    if (roll < 0.01) statements.push({ Effect: 'Allow', Action: '*', Resource: '*' });
    else if (roll < 0.03) statements.push({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' });
    for (let s = int(1, 4); s > 0; s--) {
      const svc = service();
      const kind = rand();
      let action: string[];
      if (kind < 0.2) action = [`${svc}:*`];
      else if (kind < 0.4) action = [`${svc}:${pick(['Get', 'List', 'Describe', 'Put', 'Create', 'Delete', 'Update'])}*`, `${svc}:List*`];
      else action = actionsOf(svc, int(3, 40));
      const statement: PolicyStatement = { Sid: `S${i}x${s}`, Effect: 'Allow', Action: action, Resource: '*' };
      const scope = rand();
      if (scope < 0.3) statement.Resource = scopedResource(svc, i);
      else if (scope < 0.4) statement.Condition = condition(i);
      statements.push(statement);
    }
    const denyRoll = rand();
    if (denyRoll < 0.04) statements.push({ Effect: 'Deny', Action: ['iam:Delete*', 'iam:CreateAccessKey'], Resource: '*' });
    else if (denyRoll < 0.08) {
      statements.push({ Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } });
    } else if (denyRoll < 0.1) statements.push({ Effect: 'Deny', Action: 's3:DeleteBucket', Resource: 'arn:aws:s3:::prod-*' });
    // The index keeps every document distinct even when the random parts coincide.
    docs.push({ Version: '2012-10-17', Id: `policy-${i}`, Statement: statements });
  }
  return docs;
}

function synthesiseBoundary(catalog: AwsActionCatalog, i: number, rand: () => number): PolicyDocument {
  const services = catalog.services();
  const allowed = Array.from({ length: 5 + Math.floor(rand() * 15) }, () => `${services[Math.floor(rand() * services.length)]!.service}:*`);
  const statements: PolicyStatement[] = [
    { Effect: 'Allow', Action: ['s3:*', 'ec2:*', 'logs:*', ...allowed], Resource: '*' },
    { Effect: 'Deny', Action: ['iam:*User*', 'iam:*Policy*', 'organizations:*'], Resource: '*' },
  ];
  if (i % 4 === 0) statements.push({ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::111122223333:role/app-${i}-*` });
  return { Version: '2012-10-17', Id: `boundary-${i}`, Statement: statements };
}

export interface Workload {
  policies: Map<string, StoredPolicy>;
  attachments: PolicyAttachment[];
  identities: string[];
}

export interface WorkloadShape {
  principals?: number;
  policies?: number;
  /** Principals are spread round-robin over this many accounts (the first is 111122223333). */
  accounts?: number;
}

/** The workload as a scan: its principals (account from each ARN), policies and attachments, with the given accounts and usage. */
export function workloadSnapshot(workload: Workload, source: string, collectedAt: string, accounts: AccountInfo[], usage: UsageDay[]): Snapshot {
  return {
    provider: 'aws',
    source,
    collectedAt,
    accounts,
    identities: workload.identities.map((arn) => ({ provider: 'aws', arn, accountId: arn.split(':')[4]!, kind: arn.includes(':role/') ? 'role' : 'user', name: arn.split('/').pop()!, tags: {} })),
    credentials: [],
    policies: [...workload.policies.values()],
    attachments: workload.attachments,
    accessAdvisor: [],
    usage,
    unmappedEvents: [],
    ingested: [],
    coverage: [],
  };
}

/** The workload's account ids: 111122223333 first, then 100000000001, 100000000002, … */
/** The config the scale workload is audited with: the 100 accounts alternate production and staging. */
export function workloadConfig(accountIds: readonly string[]): KeywardenConfig {
  return parseConfig(
    `environments:\n  accounts:\n${accountIds.map((id, i) => `    - { id: "${id}", environment: ${i % 2 ? 'staging' : 'production'} }`).join('\n')}\n`,
    'bench-scale.yaml',
  );
}

export function workloadAccount(i: number): string {
  return i === 0 ? '111122223333' : String(100_000_000_000 + i);
}

export function synthesiseWorkload(catalog: AwsActionCatalog, shape: WorkloadShape = {}): Workload {
  const { principals: PRINCIPALS = DEFAULT_PRINCIPALS, policies: POLICIES = DEFAULT_POLICIES, accounts = 1 } = shape;
  const rand = prng(20_260_926);
  const stored = (document: PolicyDocument): StoredPolicy => ({ hash: createHash('sha256').update(JSON.stringify(document)).digest('hex'), document });
  const managed = synthesisePolicies(catalog, POLICIES - BOUNDARIES, rand).map(stored);
  const boundaries = Array.from({ length: BOUNDARIES }, (_, i) => stored(synthesiseBoundary(catalog, i, rand)));
  const policies = new Map([...managed, ...boundaries].map((p) => [p.hash, p]));
  const groups = Array.from({ length: GROUPS }, () => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => managed[Math.floor(rand() * managed.length)]!));

  // Managed policies carry the ARN IAM exports for them: one in ten AWS managed, the rest customer managed in the holder's account.
  const awsManaged = new Set(managed.filter((_, i) => i % 10 === 0).map((p) => p.hash));
  const policyArn = (account: string, name: string, hash: string) => `arn:aws:iam::${awsManaged.has(hash) ? 'aws' : account}:policy/${name}`;

  const attachments: PolicyAttachment[] = [];
  const identities: string[] = [];
  for (let p = 0; p < PRINCIPALS; p++) {
    const isRole = p % 3 !== 0;
    const account = workloadAccount(p % accounts);
    const arn = `arn:aws:iam::${account}:${isRole ? 'role' : 'user'}/machine-${p}`;
    identities.push(arn);
    const want = 3 + Math.floor(rand() * 8);
    let held = 0;
    if (!isRole) {
      for (let g = Math.floor(rand() * 3); g > 0 && held < want; g--) {
        const gi = Math.floor(rand() * GROUPS);
        for (const policy of groups[gi]!) {
          const policyName = `policy-${policy.hash.slice(0, 8)}`;
          attachments.push({ identityArn: arn, policyHash: policy.hash, kind: 'group-managed', policyName, policyArn: policyArn(account, policyName, policy.hash), groupName: `group-${gi}` });
          held++;
        }
      }
    }
    for (; held < want; held++) {
      const policy = managed[Math.floor(rand() * managed.length)]!;
      const policyName = `policy-${policy.hash.slice(0, 8)}`;
      // The first is the principal's inline policy (no ARN); the rest are attached managed policies.
      attachments.push(
        held === 0
          ? { identityArn: arn, policyHash: policy.hash, kind: 'inline', policyName }
          : { identityArn: arn, policyHash: policy.hash, kind: 'managed', policyName, policyArn: policyArn(account, policyName, policy.hash) },
      );
    }
    if (p % 10 === 0) {
      const b = boundaries[p % BOUNDARIES]!;
      const policyName = `boundary-${p % BOUNDARIES}`;
      attachments.push({ identityArn: arn, policyHash: b.hash, kind: 'permissions-boundary', policyName, policyArn: `arn:aws:iam::${account}:policy/${policyName}` });
    }
  }
  return { policies, attachments, identities };
}

export interface AnalyseGrantsResult {
  seconds: number;
  peakRssMb: number;
  principals: number;
  policies: number;
  ok: boolean;
}

export async function main(): Promise<AnalyseGrantsResult> {
  const started = performance.now();
  const catalog = await loadAwsActionCatalog();
  const loadedAt = performance.now();

  // Synthesis stands in for reading the store; it is not part of the measured analysis.
  const workload = synthesiseWorkload(catalog);
  const analyseStart = performance.now();

  const calculator = new EffectiveGrantCalculator(catalog);
  for (const policy of workload.policies.values()) calculator.expander.expand(policy.hash, policy.document);
  const expandedAt = performance.now();

  const grants: Map<string, EffectiveGrant> = calculator.computeAll(workload.attachments, workload.policies, workload.identities);
  const grantedAt = performance.now();

  let granted = 0;
  let unrestricted = 0;
  let services = 0;
  let errors = 0;
  for (const grant of grants.values()) {
    for (const s of grant.byService()) {
      granted += s.granted;
      unrestricted += s.unrestricted;
      services++;
    }
    errors += grant.errors.length;
  }
  const summarisedAt = performance.now();

  const analyseMs = loadedAt - started + (summarisedAt - analyseStart);
  const seconds = analyseMs / 1000;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const ok = seconds < TARGET_SECONDS && peakRssMb < TARGET_RSS_MB && errors === 0;
  const ms = (a: number, b: number) => `${Math.round(b - a)} ms`;
  console.log(
    `  catalog ${catalog.size} actions: ${ms(started, loadedAt)}; expand ${workload.policies.size} policies: ${ms(analyseStart, expandedAt)}; ` +
      `effective grants: ${ms(expandedAt, grantedAt)}; byService: ${ms(grantedAt, summarisedAt)}`,
  );
  console.log(`  ${workload.attachments.length} attachments; ${granted} action grants (${unrestricted} unrestricted) over ${services} principal-services; ${errors} policy errors`);
  console.log(
    `analyse ${grants.size} principals / ${workload.policies.size} policies: ${seconds.toFixed(2)} s, peak RSS ${peakRssMb} MB ` +
      `(target < ${TARGET_SECONDS} s, < 1 GiB)${ok ? '' : ' — OVER TARGET'}`,
  );
  reportFigure({
    measure: `effective grants, ${grants.size.toLocaleString('en-US')} principals / ${workload.policies.size.toLocaleString('en-US')} policies`,
    result: `${seconds.toFixed(2)} s, ${peakRssMb} MB`,
    target: `< ${TARGET_SECONDS} s, < ${TARGET_RSS_MB} MB`,
    ok,
  });
  return { seconds, peakRssMb, principals: grants.size, policies: workload.policies.size, ok };
}

runIfMain(import.meta.url, main);
