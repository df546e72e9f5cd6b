/**
 * Replace an over-broad grant (root-level scope, mostly unused permissions)
 * with the generated least-privilege policy: create the customer managed
 * policies, attach them, then detach / delete what the identity held (its
 * own policies; for users, their group memberships). Stage 1 is the whole
 * swap and is reversible: the rollback re-attaches the saved policies and
 * removes the generated ones. The permissions boundary is left alone.
 */
import type { ActionSet } from '../../catalog/action-set.js';
import { printable } from '../../config/patterns.js';
import type { Identity } from '../../model/domain.js';
import type { PolicyDocument } from '../../model/policy.js';
import type { ActionResourceEvidence } from '../../store/index.js';
import type { IdentityFacts } from '../../rules/rule.js';
import type { PlannedCommand } from '../command.js';
import { quotedEvidence, withOpenFindings, type SuggestContext } from '../context.js';
import type { PlanDocument, PlannedSuggestion } from '../types.js';
import { iamCli } from './iam-cli.js';
import { denyStatements, leastPrivilegePolicy, MANAGED_POLICIES_PER_PRINCIPAL, type LeastPrivilegePolicy } from './least-privilege-policy.js';
import { principalCommands, removable, removeHeldPolicies, type PolicyRemoval } from './principal-commands.js';
import { accountGuard, documentName } from './target.js';

export const REPLACES_RULES = ['aws.root-level-scope', 'aws.unused-permissions'] as const;

/**
 * The generated policy for one identity, from its facts and the documents it
 * holds today; `only` restricts it to some of the used actions and the
 * resources their calls named (one environment's side of a split).
 */
export function replacementFor(
  facts: IdentityFacts,
  ctx: SuggestContext,
  only?: { used: ActionSet; resources: ReadonlyMap<string, ActionResourceEvidence> },
): LeastPrivilegePolicy {
  // Only documents the grant holds a Deny of are read (from the store, most of them): the others have no statement to carry.
  const withDenies = new Set(facts.grant.statements('deny').map((h) => h.source.policyHash));
  const removed = facts.attachments
    .filter((a) => a.kind !== 'permissions-boundary' && withDenies.has(a.policyHash))
    .map((a) => ctx.policyDocuments.get(a.policyHash))
    .filter((d): d is PolicyDocument => d !== undefined);
  return leastPrivilegePolicy({
    catalog: ctx.rules.catalog,
    grant: facts.grant,
    used: only?.used ?? facts.usage.used,
    audit: facts.audit,
    carriedDenies: denyStatements(removed),
    resources: only?.resources ?? facts.usage.resources,
  });
}

/** `<prefix>-<name>-<n>`: within IAM's 128 characters and its policy-name alphabet. */
function generatedPolicyName(name: string, n: number, prefix = 'keywarden-lp'): string {
  const base = name.replace(/[^A-Za-z0-9+=,.@_-]/g, '-').slice(0, 100);
  return `${prefix}-${base}-${n}`;
}

/** Creating the generated policies as customer managed policies and attaching them to `to`; and undoing that. */
export interface GeneratedPolicies {
  documents: PlanDocument[];
  create: PlannedCommand[];
  attach: PlannedCommand[];
  /** Detach and delete them (rollback). */
  detachAndDelete: PlannedCommand[];
  arns: string[];
}

export function generatedPolicies(
  to: Identity,
  policy: LeastPrivilegePolicy,
  naming: { policyName: string; prefix?: string; file: string; description: string },
): GeneratedPolicies {
  const p = principalCommands(to);
  const out: GeneratedPolicies = { documents: [], create: [], attach: [], detachAndDelete: [], arns: [] };
  policy.documents.forEach((document, i) => {
    const name = generatedPolicyName(naming.policyName, i + 1, naming.prefix);
    const file = `${naming.file}-${i + 1}.json`;
    const arn = `arn:aws:iam::${to.accountId}:policy/${name}`;
    out.arns.push(arn);
    out.documents.push({ name: file, purpose: `least-privilege policy ${name}`, document });
    out.create.push(iamCli.createPolicy({ PolicyName: name, PolicyDocument: { document: file }, Description: naming.description }));
    out.attach.push(p.attach(arn));
    out.detachAndDelete.push(p.detach(arn), iamCli.deletePolicy({ PolicyArn: arn }));
  });
  return out;
}

