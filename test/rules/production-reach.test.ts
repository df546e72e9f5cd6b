/**
 * aws.production-reach through the real store and facts: which actions reach
 * production, per access level, and through which statement and resources.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyStatement } from '../../src/model/policy.js';
import { environmentReach, productionReach } from '../../src/rules/aws/production-reach.js';
import type { RuleEvaluation } from '../../src/rules/rule.js';
import { PROD, STAGING, scenario, testConfig, type IdentitySpec, type ScenarioSpec } from '../helpers/scenario.js';

const DEV = '333333333333';
/** Named by no config rule and not in the scan: unknown, which counts as production. */
const UNLISTED = '444444444444';
/** A second production account: one policy held in both is placed for each. */
const PROD2 = '555555555555';

const CONFIG = testConfig(`
environments:
  accounts:
    - { id: "${PROD}", environment: production }
    - { id: "${PROD2}", environment: production }
    - { id: "${STAGING}", environment: staging }
    - { id: "${DEV}", environment: development }
  resources:
    - { pattern: "arn:aws:s3:::*prod*", environment: production }
`);

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

async function evaluate(spec: ScenarioSpec): Promise<RuleEvaluation[]> {
  const { context } = await scenario(spec, { config: CONFIG });
  const evaluations = productionReach.evaluate(context);
  expect(evaluations.map((e) => e.identityArn).sort()).toEqual(spec.identities.map((i) => i.arn).sort());
  for (const e of evaluations) {
    const keys = e.findings.map((f) => `${f.credentialId ?? ''}|${f.granular}`);
    expect(new Set(keys).size).toBe(keys.length);
  }
  return evaluations;
}

const one = async (identity: IdentitySpec) => (await evaluate({ identities: [identity] }))[0]!;
const summary = (e: RuleEvaluation) => ({ outcome: e.outcome, findings: e.findings.map((f) => `${f.severity} ${f.granular}`).sort() });

interface Case {
  name: string;
  identity: IdentitySpec;
  outcome: RuleEvaluation['outcome'];
  findings?: string[];
}

