/**
 * aws.privilege-escalation: an identity that can grant itself more, or
 * become someone who can.
 *
 * - Direct: each method of the escalation catalog the identity holds
 *   (`Escalation::<method>`), with the statements granting every action of
 *   it and where it leads in the reach graph (users it can take over, roles
 *   it can pass or whose trust it can rewrite, or any permission in its
 *   account).
 * - Through a chain (`Escalation::via-chain`), only when it holds no method
 *   itself: the nearest identity it can become that holds one, with the
 *   path hop by hop.
 * Critical where production is at stake (the identity's account is
 * production or unknown), high elsewhere; one step lower when every grant
 * of the method, or some hop of the chain, holds only under a Condition.
 */
import type { FoundEscalation } from '../../analyse/reach/index.js';
import { grantText, type ReachEdge } from '../../analyse/reach/index.js';
import { printable } from '../../config/patterns.js';
import type { Evidence } from '../../model/finding.js';
import { environmentEvidence, incompleteGrantEvidence, listText } from '../evidence.js';
import { firstOnly, lazyEvidence } from '../lazy-evidence.js';
import { byCertaintyThenLength, chainSeverity, chainTargets, hopEvidence, reachPathEvidence } from '../reach-evidence.js';
import { perIdentity, type FindingDraft, type IdentityFacts, type Rule, type RuleContext } from '../rule.js';
import { rootScopeSeverity } from '../severity.js';

/** Where a method leads in the graph: the targets of its edges from this identity (the first 50, and how many). */
function leadsTo(facts: IdentityFacts, ctx: RuleContext, found: FoundEscalation): Evidence | undefined {
  const graph = ctx.reach!.graph;
  const from = facts.identity.arn;
  let targets: ReachEdge[];
  let total: number;
  if (found.method.passRole) {
    // Pass-role edges carry every method that passes the role: keep this method's (few: roles trusting one service).
    const own = (e: ReachEdge) => e.kind !== 'pass-role' || e.grantedBy.some((g) => g.includes(`(${found.method.id})`));
    const kinds = new Set([`escalation:${found.method.id}`, 'pass-role']);
    targets = graph.edgesFrom(from, (kind) => kinds.has(kind)).filter(own);
    total = targets.length;
  } else {
    // Taking over users or roles: one edge per user or role of the account, so they are counted, not all listed.
    const kind = `escalation:${found.method.id}`;
    targets = graph.edgesFrom(from, (k) => k === kind, MAX_TARGETS);
    total = graph.countFrom(from, (k) => k === kind);
  }
  if (!total) return undefined;
  const shown = targets.slice(0, 5).map((e) => printable(e.to)).join(', ');
  return {
    kind: 'note',
    summary: `leads to ${shown}${total > 5 ? ` (+${total - 5} more)` : ''}`,
    detail: { targets: targets.slice(0, MAX_TARGETS).map((e) => ({ to: e.to, edge: e.kind, conditions: e.conditions })) },
  };
}

const MAX_TARGETS = 50;

function directFinding(facts: IdentityFacts, ctx: RuleContext, found: FoundEscalation): FindingDraft {
  const { method } = found;
  const conditioned = found.conditions.length > 0;
  // Built when read (lazy-evidence.ts): it names graph targets and statements, and holds no reach path.
  return lazyEvidence(
    {
      severity: rootScopeSeverity(facts.environment.environment, conditioned),
      granular: `Escalation::${method.id}`,
      title: `Can escalate privileges: ${method.title} (${method.id})${conditioned ? ' under a Condition' : ''}`,
    },
    (limit) => directEvidence(facts, ctx, found, firstOnly(limit)),
  );
}

function directEvidence(facts: IdentityFacts, ctx: RuleContext, found: FoundEscalation, firstOnly = false): Evidence[] {
  const { method } = found;
  const first: Evidence = {
    kind: 'note',
    summary: `${method.title}: ${method.how}`,
    detail: { method: method.id, actions: [...method.actions, ...(method.passRole ? ['iam:PassRole'] : [])], references: method.references },
  };
  // Asked for its first line only (SARIF).
  if (firstOnly) return [first];
  // One line per granting statement, labelled with its grant's action (a grant can come with several statements).
  const statements = found.grants.flatMap((g) => g.grant.allowedBy.map((s) => ({ kind: 'policy-statement' as const, summary: grantText(s, g.action), detail: { action: g.action } })));
  const evidence: Evidence[] = [first, ...statements];
  if (found.conditions.length > 0) evidence.push({ kind: 'note', summary: `holds only if ${found.conditions.join('; ')}: one severity step lower` });
  const leads = leadsTo(facts, ctx, found);
  if (leads) evidence.push(leads);
  evidence.push(environmentEvidence(facts), ...incompleteGrantEvidence(facts.grant));
  return evidence;
}

