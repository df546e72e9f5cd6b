/**
 * Every escalation-catalog entry is found from a minimal policy granting
 * exactly it, through the real store, facts, reach graph and rule; and a
 * scoped variant of it is not (DESIGN: Cloudsplaining's escalation-method
 * test). Near-misses: the actions limited to another account's resources
 * (IAM and the compute services act on the caller's own account), a key or
 * password limited to `${aws:username}` (the user itself), and PassRole
 * limited by `iam:PassedToService` to a different service.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { ESCALATION_METHODS, type EscalationMethod } from '../../src/catalog/escalation-methods.js';
import type { PolicyStatement } from '../../src/model/policy.js';
import { privilegeEscalation } from '../../src/rules/aws/privilege-escalation.js';
import { PROD, scenario, type IdentitySpec } from '../helpers/scenario.js';

const OTHER = '999999999999';
const USER = `arn:aws:iam::${PROD}:user/alice`;

let catalog: AwsActionCatalog;
beforeAll(async () => {
  catalog = await loadAwsActionCatalog();
});

const service = (action: string) => action.split(':')[0]!;
const inOtherAccount = (action: string) => (service(action) === 'iam' ? `arn:aws:iam::${OTHER}:*` : `arn:aws:${service(action)}:*:${OTHER}:*`);

function identity(statements: PolicyStatement[]): IdentitySpec {
  return { arn: USER, policies: [{ name: 'minimal', document: { Version: '2012-10-17', Statement: statements } }] };
}

/** A role trusting the method's service, so pass-role and existing-role methods have somewhere to lead. */
const serviceRole = (m: EscalationMethod): IdentitySpec[] => {
  const svc = m.passRole ?? m.existingRole;
  if (!svc) return [{ arn: `arn:aws:iam::${PROD}:user/bob` }, { arn: `arn:aws:iam::${PROD}:role/target`, trustPolicy: { Statement: [] } }];
  return [{ arn: `arn:aws:iam::${PROD}:role/service-role`, trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: svc }, Action: 'sts:AssumeRole' }] } }];
};

async function methodsFound(statements: PolicyStatement[], m: EscalationMethod) {
  const facts = await scenario({ identities: [identity(statements), ...serviceRole(m)] });
  const found = facts.context.reach!.escalations.get(USER) ?? [];
  const evaluation = privilegeEscalation.evaluate(facts.context).find((e) => e.identityArn === USER)!;
  return { ids: found.map((f) => f.method.id), evaluation, facts };
}

describe('escalation catalog', () => {
  it('names only catalog actions and has unique ids', () => {
    const ids = ESCALATION_METHODS.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const m of ESCALATION_METHODS) for (const a of m.actions) expect(catalog.indexOf(a), `${m.id}: ${a}`).toBeDefined();
  });

  describe.each(ESCALATION_METHODS.map((m) => [m.id, m] as const))('%s', (_, m) => {
    const actions = [...m.actions, ...(m.passRole ? ['iam:PassRole'] : [])];

    it('is found from a minimal policy granting exactly it', async () => {
      const { ids, evaluation } = await methodsFound([{ Effect: 'Allow', Action: actions, Resource: '*' }], m);
      expect(ids).toContain(m.id);
      expect(evaluation.outcome).toBe('fail');
      const finding = evaluation.findings.find((f) => f.granular === `Escalation::${m.id}`)!;
      expect(finding.severity).toBe('critical'); // PROD account
      expect(finding.evidence.map((e) => e.summary).join('\n')).toContain(m.actions[0]!);
    });

    it('is not found when its actions only name another account', async () => {
      const { ids } = await methodsFound(actions.map((a) => ({ Effect: 'Allow', Action: a, Resource: inOtherAccount(a) })), m);
      expect(ids).not.toContain(m.id);
    });

    if (m.othersOnly) {
      it('is not found when limited to the user itself (${aws:username})', async () => {
        const { ids } = await methodsFound([{ Effect: 'Allow', Action: actions, Resource: `arn:aws:iam::${PROD}:user/\${aws:username}` }], m);
        expect(ids).not.toContain(m.id);
      });
    }

    if (m.passRole) {
      it('is not found when iam:PassedToService names another service', async () => {
        const { ids } = await methodsFound(
          [
            { Effect: 'Allow', Action: m.actions as string[], Resource: '*' },
            { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'not-this.amazonaws.com' } } },
          ],
          m,
        );
        expect(ids).not.toContain(m.id);
      });

      it('leads to the role trusting its service', async () => {
        const { facts } = await methodsFound([{ Effect: 'Allow', Action: actions, Resource: '*' }], m);
        const edge = facts.context.reach!.graph.edges.find((e) => e.from === USER && e.kind === 'pass-role');
        expect(edge?.to).toBe(`arn:aws:iam::${PROD}:role/service-role`);
        expect(edge?.grantedBy.join('\n')).toContain(`(${m.id})`);
      });
    }
  });

  it('CreateAccessKey on another user leads to that user; on itself it does not', async () => {
    const m = ESCALATION_METHODS.find((x) => x.id === 'iam:CreateAccessKey')!;
    const scoped = await methodsFound([{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: `arn:aws:iam::${PROD}:user/bob` }], m);
    expect(scoped.ids).toEqual(['iam:CreateAccessKey']);
    expect(scoped.facts.context.reach!.graph.edges.filter((e) => e.from === USER).map((e) => [e.to, e.kind])).toEqual([
      [`arn:aws:iam::${PROD}:user/bob`, 'escalation:iam:CreateAccessKey'],
    ]);
    const self = await methodsFound([{ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: USER }], m);
    expect(self.ids).toEqual([]);
    expect(self.evaluation.outcome).toBe('pass');
  });

  it('an unconditioned Deny on the resource takes the method away; a conditioned one lowers the severity only if every grant is conditioned', async () => {
    const m = ESCALATION_METHODS.find((x) => x.id === 'iam:AttachUserPolicy')!;
    const denied = await methodsFound(
      [
        { Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: `arn:aws:iam::${PROD}:user/*` },
        { Effect: 'Deny', Action: 'iam:AttachUserPolicy', Resource: `arn:aws:iam::${PROD}:user/*` },
      ],
      m,
    );
    expect(denied.ids).toEqual([]);
    const conditioned = await methodsFound(
      [{ Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }],
      m,
    );
    const finding = conditioned.evaluation.findings.find((f) => f.granular === 'Escalation::iam:AttachUserPolicy')!;
    expect(finding.severity).toBe('high');
    expect(finding.evidence.map((e) => e.summary).join('\n')).toContain('aws:MultiFactorAuthPresent');
  });
});
