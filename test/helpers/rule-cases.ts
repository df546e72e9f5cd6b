/**
 * The case table every rule test runs: build the scenario through the real
 * store and facts, evaluate the rule, run it through the engine, and check
 * outcome, findings, uniqueness and the phrases the reader is shown.
 */
import { expect, it } from 'vitest';
import { runRules } from '../../src/rules/engine.js';
import type { Rule, RuleEvaluation } from '../../src/rules/rule.js';
import type { Finding, RuleOutcome, Severity } from '../../src/model/finding.js';
import { scenario, type ScenarioSpec } from './scenario.js';

export type ScenarioOptions = NonNullable<Parameters<typeof scenario>[1]>;
export type ScenarioFacts = Awaited<ReturnType<typeof scenario>>;

/** A finding as a case expects it; `credentialId` is compared only under `ruleCases(…, { credentialIds: true })`. */
export interface ExpectedFinding {
  granular: string;
  severity: Severity;
  credentialId?: string;
}

/** What one case produced, for rule-specific checks. */
export interface RuleCaseRun {
  facts: ScenarioFacts;
  /** The rule's evaluations, one per identity of the spec. */
  evaluations: RuleEvaluation[];
  /** The evaluation of the first identity of the spec. */
  evaluation: RuleEvaluation;
  /** The findings of `runRules([rule], …)`. */
  findings: Finding[];
  /** The evaluation's reason, then every finding's title and evidence summaries, one a line. */
  text: string;
}

export interface RuleCase {
  name: string;
  spec: ScenarioSpec;
  /** Passed to `scenario` as is (earlier scans, config, window, as-of date). */
  options?: ScenarioOptions;
  /** Outcome for the first identity of the spec. */
  outcome: RuleOutcome;
  /** Every finding the engine reports, in any order (none when omitted). */
  findings?: ExpectedFinding[];
  /** Substrings the reason, some finding title or some evidence summary must contain. */
  says?: string[];
  /** Substrings none of them may contain. */
  never?: string[];
  /** Anything rule-specific, after the common checks. */
  check?: (run: RuleCaseRun) => void | Promise<void>;
}

export interface RuleCasesOptions {
  /** Compare each finding's credentialId as well (a finding without one must be expected without one). */
  credentialIds?: boolean;
  /** Runs for every case, after the common checks and before the case's own `check`. */
  check?: (run: RuleCaseRun, c: RuleCase) => void | Promise<void>;
}

const byGranular = (a: { granular?: string }, b: { granular?: string }) => (a.granular ?? '').localeCompare(b.granular ?? '');

/** Defines one test per case, named by `case.name`; call it inside the rule's `describe`. */
export function ruleCases(rule: Rule, cases: readonly RuleCase[], options: RuleCasesOptions = {}): void {
  it.each(cases)('$name', async (c) => {
    const facts = await scenario(c.spec, c.options);
    const evaluations = rule.evaluate(facts.context);
    expect(evaluations).toHaveLength(c.spec.identities.length);
    const evaluation = evaluations[0]!;
    expect(evaluation.outcome).toBe(c.outcome);

    const { findings } = runRules([rule], facts.context);
    const got = findings.map((f) => ({
      granular: f.granular,
      severity: f.severity,
      ...(options.credentialIds && f.credentialId ? { credentialId: f.credentialId } : {}),
    }));
    expect(got.sort(byGranular)).toEqual([...(c.findings ?? [])].sort(byGranular));
    // No two findings of one identity share (credential, granular part).
    const keys = findings.map((f) => `${f.identityArn}|${f.credentialId ?? ''}|${f.granular ?? ''}`);
    expect(new Set(keys).size).toBe(keys.length);

    const text = [evaluation.reason ?? '', ...findings.flatMap((f) => [f.title, ...f.evidence.map((e) => e.summary)])].join('\n');
    for (const s of c.says ?? []) expect(text).toContain(s);
    for (const s of c.never ?? []) expect(text).not.toContain(s);

    const run: RuleCaseRun = { facts, evaluations, evaluation, findings, text };
    await options.check?.(run, c);
    await c.check?.(run);
  });
}
