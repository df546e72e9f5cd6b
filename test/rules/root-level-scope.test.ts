/**
 * aws.root-level-scope through the real store and facts: pass / fail /
 * not-applicable tables, and every risk-defining catalog entry detected
 * from a minimal policy granting exactly it.
 */
import { describe, expect, it } from 'vitest';
import {
  ADMIN_POLICY_NAMES,
  ROOT_LEVEL_ACTIONS,
  ROOT_LEVEL_SERVICES,
  isReadOnlyName,
} from '../../src/catalog/root-level-scope.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import type { PolicyDocument, PolicyStatement } from '../../src/model/policy.js';
import type { Severity } from '../../src/model/finding.js';
import { rootLevelCitedPolicy, rootLevelScope } from '../../src/rules/aws/root-level-scope.js';
import type { RuleEvaluation } from '../../src/rules/rule.js';
import { evidenceOf } from '../../src/rules/lazy-evidence.js';
import { PROD, STAGING, scenario, type IdentitySpec, type ScenarioSpec } from '../helpers/scenario.js';

/** An account no config rule names: its environment is unknown, which counts as production. */
const UNKNOWN = '333333333333';

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Partial<PolicyStatement> = {}): PolicyStatement => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const role = (account: string, name: string, ...policies: NonNullable<IdentitySpec['policies']>): IdentitySpec => ({
  arn: `arn:aws:iam::${account}:role/${name}`,
  policies,
});
const inline = (name: string, document: PolicyDocument) => ({ name, document });
const ADMIN_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const administratorAccess = { name: 'AdministratorAccess', kind: 'managed' as const, arn: ADMIN_ARN, document: doc(allow('*')) };

