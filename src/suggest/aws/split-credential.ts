/**
 * Split an identity whose calls touched both staging and production
 * resources (CloudTrail's resource sample, each resource's environment from
 * the config) into one identity per side:
 *
 *   1. create a second role / user beside it for one side, with the
 *      least-privilege policy generated from that side's actions and
 *      resources (a role gets the original's trust policy);
 *   2. move that side's callers to it (a manual step, saying what to change);
 *   3. after observing, replace the original's policies with the policy
 *      generated for the other side.
 *
 * The original keeps the side its own account belongs to (production when
 * that is neither), so its usual callers keep working. An action with no
 * resource sample, or whose resources belong to neither side, stays on both
 * sides at the scope it has today: the split never removes what the evidence
 * cannot place.
 */
import type { ActionSet } from '../../catalog/action-set.js';
import { printable } from '../../config/patterns.js';
import type { Identity } from '../../model/domain.js';
import type { Evidence } from '../../model/finding.js';
import type { IdentityFacts } from '../../rules/rule.js';
import type { ActionResourceEvidence } from '../../store/index.js';
import { openFindingsOf, type SuggestContext } from '../context.js';
import type { PlannedSuggestion, RequiredInput } from '../types.js';
import { iamCli } from './iam-cli.js';
import { generatedPolicies, heldPoliciesRemoval, policyNotes, replacementFor } from './least-privilege.js';
import { removable } from './principal-commands.js';
import { accountGuard } from './target.js';
import { recreate } from './unused-identities.js';

type Side = 'production' | 'staging';
const SIDES: readonly Side[] = ['production', 'staging'];
/** Findings a split removes the cause of, when present. */
const RESOLVES = ['aws.production-reach', 'aws.staging-reaches-production'];

interface SideUse {
  /** Used actions the side keeps. */
  used: ActionSet;
  /** Per kept action, the resources of this side (and those of neither side). */
  resources: Map<string, ActionResourceEvidence>;
  /** `action on resource` samples, for evidence. */
  seen: string[];
}

const ROLE_ASSUMPTION = /^sts:AssumeRole/i;

/** Per side, what the identity's calls touched; undefined unless both sides were touched. */
export function splitByEnvironment(facts: IdentityFacts, ctx: SuggestContext): Record<Side, SideUse> | undefined {
  const { catalog } = ctx.rules;
  const side = (): SideUse => ({ used: facts.usage.used.clone(), resources: new Map(), seen: [] });
  const out: Record<Side, SideUse> = { production: side(), staging: side() };
  for (const [action, evidence] of facts.usage.resources ?? []) {
    const index = catalog.indexOf(action);
    if (index === undefined || !facts.usage.used.has(index)) continue;
    const bySide: Record<Side | 'neither', string[]> = { production: [], staging: [], neither: [] };
    for (const resource of evidence.resources) {
      const env = ctx.rules.resourceEnvironment(resource).environment;
      bySide[env === 'production' || env === 'staging' ? env : 'neither'].push(resource);
    }
    // Calls that named no resource (or overflowed the sample) could have been on either side.
    const placed = evidence.unresolved === 0 && evidence.overflow === 0;
    // Assuming a role is reach into another identity, not use of its side's data: the trust-edge
    // suggestion deals with it, so it alone never makes an identity "used on both sides".
    const reachOnly = ROLE_ASSUMPTION.test(action);
    for (const side of SIDES) {
      const resources = [...bySide[side], ...bySide.neither];
      if (!reachOnly) out[side].seen.push(...bySide[side].map((r) => `${action} on ${printable(r)}`));
      if (!resources.length && placed) out[side].used.delete(index);
      else out[side].resources.set(action, { ...evidence, resources });
    }
  }
  return SIDES.every((s) => out[s].seen.length) ? out : undefined;
}

/** `<name>-<side>` within IAM's 64 characters. */
const splitName = (name: string, side: Side) => `${name.slice(0, 63 - side.length)}-${side}`;

export function splitCredentials(ctx: SuggestContext): PlannedSuggestion[] {
  const out: PlannedSuggestion[] = [];
  for (const facts of ctx.rules.identities) {
    const { identity } = facts;
    if (identity.kind !== 'role' && identity.kind !== 'user') continue;
    if (identity.kind === 'role' && !identity.trustPolicy) continue;
    if (facts.grant.errors.length) continue;
    // Stage 3 removes every held policy: one no command can remove would keep both sides' access.
    if (!facts.attachments.every(removable)) continue;
    const sides = splitByEnvironment(facts, ctx);
    if (sides) out.push(plan(facts, ctx, sides));
  }
  return out;
}