const CASES: Case[] = [
  {
    name: 'production identity with s3:GetObject only: Read, high',
    identity: role(PROD, 'report-reader', inline('read', doc(allow('s3:GetObject')))),
    outcome: 'fail',
    findings: ['high Reach::production::Read'],
  },
  {
    name: 'staging identity deleting objects in a production backup bucket (resource pattern): critical',
    identity: role(STAGING, 'staging-agent', inline('cleanup', doc(allow('s3:DeleteObject', 'arn:aws:s3:::acme-prod-backups/*')))),
    outcome: 'fail',
    findings: ['critical Reach::production::Write:delete'],
  },
  {
    name: 'staging identity deleting RDS snapshots in the production account (account id): critical',
    identity: role(STAGING, 'snapshot-pruner', inline('prune', doc(allow('rds:DeleteDBSnapshot', `arn:aws:rds:us-east-1:${PROD}:snapshot:*`)))),
    outcome: 'fail',
    findings: ['critical Reach::production::Write:delete'],
  },
  {
    name: 'development identity holding only staging resources and * in its own account: pass',
    identity: role(
      DEV,
      'dev-ci',
      inline(
        'ci',
        doc(
          allow(['dynamodb:PutItem', 'dynamodb:DeleteItem'], `arn:aws:dynamodb:us-east-1:${STAGING}:table/orders`),
          allow('s3:GetObject', 'arn:aws:s3:::acme-staging-artifacts/*'),
          allow('ec2:Describe*'),
        ),
      ),
    ),
    outcome: 'pass',
  },
  {
    name: 'staging identity with s3:* on *: * in a non-production account is not production reach',
    identity: role(STAGING, 'staging-s3', inline('s3', doc(allow('s3:*')))),
    outcome: 'pass',
  },
  {
    name: 'production identity holding only a staging table: pass',
    identity: role(PROD, 'prod-to-staging', inline('seed', doc(allow('dynamodb:PutItem', `arn:aws:dynamodb:us-east-1:${STAGING}:table/orders`)))),
    outcome: 'pass',
  },
  {
    name: 'production identity terminating instances only under a Condition: one step lower',
    identity: role(
      PROD,
      'ci-reaper',
      inline('reap', doc(allow('ec2:TerminateInstances', '*', { Condition: { StringEquals: { 'aws:ResourceTag/owner': 'ci' } } }))),
    ),
    outcome: 'fail',
    findings: ['high Reach::production::Write:delete'],
  },
  {
    name: 'identity in an account of unknown environment: * counts as production',
    identity: role(UNLISTED, 'mystery', inline('read', doc(allow('dynamodb:GetItem')))),
    outcome: 'fail',
    findings: ['high Reach::production::Read'],
  },
  {
    name: 'staging identity naming a resource in an unclassified account: unknown counts as production',
    identity: role(STAGING, 'cross', inline('read', doc(allow('dynamodb:GetItem', `arn:aws:dynamodb:us-east-1:${UNLISTED}:table/ledger`)))),
    outcome: 'fail',
    findings: ['high Reach::production::Read'],
  },
  {
    name: 'every access level on a production bucket: one finding per level, deletes apart from writes',
    identity: role(
      STAGING,
      'bucket-owner',
      inline(
        'bucket',
        doc(
          allow(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:PutObjectTagging'], 'arn:aws:s3:::acme-prod-data/*'),
          allow(['s3:ListBucket', 's3:PutBucketPolicy'], 'arn:aws:s3:::acme-prod-data'),
        ),
      ),
    ),
    outcome: 'fail',
    findings: [
      'critical Reach::production::Permissions management',
      'critical Reach::production::Write',
      'critical Reach::production::Write:delete',
      'high Reach::production::Read',
      'medium Reach::production::List',
      'medium Reach::production::Tagging',
    ],
  },
  {
    name: 'production admin inside a boundary limited to a staging table: pass',
    identity: role(
      PROD,
      'bounded',
      inline('admin', doc(allow('*'))),
      { name: 'staging-only', kind: 'permissions-boundary', arn: `arn:aws:iam::${PROD}:policy/staging-only`, document: doc(allow('dynamodb:*', `arn:aws:dynamodb:us-east-1:${STAGING}:table/*`)) },
    ),
    outcome: 'pass',
  },
  {
    name: 'an identity holding nothing',
    identity: role(PROD, 'empty'),
    outcome: 'not-applicable',
  },
  {
    name: 'a policy that cannot be read and nothing else: never pass',
    identity: role(PROD, 'broken', inline('bad', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 5, Resource: '*' }] } as unknown as PolicyDocument)),
    outcome: 'error',
  },
];

describe('aws.production-reach', () => {
  it('has the rule metadata the docs are generated from', () => {
    expect(productionReach).toMatchObject({ id: 'aws.production-reach', title: 'Production reach', severity: 'critical' });
    for (const url of productionReach.references) expect(url).toMatch(/^https:\/\//);
  });

  it.each(CASES)('$name → $outcome', async (c) => {
    expect(summary(await one(c.identity))).toEqual({ outcome: c.outcome, findings: (c.findings ?? []).sort() });
  });

  it('shows the statement and the production resources it reaches, with how each was classified', async () => {
    const e = await one(role(STAGING, 'staging-agent', inline('cleanup', doc(allow('s3:DeleteObject', 'arn:aws:s3:::acme-prod-backups/*', { Sid: 'Cleanup' })))));
    const f = e.findings[0]!;
    expect(f.title).toContain('s3:DeleteObject');
    const statement = f.evidence.find((x) => x.kind === 'policy-statement')!;
    expect(statement.detail).toMatchObject({
      policyName: 'cleanup',
      policyKind: 'inline',
      statementIndex: 0,
      sid: 'Cleanup',
      resources: ['arn:aws:s3:::acme-prod-backups/*'],
      productionResources: [{ resource: 'arn:aws:s3:::acme-prod-backups/*', environment: 'production', how: expect.stringContaining('*prod*') }],
      actions: ['s3:DeleteObject'],
    });
    expect(f.evidence.find((x) => x.kind === 'environment')!.detail).toMatchObject({ environment: 'staging' });
  });

  it('says an account id puts a resource in production', async () => {
    const e = await one(role(STAGING, 'snapshot-pruner', inline('prune', doc(allow('rds:DeleteDBSnapshot', `arn:aws:rds:us-east-1:${PROD}:snapshot:*`)))));
    const statement = e.findings[0]!.evidence.find((x) => x.kind === 'policy-statement')!;
    expect((statement.detail!.productionResources as { how: string }[])[0]!.how).toContain(`account ${PROD}`);
  });

  it('puts the condition of a conditioned grant in the evidence and never calls it unconditional', async () => {
    const condition = { StringEquals: { 'aws:ResourceTag/owner': 'ci' } };
    const e = await one(role(PROD, 'ci-reaper', inline('reap', doc(allow('ec2:TerminateInstances', '*', { Condition: condition })))));
    const f = e.findings[0]!;
    expect(f.title).toContain('only under a Condition');
    const statement = f.evidence.find((x) => x.kind === 'policy-statement')!;
    expect(statement.detail).toMatchObject({ condition, resources: ['*'] });
    expect(statement.summary).toContain('only under Condition StringEquals aws:ResourceTag/owner');
  });

  it('counts a production admin once per access level, not once per action', async () => {
    const e = await one(role(PROD, 'ops-ai-agent', { name: 'AdministratorAccess', kind: 'managed', arn: 'arn:aws:iam::aws:policy/AdministratorAccess', document: doc(allow('*')) }));
    expect(e.findings.map((f) => f.granular).sort()).toEqual(
      ['Permissions management', 'Write', 'Write:delete', 'Read', 'List', 'Tagging'].map((l) => `Reach::production::${l}`).sort(),
    );
    const write = e.findings.find((f) => f.granular === 'Reach::production::Write:delete')!;
    const note = write.evidence[0]!;
    expect(note.detail!.count as number).toBeGreaterThan(1000);
    expect((note.detail!.actions as string[]).length).toBeLessThanOrEqual(50);
    const statement = write.evidence.find((x) => x.kind === 'policy-statement')!;
    expect(statement.detail).toMatchObject({ policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess', resources: ['*'] });
  });

  it('reports usage as used / unused / unknown, never unused where unknown', async () => {
    const arn = (name: string) => `arn:aws:iam::${PROD}:role/${name}`;
    const read = inline('read', doc(allow(['s3:GetObject', 'dynamodb:GetItem'])));
    const evaluations = await evaluate({
      identities: [role(PROD, 'used', read), role(PROD, 'unobserved', read)],
      usage: [{ identityArn: arn('used'), credentialId: '', action: 's3:GetObject', day: '2026-11-12', count: 7, denied: 0, lastSeen: '2026-11-12T10:00:00Z' }],
    });
    const usage = (name: string) => evaluations.find((e) => e.identityArn === arn(name))!.findings[0]!.evidence.find((x) => x.kind === 'usage')!;
    expect(usage('used').detail).toMatchObject({ usedCount: 1, used: [{ action: 's3:GetObject', calls: 7 }], unknown: 1, unused: 0 });
    expect(usage('unobserved').detail).toMatchObject({ usedCount: 0, unused: 0, unknown: 2 });
    expect(usage('unobserved').summary).toContain('2 unknown');
  });

  it('shows a scoped Deny that may refuse part of the reach', async () => {
    const e = await one(
      role(PROD, 'guarded', inline('rw', doc(allow(['s3:GetObject', 's3:DeleteObject']), { Effect: 'Deny', Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::acme-prod-ledger/*' }))),
    );
    const del = e.findings.find((f) => f.granular === 'Reach::production::Write:delete')!;
    const deny = del.evidence.find((x) => x.kind === 'policy-statement' && x.detail!.effect === 'Deny')!;
    expect(deny.detail).toMatchObject({ resources: ['arn:aws:s3:::acme-prod-ledger/*'] });
    expect(deny.summary).toContain('denies');
  });

  it('cites a policy attached twice under both attachments, and orders equally wide statements as the grant lists them', async () => {
    const shared = doc(allow('s3:GetObject', 'arn:aws:s3:::acme-prod-a/*'));
    const e = await one(
      role(
        PROD,
        'twice',
        { name: 'direct', document: shared },
        inline('other', doc(allow('s3:GetObject', 'arn:aws:s3:::acme-prod-b/*'))),
        { name: 'via-group', kind: 'group-inline', document: shared },
      ),
    );
    const read = e.findings.find((f) => f.granular === 'Reach::production::Read')!;
    const statements = read.evidence.filter((x) => x.kind === 'policy-statement').map((x) => x.detail!.policyName);
    expect(statements).toEqual(['direct', 'via-group', 'other']);
  });
});

describe('one policy held in several accounts', () => {
  const config = CONFIG;
  // `*`, a bucket naming no account (the holder's own account) and a snapshot in the production account.
  const shared = {
    name: 'shared-ops',
    kind: 'managed' as const,
    arn: 'arn:aws:iam::aws:policy/shared-ops',
    document: doc(
      allow('s3:GetObject', 'arn:aws:s3:::team-data/*'),
      allow('ec2:DescribeInstances'),
      allow('rds:DeleteDBSnapshot', `arn:aws:rds:us-east-1:${PROD}:snapshot:*`),
    ),
  };
  const spec: ScenarioSpec = { identities: [role(PROD, 'ops', shared), role(PROD2, 'ops', shared), role(UNLISTED, 'ops', shared), role(STAGING, 'ops', shared)] };
  const shown = (reach: ReturnType<typeof environmentReach>) =>
    reach.map((r) => ({ environment: r.environment, actions: r.actions.size, everyResource: r.everyResource.size, resources: r.resources }));

  it("places it for each holder's own account: its own environment, and its own account in the evidence", async () => {
    const { context } = await scenario(spec, { config });
    const evaluations = productionReach.evaluate(context);
    const statementsOf = (account: string) =>
      evaluations
        .find((e) => e.identityArn.includes(`::${account}:`))!
        .findings.flatMap((f) => f.evidence.filter((x) => x.kind === 'policy-statement').map((x) => x.detail!.productionResources as { resource: string; how: string }[]))
        .flat();
    for (const account of [PROD, PROD2, UNLISTED]) {
      const bucket = statementsOf(account).find((r) => r.resource === 'arn:aws:s3:::team-data/*')!;
      expect(bucket.how).toContain(`own account ${account}`);
      expect(statementsOf(account).find((r) => r.resource === '*')!.how).toContain(`own account ${account}`);
    }
    // In staging, only the snapshot in the production account reaches production.
    expect(statementsOf(STAGING).map((r) => r.resource)).toEqual([`arn:aws:rds:us-east-1:${PROD}:snapshot:*`]);
    const staging = context.identities.find((f) => f.identity.accountId === STAGING)!;
    expect(shown(environmentReach(staging, context))).toEqual([
      { environment: 'production', actions: 1, everyResource: 0, resources: [`arn:aws:rds:us-east-1:${PROD}:snapshot:*`] },
      { environment: 'staging', actions: 2, everyResource: 1, resources: ['arn:aws:s3:::team-data/*', '*'] },
    ]);
    const unlisted = context.identities.find((f) => f.identity.accountId === UNLISTED)!;
    expect(shown(environmentReach(unlisted, context))).toEqual([
      { environment: 'production', actions: 1, everyResource: 0, resources: [`arn:aws:rds:us-east-1:${PROD}:snapshot:*`] },
      { environment: 'unknown', actions: 2, everyResource: 1, resources: ['arn:aws:s3:::team-data/*', '*'] },
    ]);
  });

  it('gives the same reach by environment whether or not aws.production-reach ran first', async () => {
    const alone = (await scenario(spec, { config })).context;
    const afterRule = (await scenario(spec, { config })).context;
    productionReach.evaluate(afterRule);
    for (const [i, facts] of alone.identities.entries()) {
      const expected = environmentReach(facts, alone).map((r) => ({ ...r, actions: r.actions.toArray(), everyResource: r.everyResource.toArray() }));
      const got = environmentReach(afterRule.identities[i]!, afterRule).map((r) => ({ ...r, actions: r.actions.toArray(), everyResource: r.everyResource.toArray() }));
      expect(got).toEqual(expected);
    }
  });
});
