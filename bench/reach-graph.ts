/**
 * `npx tsx bench/reach-graph.ts`: the reach graph and its closure for 5,000
 * roles across 20 accounts with 20,000 trust relationships (principal
 * entries in trust policies). Target: under 10 s on a 2-core machine.
 *
 * Trust policies in the shapes real organisations write: mostly specific
 * role ARNs (same account, or a hub/tooling account into workload
 * accounts), account roots (which then need the caller's own sts:AssumeRole
 * policy), service principals (for PassRole), some with sts:ExternalId or
 * aws:PrincipalArn conditions. Roles hold a few of 60 shared policies: team
 * assume-role grants scoped by name prefix, `sts:AssumeRole` on `*`, PassRole
 * with Lambda/EC2 create actions, IAM write actions, and plain workload
 * policies. Measured: effective grants (as the audit computes them), graph
 * build (trust evaluation, caller-side matching, escalation methods and
 * edges), and the closure (breadth-first search from every node).
 */
import os from 'node:os';
import { EffectiveGrantCalculator } from '../src/analyse/aws/effective-grant.js';
import { buildAwsReach, type ReachPrincipal } from '../src/analyse/reach/index.js';
import { loadAwsActionCatalog } from '../src/catalog/aws-actions.js';
import { policyHash } from '../src/model/policy-hash.js';
import type { Identity, PolicyAttachment, StoredPolicy } from '../src/model/domain.js';
import type { PolicyDocument, PolicyStatement } from '../src/model/policy.js';
import { prng } from './prng.js';
import { runIfMain } from './run-main.js';
import { reportFigure } from './figures.js';

const ROLES = 5_000;
const ACCOUNTS = 20;
const TRUSTS = 20_000;
const TARGET_SECONDS = 10;

const account = (a: number) => String(100000000000 + a * 7919);
const roleName = (i: number) => `team-${i % 50}-svc-${i}`;
const roleArn = (i: number) => `arn:aws:iam::${account(i % ACCOUNTS)}:role/${roleName(i)}`;

function policies(rand: () => number): PolicyDocument[] {
  const docs: PolicyDocument[] = [];
  const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
  for (let t = 0; t < 50; t++) {
    const roll = rand();
    if (roll < 0.5) docs.push(doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role/team-${t}-*` }));
    else if (roll < 0.6) docs.push(doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }));
    else if (roll < 0.7) docs.push(doc({ Effect: 'Allow', Action: ['iam:PassRole', 'lambda:CreateFunction', 'lambda:InvokeFunction', 'ec2:RunInstances'], Resource: '*' }));
    else if (roll < 0.75) docs.push(doc({ Effect: 'Allow', Action: ['iam:AttachRolePolicy', 'iam:CreateAccessKey'], Resource: '*' }));
    else docs.push(doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 'dynamodb:Query', 'rds:Describe*'], Resource: `arn:aws:s3:::team-${t}-*` }));
  }
  for (let k = 0; k < 10; k++) docs.push(doc({ Effect: 'Allow', Action: ['logs:*', 'cloudwatch:PutMetricData'], Resource: '*' }, { Effect: 'Deny', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${account(k)}:role/*` }));
  return docs;
}