/** Policy notes shared by the kinds that use the generated policy: what is scoped, what is not, what is coarse. */
export function policyNotes(policy: LeastPrivilegePolicy, noun: string): string[] {
  const usedCount = policy.allowed.length;
  return [
    policy.scopedToObserved ? `${policy.scopedToObserved} of the ${usedCount} kept actions are scoped to the resources their CloudTrail calls named.` : '',
    policy.unscoped.length
      ? `${policy.unscoped.length} keep their current resources because those could not be told from the calls (${policy.unscoped.slice(0, 5).join('; ')}${policy.unscoped.length > 5 ? '; …' : ''}).`
      : '',
    policy.onEveryResource
      ? `${policy.onEveryResource} of the ${usedCount} kept actions stay on Resource "*" as today: narrow them by hand where the resources are known.`
      : '',
    policy.coarse.length ? `Coarser than observed use: ${policy.coarse.join('; ')}.` : '',
    policy.documents.length > MANAGED_POLICIES_PER_PRINCIPAL
      ? `${policy.documents.length} policies exceed IAM's default quota of ${MANAGED_POLICIES_PER_PRINCIPAL} managed policies per ${noun}.`
      : '',
  ].filter(Boolean);
}

/** Removing what the identity holds today (boundary kept), inline documents saved for the rollback. */
export function heldPoliciesRemoval(facts: IdentityFacts, ctx: SuggestContext): { removal: PolicyRemoval; documents: PlanDocument[] } {
  const removal = removeHeldPolicies(facts.identity, facts.attachments, (a) => documentName('saved-inline', a.policyName));
  const documents = removal.saved.map(({ attachment, documentName: name }) => ({
    name,
    purpose: `saved inline policy ${printable(attachment.policyName)} (rollback)`,
    document: ctx.policyDocuments.get(attachment.policyHash),
  }));
  return { removal, documents };
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
    // A held policy no command can remove would stay beside the replacement: no swap is proposed.
    if (!facts.attachments.every(removable)) continue;

    const policy = replacementFor(facts, ctx);
    const p = principalCommands(identity);
    const generated = generatedPolicies(identity, policy, { policyName: identity.name, file: 'replacement', description: 'keywarden: actions used in the audit window' });
    const held = heldPoliciesRemoval(facts, ctx);
    const usedCount = policy.allowed.length;
    const notes = policyNotes(policy, p.noun);
    out.push({
      kind: 'replace-with-least-privilege',
      provider: 'aws',
      identityArn: identity.arn,
      accountId: identity.accountId,
      change: generated.arns.join(','),
      title: `Replace the policies of ${p.noun} ${printable(identity.name)} (${facts.audit.granted.actions} actions) with the ${usedCount} it used`,
      resolves: findings.map((f) => f.fingerprint),
      risk:
        `Anything the ${p.noun} does that was not seen in the window (${ctx.rules.window.from} to ${ctx.rules.window.to}; ` +
        `${facts.audit.unknown.actions} granted actions no source observes) fails with AccessDenied after the swap; ` +
        `the rollback re-attaches the saved policies. ${notes.join(' ')}`.trim(),
      evidence: quotedEvidence(findings, 6, 2),
      steps: [
        {
          stage: 1,
          description: `create and attach the generated policies, then remove the ${p.noun}'s current policies (permissions boundary untouched)`,
          commands: [...generated.create, ...generated.attach, ...held.removal.remove],
        },
      ],
      rollback: [{ stage: 1, description: 'restore the previous policies, then remove the generated ones', commands: [...held.removal.restore, ...generated.detachAndDelete] }],
      replacement: {
        format: 'aws-policy',
        document: policy.documents.length === 1 ? { ...policy.documents[0]! } : { policies: policy.documents },
        coarse: policy.coarse,
      },
      documents: [...generated.documents, ...held.documents],
      inputs: [],
      guard: accountGuard(identity),
    });
  }
  return out;
}
