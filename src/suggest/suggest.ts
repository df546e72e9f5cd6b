/**
 * Provider-neutral planning: runs each provider's builders over the scan,
 * gives every suggestion its stable id, and renders the report's form.
 * GCP kinds slot in as another entry of BUILDERS.
 */
import type { Provider } from '../model/domain.js';
import { sha256Hex } from '../util/sha256.js';
import type { Suggestion, SuggestionStep } from '../report/json-schema.js';
import { AWS_SUGGESTIONS } from './aws/index.js';
import { GCP_SUGGESTIONS } from './gcp/index.js';
import { renderCommand } from './command.js';
import type { SuggestContext, SuggestionBuilder } from './context.js';
import type { PlannedStep, PlannedSuggestion, SuggestionWithPlan } from './types.js';
import { TextInterner } from '../util/text-interner.js';

export const BUILDERS: Record<Provider, readonly SuggestionBuilder[]> = {
  aws: AWS_SUGGESTIONS,
  gcp: GCP_SUGGESTIONS,
};

/** Same kind, same target, same change: same id in every scan, so the next scan can tell new, open and done apart. */
export function suggestionId(s: Pick<PlannedSuggestion, 'kind' | 'identityArn' | 'credentialId' | 'change'>): string {
  const key = [s.kind, s.identityArn, s.credentialId ?? '', s.change].join('\u0000');
  return `kw-${sha256Hex(key).slice(0, 16)}`;
}

function renderSteps(steps: PlannedStep[]): SuggestionStep[] {
  return steps.map((s) => ({
    stage: s.stage,
    description: s.description,
    commands: s.commands.map((c) => renderCommand(c, 'display')),
    ...(s.waitDays !== undefined && { waitDays: s.waitDays }),
  }));
}

/** `texts`: one copy of each title, risk and quoted evidence line the audit's suggestions repeat (text-interner.ts). */
export function toReportSuggestion(plan: PlannedSuggestion, texts?: TextInterner): Suggestion {
  if (texts) {
    plan.title = texts.intern(plan.title);
    plan.risk = texts.intern(plan.risk);
    for (const e of plan.evidence) e.summary = texts.intern(e.summary);
  }
  const out: Suggestion = {
    id: suggestionId(plan),
    kind: plan.kind,
    provider: plan.provider,
    identityArn: plan.identityArn,
    accountId: plan.accountId,
    title: plan.title,
    resolves: [...new Set(plan.resolves)],
    risk: plan.risk,
    evidence: plan.evidence,
    steps: renderSteps(plan.steps),
    rollback: renderSteps(plan.rollback),
  };
  if (plan.credentialId !== undefined) out.credentialId = plan.credentialId;
  if (plan.replacement) out.replacement = plan.replacement;
  return out;
}

export function suggestAll(ctx: SuggestContext, providers: readonly Provider[] = ['aws', 'gcp']): SuggestionWithPlan[] {
  const out: SuggestionWithPlan[] = [];
  const seen = new Set<string>();
  const texts = new TextInterner();
  for (const provider of providers) {
    for (const build of BUILDERS[provider]) {
      for (const plan of build(ctx)) {
        const suggestion = toReportSuggestion(plan, texts);
        if (seen.has(suggestion.id)) continue;
        seen.add(suggestion.id);
        out.push({ suggestion, plan });
      }
    }
  }
  return out;
}
