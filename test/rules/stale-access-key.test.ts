import { describe, expect, it } from 'vitest';
import { staleAccessKey } from '../../src/rules/aws/stale-access-key.js';
import { runRules } from '../../src/rules/engine.js';
import type { PolicyDocument } from '../../src/model/policy.js';
import { ruleCases, type RuleCase } from '../helpers/rule-cases.js';
import { scenario, testConfig, TEST_CONFIG_YAML, PROD, STAGING, type IdentitySpec } from '../helpers/scenario.js';

const readReports: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::acme-reports', 'arn:aws:s3:::acme-reports/*'] }],
};
const user = (account: string, name: string) => `arn:aws:iam::${account}:user/${name}`;
const key = (arn: string, n = 1) => `${arn}#access_key_${n}`;

const ci = user(STAGING, 'ci-reports');
const agentUser = user(PROD, 'support-agent');

const u = (arn: string, credentials: IdentitySpec['credentials'], tags: Record<string, string> = {}): IdentitySpec => ({
  arn,
  tags,
  policies: [{ name: 'read-reports', document: readReports }],
  credentials,
});

// As of 2026-11-15T12:00Z; keyMaxAgeDays defaults to 90.
const cases: RuleCase[] = [
  {
    name: 'passes a key rotated 30 days ago',
    spec: { identities: [u(ci, [{ id: key(ci), kind: 'access-key', active: true, rotatedAt: '2026-10-16T12:00:00Z', lastUsedAt: '2026-11-14T00:00:00Z' }])] },
    outcome: 'pass',
  },
  {
    name: 'passes a key exactly keyMaxAgeDays old, and ignores an old inactive key',
    spec: {
      identities: [
        u(ci, [
          { id: key(ci), kind: 'access-key', active: true, rotatedAt: '2026-08-17T12:00:00Z' },
          { id: key(ci, 2), kind: 'access-key', active: false, rotatedAt: '2023-01-01T00:00:00Z' },
        ]),
      ],
    },
    outcome: 'pass',
  },
  {
    name: 'passes a user with only a console password',
    spec: { identities: [u(ci, [{ id: `${ci}#password`, kind: 'password', active: true, lastUsedAt: '2026-11-01T00:00:00Z' }])] },
    outcome: 'pass',
  },
  {
    name: 'fails medium on a key 91 days old, measuring from the last rotation',
    spec: { identities: [u(ci, [{ id: key(ci), kind: 'access-key', active: true, createdAt: '2020-01-01T00:00:00Z', rotatedAt: '2026-08-16T12:00:00Z' }])] },
    outcome: 'fail',
    findings: [{ granular: `Credential::${key(ci)}`, severity: 'medium' }],
    says: ['is 91 days old (limit 90)', 'last rotated 2026-08-16'],
  },
  {
    name: 'fails medium twice for two active keys when one of them is old',
    spec: {
      identities: [
        u(ci, [
          { id: key(ci), kind: 'access-key', active: true, rotatedAt: '2025-02-01T00:00:00Z', lastUsedAt: '2026-11-01T00:00:00Z' },
          { id: key(ci, 2), kind: 'access-key', active: true, rotatedAt: '2026-11-01T00:00:00Z', lastUsedAt: '2026-11-14T00:00:00Z' },
        ]),
      ],
    },
    outcome: 'fail',
    findings: [
      { granular: `Credential::${key(ci)}`, severity: 'medium' },
      { granular: 'TwoActiveKeys', severity: 'medium' },
    ],
    says: ['has 2 active access keys'],
  },
  {
    name: 'fails high for an agent holding a fresh long-lived key, citing the attribution',
    spec: { identities: [u(agentUser, [{ id: 'AKIAIOSFODNN7EXAMPLE', kind: 'access-key', active: true, createdAt: '2026-11-01T00:00:00Z' }], { agent: 'support-copilot' })] },
    outcome: 'fail',
    findings: [{ granular: 'AgentLongLivedKey::AKIAIOSFODNN7EXAMPLE', severity: 'high' }],
    says: ['tag agent=support-copilot matches agent=*', 'environment production'],
  },
  {
    name: 'fails high on an old key of an agent, besides the long-lived key itself',
    spec: { identities: [u(agentUser, [{ id: key(agentUser), kind: 'access-key', active: true, rotatedAt: '2024-03-01T00:00:00Z' }], { agent: 'support-copilot' })] },
    outcome: 'fail',
    findings: [
      { granular: `AgentLongLivedKey::${key(agentUser)}`, severity: 'high' },
      { granular: `Credential::${key(agentUser)}`, severity: 'high' },
    ],
  },
  {
    name: 'is not applicable when the only active key has no date to age it from',
    spec: { identities: [u(ci, [{ id: key(ci), kind: 'access-key', active: true }])] },
    outcome: 'not-applicable',
    says: ['age unknown'],
  },
  {
    name: 'is not applicable to a user with no credential record at all (no keys, or not in the credential report)',
    spec: { identities: [u(ci, [])] },
    outcome: 'not-applicable',
    says: ['no credential record for this user'],
  },
  {
    name: 'is not applicable to roles',
    spec: { identities: [{ arn: `arn:aws:iam::${PROD}:role/deploy`, policies: [{ name: 'read-reports', document: readReports }] }] },
    outcome: 'not-applicable',
    says: ['roles have no long-lived access keys'],
  },
  {
    name: 'leaves root keys to aws.root-account-credentials',
    spec: { identities: [{ arn: `arn:aws:iam::${PROD}:root`, kind: 'root', credentials: [{ id: `arn:aws:iam::${PROD}:root#access_key_1`, kind: 'access-key', active: true, rotatedAt: '2019-01-01T00:00:00Z' }] }] },
    outcome: 'not-applicable',
    says: ['aws.root-account-credentials'],
  },
];

describe('aws.stale-access-key', () => {
  ruleCases(staleAccessKey, cases);

  it('honours thresholds.keyMaxAgeDays from the config', async () => {
    const config = testConfig(`${TEST_CONFIG_YAML}\nthresholds:\n  keyMaxAgeDays: 30\n`);
    const facts = await scenario(
      { identities: [u(ci, [{ id: key(ci), kind: 'access-key', active: true, rotatedAt: '2026-10-01T00:00:00Z' }])] },
      { config },
    );
    const { findings } = runRules([staleAccessKey], facts.context);
    expect(findings.map((f) => f.title)).toEqual([`access key ${key(ci)} is 45 days old (limit 30)`]);
  });
});
