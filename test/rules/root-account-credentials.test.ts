import { describe, expect, it } from 'vitest';
import { rootAccountCredentials } from '../../src/rules/aws/root-account-credentials.js';
import type { UsageDay } from '../../src/model/domain.js';
import { ruleCases, type RuleCase } from '../helpers/rule-cases.js';
import { scenario, testConfig, TEST_CONFIG_YAML, PROD, STAGING, type IdentitySpec } from '../helpers/scenario.js';

const ROOT = `arn:aws:iam::${PROD}:root`;
const key1 = `${ROOT}#access_key_1`;
const key2 = `${ROOT}#access_key_2`;
const password = `${ROOT}#password`;

const root = (credentials: IdentitySpec['credentials']): IdentitySpec => ({ arn: ROOT, kind: 'root', credentials });

// As of 2026-11-15T12:00Z; rootRecentUseDays defaults to 90.
const cases: RuleCase[] = [
  {
    name: 'passes a root with no access key and no sign-in for a year',
    spec: { identities: [root([{ id: password, kind: 'password', active: true, lastUsedAt: '2025-10-01T00:00:00Z' }])] },
    outcome: 'pass',
  },
  {
    name: 'passes a root whose only key was deactivated and password never used',
    spec: { identities: [root([{ id: key1, kind: 'access-key', active: false, rotatedAt: '2019-01-01T00:00:00Z' }, { id: password, kind: 'password', active: true }])] },
    outcome: 'pass',
  },
  {
    name: 'fails critical on an active root key, with its last use and the note that it is not recent',
    spec: {
      identities: [
        root([
          { id: key1, kind: 'access-key', active: true, rotatedAt: '2018-11-23T16:01:14Z', lastUsedAt: '2025-11-27T00:02:00Z', lastUsedService: 'ecr', lastUsedRegion: 'us-east-1' },
          { id: password, kind: 'password', active: true, lastUsedAt: '2025-01-01T00:00:00Z' },
        ]),
      ],
    },
    outcome: 'fail',
    findings: [{ granular: `Credential::${key1}`, severity: 'critical' }],
    says: ['last used 2025-11-27 via ecr in us-east-1', 'more than 90 days before the as-of date'],
  },
  {
    name: 'fails high when root signed in to the console 10 days ago',
    spec: { identities: [root([{ id: password, kind: 'password', active: true, lastUsedAt: '2026-11-05T09:30:00Z' }])] },
    outcome: 'fail',
    findings: [{ granular: 'RecentUse', severity: 'high' }],
    says: ['root signed in to the console 2026-11-05 (10 days before the as-of date)'],
  },
  {
    name: 'fails critical per active key and high for recent key use via the service named',
    spec: {
      identities: [
        root([
          { id: key1, kind: 'access-key', active: true, rotatedAt: '2024-01-01T00:00:00Z', lastUsedAt: '2026-10-30T00:00:00Z', lastUsedService: 's3' },
          { id: key2, kind: 'access-key', active: true, rotatedAt: '2024-06-01T00:00:00Z' },
          { id: password, kind: 'password', active: true },
        ]),
      ],
    },
    outcome: 'fail',
    findings: [
      { granular: `Credential::${key1}`, severity: 'critical' },
      { granular: `Credential::${key2}`, severity: 'critical' },
      { granular: 'RecentUse', severity: 'high' },
    ],
    says: [`root user used 2026-10-30 (used access key ${key1} via s3), within 90 days`],
  },
  {
    name: 'fails high on root calls CloudTrail saw, even without a credential report date',
    spec: {
      identities: [root([{ id: password, kind: 'password', active: true, lastUsedAt: '2024-01-01T00:00:00Z' }])],
      usage: [{ identityArn: ROOT, credentialId: 'ASIAY34FZKBOKMUTVV7A', action: 'iam:CreateAccessKey', day: '2026-11-12', count: 1, denied: 0, lastSeen: '2026-11-12T03:04:05.000Z' } satisfies UsageDay],
    },
    outcome: 'fail',
    findings: [{ granular: 'RecentUse', severity: 'high' }],
    says: ['root made calls 2026-11-12', 'per cloudtrail'],
  },
  {
    name: 'fails high (one step below critical) on a root key whose active state is unknown',
    spec: { identities: [root([{ id: 'AKIAIOSFODNN7EXAMPLE', kind: 'access-key', active: null }, { id: password, kind: 'password', active: true }])] },
    outcome: 'fail',
    findings: [{ granular: 'Credential::AKIAIOSFODNN7EXAMPLE', severity: 'high' }],
    says: ['active state is unknown'],
  },
  {
    name: 'is not applicable to root when no password record says whether it signed in',
    spec: { identities: [root([])] },
    outcome: 'not-applicable',
    says: ['whether root signed in within 90 days is unknown'],
  },
  {
    name: 'is not applicable to users and roles',
    spec: { identities: [{ arn: `arn:aws:iam::${STAGING}:user/root`, credentials: [{ id: `arn:aws:iam::${STAGING}:user/root#access_key_1`, kind: 'access-key', active: true }] }] },
    outcome: 'not-applicable',
    says: ['not the root user'],
  },
];

describe('aws.root-account-credentials', () => {
  ruleCases(rootAccountCredentials, cases);

  it('honours thresholds.rootRecentUseDays', async () => {
    const spec = { identities: [root([{ id: password, kind: 'password' as const, active: true, lastUsedAt: '2026-09-01T00:00:00Z' }])] };
    const strict = await scenario(spec, { config: testConfig(`${TEST_CONFIG_YAML}\nthresholds:\n  rootRecentUseDays: 30\n`) });
    expect(rootAccountCredentials.evaluate(strict.context)[0]!.outcome).toBe('pass');
    const loose = await scenario(spec);
    expect(rootAccountCredentials.evaluate(loose.context)[0]!.outcome).toBe('fail');
  });
});
