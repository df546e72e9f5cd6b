/**
 * A service account whose own project is not production holding write
 * permissions on a production project (or one whose environment is unknown,
 * which counts as production): the staging-to-production bridge.
 */
import { isReadOnlyPermission } from '../../catalog/gcp-risk.js';
import { printable } from '../../config/patterns.js';
import type { Rule } from '../rule.js';
import { isProductionRisk } from '../severity.js';
import { bindingEvidence, bindingsHolding, perServiceAccount, projectEnvironmentEvidence } from './gcp-rule.js';

export const gcpProductionReach: Rule = {
  id: 'gcp.production-reach',
  title: 'Non-production service account can write in production',
  severity: 'critical',
  description:
    'For service accounts living in a project resolved as staging, development or sandbox: flags each production project (or project of unknown environment) where a binding, directly or inherited from a folder or the organisation, gives it permissions beyond read (get/list/search/query/getIamPolicy).',
  risk: 'Non-production credentials are handled loosely (shared with developers, used by experiments and agents); write reach into production turns their compromise into a production incident.',
  remediation: 'Remove the binding or move it to a non-production project; production changes should go through a production-owned identity.',
  references: ['https://cloud.google.com/architecture/framework/security/identity-access'],
  evaluate: perServiceAccount(
    (facts, gcp) => {
      if (isProductionRisk(facts.environment.environment)) {
        return { notApplicable: `lives in a ${facts.environment.environment} project; production reach is judged for non-production accounts` };
      }
      const byProject = new Map<string, ReturnType<typeof bindingsHolding>>();
      for (const entry of bindingsHolding(facts, (p) => !isReadOnlyPermission(p))) {
        for (const project of entry.held.projects) {
          if (!isProductionRisk(gcp.projectEnvironment(project).environment)) continue;
          byProject.set(project, [...(byProject.get(project) ?? []), entry]);
        }
      }
      return [...byProject].map(([project, entries]) => {
        const env = gcp.projectEnvironment(project);
        const writes = new Set(entries.flatMap((e) => e.permissions));
        return {
          severity: env.environment === 'production' ? 'critical' : 'high',
          title: `can write in ${env.environment} project ${project} (${writes.size} permissions)`,
          granular: `Project::${project}`,
          evidence: [
            { kind: 'environment', summary: `project ${printable(project)} is ${env.environment} (${env.how})`, detail: { projectId: project, ...env } },
            projectEnvironmentEvidence(facts),
            ...entries.map((e) => bindingEvidence(e.held, `${e.permissions.length} non-read permissions`)),
          ],
        };
      });
    },
    { judgesGrants: true },
  ),
};
