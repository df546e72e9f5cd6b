/**
 * assume-role edges through the real store and facts: the trust policy and
 * the caller's own policies, as IAM combines them, with conditions kept.
 */
import { describe, expect, it } from 'vitest';
import type { PolicyDocument, PolicyStatement } from '../../../src/model/policy.js';
import { PROD, STAGING, scenario, type IdentitySpec } from '../../helpers/scenario.js';

const CALLER = `arn:aws:iam::${STAGING}:role/ci`;
const SAME = `arn:aws:iam::${STAGING}:user/dev`;
const TARGET = `arn:aws:iam::${PROD}:role/deploy`;
const LOCAL_TARGET = `arn:aws:iam::${STAGING}:role/helper`;

const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const trust = (Principal: PolicyStatement['Principal'], extra: Partial<PolicyStatement> = {}): PolicyDocument =>
  doc({ Effect: 'Allow', Principal, Action: 'sts:AssumeRole', ...extra });
const canAssume = (Resource: string | string[] = '*', extra: Partial<PolicyStatement> = {}) => [
  { name: 'assume', document: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource, ...extra }) },
];

async function edges(identities: IdentitySpec[]) {
  const { context } = await scenario({ identities });
  return context.reach!.graph.edges.filter((e) => e.kind === 'assume-role');
}

