import { describe, expect, it } from 'vitest';
import { privilegeCreep } from '../../src/rules/aws/privilege-creep.js';
import { runRules } from '../../src/rules/engine.js';
import type { PolicyDocument } from '../../src/model/policy.js';
import { scenario, PROD, STAGING, type IdentitySpec } from '../helpers/scenario.js';

const doc = (...statements: PolicyDocument['Statement'][]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements.flat() });
const read = doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::acme-reports', 'arn:aws:s3:::acme-reports/*'] });
const readEverywhere = doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' });
const iamWrite = doc({ Effect: 'Allow', Action: ['iam:AttachRolePolicy', 'iam:PassRole'], Resource: '*' });

const agent = (account: string, policies: IdentitySpec['policies']): IdentitySpec => ({
  arn: `arn:aws:iam::${account}:role/agents/report-agent`,
  policies,
});

async function evaluate(before: IdentitySpec | undefined, after: IdentitySpec, beforeAt = '2026-10-01T06:00:00Z') {
  const facts = await scenario(
    { identities: [after], collectedAt: '2026-11-15T06:00:00Z' },
    { earlier: before ? [{ identities: [before], collectedAt: beforeAt }] : [] },
  );
  const [evaluation] = privilegeCreep.evaluate(facts.context);
  const { findings } = runRules([privilegeCreep], facts.context);
  return { evaluation: evaluation!, findings };
}

describe('aws.privilege-creep', () => {
  it('is not applicable on the first scan of an identity', async () => {
    const { evaluation } = await evaluate(undefined, agent(PROD, [{ name: 'read', document: read }]));
    expect(evaluation.outcome).toBe('not-applicable');
  });

  it('passes when the grant did not grow, even if the policy text changed', async () => {
    const reordered = doc({ Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetObject'], Resource: ['arn:aws:s3:::acme-reports/*', 'arn:aws:s3:::acme-reports'] });
    const { evaluation } = await evaluate(agent(PROD, [{ name: 'read', document: read }]), agent(PROD, [{ name: 'read', document: reordered }]));
    expect(evaluation.outcome).toBe('pass');
  });

  it('fails critical when permissions management is added in production, naming the new policy', async () => {
    const { evaluation, findings } = await evaluate(
      agent(PROD, [{ name: 'read', document: read }]),
      agent(PROD, [{ name: 'read', document: read }, { name: 'temp-debug', document: iamWrite }]),
    );
    expect(evaluation.outcome).toBe('fail');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'critical', granular: 'Grew', ruleId: 'aws.privilege-creep' });
    const summaries = findings[0]!.evidence.map((e) => e.summary);
    expect(summaries).toContain('policy temp-debug (inline) was attached');
    expect(summaries.some((s) => s.startsWith('1 Permissions management action(s) gained, e.g. iam:AttachRolePolicy'))).toBe(true);
    expect(summaries.some((s) => s.startsWith('1 Write action(s) gained, e.g. iam:PassRole'))).toBe(true);
  });

  it('reports resources widened to * as growth, weighing reads outside production low', async () => {
    const { findings } = await evaluate(
      agent(STAGING, [{ name: 'read', document: read }]),
      agent(STAGING, [{ name: 'read', document: readEverywhere }]),
    );
    expect(findings[0]!.title).toBe('grants grew since scan 1: 0 new action(s), 2 widened');
    expect(findings[0]!.severity).toBe('low');
    expect(findings[0]!.evidence.map((e) => e.summary)).toContain('policy read (inline) changed');
  });

  it('ignores scans older than the window', async () => {
    const { evaluation } = await evaluate(
      agent(PROD, [{ name: 'read', document: read }]),
      agent(PROD, [{ name: 'read', document: read }, { name: 'temp-debug', document: iamWrite }]),
      '2026-01-01T06:00:00Z',
    );
    expect(evaluation.outcome).toBe('not-applicable');
  });

  it('keeps the fingerprint stable across later scans', async () => {
    const a = await evaluate(agent(PROD, [{ name: 'read', document: read }]), agent(PROD, [{ name: 'read', document: read }, { name: 'x', document: iamWrite }]));
    const b = await evaluate(agent(PROD, [{ name: 'read', document: read }]), agent(PROD, [{ name: 'read', document: read }, { name: 'y', document: iamWrite }]));
    expect(a.findings[0]!.fingerprint).toBe(b.findings[0]!.fingerprint);
  });
});
