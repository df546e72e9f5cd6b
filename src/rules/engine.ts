/**
 * Runs rules over the facts of a scan. A rule that throws does not take the
 * audit down and is not swallowed: it becomes an error finding, visible in
 * every report, and its identities count as `error` in its denominator.
 */
import type { Finding, RuleOutcome } from '../model/finding.js';
import { sha256HexPrefix } from '../util/sha256.js';
import { sortFindings } from './finding-order.js';
import type { Rule, RuleContext, RuleEvaluation } from './rule.js';
import { NO_TIMER, type PhaseTimer } from '../util/phase-clock.js';
import { TextInterner } from '../util/text-interner.js';
import { evidencePending } from './lazy-evidence.js';

export interface RuleTally {
  ruleId: string;
  pass: number;
  fail: number;
  notApplicable: number;
  error: number;
}

export interface RuleRun {
  findings: Finding[];
  tallies: RuleTally[];
}

export function fingerprint(parts: { ruleId: string; identityArn: string; credentialId?: string; granular?: string }): string {
  const key = [parts.ruleId, parts.identityArn, parts.credentialId ?? '', parts.granular ?? ''].join('\u0000');
  return sha256HexPrefix(key, 32);
}

const OUTCOME_FIELD: Record<RuleOutcome, keyof Omit<RuleTally, 'ruleId'>> = {
  pass: 'pass',
  fail: 'fail',
  'not-applicable': 'notApplicable',
  error: 'error',
};

export function runRules(rules: readonly Rule[], ctx: RuleContext, timer: PhaseTimer = NO_TIMER): RuleRun {
  const findings: Finding[] = [];
  const tallies: RuleTally[] = [];
  const accountOf = new Map([...ctx.identities, ...(ctx.gcp?.identities ?? [])].map((f) => [f.identity.arn, f.identity.accountId]));
  for (const rule of rules) {
    const tally: RuleTally = { ruleId: rule.id, pass: 0, fail: 0, notApplicable: 0, error: 0 };
    tallies.push(tally);
    let evaluations: RuleEvaluation[];
    try {
      evaluations = timer.measure(`rule ${rule.id}`, () => rule.evaluate(ctx));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      tally.error = ctx.identities.length + (ctx.gcp?.identities.length ?? 0);
      findings.push({
        ruleId: rule.id,
        severity: 'high',
        identityArn: '*',
        accountId: '*',
        granular: 'RuleError',
        title: `rule ${rule.id} failed and checked nothing: ${message}`,
        evidence: [{ kind: 'note', summary: 'every identity is unchecked by this rule until the error is fixed' }],
        fingerprint: fingerprint({ ruleId: rule.id, identityArn: '*', granular: 'RuleError' }),
      });
      continue;
    }
    const evaluated = evaluations;
    timer.measure('findings (fingerprints, sort)', () => {
      // A rule repeats its titles, granular parts and evidence lines across identities: one copy each (text-interner.ts).
      const texts = new TextInterner();
      for (const e of evaluated) {
        tally[OUTCOME_FIELD[e.outcome]]++;
        for (const draft of e.findings) {
          draft.title = texts.intern(draft.title);
          if (draft.granular !== undefined) draft.granular = texts.intern(draft.granular);
          // Evidence made with the finding (reach paths) is kept too; lazy evidence is left unbuilt.
          if (!evidencePending(draft)) for (const e of draft.evidence) e.summary = texts.intern(e.summary);
          const base = { ruleId: rule.id, identityArn: e.identityArn, credentialId: draft.credentialId, granular: draft.granular };
          // Completed in place (the same keys in the same order as a copy): a copy would build lazy evidence (lazy-evidence.ts),
          // and Object.assign, not spreads: V8's spread-then-add path costs microseconds per finding.
          findings.push(Object.assign(draft, base, { accountId: accountOf.get(e.identityArn) ?? '', fingerprint: fingerprint(base) }) as Finding);
        }
      }
    });
  }
  // Worst first, then by identity, rule and granular part (see finding-order.ts).
  timer.measure('findings (fingerprints, sort)', () => sortFindings(findings));
  return { findings, tallies };
}
