/** Impersonation permissions held at project level or above: the account can become other service accounts. */
import { impersonationEntry } from '../../catalog/gcp-risk.js';
import type { Rule } from '../rule.js';
import { isProductionRisk } from '../severity.js';
import { bindingEvidence, bindingKey, bindingsHolding, perServiceAccount } from './gcp-rule.js';

export const gcpImpersonation: Rule = {
  id: 'gcp.impersonation',
  title: 'Service account can impersonate other service accounts project-wide',
  severity: 'critical',
  description:
    'Flags iam.serviceAccounts.actAs, getAccessToken, signBlob, signJwt, implicitDelegation, getOpenIdToken and serviceAccountKeys.create held through a binding on a project, folder or the organisation, which covers every service account below it. Bindings on a single service account are not flagged.',
  risk:
    'The account can act as any service account in scope, including more privileged ones: its effective privilege is the union of theirs. This is the most common GCP privilege-escalation path.',
  remediation:
    'Grant Service Account User / Token Creator on the specific service accounts that are needed (service-account-level bindings), never on the project or above.',
  references: [
    'https://cloud.google.com/iam/docs/service-account-impersonation',
    'https://cloud.google.com/iam/docs/service-accounts-actas',
  ],
  evaluate: perServiceAccount(
    (facts, gcp) =>
      bindingsHolding(facts, (p) => impersonationEntry(p) !== undefined)
        .filter(({ held }) => held.binding.level !== 'service-account')
        .map(({ held, permissions }) => ({
          severity: held.projects.some((p) => isProductionRisk(gcp.projectEnvironment(p).environment)) && !held.binding.condition ? 'critical' : 'high',
          title: `can impersonate every service account under ${held.binding.resource} (${permissions.join(', ')}) through ${held.binding.role}`,
          granular: `Binding::${bindingKey(held)}`,
          evidence: [bindingEvidence(held, permissions.map((p) => `${p}: ${impersonationEntry(p)!.why}`).join('; '))],
        })),
    { judgesGrants: true },
  ),
};