function workload() {
  const rand = prng(20_000);
  const pick = (n: number) => Math.floor(rand() * n);
  const stored: StoredPolicy[] = policies(rand).map((document) => ({ hash: policyHash(document), document }));
  const policyMap = new Map(stored.map((p) => [p.hash, p]));
  const trust: PolicyStatement[][] = Array.from({ length: ROLES }, () => []);
  const services = ['lambda.amazonaws.com', 'ec2.amazonaws.com', 'ecs-tasks.amazonaws.com', 'glue.amazonaws.com'];
  for (let t = 0; t < TRUSTS; t++) {
    const target = pick(ROLES);
    const roll = rand();
    let statement: PolicyStatement;
    if (roll < 0.45) {
      // same account or a hub account, by ARN
      const caller = rand() < 0.6 ? target - (target % ACCOUNTS) + ((target + 1 + pick(ROLES / ACCOUNTS - 1) * ACCOUNTS) % ROLES) % ACCOUNTS : pick(ROLES);
      statement = { Effect: 'Allow', Principal: { AWS: roleArn(Math.abs(caller) % ROLES) }, Action: 'sts:AssumeRole' };
    } else if (roll < 0.75) {
      statement = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account(pick(ACCOUNTS))}:root` }, Action: 'sts:AssumeRole' };
    } else if (roll < 0.85) {
      statement = { Effect: 'Allow', Principal: { Service: services[pick(services.length)]! }, Action: 'sts:AssumeRole' };
    } else if (roll < 0.95) {
      statement = { Effect: 'Allow', Principal: { AWS: account(pick(ACCOUNTS)) }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': `ext-${t}` } } };
    } else {
      statement = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account(pick(ACCOUNTS))}:root` }, Action: 'sts:AssumeRole', Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::*:role/team-${pick(50)}-*` } } };
    }
    trust[target]!.push(statement);
  }
  const identities: Identity[] = [];
  const attachments: PolicyAttachment[] = [];
  for (let i = 0; i < ROLES; i++) {
    const arn = roleArn(i);
    identities.push({ provider: 'aws', arn, accountId: account(i % ACCOUNTS), kind: 'role', name: roleName(i), tags: {}, trustPolicy: { Version: '2012-10-17', Statement: trust[i]! } });
    for (let k = 1 + pick(3); k > 0; k--) {
      const p = stored[pick(stored.length)]!;
      attachments.push({ identityArn: arn, policyHash: p.hash, kind: 'managed', policyName: `p-${p.hash.slice(0, 8)}` });
    }
  }
  return { identities, attachments, policyMap };
}

export async function main(): Promise<{ ok: boolean }> {
  const catalog = await loadAwsActionCatalog();
  const { identities, attachments, policyMap } = workload();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const grants = new EffectiveGrantCalculator(catalog).computeAll(attachments, policyMap, identities.map((i) => i.arn));
  const principals: ReachPrincipal[] = identities.map((identity) => ({ identity, grant: grants.get(identity.arn)! }));
  const t1 = performance.now();
  const { graph, escalations } = buildAwsReach(principals, catalog);
  const t2 = performance.now();
  const closure = graph.closure();
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  // Paths as the rules and `explain` take them: full BFS with parent edges from 500 sources.
  let pathHops = 0;
  for (let i = 0; i < 500; i++) {
    const reached = graph.reachFrom(identities[i * 10]!.arn);
    const last = reached[reached.length - 1]!;
    pathHops += graph.pathTo(reached, last).length;
  }
  const t4 = performance.now();

  let pairs = 0;
  for (let i = 0; i < graph.nodes.length; i++) pairs += closure.size(i);
  const trustEntries = identities.reduce((n, i) => n + (Array.isArray(i.trustPolicy!.Statement) ? i.trustPolicy!.Statement.length : 1), 0);
  const kinds = new Map<string, number>();
  for (const [kind, n] of graph.kindCounts()) kinds.set(kind.split(':')[0]!, (kinds.get(kind.split(':')[0]!) ?? 0) + n);
  const seconds = (t3 - t1) / 1000;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const ok = seconds < TARGET_SECONDS;
  const ms = (a: number, b: number) => `${Math.round(b - a)} ms`;
  console.log(`  ${identities.length} roles in ${ACCOUNTS} accounts, ${trustEntries} trust relationships; effective grants (not timed in the target): ${ms(t0, t1)}`);
  console.log(`  graph: ${graph.nodes.length} nodes, ${graph.edgeCount} edges (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}); ${escalations.size} identities with escalation methods`);
  console.log(`  build ${ms(t1, t2)}; closure from every node ${ms(t2, t3)} (${pairs} reachable pairs); 500 shortest-path searches ${ms(t3, t4)} (${pathHops} hops)`);
  console.log(`  CPU time (user+system) for grants, build and closure: ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores`);
  console.log(`reach graph build + closure: ${seconds.toFixed(2)} s, peak RSS ${peakRssMb} MB (target < ${TARGET_SECONDS} s)${ok ? '' : ' — OVER TARGET'}`);
  reportFigure({
    measure: `reach graph, ${identities.length.toLocaleString('en-US')} roles / ${trustEntries.toLocaleString('en-US')} trusts`,
    result: `${seconds.toFixed(1)} s, ${peakRssMb} MB`,
    target: `< ${TARGET_SECONDS} s`,
    ok,
  });
  return { ok };
}

runIfMain(import.meta.url, main);
