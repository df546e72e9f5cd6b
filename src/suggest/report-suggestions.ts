/**
 * Suggestions as an audit report carries them: planned over the scan's
 * facts and findings, stored with the scan, and marked against the ones
 * stored for the previous scan.
 */
import type { ScanFacts } from '../analyse/scan-facts.js';
import type { KeywardenConfig } from '../config/index.js';
import { isOpen, type Finding } from '../model/finding.js';
import type { Suggestion } from '../report/json-schema.js';
import type { Store } from '../store/index.js';
import { suggestionsForScan } from './index.js';
import { withStatus } from './status.js';
import type { SuggestionWithPlan } from './types.js';

export interface ReportSuggestions {
  /** For the audit: builds, stores and returns the report's suggestions. */
  build: (facts: ScanFacts, findings: readonly Finding[]) => Suggestion[];
  /** After build: the structured plans, for `keywarden plan` (only when asked for with `keepPlans`). */
  plans: () => SuggestionWithPlan[];
}

/**
 * `keepPlans`: keep the structured plans after build. An audit needs only
 * the report's form; its plans (argv lists, documents, a second copy of each
 * suggestion) would stay live through the report model, several KB per
 * principal, for nothing.
 */
export function reportSuggestions(store: Store, config: KeywardenConfig, options: { keepPlans?: boolean } = {}): ReportSuggestions {
  let plans: SuggestionWithPlan[] | undefined;
  return {
    build(facts, findings) {
      const planned = suggestionsForScan(store, facts, findings, config);
      if (options.keepPlans) plans = planned;
      const current = planned.map((p) => p.suggestion);
      const previousScan = store.previousScan(facts.scan.id);
      const previous = previousScan ? store.suggestions(previousScan.id) : undefined;
      store.saveSuggestions(facts.scan.id, current);
      // Only a previous scan's suggestions are judged by the open findings: a set of a million fingerprints is not made for nothing.
      const open = previous?.length ? new Set(findings.filter(isOpen).map((f) => f.fingerprint)) : new Set<string>();
      return withStatus(current, previous, open);
    },
    plans() {
      if (!options.keepPlans) throw new Error('reportSuggestions: plans were not kept (pass { keepPlans: true })');
      return plans ?? [];
    },
  };
}
