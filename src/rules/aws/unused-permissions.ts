/**
 * Granted but unused permissions, per service, from the granted-vs-used audit.
 *
 * An identity fails when unused granted actions / granted actions (the
 * audit's unusedRatio) reaches thresholds.unusedPermissionRatio, with one
 * finding per service that has unused actions (`Service::<prefix>`).
 * "Unused" is only what a source observes: Access Advisor for the services
 * it lists ("service-level": it saw no access to the service at all) and the
 * actions it tracks, CloudTrail for management events over a fully covered
 * window ("action-level"). Services no source observes are listed in the
 * evidence as unknown, never as unused.
 *
 * Outcome: fail at or above the threshold; pass only when the identity stays
 * below it even if every unknown action were unused; otherwise (unknown
 * could tip it) not-applicable with the numbers, since unknown is not safe.
 *
 * Severity (severity.ts scale): low; medium when a service's unused actions
 * include Write or Permissions management and the identity's environment is
 * production or unknown.
 */
import type { ServiceUsage } from '../../report/json-schema.js';
import type { AccessLevel } from '../../model/domain.js';
import type { Evidence, Severity } from '../../model/finding.js';
import { perIdentity, type FindingDraft, type IdentityFacts, type Rule, type RuleContext } from '../rule.js';
import { isProductionRisk } from '../severity.js';
import { environmentEvidence, statementsEvidence, WRITE_LEVELS } from './credential-facts.js';

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
const LISTED = 25;

export const unusedPermissions: Rule = {
  id: 'aws.unused-permissions',
  title: 'Granted permissions not used in the window',
  severity: 'medium',
  description:
    'Compares what each identity is granted with what it used in the window and fails when the unused share of granted actions reaches thresholds.unusedPermissionRatio, with one finding per service that has unused actions. Unused is claimed only where Access Advisor or full-window CloudTrail observes the service or action; everything else is reported as unknown.',
  risk:
    'Permissions an identity never uses are pure exposure: if its credentials leak or an agent is steered by injected instructions, everything granted is available to the attacker, not just what the job needs. Unused write and permissions-management grants in production are the difference between a leaked read-only token and an outage.',
  remediation:
    'Replace the broad policies with a least-privilege policy built from observed use (IAM Access Analyzer policy generation, or the actions listed as used), or remove the unused services and actions listed here. Remove grants in steps and watch for AccessDenied errors; keep the old policy version to roll back. If a grant is for rare but real work (disaster recovery), suppress the service with that reason.',
  references: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed-action-last-accessed.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#remove-credentials',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-policy-generation.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege',
  ],
  evaluate: perIdentity((facts, ctx) => {
    const { audit } = facts;
    const threshold = ctx.config.thresholds.unusedPermissionRatio;
    const granted = audit.granted.actions;
    if (granted === 0 || audit.unusedRatio === null) return { notApplicable: 'grants no catalog action' };
    const unusedRatio = audit.unusedRatio;
    const worstCase = (audit.unused.actions + audit.unknown.actions) / granted;
    const numbers = `${audit.unused.actions} unused, ${audit.used.actions} used, ${audit.unknown.actions} unknown of ${granted} granted actions`;

    if (unusedRatio < threshold) {
      if (worstCase < threshold) return [];
      return {
        notApplicable: `${numbers}: ${pct(unusedRatio)} unused is below the threshold of ${pct(threshold)}, but no source observes ${audit.unknown.actions} actions, enough to reach it`,
      };
    }

    const production = isProductionRisk(facts.environment.environment);
    const unknownServices = audit.services.filter((s) => s.status === 'unknown' && s.unused === 0);
    const summary: Evidence = {
      kind: 'usage',
      summary: `${numbers} in the window ${ctx.window.from} to ${ctx.window.to}: ${pct(unusedRatio)} unused (threshold ${pct(threshold)})`,
      detail: {
        granted,
        used: audit.used.actions,
        unused: audit.unused.actions,
        unknown: audit.unknown.actions,
        unusedRatio,
        threshold,
        services: { used: audit.used.services, unused: audit.unused.services, unknown: audit.unknown.services },
        usageSources: audit.usageSources,
      },
    };
    const unknownEvidence: Evidence[] = unknownServices.length
      ? [
          {
            kind: 'coverage',
            summary: `${unknownServices.length} granted service(s) no source observes, so their use is unknown (not counted as unused): ${unknownServices.slice(0, 15).map((s) => s.service).join(', ')}${unknownServices.length > 15 ? ', …' : ''}`,
            detail: { services: unknownServices.map((s) => ({ service: s.service, granted: s.granted })) },
          },
        ]
      : [];

    const findings: FindingDraft[] = [];
    for (const service of audit.services) {
      if (service.unused === 0) continue;
      findings.push(serviceFinding(service, facts, ctx, production, [summary, ...unknownEvidence]));
    }
    return findings;
  }),
};

