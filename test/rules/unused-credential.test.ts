import { describe, expect, it } from 'vitest';
import { unusedCredential } from '../../src/rules/aws/unused-credential.js';
import { runRules } from '../../src/rules/engine.js';
import type { PolicyDocument } from '../../src/model/policy.js';
import type { AccessAdvisorReport, UsageDay } from '../../src/model/domain.js';
import { windowDays, windowEndingAt } from '../../src/analyse/window.js';
import { ruleCases, type RuleCase } from '../helpers/rule-cases.js';
import { scenario, AS_OF, PROD, STAGING, type IdentitySpec } from '../helpers/scenario.js';

/** CloudTrail ingested for every day of the default 90-day window in one account. */
const fullCloudTrail = (accountId: string) => ({
  cloudTrailDays: windowDays(windowEndingAt(AS_OF, 90)).map((day) => ({ accountId, region: 'us-east-1', day })),
});

const doc = (...Statement: PolicyDocument['Statement'][]): PolicyDocument => ({ Version: '2012-10-17', Statement: Statement.flat() });
const readReports = doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::acme-reports', 'arn:aws:s3:::acme-reports/*'] });
const deployWrite = doc({ Sid: 'Deploy', Effect: 'Allow', Action: ['s3:PutObject', 'cloudfront:CreateInvalidation'], Resource: ['arn:aws:s3:::acme-site/*', 'arn:aws:cloudfront::*:distribution/*'] });

const user = (account: string, name: string) => `arn:aws:iam::${account}:user/${name}`;
const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;
const offlineKey = (arn: string, n = 1) => `${arn}#access_key_${n}`;

const call = (identityArn: string, credentialId: string, day: string, action = 's3:GetObject', count = 3): UsageDay => ({
  identityArn,
  credentialId,
  action,
  day,
  count,
  denied: 0,
  lastSeen: `${day}T10:00:00.000Z`,
});

const reportsReader = (name: string, account: string, credentials: IdentitySpec['credentials'], extra: Partial<IdentitySpec> = {}): IdentitySpec => ({
  arn: user(account, name),
  policies: [{ name: 'read-reports', document: readReports }],
  credentials,
  ...extra,
});

const deployer = (name: string, account: string, credentials: IdentitySpec['credentials']): IdentitySpec => ({
  arn: user(account, name),
  policies: [{ name: 'deploy-site', document: deployWrite }],
  credentials,
});

const ci = user(STAGING, 'ci-reports');
const old = user(STAGING, 'old-deployer');
const prodDeployer = user(PROD, 'site-deployer');
const mixedUser = user(STAGING, 'report-bot');
const liveUser = user(STAGING, 'live-bot');

const cases: RuleCase[] = [
  // ---- pass ----
  {
    name: 'passes a user whose key the credential report shows used inside the window',
    spec: { identities: [reportsReader('ci-reports', STAGING, [{ id: offlineKey(ci), kind: 'access-key', active: true, rotatedAt: '2026-06-01T00:00:00Z', lastUsedAt: '2026-11-10T08:00:00Z', lastUsedService: 's3' }])] },
    outcome: 'pass',
  },
  {
    name: 'passes a live key with no last-used date that CloudTrail saw by its id',
    spec: {
      identities: [reportsReader('live-bot', STAGING, [{ id: 'AKIAIOSFODNN7EXAMPLE', kind: 'access-key', active: true, createdAt: '2026-09-01T00:00:00Z' }])],
      usage: [call(liveUser, 'AKIAIOSFODNN7EXAMPLE', '2026-11-02')],
    },
    outcome: 'pass',
  },
  {
    name: 'passes a role whose RoleLastUsed is inside the window',
    spec: { identities: [{ arn: role(PROD, 'etl'), policies: [{ name: 'read', document: readReports }], lastUsed: { at: '2026-11-01T00:00:00Z', region: 'eu-west-1', source: 'role-last-used' } }] },
    outcome: 'pass',
  },
  {
    name: 'passes a role whose current export omits RoleLastUsed when a stored scan saw it used inside the window',
    spec: { identities: [{ arn: role(PROD, 'etl'), policies: [{ name: 'read', document: readReports }] }] },
    options: {
      earlier: [
        {
          identities: [{ arn: role(PROD, 'etl'), policies: [{ name: 'read', document: readReports }], lastUsed: { at: '2026-10-20T00:00:00Z', source: 'role-last-used' } }],
          collectedAt: '2026-10-21T00:00:00Z',
        },
      ],
    },
    outcome: 'pass',
  },
  // ---- fail ----
  {
    name: 'fails low on a never-used key of a read-only user, and on the unused user itself',
    spec: { identities: [reportsReader('ci-reports', STAGING, [{ id: offlineKey(ci), kind: 'access-key', active: true, rotatedAt: '2026-11-15T09:00:00Z' }])] },
    outcome: 'fail',
    findings: [
      { granular: `Credential::${offlineKey(ci)}`, severity: 'low', credentialId: offlineKey(ci) },
      { granular: 'Identity', severity: 'low' },
    ],
    says: ['never used', 'grants no Write or Permissions management action'],
  },
  {
    name: 'fails medium on a key last used before the window, for a user that can write outside production',
    spec: { identities: [deployer('old-deployer', STAGING, [{ id: offlineKey(old), kind: 'access-key', active: true, rotatedAt: '2025-01-10T00:00:00Z', lastUsedAt: '2026-05-01T12:00:00Z', lastUsedService: 's3', lastUsedRegion: 'us-east-1' }])] },
    outcome: 'fail',
    findings: [
      { granular: `Credential::${offlineKey(old)}`, severity: 'medium', credentialId: offlineKey(old) },
      { granular: 'Identity', severity: 'medium' },
    ],
    says: ['last used 2026-05-01', 'environment staging', 'statement 0 (Sid Deploy) grants 2 Write/Permissions management action(s) on 2 resources'],
  },
  {
    name: 'fails high when the unused write-capable key is in production',
    spec: { identities: [deployer('site-deployer', PROD, [{ id: offlineKey(prodDeployer), kind: 'access-key', active: true, rotatedAt: '2025-01-10T00:00:00Z', lastUsedAt: '2026-03-01T12:00:00Z' }])] },
    outcome: 'fail',
    findings: [
      { granular: `Credential::${offlineKey(prodDeployer)}`, severity: 'high', credentialId: offlineKey(prodDeployer) },
      { granular: 'Identity', severity: 'high' },
    ],
  },
  {
    name: 'fails only the unused console password of a user whose key is in use',
    spec: {
      identities: [
        reportsReader('report-bot', STAGING, [
          { id: offlineKey(mixedUser), kind: 'access-key', active: true, rotatedAt: '2026-08-01T00:00:00Z', lastUsedAt: '2026-11-14T00:00:00Z' },
          { id: `${mixedUser}#password`, kind: 'password', active: true, lastUsedAt: '2025-12-24T00:00:00Z' },
        ]),
      ],
    },
    outcome: 'fail',
    findings: [{ granular: `Credential::${mixedUser}#password`, severity: 'low', credentialId: `${mixedUser}#password` }],
  },
  {
    name: 'still calls a key known by its real id unused when CloudTrail calls carry another key id',
    spec: {
      identities: [reportsReader('live-bot', STAGING, [{ id: 'AKIAI44QH8DHBEXAMPLE', kind: 'access-key', active: true, createdAt: '2026-01-01T00:00:00Z' }])],
      usage: [call(liveUser, 'ASIAY34FZKBOKMUTVV7A', '2026-11-03')],
    },
    outcome: 'fail',
    findings: [{ granular: 'Credential::AKIAI44QH8DHBEXAMPLE', severity: 'low', credentialId: 'AKIAI44QH8DHBEXAMPLE' }],
    says: ['3 from key ids tied to none'],
  },
  {
    name: 'fails a user with no active credential that no source saw in the window',
    spec: { identities: [reportsReader('ci-reports', STAGING, [{ id: offlineKey(ci), kind: 'access-key', active: false, rotatedAt: '2025-03-01T00:00:00Z', lastUsedAt: '2025-04-01T00:00:00Z' }])] },
    outcome: 'fail',
    findings: [{ granular: 'Identity', severity: 'low' }],
    says: ['no active access key or console password'],
  },
  {
    name: 'fails a role whose RoleLastUsed is older than the window (the audit alone says unknown)',
    spec: { identities: [{ arn: role(PROD, 'legacy-import'), policies: [{ name: 'deploy', document: deployWrite }], lastUsed: { at: '2026-02-11T00:00:00Z', region: 'us-east-1', source: 'role-last-used' } }] },
    outcome: 'fail',
    findings: [{ granular: 'Identity', severity: 'high' }],
    says: ['last use seen 2026-02-11 per role-last-used'],
  },
  {
    name: 'fails a role Access Advisor observes with no access in the window',
    spec: {
      identities: [{ arn: role(STAGING, 'report-agent'), policies: [{ name: 'read', document: readReports }] }],
      accessAdvisor: [{ identityArn: role(STAGING, 'report-agent'), granularity: 'SERVICE_LEVEL', completedAt: '2026-11-15T00:00:00Z', services: [{ namespace: 's3', lastAuthenticated: '2026-01-05T00:00:00Z' }] } satisfies AccessAdvisorReport],
    },
    outcome: 'fail',
    findings: [{ granular: 'Identity', severity: 'low' }],
  },
  {
    name: 'fails a production role that CloudTrail, ingested for every window day, never saw',
    spec: {
      identities: [{ arn: role(PROD, 'nightly-export'), policies: [{ name: 'deploy', document: deployWrite }] }],
      extras: fullCloudTrail(PROD),
    },
    outcome: 'fail',
    findings: [{ granular: 'Identity', severity: 'high' }],
    says: ['seen by cloudtrail'],
  },
  {
    name: 'passes a role CloudTrail saw acting in the window',
    spec: {
      identities: [{ arn: role(PROD, 'nightly-export'), policies: [{ name: 'deploy', document: deployWrite }] }],
      usage: [call(role(PROD, 'nightly-export'), 'ASIAY34FZKBOKMUTVV7B', '2026-11-14', 's3:PutObject')],
      extras: fullCloudTrail(PROD),
    },
    outcome: 'pass',
  },
  // ---- not applicable ----
  {
    name: 'does not call an offline key unused when CloudTrail shows the user calling from a key id it cannot tie',
    spec: {
      identities: [reportsReader('ci-reports', STAGING, [{ id: offlineKey(ci), kind: 'access-key', active: true, rotatedAt: '2026-01-01T00:00:00Z', lastUsedAt: '2026-02-01T00:00:00Z' }])],
      usage: [call(ci, 'AKIAJEXAMPLEKEY00001', '2026-11-12')],
    },
    outcome: 'not-applicable',
    says: ['may be this key'],
  },
  {
    name: 'is not applicable to a role no usage source covers',
    spec: { identities: [{ arn: role(PROD, 'new-agent'), policies: [{ name: 'read', document: readReports }] }] },
    outcome: 'not-applicable',
    says: ['no usage source covers this role'],
  },
  {
    name: 'is not applicable to a key whose active state is unknown',
    spec: { identities: [reportsReader('ci-reports', STAGING, [{ id: 'AKIAIOSFODNN7EXAMPLE', kind: 'access-key', active: null }])] },
    outcome: 'not-applicable',
    says: ['is active is not known'],
  },
  {
    name: 'leaves root to aws.root-account-credentials',
    spec: { identities: [{ arn: `arn:aws:iam::${PROD}:root`, kind: 'root', credentials: [{ id: `arn:aws:iam::${PROD}:root#access_key_1`, kind: 'access-key', active: true }] }] },
    outcome: 'not-applicable',
    says: ['aws.root-account-credentials'],
  },
];

describe('aws.unused-credential', () => {
  ruleCases(unusedCredential, cases, { credentialIds: true });

  it('never describes a resource-scoped grant as being on every resource', async () => {
    const facts = await scenario({ identities: [deployer('old-deployer', STAGING, [{ id: offlineKey(old), kind: 'access-key', active: true, rotatedAt: '2025-01-10T00:00:00Z' }])] });
    const { findings } = runRules([unusedCredential], facts.context);
    const statements = findings.flatMap((f) => f.evidence.filter((e) => e.kind === 'policy-statement'));
    expect(statements.length).toBeGreaterThan(0);
    for (const s of statements) {
      expect(s.summary).not.toContain('every resource');
      expect(s.detail).toMatchObject({ policyName: 'deploy-site', statementIndex: 0, sid: 'Deploy', unrestricted: false, resources: ['arn:aws:s3:::acme-site/*', 'arn:aws:cloudfront::*:distribution/*'] });
    }
  });

  it('counts a grant of a Write action under a Condition as write-capable but says it is conditioned', async () => {
    const tagged = doc({ Effect: 'Allow', Action: 'ec2:TerminateInstances', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'reports' } } });
    const facts = await scenario({ identities: [{ arn: user(STAGING, 'janitor'), policies: [{ name: 'terminate-tagged', document: tagged }], credentials: [{ id: offlineKey(user(STAGING, 'janitor')), kind: 'access-key', active: true, rotatedAt: '2024-01-01T00:00:00Z' }] }] });
    const { findings } = runRules([unusedCredential], facts.context);
    const statement = findings[0]!.evidence.find((e) => e.kind === 'policy-statement')!;
    expect(findings[0]!.severity).toBe('medium');
    expect(statement.summary).toContain('on * only when its Condition holds (StringEquals aws:ResourceTag/team)');
  });
});