function chainFinding(facts: IdentityFacts, ctx: RuleContext): FindingDraft[] {
  const reach = ctx.reach!;
  const escalates = (node: { id: string; kind: string }) => node.kind === 'capability' || reach.escalations.has(node.id);
  const targets = chainTargets(reach, facts.identity.arn, escalates);
  if (!targets.length) return [];
  // Prefer a chain that holds without undecided conditions, then the shortest.
  const best = [...targets].sort(byCertaintyThenLength)[0]!;
  const methods = reach.escalations.get(best.node.id) ?? [];
  const what = best.node.kind === 'capability' ? best.node.label : `${printable(best.node.id)}, which holds ${listText(methods, (m) => m.method.id, 3)}`;
  const evidence: Evidence[] = [
    reachPathEvidence(best.hops),
    ...hopEvidence(best.hops),
    { kind: 'note', summary: `${targets.length} identit${targets.length === 1 ? 'y' : 'ies'} that can escalate are reachable; nearest shown`, detail: { reachable: targets.slice(0, 50).map((t) => t.node.id) } },
    environmentEvidence(facts),
  ];
  const base = rootScopeSeverity(facts.environment.environment, false);
  return [
    {
      severity: chainSeverity(base, best.conditional),
      granular: 'Escalation::via-chain',
      title: `Can escalate privileges through a chain of ${best.hops.length} hop${best.hops.length === 1 ? '' : 's'}: reaches ${what}${best.conditional ? ' (under conditions)' : ''}`,
      evidence,
    },
  ];
}

function check(facts: IdentityFacts, ctx: RuleContext): FindingDraft[] | { notApplicable: string } {
  const { identity } = facts;
  if (identity.provider !== 'aws') return { notApplicable: 'not an AWS identity' };
  if (identity.kind === 'root') return { notApplicable: 'the account root user holds every permission by design; the root-credential rules cover it' };
  if (!ctx.reach) return { notApplicable: 'no reach graph was built for this audit' };
  const direct = ctx.reach.escalations.get(identity.arn) ?? [];
  if (direct.length) return direct.map((found) => directFinding(facts, ctx, found));
  return chainFinding(facts, ctx);
}

export const privilegeEscalation: Rule = {
  id: 'aws.privilege-escalation',
  title: 'Privilege escalation',
  severity: 'critical',
  description:
    'Finds AWS identities holding a known privilege-escalation method (see the escalation catalog: policy versions, ' +
    'attaching or writing policies, access keys and passwords for other users, rewriting trust policies, adding users to ' +
    'groups, and passing a role to Lambda, EC2, CloudFormation, Glue, Data Pipeline, SageMaker, CodeBuild or ECS, or ' +
    'taking over the role of an existing function, endpoint, stack, notebook or instance), each action allowed on some ' +
    'resource of its own account. A grant limited to the identity itself is not escalation where it gains nothing ' +
    '(its own access key or password). An identity with no method of its own is reported when it can become, through ' +
    'assume-role, pass-role or escalation hops, an identity that has one: the path is shown hop by hop.',
  risk:
    "An identity that can grant itself more is, in effect, an administrator: its policies understate what a leaked key " +
    'or a misled agent can do, and least-privilege work on it is moot until the method is removed.',
  remediation:
    'Remove the escalation action, or scope it: iam:CreateAccessKey and login-profile actions to `${aws:username}`, ' +
    'iam:PassRole to the specific roles the workload passes with an `iam:PassedToService` condition, policy and trust ' +
    'writes to a separate break-glass role. Use permissions boundaries on every role that can create roles or policies.',
  references: [
    'https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/',
    'https://github.com/salesforce/cloudsplaining/blob/master/docs/glossary/privilege-escalation.md',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html',
  ],
  evaluate: perIdentity(check, { judgesGrants: true }),
};
