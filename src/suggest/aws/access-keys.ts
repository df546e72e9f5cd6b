/**
 * Access key suggestions. An unused key is deactivated first (reversible:
 * set it Active again) and deleted only after the observation period. A
 * stale key is rotated: a new key for the consumer, the old one deactivated,
 * then deleted after observing. Only stage 1 can be rolled back: a deleted
 * key cannot be restored.
 */
import { printable } from '../../config/patterns.js';
import type { Credential } from '../../model/domain.js';
import type { Finding } from '../../model/finding.js';
import type { IdentityFacts } from '../../rules/rule.js';
import { quotedEvidence, withOpenFindings, type SuggestContext } from '../context.js';
import type { PlannedStep, PlannedSuggestion } from '../types.js';
import { iamCli } from './iam-cli.js';
import { accessKeyArgument, accountGuard, credentialUseText } from './target.js';

interface KeyTarget {
  facts: IdentityFacts;
  credential: Credential;
  findings: Finding[];
}

/** Active access keys named by `Credential::<id>` findings of the given rule. */
function keysFlaggedBy(ctx: SuggestContext, ruleId: string): KeyTarget[] {
  const out: KeyTarget[] = [];
  for (const { facts, findings } of withOpenFindings(ctx, [ruleId])) {
    if (facts.identity.kind !== 'user') continue;
    for (const credential of facts.credentials) {
      if (credential.kind !== 'access-key' || credential.active !== true) continue;
      const about = findings.filter((f) => f.credentialId === credential.id);
      if (about.length) out.push({ facts, credential, findings: about });
    }
  }
  return out;
}

/** Deactivate (stage 1, reversible) then delete after observing (stage 2): shared by both kinds. */
function retireKey(target: KeyTarget, observeDays: number, what: string, firstStage = 1) {
  const { identity } = target.facts;
  const key = accessKeyArgument(identity, target.credential);
  const ids = { UserName: identity.name, AccessKeyId: key.arg };
  const steps: PlannedStep[] = [
    { stage: firstStage, description: `deactivate ${what} (reversible)`, commands: [iamCli.updateAccessKey({ ...ids, Status: 'Inactive' })] },
    {
      stage: firstStage + 1,
      description: `delete ${what} once nothing failed for ${observeDays} days (check CloudTrail for AccessDenied / InvalidClientTokenId from it)`,
      commands: [iamCli.deleteAccessKey(ids)],
      waitDays: observeDays,
    },
  ];
  const rollback: PlannedStep[] = [
    { stage: firstStage, description: `reactivate ${what}`, commands: [iamCli.updateAccessKey({ ...ids, Status: 'Active' })] },
  ];
  return { steps, rollback, inputs: key.inputs };
}

function keyLabel(target: KeyTarget): string {
  return `access key ${printable(target.credential.id)} of user ${printable(target.facts.identity.name)}`;
}

function auditOf(target: KeyTarget) {
  return target.facts.audit.credentials.find((c) => c.id === target.credential.id);
}

export function unusedAccessKeys(ctx: SuggestContext): PlannedSuggestion[] {
  return keysFlaggedBy(ctx, 'aws.unused-credential').map((target) => {
    const label = keyLabel(target);
    const use = credentialUseText(auditOf(target), ctx.rules.window.asOf);
    return {
      kind: 'deactivate-unused-access-key',
      provider: 'aws',
      identityArn: target.facts.identity.arn,
      accountId: target.facts.identity.accountId,
      credentialId: target.credential.id,
      change: 'deactivate-then-delete',
      title: `Deactivate unused ${label}, delete it after ${ctx.observeDays} days`,
      resolves: target.findings.map((f) => f.fingerprint),
      risk: `Low: ${use}. Anything still holding this key will get InvalidClientTokenId after stage 1; reactivating it (rollback) restores it until stage 2.`,
      evidence: quotedEvidence(target.findings, 6),
      ...retireKey(target, ctx.observeDays, label),
      documents: [],
      guard: accountGuard(target.facts.identity),
    };
  });
}

export function staleAccessKeys(ctx: SuggestContext): PlannedSuggestion[] {
  // Unused keys are retired above: rotating a key nobody uses would only mint a new secret.
  const retired = new Set(keysFlaggedBy(ctx, 'aws.unused-credential').map((t) => t.credential.id));
  return keysFlaggedBy(ctx, 'aws.stale-access-key')
    .filter((t) => !retired.has(t.credential.id))
    .map((target) => {
      const { identity } = target.facts;
      const label = keyLabel(target);
      const retire = retireKey(target, ctx.observeDays, `the old ${label}`, 2);
      const create: PlannedStep = {
        stage: 1,
        description:
          'create the replacement key and hand it to the consumer directly (the secret is printed once, to this terminal only: ' +
          'never paste it into a ticket or a log); run stage 2 once the consumer uses the new key',
        commands: [iamCli.createAccessKey({ UserName: identity.name })],
      };
      const agent = target.facts.agent.agent;
      return {
        kind: 'rotate-stale-access-key',
        provider: 'aws',
        identityArn: identity.arn,
        accountId: identity.accountId,
        credentialId: target.credential.id,
        change: 'rotate',
        title: `Rotate ${label}: new key, deactivate the old one once switched, delete it after ${ctx.observeDays} days`,
        resolves: target.findings.map((f) => f.fingerprint),
        risk:
          `The consumer breaks if it is not switched to the new key before stage 2 deactivates the old one: ${credentialUseText(auditOf(target), ctx.rules.window.asOf)}.` +
          (agent ? ' This identity is used by an agent or automation: prefer moving it to a role with short-lived credentials over a new long-lived key.' : ''),
        evidence: quotedEvidence(target.findings, 6),
        steps: [create, ...retire.steps],
        rollback: retire.rollback,
        inputs: retire.inputs,
        documents: [],
        guard: accountGuard(identity),
      };
    });
}
