/** Suggestions for one scan: the planner's entry point for audit, report and plan. */
import type { ScanFacts } from '../analyse/scan-facts.js';
import type { KeywardenConfig } from '../config/index.js';
import type { Finding } from '../model/finding.js';
import type { Store } from '../store/index.js';
import { suggestAll } from './suggest.js';
import type { SuggestionWithPlan } from './types.js';

export function suggestionsForScan(store: Store, facts: ScanFacts, findings: readonly Finding[], config: KeywardenConfig): SuggestionWithPlan[] {
  const policyDocuments = store.scanContents(facts.scan.id).policies;
  return suggestAll({ rules: facts.context, findings, policyDocuments, observeDays: config.suggestions.observeDays });
}

export { suggestAll, suggestionId, toReportSuggestion } from './suggest.js';
export { writePlan, planMarkdown } from './plan-writer.js';
export type { PlannedSuggestion, SuggestionWithPlan } from './types.js';
