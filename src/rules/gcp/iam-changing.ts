/** Permissions that change IAM: setIamPolicy on anything, custom role and deny policy changes. */
import { iamChangingEntry } from '../../catalog/gcp-risk.js';
import type { Rule } from '../rule.js';
import { bindingEvidence, bindingKey, bindingsHolding, perServiceAccount } from './gcp-rule.js';

const LISTED = 10;

export const gcpIamChanging: Rule = {
  id: 'gcp.iam-changing-permission',
  title: 'Service account can change IAM policy',
  severity: 'critical',
  description:
    'Flags effective permissions (after deny policies) that rewrite who can do what: any *.setIamPolicy, iam.roles.create/update, and deny policy update/delete. One finding per binding that carries them.',
  risk:
    'An account that can set IAM policy can grant itself, or anyone, any role on the resource: its real privilege is unbounded within that scope.',
  remediation:
    'Remove the role carrying these permissions, or narrow it to the single resource that needs policy management, with a condition. Keep IAM administration with people behind approval, not with automation credentials.',
  references: ['https://cloud.google.com/iam/docs/understanding-roles', 'https://cloud.google.com/iam/docs/deny-overview'],
  evaluate: perServiceAccount(
    (facts) =>
      bindingsHolding(facts, (p) => iamChangingEntry(p) !== undefined).map(({ held, permissions }) => ({
        severity: held.binding.condition ? 'high' : 'critical',
        title: `${permissions.length} IAM-changing permission(s) through ${held.binding.role} on ${held.binding.resource}`,
        granular: `Binding::${bindingKey(held)}`,
        evidence: [
          bindingEvidence(held, `grants ${permissions.slice(0, LISTED).join(', ')}${permissions.length > LISTED ? ` and ${permissions.length - LISTED} more` : ''}`),
          { kind: 'note', summary: iamChangingEntry(permissions[0]!)!.why, detail: { permissions } },
        ],
      })),
    { judgesGrants: true },
  ),
};
