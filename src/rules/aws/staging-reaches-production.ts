/**
 * aws.staging-reaches-production: a non-production identity that reaches
 * production through a chain (assume-role, pass-role, escalation hops).
 *
 * A node is production when it is an identity whose account is production
 * or unknown (unknown counts as production), an identity that holds
 * production resources directly (aws.production-reach's reading, shared,
 * not repeated), or the any-permission capability of such an account. The
 * search stops at the first production node of each path; one finding per
 * such entry point (`Chain::<node>`), with the path hop by hop and the
 * statement or trust policy behind each hop. What a non-production identity
 * holds on production directly is aws.production-reach's finding, not this.
 *
 * Critical; high when some hop of the path holds only under a condition the
 * scan cannot decide (external id, organisation, MFA, session name, …).
 */
import { riskEnvironment } from '../../analyse/environment.js';
import type { ReachNode } from '../../analyse/reach/index.js';
import { printable } from '../../config/patterns.js';
import type { Evidence } from '../../model/finding.js';
import { environmentEvidence } from '../evidence.js';
import { byCertaintyThenLength, chainSeverity, chainTargets, firstTargets, hopEvidence, reachPathEvidence, type ChainTarget } from '../reach-evidence.js';
import { perIdentity, type FindingDraft, type IdentityFacts, type Rule, type RuleContext } from '../rule.js';
import { isProductionRisk } from '../severity.js';
import { productionReachIndex } from './production-reach.js';

const MAX_CHAINS = 20;

/** Actions whose reach the graph follows as edges. */
const HOP_ACTIONS = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity', 'iam:PassRole'];

/** Why a node counts as production, or undefined when it does not. */
function productionWhy(node: ReachNode, ctx: RuleContext, factsOf: Map<string, IdentityFacts>): string | undefined {
  if (node.kind === 'capability') {
    const env = ctx.resourceEnvironment(`arn:aws:iam::${node.accountId}:root`);
    return isProductionRisk(env.environment) ? `${node.label}; account ${node.accountId} is ${env.environment} (${env.how})` : undefined;
  }
  const facts = factsOf.get(node.id);
  if (!facts) return undefined;
  const { environment, how } = facts.environment;
  if (isProductionRisk(environment)) return `its account ${node.accountId} is ${environment} (${how})${environment === 'unknown' ? '; unknown counts as production' : ''}`;
  // Actions the graph itself follows (assume, pass) are hops, not production reach of their own: the chain goes on through them.
  const reach = productionReachIndex(facts, ctx).reach;
  const held = reach.size - HOP_ACTIONS.filter((a) => {
    const i = ctx.catalog.indexOf(a);
    return i !== undefined && reach.has(i);
  }).length;
  return held > 0 ? `it holds ${held} action${held === 1 ? '' : 's'} on production resources (see its aws.production-reach findings)` : undefined;
}

function chainFinding(target: ChainTarget, why: string, omitted: number): FindingDraft {
  const evidence: Evidence[] = [
    reachPathEvidence(target.hops),
    ...hopEvidence(target.hops),
    { kind: 'environment', summary: `${printable(target.node.id)} is production: ${why}`, detail: { node: target.node.id, accountId: target.node.accountId } },
  ];
  if (omitted) evidence.push({ kind: 'note', summary: `${omitted} more production entry points are reachable and not listed (the nearest ${MAX_CHAINS} are)` });
  return {
    severity: chainSeverity('critical', target.conditional),
    granular: `Chain::${target.node.id}`,
    title: `Non-production identity reaches production: ${printable(target.node.label)} in ${target.hops.length} hop${target.hops.length === 1 ? '' : 's'}${target.conditional ? ' (under conditions)' : ''}`,
    evidence,
  };
}

const factsIndex = new WeakMap<RuleContext, Map<string, IdentityFacts>>();
/** Why each node counts as production (or not), per context: every search from an account meets the same nodes. */
const whyIndex = new WeakMap<RuleContext, Map<string, string | undefined>>();

function check(facts: IdentityFacts, ctx: RuleContext): FindingDraft[] | { notApplicable: string } {
  const { identity, environment } = facts;
  if (identity.provider !== 'aws') return { notApplicable: 'not an AWS identity' };
  if (identity.kind === 'root') return { notApplicable: 'the account root user; the root-credential rules cover it' };
  if (riskEnvironment(environment.environment) === 'production') {
    return { notApplicable: `its own account is ${environment.environment}: its reach into production is aws.production-reach's` };
  }
  if (!ctx.reach) return { notApplicable: 'no reach graph was built for this audit' };
  let factsOf = factsIndex.get(ctx);
  if (!factsOf) factsIndex.set(ctx, (factsOf = new Map(ctx.identities.map((f) => [f.identity.arn, f]))));
  const index = factsOf;
  let whys = whyIndex.get(ctx);
  if (!whys) whyIndex.set(ctx, (whys = new Map()));
  const known = whys;
  const why = (node: ReachNode) => {
    if (!known.has(node.id)) known.set(node.id, productionWhy(node, ctx, index));
    return known.get(node.id);
  };
  const targets = chainTargets(ctx.reach, identity.arn, (node) => why(node) !== undefined);
  // Unconditional chains first, then nearest.
  targets.sort(byCertaintyThenLength);
  const { shown, omitted } = firstTargets(targets, MAX_CHAINS);
  const findings = shown.map((t, i) => chainFinding(t, why(t.node)!, i === shown.length - 1 ? omitted : 0));
  if (findings.length) findings[0]!.evidence.push(environmentEvidence(facts));
  return findings;
}

export const stagingReachesProduction: Rule = {
  id: 'aws.staging-reaches-production',
  title: 'Non-production reaches production through a chain',
  severity: 'critical',
  description:
    'Follows the reach graph from every AWS identity of a non-production account (staging, development, sandbox): ' +
    "assume-role hops (the target's trust policy admits it and, where IAM requires, its own policy allows " +
    'sts:AssumeRole on the role), pass-role hops and escalation hops. Reports each first production node on a path: a ' +
    'production (or unknown) identity, an identity holding production resources, or the ability to grant itself any ' +
    'permission in a production account; with every hop and the statement or trust policy allowing it. Conditions the ' +
    'scan cannot decide (sts:ExternalId, aws:PrincipalOrgID, MFA, session names) are shown and lower the severity one ' +
    'step; they are never treated as unconditional.',
  risk:
    'A staging credential that can become a production role is a production credential with staging-grade protection: ' +
    'weaker reviews, more people and agents holding it, and less monitoring.',
  remediation:
    'Break the chain at its first hop into production: remove the staging identity from the production role trust ' +
    'policy (or the account root principal, naming specific roles instead), scope sts:AssumeRole and iam:PassRole in ' +
    'staging policies to staging roles, and require sts:ExternalId or aws:PrincipalOrgID plus MFA where cross-account ' +
    'access is intended.',
  references: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html',
    'https://aws.amazon.com/blogs/security/how-to-use-trust-policies-with-iam-roles/',
  ],
  evaluate: perIdentity(check, { judgesGrants: true }),
};
