/** Suggestions for one scan: the planner's entry point for audit, report and plan. */
import type { ScanFacts } from '../analyse/scan-facts.js';
import type { KeywardenConfig } from '../config/index.js';
import type { Finding } from '../model/finding.js';
import type { PolicyDocument } from '../model/policy.js';
import type { Store } from '../store/index.js';
import { suggestAll } from './suggest.js';
import type { SuggestionWithPlan } from './types.js';

export function suggestionsForScan(store: Store, facts: ScanFacts, findings: readonly Finding[], config: KeywardenConfig): SuggestionWithPlan[] {
  return suggestAll({ rules: facts.context, findings, policyDocuments: storedDocuments(store), observeDays: config.suggestions.observeDays });
}

/** Documents read from the store when a suggestion needs one (few do), each once. */
function storedDocuments(store: Store): { get(hash: string): PolicyDocument | undefined } {
  const cache = new Map<string, PolicyDocument | undefined>();
  return {
    get(hash) {
      if (!cache.has(hash)) cache.set(hash, store.policyDocuments([hash]).get(hash));
      return cache.get(hash);
    },
  };
}

export { suggestAll, suggestionId, toReportSuggestion } from './suggest.js';
export { writePlan, planMarkdown } from './plan-writer.js';
export type { PlannedSuggestion, SuggestionWithPlan } from './types.js';
