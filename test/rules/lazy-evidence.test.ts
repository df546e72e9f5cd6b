import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/model/finding.js';
import { runRules } from '../../src/rules/engine.js';
import { evidenceOf, evidencePending, lazyEvidence } from '../../src/rules/lazy-evidence.js';
import type { Rule } from '../../src/rules/rule.js';
import { scenario, PROD } from '../helpers/scenario.js';

const note = (summary: string): Evidence => ({ kind: 'note', summary });

function counted() {
  let builds = 0;
  const draft = lazyEvidence({ severity: 'high' as const, granular: 'G', title: 't' }, () => {
    builds++;
    return [note(`build ${builds}`)];
  });
  return { draft, builds: () => builds };
}

describe('lazy evidence', () => {
  it('is built on first read, then kept: the same list, mutations included, in the same place among the keys', () => {
    const { draft, builds } = counted();
    expect(builds()).toBe(0);
    expect(evidencePending(draft)).toBe(true);
    expect(JSON.stringify(draft)).toBe('{"severity":"high","granular":"G","title":"t","evidence":[{"kind":"note","summary":"build 1"}]}');
    expect(builds()).toBe(1);
    expect(evidencePending(draft)).toBe(false);
    draft.evidence.push(note('added'));
    expect(draft.evidence.map((e) => e.summary)).toEqual(['build 1', 'added']);
    expect(builds()).toBe(1);
  });

  it('is built for one call by evidenceOf, without keeping it, as a streaming writer wants', () => {
    const { draft, builds } = counted();
    expect(evidenceOf(draft)).toEqual([note('build 1')]);
    expect(evidenceOf(draft)).toEqual([note('build 2')]);
    expect(evidencePending(draft)).toBe(true);
    expect({ ...draft }.evidence).toEqual([note('build 3')]);
    expect(evidenceOf(draft)).toBe(draft.evidence);
    expect(builds()).toBe(3);
  });

  it('can be replaced by assignment before it is read', () => {
    const { draft, builds } = counted();
    draft.evidence = [note('given')];
    expect(draft.evidence).toEqual([note('given')]);
    expect(builds()).toBe(0);
  });

  it('refuses reach paths: report-edges skips findings whose evidence is not built', () => {
    const draft = lazyEvidence({ title: 'x' }, () => [{ kind: 'reach-path', summary: 'a -> b', detail: { hops: [] } }]);
    expect(() => draft.evidence).toThrow(/reach paths/);
  });

  it('stays lazy through the engine, which completes findings with the keys of a copy', async () => {
    const { context } = await scenario({ identities: [{ arn: `arn:aws:iam::${PROD}:role/a` }] });
    let builds = 0;
    const rule: Rule = {
      id: 'test.lazy',
      title: 't',
      severity: 'high',
      description: 'd',
      risk: 'r',
      remediation: 'm',
      references: [],
      evaluate: (ctx) =>
        ctx.identities.map((f) => ({
          identityArn: f.identity.arn,
          outcome: 'fail' as const,
          findings: [lazyEvidence({ severity: 'high' as const, title: 'lazy', granular: 'G' }, () => [note(`built ${++builds}`)])],
        })),
    };
    const [finding] = runRules([rule], context).findings;
    expect(builds).toBe(0);
    expect(Object.keys(finding!)).toEqual(['severity', 'title', 'granular', 'evidence', 'ruleId', 'identityArn', 'credentialId', 'accountId', 'fingerprint']);
    expect(finding!.evidence).toEqual([note('built 1')]);
  });
});