describe('assume-role edges', () => {
  it('cross-account: needs the trust AND the caller policy', async () => {
    const named = trust({ AWS: CALLER });
    expect(await edges([{ arn: CALLER }, { arn: TARGET, trustPolicy: named }])).toEqual([]);
    const [edge, ...rest] = await edges([{ arn: CALLER, policies: canAssume(TARGET) }, { arn: TARGET, trustPolicy: named }]);
    expect(rest).toEqual([]);
    expect(edge).toMatchObject({ from: CALLER, to: TARGET, conditions: [] });
    expect(edge!.grantedBy.join('\n')).toContain(`trust policy of ${TARGET} statement 0 admits ${CALLER}`);
    expect(edge!.grantedBy.join('\n')).toContain('inline policy "assume" statement 0 allows sts:AssumeRole on ' + TARGET);
  });

  it('the caller policy must name the role: a policy for another role does not reach it', async () => {
    expect(await edges([{ arn: CALLER, policies: canAssume(`arn:aws:iam::${PROD}:role/other`) }, { arn: TARGET, trustPolicy: trust({ AWS: CALLER }) }])).toEqual([]);
  });

  it('the trust must admit the caller: a policy alone reaches nothing', async () => {
    expect(await edges([{ arn: CALLER, policies: canAssume() }, { arn: TARGET, trustPolicy: trust({ AWS: `arn:aws:iam::${STAGING}:role/someone-else` }) }])).toEqual([]);
  });

  it('same account, trust naming the caller itself: no identity Allow needed; naming the account root: needed', async () => {
    const direct = await edges([{ arn: SAME }, { arn: LOCAL_TARGET, trustPolicy: trust({ AWS: SAME }) }]);
    expect(direct.map((e) => e.from)).toEqual([SAME]);
    expect(direct[0]!.grantedBy.join('\n')).toContain('no identity-policy Allow needed');
    const root = trust({ AWS: `arn:aws:iam::${STAGING}:root` });
    expect(await edges([{ arn: SAME }, { arn: LOCAL_TARGET, trustPolicy: root }])).toEqual([]);
    expect((await edges([{ arn: SAME, policies: canAssume() }, { arn: LOCAL_TARGET, trustPolicy: root }])).map((e) => e.from)).toEqual([SAME]);
  });

  it('an account id principal admits that account, a wildcard admits anyone whose policy allows it', async () => {
    const byId = await edges([{ arn: CALLER, policies: canAssume() }, { arn: TARGET, trustPolicy: trust({ AWS: STAGING }) }]);
    expect(byId.map((e) => e.from)).toEqual([CALLER]);
    const any = await edges([{ arn: CALLER, policies: canAssume() }, { arn: SAME }, { arn: TARGET, trustPolicy: trust('*') }]);
    expect(any.map((e) => e.from)).toEqual([CALLER]);
  });

  it('sts:ExternalId and aws:PrincipalOrgID are kept on the edge, never dropped', async () => {
    const [edge] = await edges([
      { arn: CALLER, policies: canAssume() },
      { arn: TARGET, trustPolicy: trust({ AWS: STAGING }, { Condition: { StringEquals: { 'sts:ExternalId': 'abc-123', 'aws:PrincipalOrgID': 'o-xyz' } } }) },
    ]);
    expect(edge!.conditions.join('\n')).toContain('sts:ExternalId = "abc-123"');
    expect(edge!.conditions.join('\n')).toContain('aws:PrincipalOrgID = "o-xyz"');
  });

  it('aws:PrincipalArn is decided: a non-matching caller gets no edge, a matching one an unconditional edge', async () => {
    const only = (pattern: string) => trust({ AWS: STAGING }, { Condition: { ArnLike: { 'aws:PrincipalArn': pattern } } });
    expect(await edges([{ arn: CALLER, policies: canAssume() }, { arn: TARGET, trustPolicy: only(`arn:aws:iam::${STAGING}:role/deployer-*`) }])).toEqual([]);
    const [edge] = await edges([{ arn: CALLER, policies: canAssume() }, { arn: TARGET, trustPolicy: only(`arn:aws:iam::${STAGING}:role/c*`) }]);
    expect(edge).toMatchObject({ from: CALLER, conditions: [] });
  });

  it('an unconditioned Deny refuses the hop (caller policy or trust policy); a conditioned trust Deny is kept as a condition', async () => {
    const named = trust({ AWS: CALLER });
    const policies = [...canAssume(), { name: 'deny', document: doc({ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${PROD}:role/*` }) }];
    expect(await edges([{ arn: CALLER, policies }, { arn: TARGET, trustPolicy: named }])).toEqual([]);
    const denyTrust = (extra: Partial<PolicyStatement>) =>
      doc({ Effect: 'Allow', Principal: { AWS: CALLER }, Action: 'sts:AssumeRole' }, { Effect: 'Deny', Principal: { AWS: CALLER }, Action: 'sts:AssumeRole', ...extra });
    expect(await edges([{ arn: CALLER, policies: canAssume() }, { arn: TARGET, trustPolicy: denyTrust({}) }])).toEqual([]);
    const [edge] = await edges([{ arn: CALLER, policies: canAssume() }, { arn: TARGET, trustPolicy: denyTrust({ Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } }) }]);
    expect(edge!.conditions.join('\n')).toContain('not (Bool aws:MultiFactorAuthPresent = "false")');
  });

  it('a conditioned caller Allow is kept on the edge', async () => {
    const [edge] = await edges([
      { arn: CALLER, policies: canAssume(TARGET, { Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }) },
      { arn: TARGET, trustPolicy: trust({ AWS: CALLER }) },
    ]);
    expect(edge!.conditions).toEqual(['StringEquals aws:RequestedRegion = "eu-west-1"']);
  });

  it('service, federated and deleted (unique id) principals are not identity edges', async () => {
    const t = doc(
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      { Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${PROD}:oidc-provider/token.actions.githubusercontent.com` }, Action: 'sts:AssumeRoleWithWebIdentity' },
      { Effect: 'Allow', Principal: { AWS: 'AROAEXAMPLEDELETED123' }, Action: 'sts:AssumeRole' },
    );
    expect(await edges([{ arn: CALLER, policies: canAssume() }, { arn: TARGET, trustPolicy: t }])).toEqual([]);
  });
});

describe('closure', () => {
  it('follows chains with the shortest path, and terminates on cycles', async () => {
    const a = `arn:aws:iam::${STAGING}:role/a`;
    const b = `arn:aws:iam::${STAGING}:role/b`;
    const c = `arn:aws:iam::${PROD}:role/c`;
    const { context } = await scenario({
      identities: [
        { arn: a, policies: canAssume(), trustPolicy: trust({ AWS: b }) },
        { arn: b, policies: canAssume(), trustPolicy: trust({ AWS: a }) },
        { arn: c, trustPolicy: trust({ AWS: [a, b] }) },
      ],
    });
    const { graph } = context.reach!;
    const reached = graph.reachFrom(a);
    expect(new Map(reached.map((r) => [graph.nodes[r.node]!.id, r.depth]))).toEqual(new Map([[a, 0], [b, 1], [c, 1]]));
    const toC = graph.pathTo(reached, reached.find((r) => graph.nodes[r.node]!.id === c)!);
    expect(toC.map((h) => [h.from, h.to, h.edge])).toEqual([[a, c, 'assume-role']]);
    const closure = graph.closure();
    expect(closure.size(graph.indexOf(c)!)).toBe(0);
    expect(closure.size(graph.indexOf(a)!)).toBe(2);
    expect(closure.reaches(graph.indexOf(b)!, graph.indexOf(a)!)).toBe(true);
    expect(closure.reaches(graph.indexOf(c)!, graph.indexOf(a)!)).toBe(false);
  });
});
