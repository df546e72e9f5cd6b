import { beforeAll, describe, expect, it } from 'vitest';
import type { AwsActionCatalog } from '../../../src/catalog/aws-actions.js';
import { loadAwsActionCatalog } from '../../../src/catalog/aws-actions.js';
import { describeHeldStatement, EffectiveGrantCalculator, type EffectiveGrant } from '../../../src/analyse/aws/effective-grant.js';
import { ACCESS_LEVELS } from '../../../src/model/domain.js';
import { doc, principal, type TestPolicy } from './policy-helpers.js';

let catalog: AwsActionCatalog;
beforeAll(async () => {
  catalog = await loadAwsActionCatalog();
});

const ARN = 'arn:aws:iam::111122223333:role/ci-deploy';
const idx = (action: string): number => {
  const i = catalog.indexOf(action);
  if (i === undefined) throw new Error(`${action} not in catalog`);
  return i;
};
const grantOf = (...policies: TestPolicy[]): EffectiveGrant => {
  const p = principal(ARN, ...policies);
  return new EffectiveGrantCalculator(catalog).compute(ARN, p.attachments, p.policies);
};
const keys = (set: { toArray(): number[] }) => set.toArray().map((i) => catalog.keyAt(i));
const expansion = (pattern: string) => catalog.expandToSet(pattern);

const allowAll = { name: 'AdministratorAccess', arn: 'arn:aws:iam::aws:policy/AdministratorAccess', document: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) };

describe('allow and deny', () => {
  it('an unconditional Deny on * removes the action entirely', () => {
    const grant = grantOf(
      { name: 'iam-admin', document: doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }) },
      { name: 'no-keys', kind: 'inline', document: doc({ Effect: 'Deny', Action: ['iam:CreateAccessKey', 'iam:*LoginProfile'], Resource: '*' }) },
    );
    expect(grant.has(idx('iam:CreateAccessKey'))).toBe(false);
    expect(grant.has(idx('iam:UpdateLoginProfile'))).toBe(false);
    expect(grant.has(idx('iam:PassRole'))).toBe(true);
    expect(grant.isUnrestricted(idx('iam:PassRole'))).toBe(true);
    expect(grant.actions.size).toBe(expansion('iam:*').size - expansion('iam:CreateAccessKey').union(expansion('iam:*LoginProfile')).size);
    expect(grant.partiallyDenied.isEmpty()).toBe(true);
    expect(grant.grantsFor(idx('iam:CreateAccessKey'))).toEqual([]);
    expect(grant.explain('iam:CreateAccessKey')).toMatchObject({ granted: false, allows: [{ policyName: 'iam-admin' }], denies: [{ policyName: 'no-keys', effect: 'Deny' }] });
  });

  // [label, deny statement] — each can only be evaluated per request, so the action stays granted, marked.
  const partialDenies: [string, object][] = [
    ['resource-scoped', { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: 'arn:aws:s3:::prod-*' }],
    ['NotResource', { Effect: 'Deny', Action: 's3:DeleteBucket', NotResource: 'arn:aws:s3:::scratch-*' }],
    ['conditioned', { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }],
  ];

  it.each(partialDenies)('a %s Deny keeps the action granted, marked as possibly denied and not unrestricted', (_label, deny) => {
    const grant = grantOf(
      { name: 's3-admin', document: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) },
      { name: 'guard', kind: 'inline', document: doc({ Sid: 'Guard', ...(deny as { Effect: 'Deny' }) }) },
    );
    const deleteBucket = idx('s3:DeleteBucket');
    expect(grant.has(deleteBucket)).toBe(true);
    expect(grant.isUnrestricted(deleteBucket)).toBe(false);
    expect(keys(grant.partiallyDenied)).toEqual(['s3:DeleteBucket']);
    expect(grant.isUnrestricted(idx('s3:GetObject'))).toBe(true);
    expect(grant.partialDenies).toEqual([expect.objectContaining({ policyName: 'guard', kind: 'inline', sid: 'Guard', effect: 'Deny', statementIndex: 0 })]);
    expect(grant.deniesFor(deleteBucket)).toHaveLength(1);
  });

  it('a conditioned NotAction Deny (the "force MFA" pattern) marks every other granted action', () => {
    const grant = grantOf(allowAll, {
      name: 'force-mfa',
      document: doc({ Effect: 'Deny', NotAction: 'iam:*', Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } }),
    });
    expect(grant.actions.size).toBe(catalog.size);
    expect(grant.unrestricted.equals(expansion('iam:*'))).toBe(true);
    expect(grant.partiallyDenied.equals(expansion('iam:*').complement())).toBe(true);
  });

  it('deny everything leaves nothing, however much is allowed', () => {
    const grant = grantOf(allowAll, { name: 'deny-all', document: doc({ Effect: 'Deny', Action: '*', Resource: '*' }) });
    expect(grant.actions.isEmpty()).toBe(true);
    expect(grant.unrestricted.isEmpty()).toBe(true);
    expect(grant.byService()).toEqual([]);
  });
});

