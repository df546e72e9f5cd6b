/**
 * What every suggestion builder reads: the rule context of the scan (grants,
 * usage, credentials), the findings the rules produced, and the stored
 * policy documents (saved for rollbacks, carried into replacements).
 */
import type { Evidence, Finding } from '../model/finding.js';
import { evidenceOf } from '../rules/lazy-evidence.js';
import { isOpen } from '../model/finding.js';
import type { PolicyDocument } from '../model/policy.js';
import type { IdentityFacts, RuleContext } from '../rules/rule.js';
import type { PlannedSuggestion } from './types.js';

export interface SuggestContext {
  rules: RuleContext;
  /** Every finding of the scan; builders act on open ones only. */
  findings: readonly Finding[];
  /** Policy documents by content hash (the scan's); a Map, or a lookup that reads them on demand. */
  policyDocuments: Pick<ReadonlyMap<string, PolicyDocument>, 'get'>;
  /** Days to observe between a reversible first step and the deletion. */
  observeDays: number;
}

/** One provider's contribution: each builder reads the context and proposes changes. */
export type SuggestionBuilder = (ctx: SuggestContext) => PlannedSuggestion[];

/**
 * What a suggestion quotes of its findings: the first `perFinding` evidence
 * items of each, `max` in all. Findings build their evidence when it is read
 * (rules/lazy-evidence.ts): only the findings quoted are built, for this call
 * and only as far as the items quoted where the builder can stop there, and
 * none is kept on its finding.
 */
export function quotedEvidence(findings: readonly Finding[], max: number, perFinding = Infinity): Evidence[] {
  const out: Evidence[] = [];
  for (const f of findings) {
    if (out.length >= max) break;
    const take = Math.min(perFinding, max - out.length);
    out.push(...evidenceOf(f, take).slice(0, take));
  }
  return out;
}

/** Open findings per identity, built once per context. */
const openByIdentity = new WeakMap<SuggestContext, Map<string, Finding[]>>();

export function openFindingsOf(ctx: SuggestContext, identityArn: string): Finding[] {
  let map = openByIdentity.get(ctx);
  if (!map) {
    map = new Map();
    for (const f of ctx.findings) {
      if (!isOpen(f)) continue;
      const list = map.get(f.identityArn) ?? [];
      list.push(f);
      map.set(f.identityArn, list);
    }
    openByIdentity.set(ctx, map);
  }
  return map.get(identityArn) ?? [];
}

/**
 * Identities with at least one open finding of the rules, paired with those
 * findings: worked out once per context and set of rules (several builders
 * ask for the same rules, and each answer is a pass over every identity).
 */
export function withOpenFindings(ctx: SuggestContext, ruleIds: readonly string[]): { facts: IdentityFacts; findings: Finding[] }[] {
  let byRules = withOpenByContext.get(ctx);
  if (!byRules) withOpenByContext.set(ctx, (byRules = new Map()));
  const key = ruleIds.join('\u0000');
  let out = byRules.get(key);
  if (!out) {
    out = [];
    for (const facts of ctx.rules.identities) {
      const findings = openFindingsOf(ctx, facts.identity.arn).filter((f) => ruleIds.includes(f.ruleId));
      if (findings.length) out.push({ facts, findings });
    }
    byRules.set(key, out);
  }
  return out;
}
const withOpenByContext = new WeakMap<SuggestContext, Map<string, { facts: IdentityFacts; findings: Finding[] }[]>>();
