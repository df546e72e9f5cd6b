/**
 * Granted minus exercised: permissions an ACTIVE IAM Recommender insight
 * observed and saw no use of (nor did the audit logs). Permissions no source
 * observes are `unknown`, counted apart and never called unused.
 */
import { iamChangingEntry, impersonationEntry, isReadOnlyPermission } from '../../catalog/gcp-risk.js';
import type { Rule } from '../rule.js';
import { perServiceAccount, recommendationEvidence } from './gcp-rule.js';

const LISTED = 25;

export const gcpUnusedPermissions: Rule = {
  id: 'gcp.unused-permissions',
  title: 'Service account holds permissions it does not use',
  severity: 'high',
  description:
    'Compares effective permissions with exercised ones (IAM Recommender google.iam.policy.Insight exercisedPermissions, Cloud Audit Logs authorizationInfo). Fails when the unused share reaches thresholds.unusedPermissionRatio. Permissions no insight observes are reported as unknown.',
  risk: 'Every unused permission is capability an attacker with the credential gets for free; unused IAM-changing or impersonation permissions are escalation paths nobody needs.',
  remediation:
    'Apply the IAM Recommender recommendation for the binding (the finding carries the ACTIVE ones, with the roles they suggest), or replace the role with a custom role holding the exercised permissions (and the inferred ones, if the workload needs them).',
  references: ['https://cloud.google.com/policy-intelligence/docs/role-recommendations-overview'],
  evaluate: perServiceAccount(
    (facts, _gcp, ctx) => {
      const { used, unused, unknown } = facts.usage;
      const granted = facts.grant.permissions.size;
      if (!granted) return { notApplicable: 'no permissions granted' };
      if (!unused.size && !used.size) return { notApplicable: `no usage evidence for any of ${granted} permissions (all unknown)` };
      const ratio = unused.size / granted;
      if (ratio < ctx.config.thresholds.unusedPermissionRatio) return [];
      const risky = [...unused].filter((p) => iamChangingEntry(p) || impersonationEntry(p)).sort();
      const writes = [...unused].filter((p) => !isReadOnlyPermission(p));
      const listed = [...risky, ...writes.filter((p) => !risky.includes(p)).sort()].slice(0, LISTED);
      return [
        {
          severity: risky.length ? 'high' : writes.length ? 'medium' : 'low',
          title: `${unused.size} of ${granted} permissions unused (${Math.round(ratio * 100)}%), ${unknown.size} unknown${risky.length ? `, ${risky.length} IAM-changing or impersonation` : ''}`,
          granular: 'UnusedPermissions',
          evidence: [
            {
              kind: 'usage',
              summary: `${used.size} used, ${unused.size} unused, ${unknown.size} unknown (no insight or log observes them)`,
              detail: {
                used: used.size,
                unused: unused.size,
                unknown: unknown.size,
                insights: facts.usage.insights.map((i) => ({ name: i.name, role: i.role, resource: i.resource, observationDays: i.observationDays })),
              },
            },
            { kind: 'note', summary: `most dangerous unused: ${listed.join(', ')}`, detail: { unused: listed, unusedTotal: unused.size, unusedWrites: writes.length } },
            ...recommendationEvidence(facts),
          ],
        },
      ];
    },
    { judgesGrants: true },
  ),
};