describe('scoped and conditioned grants', () => {
  const passRoleCondition = { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } };

  it('a conditioned grant keeps its condition and is not unrestricted', () => {
    const grant = grantOf({ name: 'pass-to-ec2', kind: 'inline', document: doc({ Sid: 'PassToEc2', Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: passRoleCondition }) });
    const passRole = idx('iam:PassRole');
    expect(keys(grant.actions)).toEqual(['iam:PassRole']);
    expect(grant.unrestricted.isEmpty()).toBe(true);
    expect(grant.grantsFor(passRole)).toEqual([
      { policyName: 'pass-to-ec2', policyHash: expect.any(String), kind: 'inline', statementIndex: 0, sid: 'PassToEc2', effect: 'Allow', notAction: false, resources: ['*'], condition: passRoleCondition, unrestricted: false },
    ]);
  });

  it('a resource-scoped grant is not unrestricted and names its resources', () => {
    const role = 'arn:aws:iam::111122223333:role/app-runtime';
    const grant = grantOf({ name: 'pass-app-role', document: doc({ Effect: 'Allow', Action: 'iam:PassRole', Resource: role }) });
    expect(keys(grant.actions)).toEqual(['iam:PassRole']);
    expect(grant.isUnrestricted(idx('iam:PassRole'))).toBe(false);
    expect(grant.grantsFor(idx('iam:PassRole'))[0]?.resources).toEqual([role]);
  });

  it('one unrestricted grant among scoped ones makes the action unrestricted, and all are listed', () => {
    const grant = grantOf(
      { name: 'scoped', document: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::a/*' }) },
      { name: 'reader', kind: 'group-managed', groupName: 'readers', document: doc({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }) },
    );
    const getObject = idx('s3:GetObject');
    expect(grant.isUnrestricted(getObject)).toBe(true);
    expect(grant.grantsFor(getObject).map((g) => [g.policyName, g.kind, g.groupName, g.unrestricted])).toEqual([
      ['scoped', 'managed', undefined, false],
      ['reader', 'group-managed', 'readers', true],
    ]);
  });
});

describe('permissions boundary', () => {
  const boundary = (document: unknown): TestPolicy => ({ name: 'boundary', kind: 'permissions-boundary', arn: 'arn:aws:iam::111122223333:policy/boundary', document });

  it('intersects: admin inside an s3 + ec2:Describe* boundary holds only those', () => {
    const grant = grantOf(allowAll, boundary(doc({ Effect: 'Allow', Action: ['s3:*', 'ec2:Describe*'], Resource: '*' })));
    const expected = expansion('s3:*').union(expansion('ec2:Describe*'));
    expect(grant.hasBoundary).toBe(true);
    expect(grant.actions.equals(expected)).toBe(true);
    expect(grant.unrestricted.equals(expected)).toBe(true);
    expect(grant.grantsFor(idx('s3:GetObject'))).toEqual([expect.objectContaining({ policyName: 'AdministratorAccess' })]);
    expect(grant.boundaryGrantsFor(idx('s3:GetObject'))).toEqual([expect.objectContaining({ kind: 'permissions-boundary' })]);
  });

  it('a boundary does not grant by itself', () => {
    const grant = grantOf(
      { name: 'reader', document: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) },
      boundary(doc({ Effect: 'Allow', Action: '*', Resource: '*' })),
    );
    expect(keys(grant.actions)).toEqual(['s3:GetObject']);
  });

  it('a resource-scoped boundary scopes the grant: granted but not unrestricted', () => {
    const grant = grantOf(allowAll, boundary(doc({ Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::data-*', 'arn:aws:s3:::data-*/*'] })));
    expect(grant.actions.equals(expansion('s3:*'))).toBe(true);
    expect(grant.unrestricted.isEmpty()).toBe(true);
    expect(grant.boundaryScoped.equals(expansion('s3:*'))).toBe(true);
    expect(grant.boundaryGrantsFor(idx('s3:PutObject'))[0]?.resources).toEqual(['arn:aws:s3:::data-*', 'arn:aws:s3:::data-*/*']);
  });

  it("the boundary's unconditional Deny removes actions; its conditioned Deny marks them", () => {
    const grant = grantOf(
      allowAll,
      boundary(doc(
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'iam:*', Resource: '*' },
        { Effect: 'Deny', Action: 'ec2:TerminateInstances', Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
      )),
    );
    expect(grant.actions.intersects(expansion('iam:*'))).toBe(false);
    expect(grant.actions.size).toBe(catalog.size - expansion('iam:*').size);
    expect(keys(grant.partiallyDenied)).toEqual(['ec2:TerminateInstances']);
    expect(grant.isUnrestricted(idx('ec2:TerminateInstances'))).toBe(false);
  });

  it('an unreadable boundary is reported and not applied (overstating rather than understating)', () => {
    const grant = grantOf({ name: 'reader', document: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }, boundary('{not json'));
    expect(keys(grant.actions)).toEqual(['s3:GetObject']);
    expect(grant.hasBoundary).toBe(false);
    expect(grant.errors).toEqual([expect.objectContaining({ policyName: 'boundary', kind: 'permissions-boundary', message: expect.stringMatching(/^policy boundary: .*not JSON.*without the boundary/) })]);
  });
});

describe('unknown actions and errors', () => {
  it('keeps action names the catalog does not know, with the policy that grants them', () => {
    const grant = grantOf({ name: 'future', kind: 'inline', document: doc({ Effect: 'Allow', Action: ['s3:GetObject', 'bedrock-next:InvokeAgent', 's3:GetObjekt'], Resource: '*' }) });
    expect(keys(grant.actions)).toEqual(['s3:GetObject']);
    expect(grant.unknownActions.map((u) => [u.action, u.grantedBy.policyName, u.grantedBy.kind, u.fullyDenied, u.outsideBoundary])).toEqual([
      ['bedrock-next:InvokeAgent', 'future', 'inline', false, false],
      ['s3:GetObjekt', 'future', 'inline', false, false],
    ]);
  });

  it('marks unknown actions an unconditional Deny covers, or the boundary excludes', () => {
    const grant = grantOf(
      { name: 'future', document: doc({ Effect: 'Allow', Action: ['newsvc:Read', 'othersvc:Write'], Resource: '*' }) },
      { name: 'deny-new', document: doc({ Effect: 'Deny', Action: 'newsvc:*', Resource: '*' }) },
      { name: 'b', kind: 'permissions-boundary', document: doc({ Effect: 'Allow', Action: ['newsvc:*', 's3:*'], Resource: '*' }) },
    );
    expect(grant.unknownActions.map((u) => [u.action, u.fullyDenied, u.outsideBoundary])).toEqual([
      ['newsvc:Read', true, false],
      ['othersvc:Write', false, true],
    ]);
  });

  it('judges the unknown names of a shared policy for each principal holding it, with or without a Deny or boundary', () => {
    const calculator = new EffectiveGrantCalculator(catalog);
    const future: TestPolicy = { name: 'future', document: doc({ Effect: 'Allow', Action: ['newsvc:Read', 'othersvc:Write'], Resource: '*' }) };
    const denyNew: TestPolicy = { name: 'deny-new', document: doc({ Effect: 'Deny', Action: 'newsvc:*', Resource: '*' }) };
    const bounded: TestPolicy = { name: 'b', kind: 'permissions-boundary', document: doc({ Effect: 'Allow', Action: ['newsvc:*'], Resource: '*' }) };
    const unknownOf = (arn: string, ...policies: TestPolicy[]) => {
      const p = principal(arn, ...policies);
      return calculator.compute(arn, p.attachments, p.policies).unknownActions.map((u) => [u.action, u.grantedBy.policyName, u.fullyDenied, u.outsideBoundary]);
    };
    const plain = [
      ['newsvc:Read', 'future', false, false],
      ['othersvc:Write', 'future', false, false],
    ];
    expect(unknownOf('arn:aws:iam::111122223333:role/a', future)).toEqual(plain);
    expect(unknownOf('arn:aws:iam::111122223333:role/b', future, denyNew)).toEqual([
      ['newsvc:Read', 'future', true, false],
      ['othersvc:Write', 'future', false, false],
    ]);
    expect(unknownOf('arn:aws:iam::111122223333:role/c', future, bounded)).toEqual([
      ['newsvc:Read', 'future', false, false],
      ['othersvc:Write', 'future', false, true],
    ]);
    expect(unknownOf('arn:aws:iam::111122223333:role/d', future, future)).toEqual([...plain, ...plain]);
    expect(unknownOf('arn:aws:iam::111122223333:role/e', future)).toEqual(plain);
  });

  it('names a malformed policy and still counts the others', () => {
    const grant = grantOf(
      { name: 'good', document: doc({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }) },
      { name: 'broken', arn: 'arn:aws:iam::111122223333:policy/broken', document: { Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] } },
    );
    expect(keys(grant.actions)).toEqual(['sqs:SendMessage']);
    expect(grant.errors).toEqual([
      expect.objectContaining({ policyName: 'broken', policyArn: 'arn:aws:iam::111122223333:policy/broken', statementIndex: 0, message: expect.stringMatching(/^policy broken \(statement 0\): Effect must be .*unknown/) }),
    ]);
  });

  it('names an attachment whose document is missing from the snapshot', () => {
    const calc = new EffectiveGrantCalculator(catalog);
    const grant = calc.compute(ARN, [{ identityArn: ARN, policyHash: 'feed', kind: 'managed', policyName: 'Gone' }], new Map());
    expect(grant.actions.isEmpty()).toBe(true);
    expect(grant.errors[0]?.message).toMatch(/policy Gone: document feed is not in the snapshot/);
  });
});

