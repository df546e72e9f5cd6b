import { describe, expect, it } from 'vitest';
import { regionsCloudTrailMissed, regionUsesOf, type RegionUse } from '../../src/analyse/cloudtrail-regions.js';
import { windowDays, windowEndingAt } from '../../src/analyse/window.js';
import type { AccessAdvisorReport, UsageDay } from '../../src/model/domain.js';
import type { PolicyDocument } from '../../src/model/policy.js';
import { runRules } from '../../src/rules/engine.js';
import { unusedPermissions } from '../../src/rules/aws/unused-permissions.js';
import { AS_OF, PROD, STAGING, scenario, type IdentitySpec, type ScenarioSpec } from '../helpers/scenario.js';

const operator = `arn:aws:iam::${PROD}:user/ci/instance-operator`;
const ec2Operator: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:StartInstances', 'ec2:StopInstances', 'ec2:TerminateInstances'], Resource: '*' }],
};
const windowDayList = windowDays(windowEndingAt(AS_OF, 90));
/** A trail whose files cover every window day, in the given regions. */
const trailIn = (accountId: string, ...regions: string[]) => ({
  cloudTrailDays: regions.flatMap((region) => windowDayList.map((day) => ({ accountId, region, day }))),
});
const describeCall: UsageDay = {
  identityArn: operator,
  credentialId: 'AKIAIOSFODNN7EXAMPLE',
  action: 'ec2:DescribeInstances',
  day: '2026-11-10',
  count: 40,
  denied: 0,
  lastSeen: '2026-11-10T08:00:00.000Z',
};
/** The operator's key, last used (per GetAccessKeyLastUsed) where and when given. */
const operatorWithKey = (lastUsedRegion: string, lastUsedAt = '2026-11-12T03:10:00Z'): IdentitySpec => ({
  arn: operator,
  policies: [{ name: 'ec2-operator', document: ec2Operator }],
  credentials: [{ id: 'AKIAIOSFODNN7EXAMPLE', kind: 'access-key', active: true, createdAt: '2025-01-01T00:00:00Z', lastUsedAt, lastUsedService: 'ec2', lastUsedRegion }],
});
const spec = (identity: IdentitySpec, regions: string[], accessAdvisor: AccessAdvisorReport[] = []): ScenarioSpec => ({
  identities: [identity],
  usage: [describeCall],
  accessAdvisor,
  extras: trailIn(PROD, ...regions),
});

async function operatorFacts(s: ScenarioSpec) {
  const facts = await scenario(s);
  const identity = facts.context.identities.find((i) => i.identity.arn === operator)!;
  const regionCoverage = facts.coverage.filter((c) => c.source === 'cloudtrail' && c.detail?.regionsMissed);
  const findings = runRules([unusedPermissions], facts.context).findings;
  return { audit: identity.audit, regionCoverage, findings };
}

