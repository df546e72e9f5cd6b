import { beforeAll, describe, expect, it } from 'vitest';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { EffectiveGrantCalculator } from '../../src/analyse/aws/effective-grant.js';
import { auditIdentity, type IdentityAuditInput, type UsageRow } from '../../src/analyse/granted-vs-used.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { grantViewOf, managementActions } from '../../src/analyse/scan-facts.js';
import type { AccessAdvisorReport, Identity, PolicyAttachment, StoredPolicy } from '../../src/model/domain.js';
import type { PolicyDocument } from '../../src/model/policy.js';

const window = windowEndingAt(new Date('2026-11-15T12:00:00Z'), 90);
const arn = 'arn:aws:iam::111111111111:role/deploy-agent';
const identity: Identity = { provider: 'aws', arn, accountId: '111111111111', kind: 'role', name: 'deploy-agent', tags: {} };

let catalog: AwsActionCatalog;
beforeAll(async () => {
  catalog = await loadAwsActionCatalog();
});

function input(document: PolicyDocument, extra: Partial<IdentityAuditInput> = {}): IdentityAuditInput {
  const policy: StoredPolicy = { hash: 'h1', document };
  const attachment: PolicyAttachment = { identityArn: arn, policyHash: 'h1', kind: 'inline', policyName: 'agent' };
  const grant = new EffectiveGrantCalculator(catalog).compute(arn, [attachment], new Map([['h1', policy]]));
  return {
    identity,
    credentials: [],
    attachments: [attachment],
    grant: grantViewOf(grant),
    catalog,
    managementActions: managementActions(catalog),
    usage: [],
    cloudTrailCoversWindow: false,
    cloudTrailSeen: false,
    window,
    ...extra,
  };
}

const allow = (Action: string | string[], Resource: string | string[] = '*'): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource }],
});

const row = (action: string, count: number, denied = 0, lastSeen = '2026-11-10T08:00:00Z'): UsageRow => ({
  credentialId: '',
  action,
  count,
  denied,
  lastSeen,
});

