/**
 * Retiring unused GCP credentials: a user-managed key (unused, or older
 * than the rotation threshold) is disabled, then deleted after the
 * observation period; an unused service account likewise, its rollback
 * after deletion being undelete by unique id (possible for 30 days).
 */
import type { GcpIdentityFacts } from '../../analyse/gcp/scan-facts.js';
import { printable } from '../../config/patterns.js';
import type { Finding } from '../../model/finding.js';
import { openFindingsOf, type SuggestContext } from '../context.js';
import type { PlannedSuggestion } from '../types.js';
import { gcloud, projectGuard } from './gcloud.js';

/** Service accounts with open findings of the given rules. */
export function gcpWithOpenFindings(ctx: SuggestContext, ruleIds: readonly string[]): { facts: GcpIdentityFacts; findings: Finding[] }[] {
  return (ctx.rules.gcp?.identities ?? []).flatMap((facts) => {
    const findings = openFindingsOf(ctx, facts.identity.arn).filter((f) => ruleIds.includes(f.ruleId));
    return findings.length ? [{ facts, findings }] : [];
  });
}

const base = (facts: GcpIdentityFacts, findings: Finding[]) => ({
  provider: 'gcp' as const,
  identityArn: facts.identity.arn,
  accountId: facts.identity.accountId,
  resolves: findings.map((f) => f.fingerprint),
  evidence: findings.flatMap((f) => f.evidence).slice(0, 6),
  documents: [],
  inputs: [],
  guard: projectGuard(facts.identity.accountId),
});

export function gcpRetireKeys(ctx: SuggestContext): PlannedSuggestion[] {
  const out: PlannedSuggestion[] = [];
  for (const { facts, findings } of gcpWithOpenFindings(ctx, ['gcp.unused-credential', 'gcp.key-age'])) {
    const email = facts.identity.arn;
    const project = facts.identity.accountId;
    for (const key of facts.keys) {
      if (key.detail?.keyType !== 'USER_MANAGED' || key.detail.disabled) continue;
      const about = findings.filter((f) => f.credentialId === key.credential.id);
      if (!about.length) continue;
      const unused = about.some((f) => f.ruleId === 'gcp.unused-credential');
      const label = `key ${printable(key.credential.id)} of ${printable(email)}`;
      out.push({
        ...base(facts, about),
        kind: unused ? 'disable-unused-gcp-key' : 'disable-old-gcp-key',
        credentialId: key.credential.id,
        change: 'disable-then-delete',
        title: `Disable ${unused ? 'unused' : 'old'} ${label}, delete it after ${ctx.observeDays} days`,
        risk: `${unused ? 'Low' : 'Medium'}: last authenticated ${key.lastAuthenticated?.slice(0, 10) ?? 'never seen'}. Anything still using the key gets invalid_grant after stage 1; enabling it (rollback) restores it until stage 2.`,
        steps: [
          { stage: 1, description: `disable ${label} (reversible)`, commands: [gcloud.disableKey(key.credential.id, email, project)] },
          { stage: 2, description: `delete ${label} once nothing failed for ${ctx.observeDays} days (check audit logs for errors from it)`, commands: [gcloud.deleteKey(key.credential.id, email, project)], waitDays: ctx.observeDays },
        ],
        rollback: [{ stage: 1, description: `enable ${label} again`, commands: [gcloud.enableKey(key.credential.id, email, project)] }],
      });
    }
  }
  return out;
}

export function gcpRetireAccounts(ctx: SuggestContext): PlannedSuggestion[] {
  return gcpWithOpenFindings(ctx, ['gcp.unused-credential']).flatMap(({ facts, findings }) => {
    const about = findings.filter((f) => f.granular === 'ServiceAccount');
    if (!about.length || facts.disabled) return [];
    const email = facts.identity.arn;
    const project = facts.identity.accountId;
    const uniqueId = facts.identity.uniqueId;
    const label = `service account ${printable(email)}`;
    const plan: PlannedSuggestion = {
      ...base(facts, about),
      kind: 'disable-unused-service-account',
      change: 'disable-then-delete',
      title: `Disable unused ${label}, delete it after ${ctx.observeDays} days`,
      risk: `Low: not authenticated since ${facts.lastAuthenticated?.at.slice(0, 10) ?? 'observation began'}. Workloads running as it fail after stage 1; enabling it restores them. ${uniqueId ? 'After stage 2 it can be undeleted by unique id for 30 days.' : 'Its unique id is not in the scan: record it (gcloud iam service-accounts describe) before stage 2, or deletion cannot be undone.'}`,
      steps: [
        { stage: 1, description: `disable ${label} (reversible)`, commands: [gcloud.disableAccount(email, project)] },
        { stage: 2, description: `delete ${label} once nothing failed for ${ctx.observeDays} days`, commands: [gcloud.deleteAccount(email, project)], waitDays: ctx.observeDays },
      ],
      rollback: [
        { stage: 1, description: `enable ${label} again`, commands: [gcloud.enableAccount(email, project)] },
        ...(uniqueId ? [{ stage: 2, description: `undelete ${label} by its unique id (within 30 days of stage 2), then enable it`, commands: [gcloud.undeleteAccount(uniqueId, project), gcloud.enableAccount(email, project)] }] : []),
      ],
    };
    return [plan];
  });
}
