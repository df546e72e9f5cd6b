/**
 * Replace an over-broad grant (root-level scope, mostly unused permissions)
 * with the generated least-privilege policy: create the customer managed
 * policies, attach them, then detach / delete what the identity held (its
 * own policies; for users, their group memberships). Stage 1 is the whole
 * swap and is reversible: the rollback re-attaches the saved policies and
 * removes the generated ones. The permissions boundary is left alone.
 */
import { printable } from '../../config/patterns.js';
import type { PolicyDocument } from '../../model/policy.js';
import type { IdentityFacts } from '../../rules/rule.js';
import type { PlannedCommand } from '../command.js';
import { withOpenFindings, type SuggestContext } from '../context.js';
import type { PlanDocument, PlannedSuggestion } from '../types.js';
import { iamCli } from './iam-cli.js';
import { denyStatements, leastPrivilegePolicy, MANAGED_POLICIES_PER_PRINCIPAL, type LeastPrivilegePolicy } from './least-privilege-policy.js';
import { principalCommands, removeHeldPolicies } from './principal-commands.js';
import { accountGuard, documentName } from './target.js';

export const REPLACES_RULES = ['aws.root-level-scope', 'aws.unused-permissions'] as const;

/** The generated policy for one identity, from its facts and the documents it holds today. */
export function replacementFor(facts: IdentityFacts, ctx: SuggestContext): LeastPrivilegePolicy {
  const removed = facts.attachments
    .filter((a) => a.kind !== 'permissions-boundary')
    .map((a) => ctx.policyDocuments.get(a.policyHash))
    .filter((d): d is PolicyDocument => d !== undefined);
  return leastPrivilegePolicy({
    catalog: ctx.rules.catalog,
    grant: facts.grant,
    used: facts.usage.used,
    audit: facts.audit,
    carriedDenies: denyStatements(removed),
    resources: facts.usage.resources,
  });
}

/** `keywarden-lp-<name>-<n>`: within IAM's 128 characters and its policy-name alphabet. */
function generatedPolicyName(facts: IdentityFacts, n: number): string {
  const base = facts.identity.name.replace(/[^A-Za-z0-9+=,.@_-]/g, '-').slice(0, 100);
  return `keywarden-lp-${base}-${n}`;
}

export function leastPrivilegeReplacements(ctx: SuggestContext): PlannedSuggestion[] {
  const out: PlannedSuggestion[] = [];
  for (const { facts, findings } of withOpenFindings(ctx, REPLACES_RULES)) {
    const { identity } = facts;
    if (identity.kind !== 'role' && identity.kind !== 'user') continue;
    // Policies that could not be read: the generator would not see what they grant, so nothing is proposed.
    if (facts.grant.errors.length) continue;
    // Nothing used: the replacement would be empty. Deleting the identity is the suggestion then.
    if (facts.usage.used.isEmpty() && !facts.audit.services.some((s) => s.status === 'used')) continue;

    const policy = replacementFor(facts, ctx);
    const p = principalCommands(identity);
    const documents: PlanDocument[] = [];
    const create: PlannedCommand[] = [];
    const attach: PlannedCommand[] = [];
    const detachNew: PlannedCommand[] = [];
    const arns: string[] = [];
    policy.documents.forEach((document, i) => {
      const name = generatedPolicyName(facts, i + 1);
      const file = `replacement-${i + 1}.json`;
      const arn = `arn:aws:iam::${identity.accountId}:policy/${name}`;
      arns.push(arn);
      documents.push({ name: file, purpose: `least-privilege policy ${name}`, document });
      create.push(iamCli.createPolicy({ PolicyName: name, PolicyDocument: { document: file }, Description: 'keywarden: actions used in the audit window' }));
      attach.push(p.attach(arn));
      detachNew.push(p.detach(arn), iamCli.deletePolicy({ PolicyArn: arn }));
    });
    const removal = removeHeldPolicies(identity, facts.attachments, (a) => documentName('saved-inline', a.policyName));
    for (const { attachment, documentName: name } of removal.saved) {
      documents.push({ name, purpose: `saved inline policy ${printable(attachment.policyName)} (rollback)`, document: ctx.policyDocuments.get(attachment.policyHash) });
    }

    const usedCount = policy.allowed.length;
    const notes = [
      policy.scopedToObserved ? `${policy.scopedToObserved} of the ${usedCount} kept actions are scoped to the resources their CloudTrail calls named.` : '',
      policy.unscoped.length
        ? `${policy.unscoped.length} keep their current resources because those could not be told from the calls (${policy.unscoped.slice(0, 5).join('; ')}${policy.unscoped.length > 5 ? '; …' : ''}).`
        : '',
      policy.onEveryResource
        ? `${policy.onEveryResource} of the ${usedCount} kept actions stay on Resource "*" as today: narrow them by hand where the resources are known.`
        : '',
      policy.coarse.length ? `Coarser than observed use: ${policy.coarse.join('; ')}.` : '',
      policy.documents.length > MANAGED_POLICIES_PER_PRINCIPAL
        ? `${policy.documents.length} policies exceed IAM's default quota of ${MANAGED_POLICIES_PER_PRINCIPAL} managed policies per ${p.noun}.`
        : '',
    ].filter(Boolean);
    out.push({
      kind: 'replace-with-least-privilege',
      provider: 'aws',
      identityArn: identity.arn,
      accountId: identity.accountId,
      change: arns.join(','),
      title: `Replace the policies of ${p.noun} ${printable(identity.name)} (${facts.audit.granted.actions} actions) with the ${usedCount} it used`,
      resolves: findings.map((f) => f.fingerprint),
      risk:
        `Anything the ${p.noun} does that was not seen in the window (${ctx.rules.window.from} to ${ctx.rules.window.to}; ` +
        `${facts.audit.unknown.actions} granted actions no source observes) fails with AccessDenied after the swap; ` +
        `the rollback re-attaches the saved policies. ${notes.join(' ')}`.trim(),
      evidence: findings.flatMap((f) => f.evidence.slice(0, 2)).slice(0, 6),
      steps: [
        {
          stage: 1,
          description: `create and attach the generated policies, then remove the ${p.noun}'s current policies (permissions boundary untouched)`,
          commands: [...create, ...attach, ...removal.remove],
        },
      ],
      rollback: [{ stage: 1, description: 'restore the previous policies, then remove the generated ones', commands: [...removal.restore, ...detachNew] }],
      replacement: {
        format: 'aws-policy',
        document: policy.documents.length === 1 ? { ...policy.documents[0]! } : { policies: policy.documents },
        coarse: policy.coarse,
      },
      documents,
      inputs: [],
      guard: accountGuard(identity),
    });
  }
  return out;
}
