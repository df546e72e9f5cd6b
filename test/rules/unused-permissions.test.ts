import { describe, expect, it } from 'vitest';
import { unusedPermissions } from '../../src/rules/aws/unused-permissions.js';
import { unusedActionNames } from '../../src/analyse/granted-vs-used.js';
import { runRules } from '../../src/rules/engine.js';
import { windowDays, windowEndingAt } from '../../src/analyse/window.js';
import type { PolicyDocument } from '../../src/model/policy.js';
import type { AccessAdvisorReport, UsageDay } from '../../src/model/domain.js';
import type { Evidence } from '../../src/model/finding.js';
import { ruleCases, type RuleCase } from '../helpers/rule-cases.js';
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

interface ServiceDetail {
  service: string;
  dataLevel: 'service-level' | 'action-level';
  unused: number;
  unusedByAccessLevel: Record<string, number>;
  unusedActions: string[];
  unusedActionsTotal: number;
}
/** The per-service evidence items of an UnusedShare finding, in order. */
const serviceItems = (evidence: Evidence[]) =>
  evidence.filter((e) => e.kind === 'usage' && typeof e.detail?.service === 'string').map((e) => e.detail as unknown as ServiceDetail);
/** 0: unused Permissions management, 1: unused Write, 2: neither. */
const danger = (d: ServiceDetail) => (d.unusedByAccessLevel['Permissions management'] ? 0 : d.unusedByAccessLevel.Write ? 1 : 2);

const operatorProd = role(PROD, 'ops/instance-operator');
const operatorStaging = role(STAGING, 'ops/instance-operator');
const reporter = role(STAGING, 'report-agent');

