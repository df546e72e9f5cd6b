/**
 * Delete a user or role nobody used in the window. Stage 1 quarantines it
 * with an inline Deny-everything policy (an explicit Deny beats every Allow,
 * and deleting that one policy undoes it). Stage 2, after the observation
 * period, removes what IAM requires gone before a delete (access keys,
 * console password, policies, group memberships) and deletes it. Its
 * rollback recreates the identity with the saved trust policy, inline
 * documents, managed attachments and groups; keys and passwords cannot come
 * back (new ones must be issued), and the plan says so.
 */
import { printable } from '../../config/patterns.js';
import type { Identity } from '../../model/domain.js';
import type { PolicyDocument } from '../../model/policy.js';
import type { IdentityFacts } from '../../rules/rule.js';
import type { PlannedCommand } from '../command.js';
import { openFindingsOf, quotedEvidence, withOpenFindings, type SuggestContext } from '../context.js';
import type { PlanDocument, PlannedSuggestion, RequiredInput } from '../types.js';
import { iamCli } from './iam-cli.js';
import { principalCommands, removable, removeHeldPolicies } from './principal-commands.js';
import { accessKeyArgument, accountGuard, documentName } from './target.js';

export const QUARANTINE_POLICY_NAME = 'keywarden-quarantine';

const QUARANTINE: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'KeywardenQuarantine', Effect: 'Deny', Action: '*', Resource: '*' }],
};

/** Keys and password must go before `delete-user`; keys need ids the offline export may not have. */
function userCredentialRemoval(facts: IdentityFacts): { commands: PlannedCommand[]; inputs: RequiredInput[]; lost: string[] } {
  const out = { commands: [] as PlannedCommand[], inputs: [] as RequiredInput[], lost: [] as string[] };
  const keys = facts.credentials.filter((c) => c.kind === 'access-key' && c.active !== false);
  keys.forEach((credential, i) => {
    const key = accessKeyArgument(facts.identity, credential, keys.length > 1 ? `ACCESS_KEY_ID_${i + 1}` : 'ACCESS_KEY_ID');
    out.commands.push(iamCli.deleteAccessKey({ UserName: facts.identity.name, AccessKeyId: key.arg }));
    out.inputs.push(...key.inputs);
    out.lost.push(`access key ${printable(credential.id)}`);
  });
  if (facts.credentials.some((c) => c.kind === 'password' && c.active !== false)) {
    out.commands.push(iamCli.deleteLoginProfile({ UserName: facts.identity.name }));
    out.lost.push('console password');
  }
  return out;
}

/** The IAM path (`/automation/`), from the identity or else its ARN (`…:user/automation/name`). */
function iamPath(identity: Identity): string | undefined {
  const fromArn = identity.arn.split(':').slice(5).join(':').split('/').slice(1, -1);
  const path = identity.path ?? (fromArn.length ? `/${fromArn.join('/')}/` : undefined);
  return path && path !== '/' ? path : undefined;
}

export function recreate(identity: Identity, trustDocument: string | undefined): PlannedCommand {
  const Path = iamPath(identity);
  return identity.kind === 'role'
    ? iamCli.createRole({ RoleName: identity.name, Path, AssumeRolePolicyDocument: { document: trustDocument! } })
    : iamCli.createUser({ UserName: identity.name, Path });
}

export function unusedIdentities(ctx: SuggestContext): PlannedSuggestion[] {
  const out: PlannedSuggestion[] = [];
  for (const { facts, findings } of withOpenFindings(ctx, ['aws.unused-credential'])) {
    const { identity } = facts;
    if (!findings.some((f) => f.granular === 'Identity')) continue;
    if (identity.kind !== 'role' && identity.kind !== 'user') continue;
    // A role without its trust policy cannot be recreated as it was: do not suggest a delete we cannot undo.
    if (identity.kind === 'role' && !identity.trustPolicy) continue;
    // Nor one that IAM refuses (DeleteConflict) because a policy no command can detach stays attached.
    if (!facts.attachments.every(removable)) continue;

    const p = principalCommands(identity);
    const documents: PlanDocument[] = [{ name: 'quarantine.json', purpose: 'Deny-everything inline policy (stage 1)', document: QUARANTINE }];
    const removal = removeHeldPolicies(identity, facts.attachments, (a) => documentName('saved-inline', a.policyName));
    for (const { attachment, documentName: name } of removal.saved) {
      documents.push({ name, purpose: `saved inline policy ${printable(attachment.policyName)} (rollback)`, document: ctx.policyDocuments.get(attachment.policyHash) });
    }
    let trustName: string | undefined;
    if (identity.kind === 'role') {
      trustName = 'saved-trust-policy.json';
      documents.push({ name: trustName, purpose: 'saved trust policy (rollback recreates the role with it)', document: identity.trustPolicy });
    }
    const credentials = identity.kind === 'user' ? userCredentialRemoval(facts) : { commands: [], inputs: [], lost: [] };
    const deleteCommand = identity.kind === 'role' ? iamCli.deleteRole({ RoleName: identity.name }) : iamCli.deleteUser({ UserName: identity.name });
    const last = facts.audit.lastUsed;
    const lost = credentials.lost.length ? ` Not restorable by the rollback: ${credentials.lost.join(', ')} (issue new ones).` : '';

    out.push({
      kind: `delete-unused-${p.noun}`,
      provider: 'aws',
      identityArn: identity.arn,
      accountId: identity.accountId,
      change: 'quarantine-then-delete',
      title: `Quarantine unused ${p.noun} ${printable(identity.name)}, delete it after ${ctx.observeDays} days`,
      // Deleting the identity resolves every open finding about it.
      resolves: openFindingsOf(ctx, identity.arn).map((f) => f.fingerprint),
      risk:
        `${last ? `Last use seen ${last.at.slice(0, 10)} (${last.source})` : 'No use seen by any source'}, none in the window ${ctx.rules.window.from} to ${ctx.rules.window.to}. ` +
        `Whatever still uses it fails with AccessDenied after stage 1; deleting the quarantine policy (rollback) restores it.${lost}`,
      evidence: quotedEvidence(findings, 6),
      steps: [
        { stage: 1, description: `quarantine: an inline policy denying every action (reversible)`, commands: [p.putInline(QUARANTINE_POLICY_NAME, { document: 'quarantine.json' })] },
        {
          stage: 2,
          description:
            `delete the ${p.noun} once nothing failed for ${ctx.observeDays} days` +
            (identity.kind === 'role'
              ? ' (delete-role fails with DeleteConflict while the role is in an instance profile: check aws iam list-instance-profiles-for-role)'
              : ' (delete-user fails with DeleteConflict while MFA devices, signing certificates or SSH keys remain)'),
          commands: [...credentials.commands, ...removal.remove, p.deleteInline(QUARANTINE_POLICY_NAME), deleteCommand],
          waitDays: ctx.observeDays,
        },
      ],
      rollback: [
        { stage: 1, description: 'lift the quarantine', commands: [p.deleteInline(QUARANTINE_POLICY_NAME)] },
        { stage: 2, description: `recreate the ${p.noun} with its saved policies${lost}`, commands: [recreate(identity, trustName), ...removal.restore] },
      ],
      documents,
      inputs: credentials.inputs,
      guard: accountGuard(identity),
    });
  }
  return out;
}