function serviceFinding(
  service: ServiceUsage,
  facts: IdentityFacts,
  ctx: RuleContext,
  production: boolean,
  shared: Evidence[],
): FindingDraft {
  const { catalog, window } = ctx;
  const indices: number[] = [];
  const byLevel: Partial<Record<AccessLevel, number>> = {};
  for (const key of service.unusedActions) {
    const i = catalog.indexOf(key);
    if (i === undefined) continue;
    indices.push(i);
    const level = catalog.accessLevelAt(i);
    byLevel[level] = (byLevel[level] ?? 0) + 1;
  }
  const unusedWrites = WRITE_LEVELS.reduce((n, l) => n + (byLevel[l] ?? 0), 0);
  const severity: Severity = unusedWrites > 0 && production ? 'medium' : 'low';

  // Access Advisor listing the service with no access in the window speaks for the whole service.
  const serviceLevel = service.status === 'unused' && service.observedBy.includes('access-advisor');
  const level = serviceLevel ? 'service-level' : 'action-level';
  const how = serviceLevel
    ? `service-level: Access Advisor saw no access to ${service.service} in the window, so none of its ${service.granted} granted actions was used`
    : `action-level: ${observers(service)} saw no call of ${service.unused} granted action(s)`;
  const name = service.name ? ` (${service.name})` : '';
  const listed = service.unusedActions.slice(0, LISTED);

  const evidence: Evidence[] = [
    {
      kind: 'usage',
      summary: `${how}; used ${service.used}, unknown ${service.unknown}${service.lastUsed ? `, service last used ${service.lastUsed.slice(0, 10)}` : ''}. Unused: ${listed.join(', ')}${service.unusedActions.length > LISTED ? `, … (${service.unusedActions.length} in all)` : ''}`,
      detail: {
        service: service.service,
        dataLevel: level,
        observedBy: service.observedBy,
        status: service.status,
        granted: service.granted,
        used: service.used,
        unused: service.unused,
        unknown: service.unknown,
        unusedByAccessLevel: byLevel,
        unusedActions: service.unusedActions,
        usedActions: service.usedActions.map((a) => a.action),
        lastUsed: service.lastUsed,
        window: { from: window.from, to: window.to },
      },
    },
    ...statementsEvidence(facts.grant, catalog, indices, `unused ${service.service}`, 3),
    ...(unusedWrites > 0 ? [environmentEvidence(facts)] : []),
    ...shared,
  ];
  const levels = Object.entries(byLevel)
    .map(([l, n]) => `${n} ${l}`)
    .join(', ');
  return {
    severity,
    title: `${service.service}${name}: ${service.unused} of ${service.granted} granted actions unused in ${window.days} days (${level}${levels ? `; ${levels}` : ''})`,
    granular: `Service::${service.service}`,
    evidence,
  };
}

function observers(service: ServiceUsage): string {
  const names: string[] = [];
  if (service.observedBy.includes('cloudtrail')) names.push('CloudTrail (management events)');
  if (service.observedBy.includes('access-advisor')) names.push('Access Advisor (tracked actions)');
  return names.join(' and ') || 'a usage source';
}
