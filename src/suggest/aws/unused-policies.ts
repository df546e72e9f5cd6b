/**
 * Detach (managed) or delete (inline, saved first) a policy of which the
 * identity used nothing in the window: the smallest change that removes a
 * dangerous grant, for when a full least-privilege swap is too much at once.
 * Proposed only when the policy holds no Deny (removing a Deny widens the
 * grant), none of its actions was used, no service it grants was seen used
 * at service level only, some open root-level finding rests on it alone,
 * and a command can remove it (a managed policy is detached by its ARN).
 */
import type { EffectiveGrant } from '../../analyse/aws/effective-grant.js';
import { ActionSet } from '../../catalog/action-set.js';
import { printable } from '../../config/patterns.js';
import type { PolicyAttachment } from '../../model/domain.js';
import type { Finding } from '../../model/finding.js';
import { rootLevelCitedPolicy, type CitedPolicy } from '../../rules/aws/root-level-scope.js';
import { evidenceOf } from '../../rules/lazy-evidence.js';
import type { IdentityFacts } from '../../rules/rule.js';
import { quotedEvidence, withOpenFindings, type SuggestContext } from '../context.js';
import type { PlanDocument, PlannedSuggestion } from '../types.js';
import { removable, removeHeldPolicies } from './principal-commands.js';
import { REPLACES_RULES } from './least-privilege.js';
import { accountGuard, documentName } from './target.js';

interface PolicyReach {
  allows: ActionSet;
  /** Actions it allows, counted once. */
  count: number;
  denies: boolean;
}

/**
 * What each policy document allows and whether it denies anything, by
 * content hash: statements are shared by every holder of the document, so
 * each is read once per context however many identities hold it.
 */
const reachByContext = new WeakMap<SuggestContext, Map<string, PolicyReach>>();

function policyReaches(ctx: SuggestContext, grant: EffectiveGrant, attachments: readonly PolicyAttachment[]): Map<string, PolicyReach> {
  let cache = reachByContext.get(ctx);
  if (!cache) reachByContext.set(ctx, (cache = new Map()));
  if (attachments.every((a) => cache.has(a.policyHash))) return cache;
  const fresh: PolicyReach[] = [];
  for (const role of ['allow', 'deny'] as const) {
    for (const { source, statement } of grant.statements(role)) {
      let reach = cache.get(source.policyHash);
      if (reach && reach.count >= 0) continue;
      if (!reach) {
        cache.set(source.policyHash, (reach = { allows: ActionSet.empty(ctx.rules.catalog.size), count: -1, denies: false }));
        fresh.push(reach);
      }
      if (role === 'deny') reach.denies = true;
      else reach.allows.unionWith(statement.actions);
    }
  }
  // Complete after one pass over a holder's statements; later holders reuse it.
  for (const reach of fresh) reach.count = reach.allows.size;
  return cache;
}

/**
 * Root-level-scope findings whose every cited statement comes from this
 * policy: removing it removes their grounds. (An unused-share finding is a
 * ratio over all policies; removing one cannot be said to resolve it.)
 */
function restingOn(findings: readonly { finding: Finding; cited: CitedPolicy }[], attachment: PolicyAttachment): Finding[] {
  const out: Finding[] = [];
  for (const { finding, cited } of findings) {
    if (cited !== null && cited.policyName === attachment.policyName && cited.policyArn === attachment.policyArn) out.push(finding);
  }
  return out;
}

/**
 * The identity's root-level findings, each with the one policy its statement
 * evidence cites (null for several): as the rule recorded it, or read from
 * the evidence for a finding it did not record it on (a suppressed copy).
 */
function rootLevelFindings(findings: readonly Finding[]): { finding: Finding; cited: CitedPolicy }[] {
  const out: { finding: Finding; cited: CitedPolicy }[] = [];
  for (const finding of findings) {
    if (finding.ruleId !== 'aws.root-level-scope') continue;
    const recorded = rootLevelCitedPolicy(finding);
    out.push({ finding, cited: recorded === undefined ? citedInEvidence(finding) : recorded });
  }
  return out;
}

