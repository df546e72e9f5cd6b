/**
 * gcp.privilege-escalation: a service account that can grant itself more,
 * or become an account that can (the GCP twin of aws.privilege-escalation,
 * over the GCP escalation catalog and the same reach graph machinery).
 *
 * - Direct: each catalog method it holds (`Escalation::<id>`), with the
 *   bindings behind every permission and the accounts or scopes it leads to.
 * - Through a chain (`Escalation::via-chain`), only when it holds none: the
 *   nearest account it can become that holds one, hop by hop.
 * Critical when its project is production (or unknown), high elsewhere; one
 * step lower when the method or a hop holds only under an IAM condition.
 */
import type { GcpFoundEscalation } from '../../analyse/gcp/escalation.js';
import { bindingText } from '../../analyse/gcp/escalation.js';
import type { GcpIdentityFacts, GcpRuleContext } from '../../analyse/gcp/scan-facts.js';
import { printable } from '../../config/patterns.js';
import type { Evidence } from '../../model/finding.js';
import { listText } from '../evidence.js';
import { byCertaintyThenLength, chainSeverity, chainTargets, hopEvidence, reachPathEvidence } from '../reach-evidence.js';
import type { FindingDraft, Rule } from '../rule.js';
import { rootScopeSeverity } from '../severity.js';
import { perServiceAccount, projectEnvironmentEvidence } from './gcp-rule.js';

function directFinding(facts: GcpIdentityFacts, found: GcpFoundEscalation): FindingDraft {
  const { method } = found;
  const leads = [...found.accounts.keys(), ...[...found.scopes.keys()].map((r) => `any permission on ${r}`)];
  const evidence: Evidence[] = [
    { kind: 'note', summary: `${method.title}: ${method.how}`, detail: { method: method.id, permissions: found.grants.map((g) => g.permission), references: method.references } },
    ...found.grants.flatMap((g) =>
      g.bindings.map((h) => ({ kind: 'policy-statement' as const, summary: `${printable(g.permission)} through ${bindingText(h.binding)}`, detail: { permission: g.permission, role: h.binding.role, resource: h.binding.resource, level: h.binding.level, condition: h.binding.condition } })),
    ),
  ];
  if (leads.length) evidence.push({ kind: 'note', summary: `leads to ${listText(leads, (l) => printable(l), 5)}`, detail: { targets: leads.slice(0, 50) } });
  if (found.conditional) evidence.push({ kind: 'note', summary: 'some permission of the method is granted only under an IAM condition: one severity step lower' });
  evidence.push(projectEnvironmentEvidence(facts));
  return {
    severity: rootScopeSeverity(facts.environment.environment, found.conditional),
    granular: `Escalation::${method.id}`,
    title: `Can escalate privileges: ${method.title} (${method.id})${found.conditional ? ' under an IAM condition' : ''}`,
    evidence,
  };
}

function chainFinding(facts: GcpIdentityFacts, gcp: GcpRuleContext): FindingDraft[] {
  const { reach } = gcp;
  const targets = chainTargets(reach, facts.identity.arn, (n) => n.kind === 'capability' || reach.escalations.has(n.id));
  if (!targets.length) return [];
  const best = [...targets].sort(byCertaintyThenLength)[0]!;
  const methods = reach.escalations.get(best.node.id) ?? [];
  const what = best.node.kind === 'capability' ? best.node.label : `${printable(best.node.id)}, which holds ${listText(methods, (m) => m.method.id, 3)}`;
  return [
    {
      severity: chainSeverity(rootScopeSeverity(facts.environment.environment, false), best.conditional),
      granular: 'Escalation::via-chain',
      title: `Can escalate privileges through a chain of ${best.hops.length} hop${best.hops.length === 1 ? '' : 's'}: reaches ${what}${best.conditional ? ' (under conditions)' : ''}`,
      evidence: [reachPathEvidence(best.hops), ...hopEvidence(best.hops), projectEnvironmentEvidence(facts)],
    },
  ];
}

export const gcpPrivilegeEscalation: Rule = {
  id: 'gcp.privilege-escalation',
  title: 'Service account can escalate privileges',
  severity: 'critical',
  description:
    'Finds service accounts holding a known GCP privilege-escalation method (see the GCP escalation catalog: access tokens, ' +
    'JWT or blob signatures and delegation for other accounts, keys and HMAC keys for other accounts, rewriting a service ' +
    "account's, project's, folder's or the organisation's allow policy, organisation policy changes, updating a custom " +
    'role it holds, and actAs combined with deploying Cloud Functions, Cloud Build, VMs, Cloud Run or Deployment Manager). ' +
    'Holding a method only on itself is not escalation. An account with no method of its own is reported when it can ' +
    'become, hop by hop, an account that has one.',
  risk: 'An account that can become a more privileged account, or rewrite policy, holds the union of what it can reach: its roles understate what a leaked key or a misled agent can do.',
  remediation:
    'Bind Token Creator, Service Account User and key administration on the single service accounts that need them (never on ' +
    'the project or above), keep setIamPolicy and organisation policy administration with people behind approval, and ' +
    'enforce iam.disableServiceAccountKeyCreation.',
  references: [
    'https://rhinosecuritylabs.com/gcp/privilege-escalation-google-cloud-platform-part-1/',
    'https://cloud.google.com/iam/docs/service-account-impersonation',
    'https://cloud.google.com/iam/docs/service-accounts-actas',
  ],
  evaluate: perServiceAccount(
    (facts, gcp) => {
      const direct = gcp.reach.escalations.get(facts.identity.arn.toLowerCase()) ?? [];
      return direct.length ? direct.map((found) => directFinding(facts, found)) : chainFinding(facts, gcp);
    },
    { judgesGrants: true },
  ),
};