describe('CloudTrail coverage by region', () => {
  it('a key used in a region the trail does not log makes what CloudTrail did not see unknown, not unused', async () => {
    const { audit, regionCoverage, findings } = await operatorFacts(spec(operatorWithKey('eu-west-1'), ['us-east-1']));
    expect(audit.used.actions).toBe(1);
    expect(audit.unused.actions).toBe(0);
    expect(audit.unknown.actions).toBe(3);
    // Nothing to revoke: the three actions may be in daily use in eu-west-1.
    expect(findings).toEqual([]);
    expect(regionCoverage).toEqual([
      expect.objectContaining({
        scope: `aws:${PROD}`,
        status: 'partial',
        detail: {
          regionsRead: ['us-east-1'],
          regionsMissed: [{ region: 'eu-west-1', identityArn: operator, at: '2026-11-12T03:10:00Z', via: 'access-key AKIAIOSFODNN7EXAMPLE' }],
        },
      }),
    ]);
    expect(regionCoverage[0]!.reason).toMatch(/^CloudTrail logs of account 111111111111 were read for us-east-1 only, but IAM records use in eu-west-1 \(.*2026-11-12\).*'unknown', not 'unused'/);
  });

  it('the same identity is judged unused once the trail logs that region too', async () => {
    const { audit, regionCoverage, findings } = await operatorFacts(spec(operatorWithKey('eu-west-1'), ['us-east-1', 'eu-west-1']));
    expect(audit.unused.actions).toBe(3);
    expect(audit.unknown.actions).toBe(0);
    expect(regionCoverage).toEqual([]);
    expect(findings.map((f) => f.granular)).toEqual(['UnusedShare']);
  });

  it('a use of the region before the window does not count against the window', async () => {
    const { audit, regionCoverage } = await operatorFacts(spec(operatorWithKey('eu-west-1', '2026-06-01T00:00:00Z'), ['us-east-1']));
    expect(audit.unused.actions).toBe(3);
    expect(regionCoverage).toEqual([]);
  });

  it("a role's RoleLastUsed region and Access Advisor's regions count as use as well", async () => {
    const roleArn = `arn:aws:iam::${PROD}:role/deployer`;
    const role: IdentitySpec = {
      arn: roleArn,
      policies: [{ name: 'ec2-operator', document: ec2Operator }],
      lastUsed: { at: '2026-11-14T22:00:00Z', region: 'ap-southeast-2', source: 'role-last-used' },
    };
    const facts = await scenario({ identities: [role], extras: trailIn(PROD, 'us-east-1') });
    expect(facts.coverage.find((c) => c.detail?.regionsMissed)?.detail?.regionsMissed).toEqual([
      { region: 'ap-southeast-2', identityArn: roleArn, at: '2026-11-14T22:00:00Z', via: 'RoleLastUsed' },
    ]);

    const advisor: AccessAdvisorReport = {
      identityArn: operator,
      granularity: 'ACTION_LEVEL',
      completedAt: '2026-11-15T06:00:00Z',
      services: [
        { namespace: 'ec2', lastAuthenticated: '2026-11-13T10:00:00Z', lastAuthenticatedRegion: 'us-east-1' },
        { namespace: 's3', lastAuthenticated: '2026-11-11T10:00:00Z', trackedActions: [{ action: 's3:PutObject', lastAccessed: '2026-11-11T10:00:00Z', region: 'eu-central-1' }] },
      ],
    };
    const uses = regionUsesOf({ identity: { provider: 'aws', arn: operator, accountId: PROD, kind: 'user', name: 'instance-operator', tags: {} }, credentials: [], accessAdvisor: advisor }, Date.parse('2026-08-18T00:00:00Z'));
    expect(uses).toEqual([
      { region: 'us-east-1', identityArn: operator, at: '2026-11-13T10:00:00Z', via: 'Access Advisor (ec2)' },
      { region: 'eu-central-1', identityArn: operator, at: '2026-11-11T10:00:00Z', via: 'Access Advisor (s3:PutObject)' },
    ]);
  });

  it('names each missed region once, by its newest use, and leaves accounts without any CloudTrail alone', () => {
    const use = (region: string, at: string, identityArn = operator): RegionUse => ({ region, identityArn, at, via: 'RoleLastUsed' });
    const missed = regionsCloudTrailMissed(
      new Map([
        [PROD, [use('eu-west-1', '2026-11-01T00:00:00Z'), use('us-east-1', '2026-11-02T00:00:00Z'), use('eu-west-1', '2026-11-09T00:00:00Z', 'arn:aws:iam::111111111111:role/b'), use('ap-south-1', '2026-10-01T00:00:00Z')]],
        [STAGING, [use('eu-west-1', '2026-11-01T00:00:00Z')]],
      ]),
      new Map([[PROD, new Set(['us-east-1'])]]),
    );
    expect([...missed.keys()]).toEqual([PROD]);
    expect(missed.get(PROD)).toEqual([use('ap-south-1', '2026-10-01T00:00:00Z'), use('eu-west-1', '2026-11-09T00:00:00Z', 'arn:aws:iam::111111111111:role/b')]);
  });
});
