/**
 * actionAccess over principals sharing policies: a statement naming no
 * policy variable is scoped once and shared by every holder, a statement
 * naming `${aws:username}` is scoped per principal, and what each principal
 * may do on a resource is the same either way.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EffectiveGrantCalculator } from '../../../src/analyse/aws/effective-grant.js';
import { accessOn, actionAccess, ActionAccessIndex, ResourceList, sameAccessOnEach } from '../../../src/analyse/reach/resource-access.js';
import { ESCALATION_METHODS, PASS_ROLE } from '../../../src/catalog/escalation-methods.js';
import { synthesiseWorkload } from '../../../bench/analyse-grants.js';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../../../src/catalog/aws-actions.js';
import type { Identity } from '../../../src/model/domain.js';
import { doc, principal, type TestPolicy } from '../aws/policy-helpers.js';

let catalog: AwsActionCatalog;
beforeAll(async () => {
  catalog = await loadAwsActionCatalog();
});

const ACCOUNT = '111122223333';
const user = (name: string): Identity => ({ provider: 'aws', arn: `arn:aws:iam::${ACCOUNT}:user/${name}`, accountId: ACCOUNT, kind: 'user', name, tags: {} });

const ownKeys: TestPolicy = {
  name: 'own-keys',
  arn: `arn:aws:iam::${ACCOUNT}:policy/own-keys`,
  document: doc({ Sid: 'OwnKeys', Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::*:user/${aws:username}' }),
};
const ciKeys: TestPolicy = {
  name: 'ci-keys',
  arn: `arn:aws:iam::${ACCOUNT}:policy/ci-keys`,
  document: doc(
    { Sid: 'CiUsers', Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: `arn:aws:iam::${ACCOUNT}:user/ci-*`, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
    { Sid: 'NotAdmins', Effect: 'Deny', Action: 'iam:CreateAccessKey', Resource: `arn:aws:iam::${ACCOUNT}:user/ci-admin` },
  ),
};

describe('actionAccess shared between holders of a policy', () => {
  it('shares the scoped statements that name no variable and scopes the others per principal', () => {
    const calculator = new EffectiveGrantCalculator(catalog);
    const [alice, bob] = [user('alice'), user('bob')];
    const grantOf = (who: Identity) => {
      const p = principal(who.arn, ownKeys, ciKeys);
      return calculator.compute(who.arn, p.attachments, p.policies);
    };
    const a = actionAccess(grantOf(alice), catalog, 'iam:CreateAccessKey', alice)!;
    const b = actionAccess(grantOf(bob), catalog, 'iam:CreateAccessKey', bob)!;

    const bySid = (access: typeof a, sid: string) => access.allows.find((s) => s.statement.sid === sid)!;
    expect(bySid(a, 'OwnKeys').resources).toEqual(['arn:aws:iam::*:user/alice']);
    expect(bySid(b, 'OwnKeys').resources).toEqual(['arn:aws:iam::*:user/bob']);
    expect(bySid(a, 'CiUsers')).toBe(bySid(b, 'CiUsers'));
    expect(bySid(a, 'CiUsers')).toEqual({
      statement: expect.objectContaining({ sid: 'CiUsers', policyName: 'ci-keys' }),
      resources: [`arn:aws:iam::${ACCOUNT}:user/ci-*`],
      conditions: [expect.stringContaining('aws:MultiFactorAuthPresent')],
    });
    expect(a.denies).toEqual(b.denies);

    // What each may do: its own user unconditionally, CI users only with MFA, never the denied one.
    expect(accessOn(a, alice.arn)?.conditions).toEqual([]);
    expect(accessOn(a, bob.arn)).toBeUndefined();
    expect(accessOn(b, bob.arn)?.conditions).toEqual([]);
    expect(accessOn(b, `arn:aws:iam::${ACCOUNT}:user/ci-runner`)?.conditions).toEqual([expect.stringContaining('aws:MultiFactorAuthPresent')]);
    expect(accessOn(a, `arn:aws:iam::${ACCOUNT}:user/ci-admin`)).toBeUndefined();
  });
});

describe('ActionAccessIndex', () => {
  const boundary: TestPolicy = {
    name: 'boundary',
    kind: 'permissions-boundary',
    document: doc({ Effect: 'Allow', Action: ['iam:*', 'sts:*'], Resource: `arn:aws:iam::${ACCOUNT}:user/*` }, { Effect: 'Deny', Action: 'iam:CreateLoginProfile', Resource: '*' }),
  };
  const actions = ['iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:PassRole', 'lambda:CreateFunction'];

  it('gives what actionAccess gives, action by action, with a boundary, denies and policy variables', () => {
    const calculator = new EffectiveGrantCalculator(catalog);
    const index = new ActionAccessIndex(catalog, actions);
    for (const [who, policies] of [
      [user('alice'), [ownKeys, ciKeys]],
      [user('bob'), [ownKeys, ciKeys, boundary]],
    ] as const) {
      const p = principal(who.arn, ...policies);
      const grant = calculator.compute(who.arn, p.attachments, p.policies);
      const access = index.of(grant, who);
      for (const action of actions) expect(access(action)).toEqual(actionAccess(grant, catalog, action, who));
      expect(access('iam:CreateAccessKey')!.allows.length).toBe(2);
      expect(access('lambda:CreateFunction')).toBeUndefined();
    }
    expect(() => index.of(calculator.compute('x', [], new Map()), user('x'))('s3:GetObject')).toThrow(/not one of its actions/);
  });

  it('gives what actionAccess gives for every escalation action of principals sharing policies', () => {
    const workload = synthesiseWorkload(catalog, { principals: 300, policies: 60 });
    const grants = new EffectiveGrantCalculator(catalog).computeAll(workload.attachments, workload.policies, workload.identities);
    const escalationActions = [...new Set([...ESCALATION_METHODS.flatMap((m) => m.actions), PASS_ROLE])];
    const index = new ActionAccessIndex(catalog, escalationActions);
    let held = 0;
    for (const [arn, grant] of grants) {
      const name = arn.slice(arn.lastIndexOf('/') + 1);
      const who: Identity = { provider: 'aws', arn, accountId: arn.split(':')[4]!, kind: arn.includes(':role/') ? 'role' : 'user', name, tags: {} };
      const access = index.of(grant, who);
      for (const action of escalationActions) {
        const expected = actionAccess(grant, catalog, action, who);
        if (expected) held++;
        expect(access(action)).toEqual(expected);
      }
    }
    expect(held).toBeGreaterThan(100);
  });
});

describe('sameAccessOnEach', () => {
  const users = ['ci-build', 'ci-deploy', 'alice', 'Bob'].map((n) => user(n).arn);
  const accessOf = (...statements: Parameters<typeof doc>) => {
    const who = user('caller');
    const p = principal(who.arn, { name: 'p', arn: `arn:aws:iam::${ACCOUNT}:policy/p`, document: doc(...statements) });
    return actionAccess(new EffectiveGrantCalculator(catalog).compute(who.arn, p.attachments, p.policies), catalog, 'iam:CreateAccessKey', who)!;
  };
  /** What accessOn says of every resource, when it says the same of each: the answer sameAccessOnEach must give. */
  const perResource = (access: ReturnType<typeof accessOf>, resources: string[]) => {
    const each = resources.map((r) => accessOn(access, r));
    if (each.every((g) => g === undefined)) return null;
    return each.every((g) => g !== undefined && JSON.stringify(g) === JSON.stringify(each[0])) ? each[0] : undefined;
  };
  const cases: [string, Parameters<typeof doc>][] = [
    ['every resource', [{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: '*' }]],
    ['every resource under a condition', [{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }]],
    ['another account only', [{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: 'arn:aws:iam::999999999999:user/*' }]],
    ['some users', [{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: `arn:aws:iam::${ACCOUNT}:user/ci-*` }]],
    ['some users each, every user together', [{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: [`arn:aws:iam::${ACCOUNT}:user/ci-*`, `arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:user/BOB`] }]],
    ['every user but some', [{ Effect: 'Allow', Action: 'iam:CreateAccessKey', NotResource: `arn:aws:iam::${ACCOUNT}:user/ci-*` }]],
    ['every user but none of them', [{ Effect: 'Allow', Action: 'iam:CreateAccessKey', NotResource: 'arn:aws:iam::999999999999:user/*' }]],
    ['a conditioned statement on some, then one on all', [
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: `arn:aws:iam::${ACCOUNT}:user/ci-*`, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: '*' },
    ]],
    ['a conditioned statement on all, then an unconditioned one on some', [
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
      { Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: `arn:aws:iam::${ACCOUNT}:user/ci-*` },
    ]],
  ];
  let answered = 0;
  for (const [name, statements] of cases) {
    it(`gives what accessOn gives each resource, or undefined: ${name}`, () => {
      const access = accessOf(...statements);
      const same = sameAccessOnEach(access, new ResourceList(users));
      // Undefined is always allowed (ask accessOn per resource); an answer must be accessOn's for each.
      if (same !== undefined) expect(same).toEqual(perResource(access, users));
      answered += same === undefined ? 0 : 1;
    });
  }

  it('answers where the list is covered alike (five of those cases)', () => {
    expect(answered).toBeGreaterThanOrEqual(5);
  });

  it('leaves a Deny or a boundary to accessOn, and grants nothing on an empty list', () => {
    const denied = accessOf({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: '*' }, { Effect: 'Deny', Action: 'iam:CreateAccessKey', Resource: `arn:aws:iam::${ACCOUNT}:user/alice` });
    expect(sameAccessOnEach(denied, new ResourceList(users))).toBeUndefined();
    expect(sameAccessOnEach(accessOf({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: '*' }), new ResourceList([]))).toBeNull();
  });
});
