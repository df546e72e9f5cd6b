/** Bindings on the organisation or a folder: they apply to every project below. */
import type { Rule } from '../rule.js';
import { bindingEvidence, bindingKey, perServiceAccount } from './gcp-rule.js';

export const gcpHierarchyBinding: Rule = {
  id: 'gcp.hierarchy-binding',
  title: 'Service account bound at organisation or folder level',
  severity: 'high',
  description:
    'Flags allow-policy bindings to a service account set on the organisation or a folder. Such a binding is inherited by every project (and resource) below it, including projects created later.',
  risk:
    'A credential meant for one project reaches every project under the node, production included; the grant is invisible in each project\'s own IAM page.',
  remediation:
    'Move the binding down to the projects (or resources) the account works on. If it must stay, attach an IAM condition limiting it, and document the owner.',
  references: ['https://cloud.google.com/iam/docs/resource-hierarchy-access-control'],
  evaluate: perServiceAccount((facts) =>
    facts.grant.held
      .filter((h) => h.binding.level === 'organization' || h.binding.level === 'folder')
      .map((held) => ({
        severity: held.binding.level === 'organization' && !held.binding.condition ? 'high' : 'medium',
        title: `${held.binding.role} bound on ${held.binding.level} ${held.binding.resource}, inherited by ${held.projects.length} project(s)`,
        granular: `Binding::${bindingKey(held)}`,
        evidence: [bindingEvidence(held)],
      })),
  ),
};
