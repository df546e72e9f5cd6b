/** Scenario -> rules -> suggestions, through the real store and facts. */
import { runRules } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { suggestionsForScan } from '../../src/suggest/index.js';
import { scenario, testConfig, type ScenarioSpec } from '../helpers/scenario.js';
import type { Finding } from '../../src/model/finding.js';

export async function suggestionsOf(spec: ScenarioSpec, options: Parameters<typeof scenario>[1] = {}, extraFindings: Finding[] = []) {
  const facts = await scenario(spec, options);
  const { findings } = runRules(ALL_RULES, facts.context);
  const all = [...findings, ...extraFindings];
  const suggestions = suggestionsForScan(facts.store, facts, all, options.config ?? testConfig());
  return { facts, findings: all, suggestions };
}
