import { describe, expect, it } from 'vitest';
import { runRules, fingerprint } from '../../src/rules/engine.js';
import { perIdentity, type Rule } from '../../src/rules/rule.js';
import { scenario, PROD } from '../helpers/scenario.js';

const base = { title: 't', severity: 'high' as const, description: 'd', risk: 'r', remediation: 'm', references: ['https://example.com'] };

const throwing: Rule = {
  ...base,
  id: 'test.throws',
  evaluate: () => {
    throw new Error('boom on purpose');
  },
};

const flagsEveryRole: Rule = {
  ...base,
  id: 'test.roles',
  evaluate: perIdentity((facts) =>
    facts.identity.kind === 'role'
      ? [{ severity: 'medium', title: `role ${facts.identity.name}`, granular: 'Role', evidence: [] }]
      : { notApplicable: 'not a role' },
  ),
};

describe('rule engine', () => {
  it('turns a rule that throws into a visible error finding and keeps running the others', async () => {
    const { context } = await scenario({
      identities: [{ arn: `arn:aws:iam::${PROD}:role/a` }, { arn: `arn:aws:iam::${PROD}:user/b` }],
    });
    const { findings, tallies } = runRules([throwing, flagsEveryRole], context);
    const error = findings.find((f) => f.ruleId === 'test.throws');
    expect(error).toMatchObject({ granular: 'RuleError', severity: 'high' });
    expect(error!.title).toContain('boom on purpose');
    expect(tallies).toEqual([
      { ruleId: 'test.throws', pass: 0, fail: 0, notApplicable: 0, error: 2 },
      { ruleId: 'test.roles', pass: 0, fail: 1, notApplicable: 1, error: 0 },
    ]);
    expect(findings.filter((f) => f.ruleId === 'test.roles').map((f) => f.identityArn)).toEqual([`arn:aws:iam::${PROD}:role/a`]);
  });

  it('fingerprints depend on rule, identity, credential and granular part only', () => {
    const a = fingerprint({ ruleId: 'r', identityArn: 'arn:x', granular: 'Action::iam:PassRole' });
    expect(a).toBe(fingerprint({ ruleId: 'r', identityArn: 'arn:x', granular: 'Action::iam:PassRole' }));
    expect(a).not.toBe(fingerprint({ ruleId: 'r', identityArn: 'arn:x', granular: 'Action::iam:PutRolePolicy' }));
    expect(a).not.toBe(fingerprint({ ruleId: 'r', identityArn: 'arn:x', credentialId: 'AKIA', granular: 'Action::iam:PassRole' }));
    // Parts cannot run into each other.
    expect(fingerprint({ ruleId: 'ab', identityArn: 'c' })).not.toBe(fingerprint({ ruleId: 'a', identityArn: 'bc' }));
  });
});