async function evaluate(spec: ScenarioSpec): Promise<RuleEvaluation[]> {
  const { context } = await scenario(spec);
  const evaluations = rootLevelScope.evaluate(context);
  // Every identity looked at has an outcome, and no two findings share (credential, granular).
  expect(evaluations.map((e) => e.identityArn).sort()).toEqual(spec.identities.map((i) => i.arn).sort());
  for (const e of evaluations) {
    const keys = e.findings.map((f) => `${f.credentialId ?? ''}|${f.granular}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const f of e.findings) expect(f.granular).toBeTruthy();
  }
  return evaluations;
}

async function one(identity: IdentitySpec): Promise<RuleEvaluation> {
  return (await evaluate({ identities: [identity] }))[0]!;
}

const summary = (e: RuleEvaluation) => ({ outcome: e.outcome, findings: e.findings.map((f) => `${f.severity} ${f.granular}`).sort() });

interface Case {
  name: string;
  identity: IdentitySpec;
  outcome: RuleEvaluation['outcome'];
  findings?: string[];
}

const CASES: Case[] = [
  {
    name: 'AdministratorAccess on a production role',
    identity: role(PROD, 'ops-ai-agent', administratorAccess),
    outcome: 'fail',
    findings: ['critical Action::*'],
  },
  {
    name: 'inline Allow * on * in staging: high, not critical',
    identity: role(STAGING, 'staging-agent', inline('admin', doc(allow('*')))),
    outcome: 'fail',
    findings: ['high Action::*'],
  },
  {
    name: 'Allow * on * in an account of unknown environment counts as production',
    identity: role(UNKNOWN, 'mystery-deployer', inline('admin', doc(allow('*')))),
    outcome: 'fail',
    findings: ['critical Action::*'],
  },
  {
    name: 'Allow * on * under a Condition: one step lower',
    identity: role(PROD, 'regional-admin', inline('admin-us', doc(allow('*', '*', { Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } })))),
    outcome: 'fail',
    findings: ['high Action::*'],
  },
  {
    name: 'an equivalent of AdministratorAccess from two policies (NotAction iam:* + iam:*)',
    identity: role(PROD, 'split-admin', inline('power', doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })), inline('iam', doc(allow('iam:*')))),
    outcome: 'fail',
    findings: ['critical Action::*'],
  },
  {
    name: 'PowerUserAccess-like NotAction: one near-total finding, not hundreds',
    identity: role(PROD, 'power-user', inline('power', doc({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }))),
    outcome: 'fail',
    findings: ['critical Action::*-except'],
  },
  {
    name: 'Allow * with an unconditional Deny of iam:*: near-total, not *',
    identity: role(PROD, 'no-iam-admin', inline('admin', doc(allow('*'), { Effect: 'Deny', Action: 'iam:*', Resource: '*' }))),
    outcome: 'fail',
    findings: ['critical Action::*-except'],
  },
  {
    name: 'Allow * on * inside a boundary scoped to one bucket is not root-level',
    identity: role(
      PROD,
      'bounded-admin',
      inline('admin', doc(allow('*'))),
      { name: 'app-boundary', kind: 'permissions-boundary', arn: `arn:aws:iam::${PROD}:policy/app-boundary`, document: doc(allow('s3:*', ['arn:aws:s3:::acme-app', 'arn:aws:s3:::acme-app/*'])) },
    ),
    outcome: 'pass',
  },
  {
    name: 'iam:* on *: one service-wide finding, its Permissions management actions not repeated',
    identity: role(PROD, 'iam-manager', inline('iam', doc(allow('iam:*')))),
    outcome: 'fail',
    findings: ['critical Action::iam:*'],
  },
  {
    name: 'iam:PutRolePolicy on *',
    identity: role(PROD, 'policy-writer', inline('put', doc(allow('iam:PutRolePolicy')))),
    outcome: 'fail',
    findings: ['critical Action::iam:PutRolePolicy'],
  },
  {
    name: 'iam:PutRolePolicy scoped to app roles is not root-level',
    identity: role(PROD, 'scoped-policy-writer', inline('put', doc(allow('iam:PutRolePolicy', `arn:aws:iam::${PROD}:role/app-*`)))),
    outcome: 'pass',
  },
  {
    name: 'iam:AttachRolePolicy on * only for one policy ARN (Condition): high, condition in evidence',
    identity: role(
      PROD,
      'conditioned-attacher',
      inline('attach', doc(allow('iam:AttachRolePolicy', '*', { Condition: { ArnEquals: { 'iam:PolicyARN': `arn:aws:iam::${PROD}:policy/app-read` } } }))),
    ),
    outcome: 'fail',
    findings: ['high Action::iam:AttachRolePolicy'],
  },
  {
    name: 's3:* on *: its Permissions management actions one by one (s3 is not a root-level service)',
    identity: role(STAGING, 'exfiller', inline('tmp', doc(allow(['s3:PutBucketPolicy', 's3:PutBucketAcl', 's3:GetObject'])))),
    outcome: 'fail',
    findings: ['high Action::s3:PutBucketAcl', 'high Action::s3:PutBucketPolicy'],
  },
  {
    name: 'sts:AssumeRole on *',
    identity: role(PROD, 'hopper', inline('assume', doc(allow('sts:AssumeRole')))),
    outcome: 'fail',
    findings: ['critical Action::sts:AssumeRole'],
  },
  {
    name: 'sts:AssumeRole on one named role is not root-level',
    identity: role(PROD, 'deploy-hopper', inline('assume', doc(allow('sts:AssumeRole', `arn:aws:iam::${STAGING}:role/deployer`)))),
    outcome: 'pass',
  },
  {
    name: 'read-only grants on *',
    identity: role(PROD, 'reader', inline('read', doc(allow(['s3:GetObject', 's3:ListBucket', 'ec2:Describe*'])))),
    outcome: 'pass',
  },
  {
    name: 'a read-named action the catalog classes Permissions management is not reported alone',
    identity: role(PROD, 'backup-reader', inline('read', doc(allow('backup:ListIndexedRecoveryPointsForSearch')))),
    outcome: 'pass',
  },
  {
    name: 'no policies at all',
    identity: role(PROD, 'empty'),
    outcome: 'not-applicable',
  },
  {
    name: 'a policy that cannot be read and nothing else: never pass',
    identity: role(PROD, 'broken', inline('bad', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 5, Resource: '*' }] } as unknown as PolicyDocument)),
    outcome: 'error',
  },
];

describe('aws.root-level-scope', () => {
  it('has the rule metadata the docs are generated from', () => {
    expect(rootLevelScope).toMatchObject({ id: 'aws.root-level-scope', title: 'Root-level scope', severity: 'critical' });
    expect(rootLevelScope.references.length).toBeGreaterThan(0);
    for (const url of rootLevelScope.references) expect(url).toMatch(/^https:\/\//);
  });

  it.each(CASES)('$name → $outcome', async (c) => {
    const e = await one(c.identity);
    expect(summary(e)).toEqual({ outcome: c.outcome, findings: (c.findings ?? []).sort() });
  });

  it('names AdministratorAccess and its statement, and says usage is unknown when no source observes it', async () => {
    const e = await one(role(PROD, 'ops-ai-agent', administratorAccess));
    const [f] = e.findings;
    expect(f!.title).toContain('AdministratorAccess');
    const statement = f!.evidence.find((x) => x.kind === 'policy-statement')!;
    expect(statement.detail).toMatchObject({ policyArn: ADMIN_ARN, policyKind: 'managed', statementIndex: 0, resources: ['*'], awsManagedAdministrator: true });
    expect(statement.summary).toContain('every resource (*)');
    const usage = f!.evidence.find((x) => x.kind === 'usage')!;
    expect(usage.summary).toMatch(/unknown/);
    expect(usage.summary).not.toMatch(/not used/);
    expect(f!.evidence.find((x) => x.kind === 'environment')!.detail).toMatchObject({ environment: 'production' });
  });

  it('never describes a conditioned grant as unconditional: the condition is in the evidence', async () => {
    const condition = { ArnEquals: { 'iam:PolicyARN': `arn:aws:iam::${PROD}:policy/app-read` } };
    const e = await one(role(PROD, 'conditioned-attacher', inline('attach', doc(allow('iam:AttachRolePolicy', '*', { Sid: 'OnlyAppRead', Condition: condition })))));
    const statement = e.findings[0]!.evidence.find((x) => x.kind === 'policy-statement')!;
    expect(statement.detail).toMatchObject({ sid: 'OnlyAppRead', condition, resources: ['*'] });
    expect(statement.summary).toContain('only under Condition ArnEquals iam:PolicyARN');
    expect(e.findings[0]!.title).toContain('only under a Condition');
  });

  it('lists the Permissions management actions inside a service-wide finding once', async () => {
    const e = await one(role(PROD, 'iam-manager', inline('iam', doc(allow('iam:*')))));
    const note = e.findings[0]!.evidence.find((x) => x.detail && 'permissionsManagementCount' in x.detail)!;
    expect(note.detail!.permissionsManagementCount).toBeGreaterThan(10);
    expect(note.detail!.permissionsManagement as string[]).toContain('iam:PutRolePolicy');
  });

  it('a near-total grant names what it lacks', async () => {
    const e = await one(role(PROD, 'power-user', inline('power', doc({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }))));
    const missing = e.findings[0]!.evidence.find((x) => x.detail && 'missingByService' in x.detail)!;
    expect(Object.keys(missing.detail!.missingByService as object).sort()).toEqual(['account', 'iam', 'organizations']);
    expect(e.findings[0]!.evidence.find((x) => x.kind === 'policy-statement')!.summary).toContain('NotAction');
  });

  it('reports used / unused / unknown from the audit, never unused where it is unknown', async () => {
    const arn = (name: string) => `arn:aws:iam::${PROD}:role/${name}`;
    const put = inline('put', doc(allow('iam:PutRolePolicy')));
    const evaluations = await evaluate({
      identities: [role(PROD, 'used', put), role(PROD, 'observed-unused', put), role(PROD, 'unobserved', put)],
      usage: [{ identityArn: arn('used'), credentialId: '', action: 'iam:PutRolePolicy', day: '2026-11-10', count: 3, denied: 0, lastSeen: '2026-11-10T08:00:00Z' }],
      accessAdvisor: [{ identityArn: arn('observed-unused'), granularity: 'SERVICE_LEVEL', completedAt: '2026-11-15T00:00:00Z', services: [{ namespace: 'iam' }] }],
    });
    const usage = (name: string) => evaluations.find((e) => e.identityArn === arn(name))!.findings[0]!.evidence.find((x) => x.kind === 'usage')!;
    expect(usage('used').detail).toMatchObject({ status: 'used', calls: 3 });
    expect(usage('observed-unused').detail).toMatchObject({ status: 'unused' });
    expect(usage('unobserved').detail).toMatchObject({ status: 'unknown' });
    expect(usage('unobserved').summary).toContain('unknown');
  });

  it('each finding records the one policy its statement evidence cites, or null when it cites several', async () => {
    const deny = { Effect: 'Deny' as const, Action: ['iam:PutRolePolicy', 'iam:AttachRolePolicy'], Resource: `arn:aws:iam::${PROD}:role/break-glass` };
    const spec = role(
      PROD,
      'many-sources',
      { name: 'iam-admin', kind: 'managed', arn: `arn:aws:iam::${PROD}:policy/iam-admin`, document: doc(allow(['iam:Put*', 'iam:Attach*', 'sts:AssumeRole', 'kms:PutKeyPolicy', 's3:PutBucketPolicy'])) },
      inline('put-and-pass', doc(allow(['iam:PutRolePolicy', 'iam:PassRole']), deny)),
      // More statements citing one action than evidence lists (20 per role): the cap applies alike.
      ...Array.from({ length: 22 }, (_, n) => inline(`attach-${n}`, doc(allow('iam:AttachRolePolicy', '*', { Sid: `S${n}` })))),
      { name: 'boundary', kind: 'permissions-boundary', document: doc(allow(['iam:*', 'sts:*', 's3:*'])) },
    );
    const near = role(PROD, 'near-admin', inline('power', doc({ Effect: 'Allow', NotAction: ['organizations:*'], Resource: '*' })), inline('extra', doc(allow('iam:CreateUser'))));
    const wide = role(PROD, 'iam-wide', inline('iam', doc(allow('iam:*'))), inline('put', doc(allow('iam:PutRolePolicy'))));
    // One policy behind every finding: each records it, with its ARN.
    const single = role(PROD, 'single-policy', { name: 'pm', kind: 'managed', arn: `arn:aws:iam::${PROD}:policy/pm`, document: doc(allow(['iam:PassRole', 'kms:PutKeyPolicy', 'sts:AssumeRole', 's3:PutBucketPolicy'])) });
    const { context } = await scenario({ identities: [spec, near, wide, single] });
    const recorded = { sole: 0, several: 0 };
    for (const e of rootLevelScope.evaluate(context)) {
      for (const f of e.findings) {
        const cited = f.evidence.filter((x) => x.kind === 'policy-statement').map((x) => ({ policyName: x.detail!.policyName, policyArn: x.detail!.policyArn ?? undefined }));
        const sole = cited.every((c) => c.policyName === cited[0]!.policyName && c.policyArn === cited[0]!.policyArn) ? cited[0] : undefined;
        const got = rootLevelCitedPolicy(f);
        expect(got === null ? null : { policyName: got?.policyName, policyArn: got?.policyArn }, `${e.identityArn} ${f.granular}`).toEqual(sole ?? null);
        recorded[sole ? 'sole' : 'several']++;
      }
    }
    expect(recorded.sole).toBeGreaterThanOrEqual(5);
    expect(recorded.several).toBeGreaterThan(5);
  });

  it('builds only the first items a quote reads, and they are the evidence\'s own first items', async () => {
    const spec = role(
      PROD,
      'quoted',
      inline('put-and-pass', doc(allow(['iam:PutRolePolicy', 'iam:PassRole', 'sts:AssumeRole']))),
      ...Array.from({ length: 3 }, (_, n) => inline(`put-${n}`, doc(allow('iam:PutRolePolicy', '*', { Sid: `S${n}` })))),
    );
    const { context } = await scenario({ identities: [spec, role(PROD, 'iam-wide', inline('iam', doc(allow('iam:*'))))] });
    let compared = 0;
    for (const e of rootLevelScope.evaluate(context)) {
      for (const f of e.findings) {
        const whole = evidenceOf(f);
        for (const limit of [0, 1, 2, 3, 5]) {
          const quoted = evidenceOf(f, limit);
          expect(quoted.slice(0, limit), `${f.granular} ${limit}`).toEqual(whole.slice(0, limit));
          expect(quoted.length).toBeGreaterThanOrEqual(Math.min(limit, whole.length));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThanOrEqual(15);
  });

  it('keeps cloud-supplied names as data: quoted in summaries, verbatim in detail', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const e = await one(role(PROD, 'hostile', inline(hostile, doc(allow('iam:PutRolePolicy')))));
    const statement = e.findings[0]!.evidence.find((x) => x.kind === 'policy-statement')!;
    expect(statement.detail!.policyName).toBe(hostile);
    expect(statement.summary).toContain(`"${hostile}"`);
  });
});

describe('root-level catalog entries: each is detected from a minimal policy granting exactly it', () => {
  it('every entry exists in the catalog', async () => {
    const catalog = await loadAwsActionCatalog();
    for (const { service } of ROOT_LEVEL_SERVICES) expect(catalog.service(service), service).toBeDefined();
    for (const { action } of ROOT_LEVEL_ACTIONS) expect(catalog.indexOf(action), action).toBeDefined();
  });

  it.each(ROOT_LEVEL_SERVICES.map((e) => e.service))('%s:* on * → Action::%s:*', async (service) => {
    const e = await one(role(PROD, `holds-${service}`, inline('minimal', doc(allow(`${service}:*`)))));
    expect(summary(e)).toEqual({ outcome: 'fail', findings: [`critical Action::${service}:*`] });
  });

  it.each(ROOT_LEVEL_SERVICES.map((e) => e.service))('%s:* on one named resource is not service-wide root-level', async (service) => {
    const e = await one(role(PROD, `scoped-${service}`, inline('minimal', doc(allow(`${service}:*`, `arn:aws:${service}::${PROD}:thing/one`)))));
    expect(e.findings.map((f) => f.granular)).not.toContain(`Action::${service}:*`);
  });

  it.each(ROOT_LEVEL_ACTIONS.map((e) => e.action))('%s on * → Action::%s', async (action) => {
    const e = await one(role(PROD, 'minimal', inline('minimal', doc(allow(action)))));
    expect(summary(e)).toEqual({ outcome: 'fail', findings: [`critical Action::${action}`] });
  });

  it.each(ADMIN_POLICY_NAMES)('AWS-managed %s is named in the finding', async (name) => {
    const e = await one(role(PROD, 'admin', { name, kind: 'managed', arn: `arn:aws:iam::aws:policy/${name}`, document: doc(allow('*')) }));
    expect(e.findings[0]!.title).toContain(name);
  });

  it('every Permissions management action not named like a read is detected alone on *', async () => {
    const catalog = await loadAwsActionCatalog();
    const pm = catalog.withAccessLevel('Permissions management').toArray().map((i) => catalog.actionAt(i));
    const reportable = pm.filter((a) => !isReadOnlyName(a.name)).map((a) => a.key);
    expect(reportable.length).toBeGreaterThan(300);
    // One identity holding all of them on *: one finding each, except those absorbed by service-wide findings (none here:
    // holding every PM action of iam is not holding every iam action).
    const e = await one(role(PROD, 'pm-collector', inline('pm', doc(allow(reportable)))));
    expect(e.findings.map((f) => f.granular).sort()).toEqual(reportable.map((k) => `Action::${k}`).sort());
    expect(new Set(e.findings.map((f) => f.severity as Severity))).toEqual(new Set(['critical']));
  });
});