const cases: RuleCase[] = [
  {
    name: 'fails medium, action-level from CloudTrail, when unused Write actions sit in production',
    spec: { identities: [{ arn: operatorProd, policies: [{ name: 'ec2-operator', document: ec2Operator }] }], usage: [call(operatorProd, 'ec2:DescribeInstances')], extras: fullCloudTrail(PROD) },
    outcome: 'fail',
    findings: [{ granular: 'UnusedShare', severity: 'medium' }],
    says: [
      'uses 1 of 4 granted actions (25%); 3 unused in 90 days across 1 service (action-level for 1)',
      'ec2 (Amazon EC2): 3 of 4 granted actions unused (action-level; 3 Write)',
      'action-level: CloudTrail (management events) saw no call of 3 granted action(s)',
      'Unused: ec2:StartInstances, ec2:StopInstances, ec2:TerminateInstances',
      'statement 1 (Sid OperateTeamInstances) grants 3 unused Write/Permissions management action(s) on arn:aws:ec2:*:*:instance/* only when its Condition holds (StringEquals aws:ResourceTag/team)',
      '75% unused (threshold 50%)',
      'environment production',
    ],
    never: ['every resource', 'unknown)', 'more service'],
  },
  {
    name: 'fails low for the same unused Write actions outside production',
    spec: { identities: [{ arn: operatorStaging, policies: [{ name: 'ec2-operator', document: ec2Operator }] }], usage: [call(operatorStaging, 'ec2:DescribeInstances')], extras: fullCloudTrail(STAGING) },
    outcome: 'fail',
    findings: [{ granular: 'UnusedShare', severity: 'low' }],
    says: ['3 unused in 90 days across 1 service (action-level for 1)', 'environment staging'],
  },
  {
    name: 'fails service-level from Access Advisor, and reports the service it does not list as unknown',
    spec: {
      identities: [{ arn: reporter, policies: [{ name: 'reports', document: reportsAndTables }, { name: 'queue', document: doc({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:222222222222:reports' }) }] }],
      accessAdvisor: [advisor(reporter, [{ namespace: 's3', lastAuthenticated: '2026-11-14T00:00:00Z' }, { namespace: 'dynamodb', lastAuthenticated: '2026-02-01T00:00:00Z' }])],
    },
    outcome: 'fail',
    findings: [{ granular: 'UnusedShare', severity: 'low' }],
    says: [
      'uses 0 of 82 granted actions (0%); 79 unused in 90 days across 1 service (service-level for 1); 3 unknown',
      'service-level: Access Advisor saw no access to dynamodb in the window',
      '1 granted service(s) no source observes, so their use is unknown (not counted as unused): sqs',
    ],
    never: ['action-level', 'sqs (', 'sqs:SendMessage'],
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
    findings: [{ granular: 'UnusedShare', severity: 'low' }],
    says: ['uses 1 of 2 granted actions (50%); 1 unused', '1 of 2 granted actions unused (action-level; 1 Write)', 'action-level: Access Advisor (tracked actions)', 'Unused: s3:PutObject'],
    never: ['service-level', 's3:GetObject,'],
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
  ruleCases(unusedPermissions, cases, {
    check: ({ facts, findings }, c) => {
      // One finding per failing identity, whose services are exactly those with unused actions; nothing
      // a source does not observe is ever listed as unused.
      expect(findings.length).toBe(c.outcome === 'fail' ? 1 : 0);
      for (const f of findings) {
        const identity = facts.context.identities[0]!;
        const audit = identity.audit;
        const listed = serviceItems(f.evidence);
        expect(listed.map((d) => d.service).sort()).toEqual(audit.services.filter((s) => s.unused > 0).map((s) => s.service).sort());
        for (const d of listed) {
          const service = audit.services.find((s) => s.service === d.service)!;
          expect(d.unusedActions).toEqual(unusedActionNames(identity.usage.unused, service.service, facts.context.catalog));
          expect(d.unusedActionsTotal).toBe(service.unused);
        }
      }
    },
  });

  it('honours thresholds.unusedPermissionRatio', async () => {
    const spec: ScenarioSpec = { identities: [{ arn: operatorProd, policies: [{ name: 'ec2-operator', document: ec2Operator }] }], usage: [call(operatorProd, 'ec2:DescribeInstances')], extras: fullCloudTrail(PROD) };
    const lenient = await scenario(spec, { config: testConfig(`${TEST_CONFIG_YAML}\nthresholds:\n  unusedPermissionRatio: 0.8\n`) });
    expect(unusedPermissions.evaluate(lenient.context)[0]!.outcome).toBe('pass');
  });

  it('reports a broad grant across many services as one finding, most dangerous services first, at most 20 listed', async () => {
    const arn = role(PROD, 'platform/broad');
    // Read-only services granted List* (many actions each), plus a few unused Write and Permissions management actions.
    const readOnly = ['cloudwatch', 'logs', 'ec2', 'lambda', 'sns', 'dynamodb', 'ecs', 'eks', 'cloudformation', 'route53', 'kms', 'ssm', 'athena', 'kinesis', 'states', 'events', 'apigateway', 'codebuild', 'codepipeline', 'config', 'guardduty', 'firehose'];
    const broad = doc(
      { Sid: 'ReadEverything', Effect: 'Allow', Action: readOnly.map((s) => `${s}:List*`), Resource: '*' },
      { Sid: 'Queues', Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:DeleteMessage', 'sqs:PurgeQueue'], Resource: 'arn:aws:sqs:us-east-1:111111111111:jobs' },
      { Sid: 'RolePolicies', Effect: 'Allow', Action: ['iam:PutRolePolicy', 'iam:AttachRolePolicy'], Resource: 'arn:aws:iam::111111111111:role/app-*' },
    );
    // Access Advisor lists every service but logs and events as never accessed; CloudTrail covers the window.
    const listed = [...readOnly, 'sqs', 'iam'].filter((s) => s !== 'logs' && s !== 'events');
    const facts = await scenario({
      identities: [{ arn, policies: [{ name: 'broad', document: broad }] }],
      usage: [call(arn, 'logs:ListLogGroups')],
      accessAdvisor: [advisor(arn, listed.map((namespace) => ({ namespace })))],
      extras: fullCloudTrail(PROD),
    });
    const [evaluation] = unusedPermissions.evaluate(facts.context);
    expect(evaluation!.outcome).toBe('fail');
    const { findings } = runRules([unusedPermissions], facts.context);
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f!.granular).toBe('UnusedShare');
    expect(f!.severity).toBe('medium');

    const audit = facts.context.identities[0]!.audit;
    const withUnused = audit.services.filter((s) => s.unused > 0);
    expect(withUnused.length).toBe(24);
    const serviceLevel = withUnused.filter((s) => listed.includes(s.service)).length;
    expect(f!.title).toBe(
      `uses 1 of ${audit.granted.actions} granted actions (${Math.round((100 / audit.granted.actions) * 100) / 100}%); ` +
        `${audit.unused.actions} unused in 90 days across 24 services (action-level for ${24 - serviceLevel}, service-level for ${serviceLevel})` +
        (audit.unknown.actions ? `; ${audit.unknown.actions} unknown` : ''),
    );

    // The overall numbers first, then the 20 most dangerous services.
    expect(f!.evidence[0]!.summary).toContain(`${audit.unused.actions} unused, 1 used`);
    const items = serviceItems(f!.evidence);
    expect(items).toHaveLength(20);
    expect(f!.evidence.slice(1, 21).map((e) => e.detail?.service)).toEqual(items.map((d) => d.service));
    expect(items[0]!.service).toBe('iam');
    expect(items[1]!.service).toBe('sqs');
    expect(items[0]!.unusedByAccessLevel).toEqual({ 'Permissions management': 2 });
    expect(items[1]!.unusedByAccessLevel).toEqual({ Write: 3 });
    // iam and sqs lead although every read-only service has more unused actions.
    expect(Math.min(...items.slice(2).map((d) => d.unused))).toBeGreaterThan(3);
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1]!, items[i]!];
      expect(danger(a) < danger(b) || (danger(a) === danger(b) && a.unused >= b.unused)).toBe(true);
    }
    for (const d of items) expect(d.dataLevel).toBe(listed.includes(d.service) ? 'service-level' : 'action-level');

    // One item sums up the rest, which are the least unused of the read-only services.
    const shown = new Set(items.map((d) => d.service));
    const rest = withUnused.filter((s) => !shown.has(s.service));
    expect(rest).toHaveLength(4);
    const note = f!.evidence[21]!;
    expect(note.summary).toBe(`… and 4 more services with ${rest.reduce((n, s) => n + s.unused, 0)} unused actions`);
    expect(Math.max(...rest.map((s) => s.unused))).toBeLessThanOrEqual(Math.min(...items.slice(2).map((d) => d.unused)));

    // Then the statements granting the unused Write/Permissions management actions, and the environment.
    const text = f!.evidence.map((e) => e.summary).join('\n');
    expect(text).toContain('statement 2 (Sid RolePolicies) grants 2 unused Write/Permissions management action(s)');
    expect(text).toContain('statement 1 (Sid Queues) grants 3 unused Write/Permissions management action(s)');
    expect(text).not.toContain('Sid ReadEverything');
    expect(text).toContain('environment production');
  });

  it('names at most 100 unused actions per service, the most dangerous first, with the complete total', async () => {
    const arn = role(STAGING, 'ec2-admin');
    const facts = await scenario({
      identities: [{ arn, policies: [{ name: 'ec2-all', document: doc({ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }) }] }],
      accessAdvisor: [advisor(arn, [{ namespace: 'ec2' }])],
    });
    const { findings } = runRules([unusedPermissions], facts.context);
    expect(findings).toHaveLength(1);
    const identity = facts.context.identities[0]!;
    const service = identity.audit.services.find((s) => s.service === 'ec2')!;
    expect(service.unused).toBeGreaterThan(200);
    const [item] = serviceItems(findings[0]!.evidence);
    expect(item!.dataLevel).toBe('service-level');
    expect(item!.unusedActions).toHaveLength(100);
    expect(item!.unusedActions).toEqual(unusedActionNames(identity.usage.unused, 'ec2', facts.context.catalog));
    expect(new Set(item!.unusedActions as string[]).size).toBe(100);
    for (const a of item!.unusedActions as string[]) expect(identity.usage.unused.has(facts.context.catalog.indexOf(a)!)).toBe(true);
    expect(item!.unusedActionsTotal).toBe(service.unused);
    // Permissions management first, then writes.
    const levels = (item!.unusedActions as string[]).map((a) => facts.context.catalog.accessLevelAt(facts.context.catalog.indexOf(a)!));
    const firstWrite = levels.indexOf('Write');
    expect(levels.slice(0, firstWrite).every((l) => l === 'Permissions management')).toBe(true);
    expect(levels.slice(firstWrite).every((l) => l === 'Write')).toBe(true);
    expect(Object.values(service.unusedByAccessLevel).reduce((a, b) => a + b, 0)).toBe(service.unused);
    expect(findings[0]!.severity).toBe('low');
    expect(findings[0]!.title).toBe(`uses 0 of ${service.granted} granted actions (0%); ${service.unused} unused in 90 days across 1 service (service-level for 1)`);
  });
});
