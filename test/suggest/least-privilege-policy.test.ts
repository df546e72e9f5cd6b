/**
 * The least-privilege generator on its own: used actions only, each on the
 * scope that grants it today, service-level use marked coarse, Denies
 * carried over, documents split at the managed-policy size limit, and every
 * action valid in the catalog and covering what was used.
 */
import { describe, expect, it } from 'vitest';
import { computeEffectiveGrant } from '../../src/analyse/aws/effective-grant.js';
import { ActionSet } from '../../src/catalog/action-set.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { policyHash } from '../../src/model/policy-hash.js';
import { asArray, type PolicyDocument } from '../../src/model/policy.js';
import { leastPrivilegePolicy, MANAGED_POLICY_MAX_CHARS, policySize } from '../../src/suggest/aws/least-privilege-policy.js';
import type { IdentityAudit } from '../../src/report/json-schema.js';

const ARN = 'arn:aws:iam::111111111111:role/worker';

async function generate(document: PolicyDocument, used: string[], services: Partial<IdentityAudit['services'][number]>[] = [], denies = false) {
  const catalog = await loadAwsActionCatalog();
  const hash = policyHash(document);
  const grant = computeEffectiveGrant(catalog, ARN, [{ identityArn: ARN, policyHash: hash, kind: 'inline', policyName: 'p' }], new Map([[hash, { hash, document }]]));
  const usedSet = ActionSet.of(catalog.size, used.map((a) => catalog.indexOf(a)!));
  const audit = { services: services.map((s) => ({ usedActions: [], observedBy: ['access-advisor'], ...s })) as IdentityAudit['services'] };
  const carriedDenies = denies ? asArray(document.Statement).filter((s) => s.Effect === 'Deny') : [];
  return { catalog, grant, policy: leastPrivilegePolicy({ catalog, grant, used: usedSet, audit, carriedDenies }) };
}

describe('leastPrivilegePolicy', () => {
  it('keeps only the used actions, on exactly the resources and conditions that grant them today', async () => {
    const { policy } = await generate(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'] },
          { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
          { Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
        ],
      },
      ['s3:PutObject', 's3:GetObject', 'dynamodb:Query', 'ec2:DescribeInstances'],
    );
    expect(policy.documents).toEqual([
      {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'UsedDynamodb', Effect: 'Allow', Action: ['dynamodb:Query'], Resource: ['*'], Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
          { Sid: 'UsedEc2', Effect: 'Allow', Action: ['ec2:DescribeInstances'], Resource: ['*'] },
          { Sid: 'UsedS3', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'] },
        ],
      },
    ]);
    expect(policy.onEveryResource).toBe(1);
    expect(policy.coarse).toEqual([]);
  });

  it('keeps the current grant of a service seen used only at service level, and says it is coarser', async () => {
    const { policy } = await generate(
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['rds:Describe*', 'rds:CreateDBSnapshot'], Resource: '*' }] },
      [],
      [{ service: 'rds', status: 'used' }],
    );
    const actions = asArray(asArray(policy.documents[0]!.Statement)[0]!.Action);
    expect(actions).toContain('rds:CreateDBSnapshot');
    expect(actions).toContain('rds:DescribeDBInstances');
    expect(actions).not.toContain('rds:DeleteDBInstance');
    expect(policy.coarse).toHaveLength(1);
    expect(policy.coarse[0]).toMatch(/^rds: \d+ granted actions kept, because Access Advisor saw the service used without naming actions/);
  });

  it('never adds an action the identity is not granted, and carries explicit Denies over', async () => {
    const deny = { Effect: 'Deny' as const, Action: 's3:DeleteBucket', Resource: '*' };
    const { policy } = await generate(
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }, deny] },
      ['s3:GetObject', 's3:PutObject'],
      [],
      true,
    );
    const statements = policy.documents.flatMap((d) => asArray(d.Statement));
    expect(statements.flatMap((s) => asArray(s.Action))).toEqual(['s3:GetObject', 's3:DeleteBucket']);
    expect(statements[1]).toEqual(deny);
  });

  it('splits into documents within the size limit that together cover every used action, all valid in the catalog', async () => {
    const catalog = await loadAwsActionCatalog();
    const ec2 = catalog.service('ec2')!;
    const used = Array.from({ length: ec2.end - ec2.start }, (_, i) => catalog.keyAt(ec2.start + i)).filter((_, i) => i % 2 === 0);
    const { policy } = await generate({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] }, used);
    expect(policy.documents.length).toBeGreaterThan(1);
    const listed: string[] = [];
    for (const d of policy.documents) {
      expect(policySize(d)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
      for (const s of asArray(d.Statement)) listed.push(...asArray(s.Action));
    }
    for (const a of listed) expect(catalog.indexOf(a), a).toBeDefined();
    expect(new Set(listed)).toEqual(new Set(used));
  });

  it('writes service:* when every action of the service was used', async () => {
    const catalog = await loadAwsActionCatalog();
    const sts = catalog.service('sts')!;
    const all = Array.from({ length: sts.end - sts.start }, (_, i) => catalog.keyAt(sts.start + i));
    const { policy } = await generate({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }] }, all);
    expect(asArray(policy.documents[0]!.Statement)[0]!.Action).toBe('sts:*');
  });
});
