import { describe, expect, it } from 'vitest';
import { unusedPermissions } from '../../src/rules/aws/unused-permissions.js';
import { runRules } from '../../src/rules/engine.js';
import { windowDays, windowEndingAt } from '../../src/analyse/window.js';
import type { PolicyDocument } from '../../src/model/policy.js';
import type { AccessAdvisorReport, UsageDay } from '../../src/model/domain.js';
import type { RuleOutcome, Severity } from '../../src/model/finding.js';
import { scenario, testConfig, TEST_CONFIG_YAML, AS_OF, PROD, STAGING, type ScenarioSpec } from '../helpers/scenario.js';

const doc = (...Statement: PolicyDocument['Statement'][]): PolicyDocument => ({ Version: '2012-10-17', Statement: Statement.flat() });
const role = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

/** Instance operator: four management-event actions, scoped to one team's instances by tag. */
const ec2Operator = doc(
  { Sid: 'Describe', Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' },
  {
    Sid: 'OperateTeamInstances',
    Effect: 'Allow',
    Action: ['ec2:StartInstances', 'ec2:StopInstances', 'ec2:TerminateInstances'],
    Resource: 'arn:aws:ec2:*:*:instance/*',
    Condition: { StringEquals: { 'aws:ResourceTag/team': 'reports' } },
  },
);
const reportsAndTables = doc(
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::acme-reports', 'arn:aws:s3:::acme-reports/*'] },
  { Sid: 'Tables', Effect: 'Allow', Action: 'dynamodb:*', Resource: 'arn:aws:dynamodb:us-east-1:222222222222:table/reports-*' },
);

const fullCloudTrail = (accountId: string) => ({
  cloudTrailDays: windowDays(windowEndingAt(AS_OF, 90)).map((day) => ({ accountId, region: 'us-east-1', day })),
});
const call = (identityArn: string, action: string, day = '2026-11-10'): UsageDay => ({
  identityArn,
  credentialId: 'ASIAY34FZKBOKMUTVV7A',
  action,
  day,
  count: 12,
  denied: 0,
  lastSeen: `${day}T08:00:00.000Z`,
});
const advisor = (identityArn: string, services: AccessAdvisorReport['services'], granularity: AccessAdvisorReport['granularity'] = 'SERVICE_LEVEL'): AccessAdvisorReport => ({
  identityArn,
  granularity,
  completedAt: '2026-11-15T06:00:00Z',
  services,
});

interface Case {
  name: string;
  spec: ScenarioSpec;
  outcome: RuleOutcome;
  findings?: { granular: string; severity: Severity }[];
  says?: string[];
  never?: string[];
}

const operatorProd = role(PROD, 'ops/instance-operator');
const operatorStaging = role(STAGING, 'ops/instance-operator');
const reporter = role(STAGING, 'report-agent');

const cases: Case[] = [
  {
    name: 'fails medium, action-level from CloudTrail, when unused Write actions sit in production',
    spec: { identities: [{ arn: operatorProd, policies: [{ name: 'ec2-operator', document: ec2Operator }] }], usage: [call(operatorProd, 'ec2:DescribeInstances')], extras: fullCloudTrail(PROD) },
    outcome: 'fail',
    findings: [{ granular: 'Service::ec2', severity: 'medium' }],
    says: [
      'ec2 (Amazon EC2): 3 of 4 granted actions unused in 90 days (action-level; 3 Write)',
      'action-level: CloudTrail (management events) saw no call of 3 granted action(s)',
      'Unused: ec2:StartInstances, ec2:StopInstances, ec2:TerminateInstances',
      'statement 1 (Sid OperateTeamInstances) grants 3 unused ec2 action(s) on arn:aws:ec2:*:*:instance/* only when its Condition holds (StringEquals aws:ResourceTag/team)',
      '75% unused (threshold 50%)',
    ],
    never: ['every resource'],
  },
  {
    name: 'fails low for the same unused Write actions outside production',
    spec: { identities: [{ arn: operatorStaging, policies: [{ name: 'ec2-operator', document: ec2Operator }] }], usage: [call(operatorStaging, 'ec2:DescribeInstances')], extras: fullCloudTrail(STAGING) },
    outcome: 'fail',
    findings: [{ granular: 'Service::ec2', severity: 'low' }],
  },
  {
    name: 'fails service-level from Access Advisor, and reports the service it does not list as unknown',
    spec: {
      identities: [{ arn: reporter, policies: [{ name: 'reports', document: reportsAndTables }, { name: 'queue', document: doc({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:222222222222:reports' }) }] }],
      accessAdvisor: [advisor(reporter, [{ namespace: 's3', lastAuthenticated: '2026-11-14T00:00:00Z' }, { namespace: 'dynamodb', lastAuthenticated: '2026-02-01T00:00:00Z' }])],
    },
    outcome: 'fail',
    findings: [{ granular: 'Service::dynamodb', severity: 'low' }],
    says: ['service-level: Access Advisor saw no access to dynamodb in the window', '1 granted service(s) no source observes, so their use is unknown (not counted as unused): sqs'],
  },
  {
    name: 'fails action-level on Access Advisor tracked actions, leaving untracked ones unknown',
    spec: {
      identities: [{ arn: reporter, policies: [{ name: 'objects', document: doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::acme-reports/*' }) }] }],
      accessAdvisor: [
        advisor(
          reporter,
          [
            {
              namespace: 's3',
              lastAuthenticated: '2026-11-14T00:00:00Z',
              trackedActions: [
                { action: 'GetObject', lastAccessed: '2026-11-14T00:00:00Z' },
                { action: 'PutObject', lastAccessed: '2026-01-14T00:00:00Z' },
              ],
            },
          ],
          'ACTION_LEVEL',
        ),
      ],
    },
    outcome: 'fail',
    findings: [{ granular: 'Service::s3', severity: 'low' }],
    says: ['1 of 2 granted actions unused', 'action-level: Access Advisor (tracked actions)', 'Unused: s3:PutObject'],
  },
  {
    name: 'passes when CloudTrail saw every granted action used',
    spec: {
      identities: [{ arn: operatorProd, policies: [{ name: 'ec2-operator', document: ec2Operator }] }],
      usage: ['ec2:DescribeInstances', 'ec2:StartInstances', 'ec2:StopInstances'].map((a) => call(operatorProd, a)),
      extras: fullCloudTrail(PROD),
    },
    outcome: 'pass',
  },
  {
    name: 'is not applicable when no source observes enough of the grant to decide',
    spec: { identities: [{ arn: operatorProd, policies: [{ name: 'ec2-operator', document: ec2Operator }] }], usage: [call(operatorProd, 'ec2:DescribeInstances')] },
    outcome: 'not-applicable',
    says: ['0 unused, 1 used, 3 unknown of 4 granted actions', 'no source observes 3 actions, enough to reach it'],
  },
  {
    name: 'is not applicable to an identity that is granted nothing',
    spec: { identities: [{ arn: role(PROD, 'empty'), policies: [] }] },
    outcome: 'not-applicable',
    says: ['grants no catalog action'],
  },
];

describe('aws.unused-permissions', () => {
  it.each(cases)('$name', async (c) => {
    const facts = await scenario(c.spec);
    const [evaluation] = unusedPermissions.evaluate(facts.context);
    expect(evaluation!.outcome).toBe(c.outcome);
    const { findings } = runRules([unusedPermissions], facts.context);
    const got = findings.map((f) => ({ granular: f.granular!, severity: f.severity })).sort((a, b) => a.granular.localeCompare(b.granular));
    expect(got).toEqual([...(c.findings ?? [])].sort((a, b) => a.granular.localeCompare(b.granular)));
    expect(new Set(findings.map((f) => `${f.credentialId ?? ''}|${f.granular}`)).size).toBe(findings.length);
    const text = [evaluation!.reason ?? '', ...findings.flatMap((f) => [f.title, ...f.evidence.map((e) => e.summary)])].join('\n');
    for (const s of c.says ?? []) expect(text).toContain(s);
    for (const s of c.never ?? []) expect(text).not.toContain(s);
    // Nothing a source does not observe is ever listed as unused.
    for (const f of findings) {
      const detail = f.evidence[0]!.detail as { unusedActions: string[] };
      const service = facts.context.identities[0]!.audit.services.find((s) => `Service::${s.service}` === f.granular)!;
      expect(detail.unusedActions).toEqual(service.unusedActions);
    }
  });

  it('honours thresholds.unusedPermissionRatio', async () => {
    const spec: ScenarioSpec = { identities: [{ arn: operatorProd, policies: [{ name: 'ec2-operator', document: ec2Operator }] }], usage: [call(operatorProd, 'ec2:DescribeInstances')], extras: fullCloudTrail(PROD) };
    const lenient = await scenario(spec, { config: testConfig(`${TEST_CONFIG_YAML}\nthresholds:\n  unusedPermissionRatio: 0.8\n`) });
    expect(unusedPermissions.evaluate(lenient.context)[0]!.outcome).toBe('pass');
  });
});