describe('granted vs used', () => {
  it('says unknown, not unused, when no source observes the identity', () => {
    const audit = auditIdentity(input(allow('iam:*')));
    const iamCount = catalog.service('iam')!.end - catalog.service('iam')!.start;
    expect(audit.granted.actions).toBe(iamCount);
    expect(audit.unused.actions).toBe(0);
    expect(audit.unknown.actions).toBe(iamCount);
    expect(audit.status).toBe('unknown');
    expect(audit.services[0]).toMatchObject({ service: 'iam', status: 'unknown' });
  });

  it('uses CloudTrail for management events only when every window day was ingested', () => {
    const usage = [row('iam:ListUsers', 12)];
    const covered = auditIdentity(input(allow(['iam:ListUsers', 'iam:CreateUser', 's3:GetObject']), { usage, cloudTrailSeen: true, cloudTrailCoversWindow: true }));
    const byService = Object.fromEntries(covered.services.map((s) => [s.service, s]));
    expect(byService.iam!.usedActions.map((a) => a.action)).toEqual(['iam:ListUsers']);
    expect(byService.iam!.usedActions[0]).toMatchObject({ calls: 12, sources: ['cloudtrail'] });
    expect(byService.iam!.unusedActions).toEqual(['iam:CreateUser']);
    // A data event: a default trail cannot see it, so it stays unknown.
    expect(byService.s3).toMatchObject({ status: 'unknown', unknown: 1, unused: 0 });
    expect(covered.status).toBe('used');

    const partial = auditIdentity(input(allow(['iam:ListUsers', 'iam:CreateUser']), { usage, cloudTrailSeen: true, cloudTrailCoversWindow: false }));
    expect(partial.unused.actions).toBe(0);
    expect(partial.unknown.actions).toBe(1);
    expect(partial.used.actions).toBe(1);
  });

  it('counts denied calls as a signal, not as use', () => {
    const audit = auditIdentity(input(allow('iam:ListUsers'), { usage: [row('iam:ListUsers', 0, 5), row('iam:DeleteUser', 0, 2)] }));
    expect(audit.used.actions).toBe(0);
    expect(audit.deniedCalls).toEqual([
      { action: 'iam:ListUsers', count: 5 },
      { action: 'iam:DeleteUser', count: 2 },
    ]);
  });

  it('takes service and tracked-action evidence from Access Advisor', () => {
    const report: AccessAdvisorReport = {
      identityArn: arn,
      granularity: 'ACTION_LEVEL',
      completedAt: '2026-11-14T00:00:00Z',
      services: [
        {
          namespace: 's3',
          lastAuthenticated: '2026-11-01T10:00:00Z',
          trackedActions: [{ action: 'ListAllMyBuckets', lastAccessed: '2026-11-01T10:00:00Z' }, { action: 'CreateBucket' }],
        },
        { namespace: 'dynamodb' },
        { namespace: 'ec2', lastAuthenticated: '2025-01-01T00:00:00Z' },
      ],
    };
    const audit = auditIdentity(
      input(allow(['s3:ListAllMyBuckets', 's3:CreateBucket', 's3:PutBucketPolicy', 'dynamodb:DeleteTable', 'ec2:TerminateInstances']), { accessAdvisor: report }),
    );
    const s = Object.fromEntries(audit.services.map((x) => [x.service, x]));
    expect(s.s3!.status).toBe('used');
    expect(s.s3!.usedActions).toMatchObject([{ action: 's3:ListAllMyBuckets', sources: ['access-advisor'] }]);
    expect(s.s3!.unusedActions).toEqual(['s3:CreateBucket']);
    // Used service, untracked action: Access Advisor cannot tell which action.
    expect(s.s3!.unknown).toBe(1);
    expect(s.dynamodb).toMatchObject({ status: 'unused', unusedActions: ['dynamodb:DeleteTable'] });
    // Last used before the window: unused within it.
    expect(s.ec2).toMatchObject({ status: 'unused', unused: 1 });
    expect(audit.lastUsed).toMatchObject({ at: '2026-11-01T10:00:00Z', source: 'access-advisor' });
  });

  it('never reports a resource-scoped or conditioned grant as unrestricted', () => {
    const audit = auditIdentity(
      input({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::prod-data/*' },
          { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } } },
          { Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
        ],
      }),
    );
    expect(audit.granted).toMatchObject({ actions: 3, unrestricted: 1 });
  });

  it('reports credential age and calls per key', () => {
    const audit = auditIdentity(
      input(allow('iam:ListUsers'), {
        identity: { ...identity, kind: 'user', arn: 'arn:aws:iam::111111111111:user/ci', name: 'ci' },
        credentials: [
          { provider: 'aws', id: 'AKIAEXAMPLEKEY000001', identityArn: 'arn:aws:iam::111111111111:user/ci', accountId: '111111111111', kind: 'access-key', active: true, rotatedAt: '2025-10-01T00:00:00Z' },
        ],
        usage: [{ ...row('iam:ListUsers', 3), credentialId: 'AKIAEXAMPLEKEY000001' }],
      }),
    );
    expect(audit.credentials[0]).toMatchObject({ ageDays: 410, calls: 3 });
  });
});

describe('granted vs used: sources that disagree', () => {
  it('does not call actions unused on CloudTrail silence when Access Advisor saw the service used', async () => {
    const report: AccessAdvisorReport = {
      identityArn: arn,
      granularity: 'SERVICE_LEVEL',
      services: [{ namespace: 'backup', lastAuthenticated: '2026-11-14T03:00:00Z' }],
    };
    const audit = auditIdentity(
      input(allow(['backup:StartBackupJob', 'backup:DeleteRecoveryPoint', 'iam:ListUsers']), {
        accessAdvisor: report,
        cloudTrailSeen: true,
        cloudTrailCoversWindow: true,
      }),
    );
    const s = Object.fromEntries(audit.services.map((x) => [x.service, x]));
    expect(s.backup).toMatchObject({ status: 'used', used: 0, unused: 0, unknown: 2 });
    // Other services keep CloudTrail's word.
    expect(s.iam).toMatchObject({ status: 'unused', unused: 1 });
  });
});

describe('granted vs used: Access Advisor job age', () => {
  const advisor = (completedAt: string | undefined): AccessAdvisorReport => ({
    identityArn: arn,
    granularity: 'SERVICE_LEVEL',
    ...(completedAt ? { completedAt } : {}),
    services: [{ namespace: 'iam' }, { namespace: 's3', lastAuthenticated: '2026-09-01T10:00:00Z' }],
  });
  const audit = (completedAt: string | undefined) =>
    Object.fromEntries(
      auditIdentity(input(allow(['iam:ListUsers', 'iam:CreateUser', 's3:GetObject']), { accessAdvisor: advisor(completedAt) })).services.map((x) => [x.service, x]),
    );

  it('takes silence as unused when the job completed at the end of the window', () => {
    const s = audit('2026-11-15T06:00:00Z');
    expect(s.iam).toMatchObject({ status: 'unused', unused: 2, unknown: 0, observedBy: ['access-advisor'] });
    expect(s.s3).toMatchObject({ status: 'used' });
  });

  it('keeps the use a stale job saw, but its silence leaves the rest of the window unknown', () => {
    // Completed a month before the window ends: nothing after 2026-10-15 was observed.
    const s = audit('2026-10-15T06:00:00Z');
    expect(s.iam).toMatchObject({ status: 'unknown', unused: 0, unknown: 2, observedBy: [] });
    expect(s.s3).toMatchObject({ status: 'used', lastUsed: '2026-09-01T10:00:00Z' });
  });

  it('does not let a report without a completion date speak for the window', () => {
    expect(audit(undefined).iam).toMatchObject({ status: 'unknown', unused: 0 });
  });
});

describe('granted vs used: sets for rules', () => {
  it('returns the used and unused actions as sets that agree with the counts, unknown in neither', async () => {
    const { auditIdentityWithSets } = await import('../../src/analyse/granted-vs-used.js');
    const { audit, used, unused } = auditIdentityWithSets(
      input(allow(['iam:*', 's3:GetObject']), { usage: [row('iam:ListUsers', 4)], cloudTrailSeen: true, cloudTrailCoversWindow: true }),
    );
    expect(used.size).toBe(audit.used.actions);
    expect(unused.size).toBe(audit.unused.actions);
    expect(used.has(catalog.indexOf('iam:ListUsers')!)).toBe(true);
    expect(unused.has(catalog.indexOf('iam:CreateUser')!)).toBe(true);
    // s3:GetObject is a data event: unknown, so in neither set.
    const getObject = catalog.indexOf('s3:GetObject')!;
    expect(used.has(getObject) || unused.has(getObject)).toBe(false);
    // More unused iam actions than the report names: the set is complete.
    expect(unused.size).toBeGreaterThan(100);
  });
});