function citedInEvidence(finding: Finding): CitedPolicy {
  let sole: CitedPolicy | undefined;
  for (const e of evidenceOf(finding)) {
    if (e.kind !== 'policy-statement') continue;
    const policyName = e.detail?.policyName as string;
    const policyArn = (e.detail?.policyArn ?? undefined) as string | undefined;
    if (sole === undefined) sole = { policyName, policyArn };
    else if (sole === null || sole.policyName !== policyName || sole.policyArn !== policyArn) return null;
  }
  return sole ?? null;
}

/**
 * Every action the identity used, or may have used (a service seen used at
 * service level only); null when it used nothing, the usual case, so no set
 * over the whole catalog is made or compared for it.
 */
function touchedActions(facts: IdentityFacts, ctx: SuggestContext): ActionSet | null {
  const usedServices = facts.audit.services.filter((s) => s.status === 'used');
  if (!usedServices.length && facts.usage.used.isEmpty()) return null;
  const set = facts.usage.used.clone();
  for (const s of usedServices) {
    const range = ctx.rules.catalog.service(s.service);
    if (range) set.addRange(range.start, range.end);
  }
  return set;
}

export function unusedPolicies(ctx: SuggestContext): PlannedSuggestion[] {
  const out: PlannedSuggestion[] = [];
  for (const { facts, findings } of withOpenFindings(ctx, REPLACES_RULES)) {
    const { identity, grant } = facts;
    if ((identity.kind !== 'role' && identity.kind !== 'user') || grant.errors.length) continue;
    const reaches = policyReaches(ctx, grant, facts.attachments);
    let touched: ActionSet | null | undefined;
    let rootLevel: { finding: Finding; cited: CitedPolicy }[] | undefined;
    for (const attachment of facts.attachments) {
      if (attachment.kind !== 'inline' && attachment.kind !== 'managed') continue;
      // No ARN, no detach command: a removal that could not be written is not proposed.
      if (!removable(attachment)) continue;
      const reach = reaches.get(attachment.policyHash);
      if (!reach || reach.denies || reach.count === 0) continue;
      if (touched === undefined) touched = touchedActions(facts, ctx);
      if (touched && reach.allows.intersects(touched)) continue;
      const resolved = restingOn((rootLevel ??= rootLevelFindings(findings)), attachment);
      if (!resolved.length) continue;

      const removal = removeHeldPolicies(identity, [attachment], (a) => documentName('saved-inline', a.policyName));
      const documents: PlanDocument[] = removal.saved.map(({ documentName: name }) => ({
        name,
        purpose: `saved inline policy ${printable(attachment.policyName)} (rollback)`,
        document: ctx.policyDocuments.get(attachment.policyHash),
      }));
      const label = `${attachment.kind} policy ${printable(attachment.policyName)}`;
      out.push({
        kind: attachment.kind === 'managed' ? 'detach-unused-policy' : 'delete-unused-inline-policy',
        provider: 'aws',
        identityArn: identity.arn,
        accountId: identity.accountId,
        change: `${attachment.kind}:${attachment.policyArn ?? attachment.policyName}`,
        title: `Remove ${label} from ${identity.kind} ${printable(identity.name)}: nothing it grants was used`,
        resolves: resolved.map((f) => f.fingerprint),
        risk:
          `None of the ${reach.count} actions it grants was seen used in the window (${ctx.rules.window.from} to ${ctx.rules.window.to}), ` +
          `but ${facts.audit.unknown.actions} of the identity's granted actions are not observed by any source. The rollback puts the policy back as it was.`,
        evidence: quotedEvidence(resolved, 6, 2),
        steps: [{ stage: 1, description: `remove the ${label} (reversible)`, commands: removal.remove }],
        rollback: [{ stage: 1, description: `put the ${label} back`, commands: removal.restore }],
        documents,
        inputs: [],
        guard: accountGuard(identity),
      });
    }
  }
  return out;
}
