/** Basic roles (Owner, Editor) held by a service account, anywhere in the hierarchy. */
import { GCP_BASIC_ROLES, isDefaultServiceAccount } from '../../catalog/gcp-risk.js';
import { isProductionRisk } from '../severity.js';
import type { Rule } from '../rule.js';
import { bindingEvidence, bindingKey, perServiceAccount, projectEnvironmentEvidence, recommendationEvidence } from './gcp-rule.js';

export const gcpBasicRole: Rule = {
  id: 'gcp.basic-role',
  title: 'Service account holds a basic role (Owner or Editor)',
  severity: 'critical',
  description:
    'Flags every binding of roles/owner or roles/editor to a service account, on a project, folder or the organisation. Default service accounts (PROJECT_NUMBER-compute@developer, PROJECT_ID@appspot) that Google granted Editor automatically are called out as such.',
  risk:
    'Basic roles carry thousands of permissions across every service. A leaked key or a compromised workload running as the account can read and change almost anything in scope; Owner can also rewrite IAM.',
  remediation:
    'Replace the basic role with predefined roles covering the permissions the account exercised; when IAM Recommender has an ACTIVE recommendation for the binding, the finding names the roles it suggests. For default service accounts, remove Editor (or set the organisation policy iam.automaticIamGrantsForDefaultServiceAccounts) and run workloads as dedicated accounts.',
  references: [
    'https://cloud.google.com/iam/docs/roles-overview#basic',
    'https://cloud.google.com/iam/docs/service-accounts-default',
  ],
  evaluate: perServiceAccount((facts) => {
    const isDefault = isDefaultServiceAccount(facts.identity.arn);
    return facts.grant.held.flatMap((held) => {
      const basic = GCP_BASIC_ROLES.find((r) => r.role === held.binding.role);
      if (!basic) return [];
      const title = isDefault
        ? `default service account holds ${basic.role} on ${held.binding.resource} (granted automatically by Google)`
        : `holds ${basic.role} on ${held.binding.resource}`;
      const production = held.projects.length === 0 || isProductionRisk(facts.environment.environment);
      return [
        {
          severity: basic.role === 'roles/owner' || production ? 'critical' : 'high',
          title,
          granular: `Binding::${bindingKey(held)}`,
          evidence: [bindingEvidence(held, basic.why), projectEnvironmentEvidence(facts), ...recommendationEvidence(facts, held)],
        },
      ];
    });
  }),
};
