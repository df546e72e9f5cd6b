/**
 * Effective grants on real `get-account-authorization-details` exports. Every
 * expected fact below was checked by reading the fixture JSON.
 */
import { beforeAll, expect, it } from 'vitest';
import { EffectiveGrantCalculator, type EffectiveGrant } from '../../../src/analyse/aws/effective-grant.js';
import { PolicyExpander } from '../../../src/analyse/aws/policy-expansion.js';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../../../src/catalog/aws-actions.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';
import { loadAuthzFixture, type AuthzFixture } from './authz-adapter.js';

const FILES = {
  example: 'aws/authz-cloudsplaining-example.json',
  teaching: 'aws/authz-cloudsplaining-teaching.json',
  cloudmapper: 'aws/cloudmapper-demo/iam-get-account-authorization-details.json',
} as const;

let catalog: AwsActionCatalog;
const loaded = {} as Record<keyof typeof FILES, { fx: AuthzFixture; grants: Map<string, EffectiveGrant> }>;

const idx = (action: string) => {
  const i = catalog.indexOf(action);
  if (i === undefined) throw new Error(`${action} not in catalog`);
  return i;
};
const keys = (set: { toArray(): number[] }) => set.toArray().map((i) => catalog.keyAt(i)).sort();

describeFixtures('effective grants on real authorization-details exports', () => {
  beforeAll(async () => {
    catalog = await loadAwsActionCatalog();
    for (const [name, file] of Object.entries(FILES) as [keyof typeof FILES, string][]) {
      const fx = loadAuthzFixture(fixture(file));
      const grants = new EffectiveGrantCalculator(catalog).computeAll(fx.attachments, fx.policies, fx.arnOf.values());
      loaded[name] = { fx, grants };
    }
  });
  const grant = (file: keyof typeof FILES, principalName: string): EffectiveGrant => {
    const { fx, grants } = loaded[file];
    const g = grants.get(fx.arnOf.get(principalName)!);
    if (!g) throw new Error(`${principalName} not in ${file}`);
    return g;
  };

  it.each(Object.keys(FILES) as (keyof typeof FILES)[])('%s: every managed default version and inline policy parses', (file) => {
    const { fx, grants } = loaded[file];
    const expander = new PolicyExpander(catalog);
    const failures = fx.documents.map((d) => [d.label, expander.expand(d.hash, d.document)] as const).filter(([, r]) => !r.ok);
    expect(failures).toEqual([]);
    expect(fx.documents.length).toBe({ example: 123, teaching: 38, cloudmapper: 6 }[file]);
    for (const g of grants.values()) expect(g.errors).toEqual([]);
  });

  it('AdministratorAccess (obama) holds every catalog action, unrestricted, on every service', () => {
    const obama = grant('teaching', 'obama');
    expect(obama.actions.size).toBe(catalog.size);
    expect(obama.unrestricted.size).toBe(catalog.size);
    expect(obama.byService()).toHaveLength(catalog.services().length);
    expect(obama.byService().every((s) => s.granted === s.total && s.unrestricted === s.total)).toBe(true);
    // through both its own attachment and the admin group
    expect(obama.grantsFor(idx('iam:CreateUser')).map((g) => [g.kind, g.groupName])).toEqual([
      ['managed', undefined],
      ['group-managed', 'admin'],
    ]);
  });

  it('an inline sts:AssumeRole on one role ARN gives exactly that action, not unrestricted', () => {
    const g = grant('example', 'AWS-QuickSetup-StackSet-Local-AdministrationRole');
    expect(keys(g.actions)).toEqual(['sts:AssumeRole']);
    expect(g.unrestricted.isEmpty()).toBe(true);
    expect(g.grantsFor(idx('sts:AssumeRole'))).toEqual([
      expect.objectContaining({ kind: 'inline', policyName: 'AssumeRole-AWS-QuickSetup-StackSet-Local-ExecutionRole', resources: ['arn:*:iam::*:role/AWS-QuickSetup-StackSet-Local-ExecutionRole'] }),
    ]);
  });

  it('fn1: iam:PassRole on * unrestricted, with ec2:RunInstances, from two managed policies', () => {
    const g = grant('example', 'fn1-privesc3-partial-user');
    expect(keys(g.actions)).toEqual(['ec2:DescribeInstances', 'ec2:RunInstances', 'iam:PassRole']);
    expect(g.unrestricted.equals(g.actions)).toBe(true);
    expect(g.grantsFor(idx('iam:PassRole'))[0]).toMatchObject({ policyName: 'fn1-passrole-star', policyArn: 'arn:aws:iam::200611803367:policy/fn1-passrole-star' });
  });

  it.each([
    ['fp1-allow-and-deny-user', 'iam:* allowed and denied in one policy'],
    ['fp2-allow-and-deny-multiple-policies-user', 'allow-all and deny-all in two policies'],
    ['fp3-deny-iam-user', 'only a Deny'],
  ])('%s holds nothing (%s)', (name) => {
    const g = grant('example', name);
    expect(g.actions.isEmpty()).toBe(true);
    expect(g.byService()).toEqual([]);
  });

  it('fn4: Allow NotAction iam:Update*/Create*/Attach* grants everything else in every service', () => {
    const g = grant('example', 'fn4-exploitableNotAction-user');
    const excluded = catalog.expandToSet('iam:Update*').union(catalog.expandToSet('iam:Create*')).union(catalog.expandToSet('iam:Attach*'));
    expect(g.actions.equals(excluded.complement())).toBe(true);
    expect(g.unrestricted.equals(g.actions)).toBe(true);
    for (const a of ['iam:PassRole', 'iam:PutUserPolicy', 's3:GetObject', 'ec2:RunInstances']) expect(g.has(idx(a))).toBe(true);
    for (const a of ['iam:CreateAccessKey', 'iam:AttachUserPolicy', 'iam:UpdateAssumeRolePolicy']) expect(g.has(idx(a))).toBe(false);
    expect(g.grantsFor(idx('s3:GetObject'))[0]).toMatchObject({ notAction: true, unrestricted: true });
  });

  it('fp5 / fn3: iam:CreatePolicyVersion under a date condition is granted, not unrestricted, condition kept', () => {
    for (const [name, condition] of [
      ['fp5-nonExploitableConditionConstraint-user', { DateLessThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } }],
      ['fn3-exploitableConditionConstraint-user', { DateGreaterThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' } }],
    ] as const) {
      const g = grant('example', name);
      expect(keys(g.actions)).toEqual(['iam:CreatePolicyVersion']);
      expect(g.unrestricted.isEmpty()).toBe(true);
      expect(g.grantsFor(idx('iam:CreatePolicyVersion'))).toEqual([expect.objectContaining({ sid: '', resources: ['*'], condition, unrestricted: false })]);
    }
  });

  it('fp4: iam:CreatePolicyVersion on arn:aws:iam::aws:policy/fp4-* is resource-scoped', () => {
    const g = grant('example', 'fp4-nonExploitableResourceConstraint-user');
    expect(keys(g.actions)).toEqual(['iam:CreatePolicyVersion']);
    expect(g.isUnrestricted(idx('iam:CreatePolicyVersion'))).toBe(false);
    expect(g.grantsFor(idx('iam:CreatePolicyVersion'))[0]?.resources).toEqual(['arn:aws:iam::aws:policy/fp4-*']);
  });

  it('privesc-sre-user gets iam:*, ec2:*, s3:* only through its group', () => {
    const g = grant('example', 'privesc-sre-user');
    const expected = catalog.expandToSet('iam:*').union(catalog.expandToSet('ec2:*')).union(catalog.expandToSet('s3:*'));
    expect(g.actions.equals(expected)).toBe(true);
    expect(g.byService().map((s) => s.service)).toEqual(['ec2', 'iam', 's3']);
    expect(g.grantsFor(idx('iam:PassRole'))).toEqual([
      expect.objectContaining({ kind: 'group-managed', groupName: 'privesc-sre-group', policyName: 'privesc-sre-admin-policy' }),
    ]);
  });

  it('biden: grants arrive through user inline, user managed, group inline and group managed policies', () => {
    const g = grant('teaching', 'biden');
    const sources = g.grantsFor(idx('s3:GetObject')).map((s) => `${s.kind}:${s.policyName}`).sort();
    expect(sources).toEqual(['group-inline:InlinePolicyForBidenGroup', 'inline:InsecureUserPolicy', 'managed:AWSLambdaFullAccess']);
    expect(g.grantsFor(idx('rds:DeleteDBInstance'))).toEqual([expect.objectContaining({ kind: 'group-managed', groupName: 'biden', policyName: 'AmazonRDSFullAccess' })]);
    expect(g.isUnrestricted(idx('iam:PassRole'))).toBe(true); // AWSLambdaFullAccess: iam:PassRole on *
    // AmazonRDSFullAccess: iam:CreateServiceLinkedRole only for the RDS service names
    expect(g.has(idx('iam:CreateServiceLinkedRole'))).toBe(true);
    expect(g.isUnrestricted(idx('iam:CreateServiceLinkedRole'))).toBe(false);
    expect(g.grantsFor(idx('iam:CreateServiceLinkedRole'))[0]?.condition).toEqual({
      StringLike: { 'iam:AWSServiceName': ['rds.amazonaws.com', 'rds.application-autoscaling.amazonaws.com'] },
    });
    // pi:* only on RDS metrics
    expect(g.byService().find((s) => s.service === 'pi')).toMatchObject({ granted: catalog.expandToSet('pi:*').size, unrestricted: 0 });
  });

  it('cloudmapper level1: six actions, bucket- and repository-scoped except ecr:GetAuthorizationToken', () => {
    const g = grant('cloudmapper', 'level1');
    expect(keys(g.actions)).toEqual(['ecr:BatchGetImage', 'ecr:GetAuthorizationToken', 'ecr:GetDownloadUrlForLayer', 'ecr:ListImages', 's3:GetObject', 's3:ListBucket']);
    expect(keys(g.unrestricted)).toEqual(['ecr:GetAuthorizationToken']);
    expect(g.grantsFor(idx('s3:GetObject'))[0]?.resources).toEqual(['arn:aws:s3:::level1.flaws2.cloud/*']);
  });

  it('cloudmapper USER: AmazonEC2RoleforSSM via GROUP_WITH_BAD_INLINE_POLICY', () => {
    const g = grant('cloudmapper', 'USER');
    expect(g.grantsFor(idx('ssm:GetParameters'))).toEqual([
      expect.objectContaining({ kind: 'group-managed', groupName: 'GROUP_WITH_BAD_INLINE_POLICY', policyName: 'AmazonEC2RoleforSSM', policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM' }),
    ]);
    expect(g.isUnrestricted(idx('ssm:GetParameters'))).toBe(true);
  });

  it('BAD_MFA_POLICY (derived: attached beside AmazonEC2RoleforSSM) marks non-IAM actions possibly denied and keeps retired actions as unknown', () => {
    const { fx } = loaded.cloudmapper;
    const byName = (name: string) => fx.attachments.find((a) => a.policyName === name)?.policyHash ?? fx.documents.find((d) => d.label.endsWith(name))!.hash;
    const arn = 'arn:aws:iam::123456789012:user/derived-mfa-user';
    const g = new EffectiveGrantCalculator(catalog).compute(
      arn,
      [
        { identityArn: arn, kind: 'managed', policyName: 'BAD_MFA_POLICY', policyHash: byName('BAD_MFA_POLICY') },
        { identityArn: arn, kind: 'managed', policyName: 'AmazonEC2RoleforSSM', policyHash: byName('AmazonEC2RoleforSSM') },
      ],
      fx.policies,
    );
    expect(g.errors).toEqual([]);
    // "BlockAnyAccessOtherThanAboveUnlessSignedInWithMFA": Deny NotAction iam:* on * if no MFA
    expect(g.has(idx('ssm:GetParameters'))).toBe(true);
    expect(g.isUnrestricted(idx('ssm:GetParameters'))).toBe(false);
    expect(g.partiallyDenied.equals(g.actions.subtract(catalog.expandToSet('iam:*')))).toBe(true);
    expect(g.partialDenies).toEqual([expect.objectContaining({ sid: 'BlockAnyAccessOtherThanAboveUnlessSignedInWithMFA', notAction: true, condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } })]);
    expect(g.isUnrestricted(idx('iam:ListUsers'))).toBe(true);
    // scoped to the caller's own user
    expect(g.grantsFor(idx('iam:CreateAccessKey'))[0]?.resources).toEqual(['arn:aws:iam::123456789012:user/${aws:username}']);
    expect(g.unknownActions.map((u) => u.action)).toEqual(['iam:RequestSmsMfaRegistration', 'iam:FinalizeSmsMfaRegistration']);
  });
});
