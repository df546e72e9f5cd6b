/**
 * gcp.staging-reaches-production: a service account of a non-production
 * project that reaches production through a chain of impersonation, actAs,
 * key or policy hops (the GCP twin of aws.staging-reaches-production).
 *
 * A node is production when it is a service account whose project is
 * production or unknown, one holding non-read permissions (other than the
 * hops themselves) on a production project (gcp.production-reach's reading),
 * or the ability to grant itself anything on a scope holding a production
 * project. The search stops at the first production node of each path; one
 * finding per entry point (`Chain::<node>`). Critical; high when some hop
 * holds only under an IAM condition.
 */
import type { ReachNode } from '../../analyse/reach/index.js';
import type { GcpIdentityFacts, GcpRuleContext } from '../../analyse/gcp/scan-facts.js';
import { impersonationEntry, isReadOnlyPermission } from '../../catalog/gcp-risk.js';
import { ACT_AS } from '../../catalog/gcp-escalation-methods.js';
import { printable } from '../../config/patterns.js';
import { byCertaintyThenLength, chainSeverity, chainTargets, firstTargets, hopEvidence, reachPathEvidence } from '../reach-evidence.js';
import type { FindingDraft, Rule } from '../rule.js';
import { isProductionRisk } from '../severity.js';
import { bindingsHolding, perServiceAccount, projectEnvironmentEvidence } from './gcp-rule.js';

const MAX_CHAINS = 20;

/** Why a node counts as production, or undefined. */
export function gcpProductionWhy(node: ReachNode, gcp: GcpRuleContext, factsOf: ReadonlyMap<string, GcpIdentityFacts>): string | undefined {
  const productionProjects = (projects: readonly string[]) => projects.filter((p) => isProductionRisk(gcp.projectEnvironment(p).environment));
  if (node.kind === 'capability') {
    const resource = node.label.replace(/^any permission on /, '');
    const prod = productionProjects(gcp.hierarchy.projectsUnder(resource));
    return prod.length ? `${node.label}, which holds ${prod.length} production project(s) (${prod.slice(0, 3).join(', ')})` : undefined;
  }
  const facts = factsOf.get(node.id);
  const env = facts ? facts.environment : gcp.projectEnvironment(node.accountId);
  if (isProductionRisk(env.environment)) return `its project ${node.accountId} is ${env.environment} (${env.how})${env.environment === 'unknown' ? '; unknown counts as production' : ''}`;
  if (!facts) return undefined;
  // Impersonation permissions are hops the search follows, not production reach of their own.
  const writes = bindingsHolding(facts, (p) => !isReadOnlyPermission(p) && p !== ACT_AS && !impersonationEntry(p)).filter((e) => productionProjects(e.held.projects).length);
  return writes.length ? `it holds write permissions on production projects (${writes.map((w) => w.held.binding.role).slice(0, 3).join(', ')}; see its gcp.production-reach findings)` : undefined;
}

function check(facts: GcpIdentityFacts, gcp: GcpRuleContext): FindingDraft[] | { notApplicable: string } {
  if (isProductionRisk(facts.environment.environment)) {
    return { notApplicable: `lives in a ${facts.environment.environment} project; its reach into production is gcp.production-reach's` };
  }
  const factsOf = new Map(gcp.identities.map((f) => [f.identity.arn.toLowerCase(), f]));
  const whys = new Map<string, string | undefined>();
  const why = (n: ReachNode) => {
    if (!whys.has(n.id)) whys.set(n.id, gcpProductionWhy(n, gcp, factsOf));
    return whys.get(n.id);
  };
  const targets = chainTargets(gcp.reach, facts.identity.arn.toLowerCase(), (n) => why(n) !== undefined);
  targets.sort(byCertaintyThenLength);
  const { shown, omitted } = firstTargets(targets, MAX_CHAINS);
  return shown.map((t, i) => ({
    severity: chainSeverity('critical', t.conditional),
    granular: `Chain::${t.node.id}`,
    title: `Non-production service account reaches production: ${printable(t.node.label)} in ${t.hops.length} hop${t.hops.length === 1 ? '' : 's'}${t.conditional ? ' (under conditions)' : ''}`,
    evidence: [
      reachPathEvidence(t.hops),
      ...hopEvidence(t.hops),
      { kind: 'environment' as const, summary: `${printable(t.node.id)} is production: ${why(t.node)!}`, detail: { node: t.node.id, projectId: t.node.accountId } },
      ...(i === 0 ? [projectEnvironmentEvidence(facts)] : []),
      ...(i === shown.length - 1 && omitted ? [{ kind: 'note' as const, summary: `${omitted} more production entry points are reachable and not listed` }] : []),
    ],
  }));
}

export const gcpStagingReachesProduction: Rule = {
  id: 'gcp.staging-reaches-production',
  title: 'Non-production service account reaches production through a chain',
  severity: 'critical',
  description:
    'Follows the reach graph from every service account of a non-production project (staging, development, sandbox): ' +
    'impersonation hops (getAccessToken, signJwt, signBlob, implicitDelegation), actAs with a deploy permission, key ' +
    'creation and service-account policy rewrites, whether bound on the target account or on a project, folder or the ' +
    'organisation above it. Reports each first production node on a path: a production (or unknown) service account, ' +
    'one holding write permissions in production, or the ability to rewrite policy on a scope holding production, with ' +
    'every hop and the binding allowing it. IAM conditions on a hop are shown and lower the severity one step.',
  risk: 'A staging service account that can become a production one is a production credential with staging-grade protection.',
  remediation:
    'Remove the binding behind the first hop into production (Token Creator / Service Account User on the production ' +
    'account, or the folder- or project-level grant covering it); production deployments should run as production-owned identities.',
  references: ['https://cloud.google.com/iam/docs/service-account-impersonation', 'https://cloud.google.com/iam/docs/best-practices-service-accounts'],
  evaluate: perServiceAccount((facts, gcp) => check(facts, gcp), { judgesGrants: true }),
};
