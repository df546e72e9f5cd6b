/** Effective permissions grew since the earliest scan of the service account inside the window. */
import { iamChangingEntry, impersonationEntry } from '../../catalog/gcp-risk.js';
import type { Evidence } from '../../model/finding.js';
import type { Rule } from '../rule.js';
import { bindingEvidence, bindingKey, perServiceAccount } from './gcp-rule.js';

const LISTED = 25;

export const gcpPrivilegeCreep: Rule = {
  id: 'gcp.privilege-creep',
  title: 'Service account grants grew between scans',
  severity: 'critical',
  description:
    'Compares the effective permissions (bindings at every level, roles expanded, deny subtracted) with the earliest stored scan of the service account inside the window, and lists new bindings and new permissions (a custom role that gained permissions counts too).',
  risk: 'Permissions accumulate one binding at a time and are never taken back; only history shows the growth.',
  remediation: 'Review each new binding or role change in the evidence; remove what was temporary, or suppress the finding with a reason and an owner if intended.',
  references: ['https://cloud.google.com/iam/docs/audit-logging/examples-iam'],
  evaluate: perServiceAccount((facts, gcp) => {
    const reference = gcp.referenceGrant(facts.identity.arn);
    if (!reference) return { notApplicable: 'no earlier scan of this service account inside the window to compare with' };
    const added = [...facts.grant.permissions].filter((p) => !reference.grant.permissions.has(p)).sort();
    if (!added.length) return [];
    const before = new Set(reference.grant.held.map(bindingKey));
    const newBindings = facts.grant.held.filter((h) => !before.has(bindingKey(h)));
    const risky = added.filter((p) => iamChangingEntry(p) || impersonationEntry(p));
    const evidence: Evidence[] = [
      {
        kind: 'history',
        summary: `compared with scan ${reference.scan.id} of ${reference.scan.collectedAt.slice(0, 10)}: ${added.length} new permission(s), ${newBindings.length} new binding(s)`,
        detail: { referenceScanId: reference.scan.id, added: added.slice(0, LISTED), addedTotal: added.length },
      },
      ...newBindings.map((h) => bindingEvidence(h, 'new since the reference scan')),
    ];
    return [
      {
        severity: risky.length ? 'critical' : 'high',
        title: `${added.length} permission(s) added since ${reference.scan.collectedAt.slice(0, 10)}${risky.length ? ` (${risky.length} IAM-changing or impersonation)` : ''}`,
        granular: `Since::${reference.scan.id}`,
        evidence,
      },
    ];
  }),
};
