/**
 * Privilege creep: an identity's effective grant grew since the earliest
 * scan of it inside the window. Permissions pile up one "temporary" policy
 * at a time and are never taken back; only history shows the growth.
 */
import type { AccessLevel } from '../../model/domain.js';
import { ACCESS_LEVELS } from '../../model/domain.js';
import type { Evidence, Severity } from '../../model/finding.js';
import { severityRank } from '../../model/finding.js';
import { perIdentity, type Rule } from '../rule.js';
import { lower, reachSeverity } from '../severity.js';

const attachmentKey = (a: { kind: string; policyName: string; policyArn?: string; groupName?: string }) =>
  `${a.kind}|${a.groupName ?? ''}|${a.policyArn ?? a.policyName}`;

export const privilegeCreep: Rule = {
  id: 'aws.privilege-creep',
  title: 'Grants grew between scans',
  severity: 'critical',
  description:
    'Compares the effective grant of each identity with the earliest stored scan of it inside the window: new policies, changed policy documents, new actions, and actions that went from resource-scoped or conditioned to unrestricted.',
  risk:
    'Capabilities accumulate silently: a policy added for one task stays forever, and an agent credential ends up able to do far more than anyone decided. Growth into write or permissions management in production is how a narrow token becomes a production-admin token.',
  remediation:
    'Review each new or changed policy listed in the evidence. Remove grants that were temporary, or replace them with a least-privilege policy built from observed usage; if the growth was intended, suppress the finding with a reason and an owner.',
  references: [
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#remove-credentials',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_access-advisor.html',
  ],
  evaluate: perIdentity((facts, ctx) => {
    const reference = ctx.referenceGrant(facts.identity.arn);
    if (!reference) return { notApplicable: 'no earlier scan of this identity inside the window to compare with' };
    const now = facts.grant;
    const added = now.actions.subtract(reference.grant.actions);
    // Still granted, but now on every resource with no condition where before it was scoped.
    const widened = now.unrestricted.intersect(reference.grant.actions).subtract(reference.grant.unrestricted);
    if (added.isEmpty() && widened.isEmpty()) return [];

    const before = new Map(reference.attachments.map((a) => [attachmentKey(a), a]));
    const evidence: Evidence[] = [
      {
        kind: 'history',
        summary: `compared with scan ${reference.scan.id} of ${reference.scan.collectedAt.slice(0, 10)}: ${added.size} new action(s), ${widened.size} widened to all resources`,
        detail: { referenceScanId: reference.scan.id, referenceCollectedAt: reference.scan.collectedAt, added: added.size, widened: widened.size },
      },
    ];
    for (const a of facts.attachments) {
      const was = before.get(attachmentKey(a));
      if (!was) evidence.push({ kind: 'policy-statement', summary: `policy ${a.policyName} (${a.kind}) was attached`, detail: { ...a } });
      else if (was.policyHash !== a.policyHash)
        evidence.push({
          kind: 'policy-statement',
          summary: `policy ${a.policyName} (${a.kind}) changed${a.policyVersion ? ` (now ${a.policyVersion})` : ''}`,
          detail: { ...a, previousHash: was.policyHash, previousVersion: was.policyVersion },
        });
    }

    // Worst new capability decides the severity, on the shared scale.
    const byLevel = new Map<AccessLevel, string[]>();
    let severity: Severity = 'low';
    const consider = (i: number, scoped: boolean) => {
      const action = ctx.catalog.actionAt(i);
      const list = byLevel.get(action.accessLevel) ?? [];
      list.push(action.key);
      byLevel.set(action.accessLevel, list);
      const s = scoped ? lower(reachSeverity(action.accessLevel, facts.environment.environment)) : reachSeverity(action.accessLevel, facts.environment.environment);
      if (severityRank(s) > severityRank(severity)) severity = s;
    };
    added.forEach((i) => consider(i, !now.unrestricted.has(i)));
    widened.forEach((i) => consider(i, false));
    for (const level of ACCESS_LEVELS) {
      const actions = byLevel.get(level);
      if (!actions) continue;
      evidence.push({
        kind: 'note',
        summary: `${actions.length} ${level} action(s) gained, e.g. ${actions.slice(0, 8).join(', ')}${actions.length > 8 ? ', …' : ''}`,
        detail: { accessLevel: level, actions: actions.slice(0, 200), total: actions.length },
      });
    }
    return [{ severity, title: `grants grew since scan ${reference.scan.id}: ${added.size} new action(s), ${widened.size} widened`, granular: 'Grew', evidence }];
  }),
};