describe('byService and sharing', () => {
  it('summarises per service and access level, matching a naive count', () => {
    const grant = grantOf(
      { name: 'mix', document: doc({ Effect: 'Allow', Action: ['s3:Get*', 'iam:*'], Resource: '*' }, { Effect: 'Allow', Action: 'iam:PassRole', Resource: 'arn:aws:iam::1:role/x' }) },
      { name: 'scoped', document: doc({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'arn:aws:kms:eu-west-1:1:key/k' }) },
      { name: 'deny', document: doc({ Effect: 'Deny', Action: 'iam:Delete*', Resource: 'arn:aws:iam::1:role/prod-*' }) },
    );
    const summary = grant.byService();
    expect(summary.map((s) => s.service)).toEqual(['iam', 'kms', 's3']);
    for (const s of summary) {
      const inService = grant.actions.toArray().filter((i) => catalog.keyAt(i).startsWith(`${s.service}:`));
      expect(s.granted).toBe(inService.length);
      expect(s.unrestricted).toBe(inService.filter((i) => grant.isUnrestricted(i)).length);
      for (const level of ACCESS_LEVELS) {
        expect(s.byAccessLevel[level]).toBe(inService.filter((i) => catalog.accessLevelAt(i) === level).length);
      }
    }
    const iam = summary.find((s) => s.service === 'iam')!;
    expect(iam.total).toBe(expansion('iam:*').size);
    expect(iam.unrestricted).toBe(iam.granted - expansion('iam:Delete*').size);
    expect(iam.byAccessLevel['Permissions management']).toBeGreaterThan(10);
    expect(summary.find((s) => s.service === 'kms')).toMatchObject({ granted: 1, unrestricted: 0, byAccessLevel: { Write: 1 } });
  });

  it('principals with the same policies share sets; different group routes still show in grantsFor', () => {
    const calc = new EffectiveGrantCalculator(catalog);
    const document = doc({ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' });
    const a = principal('arn:aws:iam::1:user/a', { name: 'ro', document });
    const b = principal('arn:aws:iam::1:user/b', { name: 'ro', kind: 'group-managed', groupName: 'ops', document });
    const grants = calc.computeAll([...a.attachments, ...b.attachments], new Map([...a.policies, ...b.policies]), ['arn:aws:iam::1:user/idle']);
    const ga = grants.get('arn:aws:iam::1:user/a')!;
    const gb = grants.get('arn:aws:iam::1:user/b')!;
    expect(ga.actions).toBe(gb.actions);
    expect(gb.grantsFor(idx('ec2:DescribeInstances'))[0]).toMatchObject({ kind: 'group-managed', groupName: 'ops' });
    expect(grants.get('arn:aws:iam::1:user/idle')!.actions.isEmpty()).toBe(true);
    expect(calc.expander.size).toBe(1);
  });
});

describe('statements(role): the held statements rules work on a statement at a time', () => {
  it('lists statements in grantsFor / boundaryGrantsFor / deniesFor order, one entry per attachment', () => {
    const shared = doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:DeleteUser', Resource: 'arn:aws:iam::1:user/keep' });
    const grant = grantOf(
      { name: 'direct', kind: 'managed', document: shared },
      { name: 's3', kind: 'inline', document: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }) },
      { name: 'via-group', kind: 'group-managed', groupName: 'ops', document: shared },
      { name: 'fence', kind: 'permissions-boundary', document: doc({ Effect: 'Allow', Action: ['iam:*', 's3:*'], Resource: '*' }, { Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }) },
    );
    const listed = (role: 'allow' | 'boundary' | 'deny') =>
      grant.statements(role).map((h) => `${h.source.policyName}#${h.statement.index}`);
    expect(listed('allow')).toEqual(['direct#0', 's3#0', 'via-group#0']);
    expect(listed('boundary')).toEqual(['fence#0']);
    expect(listed('deny')).toEqual(['direct#1', 'via-group#1', 'fence#1']);
    // Same statements, same order, as the per-action views.
    const createUser = idx('iam:CreateUser');
    const viaStatements = (role: 'allow' | 'boundary' | 'deny') =>
      grant.statements(role).filter((h) => h.statement.actions.has(createUser)).map((h) => describeHeldStatement(h));
    expect(viaStatements('allow')).toEqual(grant.grantsFor(createUser));
    expect(viaStatements('boundary')).toEqual(grant.boundaryGrantsFor(createUser));
    expect(viaStatements('deny')).toEqual(grant.deniesFor(idx('iam:CreateUser')));
    expect(viaStatements('deny').map((s) => s.policyName)).toEqual(['fence']);
  });

  it('gives each statement as written: an Allow still covers what a Deny or the boundary takes away', () => {
    const grant = grantOf(
      { name: 'iam', document: doc({ Effect: 'Allow', Action: 'iam:*', Resource: '*' }) },
      { name: 'no-keys', kind: 'inline', document: doc({ Effect: 'Deny', Action: 'iam:CreateAccessKey', Resource: '*' }) },
    );
    const [allow] = grant.statements('allow');
    expect(allow!.statement.actions.has(idx('iam:CreateAccessKey'))).toBe(true);
    expect(grant.has(idx('iam:CreateAccessKey'))).toBe(false);
    expect(grant.statements('boundary')).toEqual([]);
  });
});