function plan(facts: IdentityFacts, ctx: SuggestContext, sides: Record<Side, SideUse>): PlannedSuggestion {
  const { identity } = facts;
  const keep: Side = facts.environment.environment === 'staging' ? 'staging' : 'production';
  const move: Side = keep === 'production' ? 'staging' : 'production';
  const name = splitName(identity.name, move);
  const arnPrefix = identity.arn.slice(0, identity.arn.lastIndexOf('/') + 1);
  const created: Identity = { ...identity, name, arn: `${arnPrefix}${name}`, trustPolicy: identity.trustPolicy };
  const noun = identity.kind === 'role' ? 'role' : 'user';

  const movedPolicy = replacementFor(facts, ctx, sides[move]);
  const keptPolicy = replacementFor(facts, ctx, sides[keep]);
  const forNew = generatedPolicies(created, movedPolicy, { policyName: name, prefix: 'keywarden-split', file: `split-${move}`, description: `keywarden: ${move} actions of ${identity.name}` });
  const forOriginal = generatedPolicies(identity, keptPolicy, { policyName: `${identity.name}-${keep}`, file: `restricted-${keep}`, description: `keywarden: ${keep} actions of ${identity.name}` });
  const held = heldPoliciesRemoval(facts, ctx);

  const trust = identity.kind === 'role' ? [{ name: 'trust-policy.json', purpose: `trust policy of ${printable(identity.name)}, given to ${printable(name)}`, document: identity.trustPolicy }] : [];
  const inputs: RequiredInput[] =
    identity.kind === 'user'
      ? [{ env: 'NEW_ACCESS_KEY_ID', pattern: '^AKIA[A-Z0-9]{16}$', description: `the id of the access key stage 1 created for ${printable(name)} (aws iam list-access-keys --user-name ${name})` }]
      : [];
  const createIdentity = [recreate(created, 'trust-policy.json'), ...(identity.kind === 'user' ? [iamCli.createAccessKey({ UserName: name })] : [])];
  const deleteIdentity =
    identity.kind === 'role' ? [iamCli.deleteRole({ RoleName: name })] : [iamCli.deleteAccessKey({ UserName: name, AccessKeyId: { env: 'NEW_ACCESS_KEY_ID' } }), iamCli.deleteUser({ UserName: name })];
  const howToMove =
    identity.kind === 'role'
      ? `change the role they assume from ${identity.arn} to ${created.arn} (role_arn in their AWS config, AWS_ROLE_ARN, the AssumeRole target of the CI job, or the role of the instance profile, task or function)`
      : `replace the access key of ${printable(identity.name)} in their configuration with the new key of ${printable(name)} (printed once by stage 1)`;
  const evidence: Evidence[] = SIDES.map((side) => ({
    kind: 'usage' as const,
    summary: `${sides[side].seen.length} ${side} resource use(s) in the window: ${sides[side].seen.slice(0, 3).join('; ')}${sides[side].seen.length > 3 ? '; …' : ''}`,
    detail: { side, seen: sides[side].seen.slice(0, 20) },
  }));

  return {
    kind: 'split-credential',
    provider: 'aws',
    identityArn: identity.arn,
    accountId: identity.accountId,
    change: `${move}->${created.arn}`,
    title: `Split ${noun} ${printable(identity.name)}, used on staging and production resources: ${move} moves to ${printable(name)}`,
    resolves: openFindingsOf(ctx, identity.arn).filter((f) => RESOLVES.includes(f.ruleId)).map((f) => f.fingerprint),
    risk:
      `${printable(name)} is created in the same account (${identity.accountId}); resource policies, KMS key policies or trust policies that name ${printable(identity.arn)} for ${move} resources must be changed to name it too. ` +
      `After stage 3, ${printable(identity.name)} keeps only its ${keep} actions and resources: any ${move} caller not moved gets AccessDenied, and so does anything not seen in the window (${ctx.rules.window.from} to ${ctx.rules.window.to}). ` +
      `New ${move} ${noun}: ${policyNotes(movedPolicy, noun).join(' ')} Restricted ${keep} ${noun}: ${policyNotes(keptPolicy, noun).join(' ')}`.trim(),
    evidence,
    steps: [
      {
        stage: 1,
        description: `create ${noun} ${printable(name)} for the ${move} side with the policies generated from its ${move} use (nothing changes for current callers)`,
        commands: [...createIdentity, ...forNew.create, ...forNew.attach],
      },
      {
        stage: 2,
        description: `by hand: move the ${move} callers of ${printable(identity.name)} to ${printable(name)}: ${howToMove}; then apply this stage (it runs no command) so stage 3 counts its observation period from the move`,
        commands: [],
      },
      {
        stage: 3,
        description: `restrict ${printable(identity.name)} to the ${keep} side: attach the policies generated from its ${keep} use, remove its current policies (permissions boundary untouched)`,
        commands: [...forOriginal.create, ...forOriginal.attach, ...held.removal.remove],
        waitDays: ctx.observeDays,
      },
    ],
    rollback: [
      { stage: 1, description: `delete ${printable(name)} and its generated policies (after moving its callers back)`, commands: [...forNew.detachAndDelete, ...deleteIdentity] },
      { stage: 2, description: `by hand: move the ${move} callers back to ${printable(identity.name)}`, commands: [] },
      { stage: 3, description: `restore the previous policies of ${printable(identity.name)}, then remove the generated ones`, commands: [...held.removal.restore, ...forOriginal.detachAndDelete] },
    ],
    replacement: {
      format: 'aws-policy',
      document: { [move]: movedPolicy.documents, [keep]: keptPolicy.documents },
      coarse: [...movedPolicy.coarse, ...keptPolicy.coarse],
    },
    documents: [...trust, ...forNew.documents, ...forOriginal.documents, ...held.documents],
    inputs,
    guard: accountGuard(identity),
  };
}
