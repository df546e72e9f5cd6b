/**
 * Least-privilege replacements scoped to the resources the calls named:
 * within today's grant, keeping its conditions, collapsed (and reported)
 * when many, and left on today's scope (with the reason) when the calls
 * cannot tell.
 */
import { describe, expect, it } from 'vitest';
import { computeEffectiveGrant } from '../../src/analyse/aws/effective-grant.js';
import { ActionSet } from '../../src/catalog/action-set.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { policyHash } from '../../src/model/policy-hash.js';
import { asArray, type PolicyDocument } from '../../src/model/policy.js';
import type { ActionResourceEvidence } from '../../src/store/index.js';
import { leastPrivilegePolicy } from '../../src/suggest/aws/least-privilege-policy.js';
import { patternCovers } from '../../src/suggest/aws/resource-scope.js';

const ARN = 'arn:aws:iam::111111111111:role/worker';
const T = 'arn:aws:dynamodb:eu-west-1:111111111111:table';
const evidence = (resources: string[], gaps: Partial<ActionResourceEvidence> = {}): ActionResourceEvidence => ({ resources, calls: resources.length, unresolved: 0, overflow: 0, ...gaps });

async function generate(document: PolicyDocument, used: Record<string, ActionResourceEvidence | undefined>) {
  const catalog = await loadAwsActionCatalog();
  const hash = policyHash(document);
  const grant = computeEffectiveGrant(catalog, ARN, [{ identityArn: ARN, policyHash: hash, kind: 'inline', policyName: 'p' }], new Map([[hash, { hash, document }]]));
  const usedSet = ActionSet.of(catalog.size, Object.keys(used).map((a) => catalog.indexOf(a)!));
  const resources = new Map(Object.entries(used).filter((e): e is [string, ActionResourceEvidence] => e[1] !== undefined));
  return leastPrivilegePolicy({ catalog, grant, used: usedSet, audit: { services: [] }, carriedDenies: [], resources });
}

describe('patternCovers', () => {
  it.each([
    ['*', 'arn:aws:s3:::b/*', true],
    ['arn:aws:s3:::b/*', 'arn:aws:s3:::b/logs/*', true],
    ['arn:aws:s3:::b/logs/*', 'arn:aws:s3:::b/*', false],
    ['arn:aws:s3:::B/*', 'arn:aws:s3:::b/x', false],
    ['arn:aws:s3:::b/?', 'arn:aws:s3:::b/*', false],
    ['arn:aws:s3:::${aws:username}/*', 'arn:aws:s3:::x/y', false],
  ])('%s covers %s: %s', (pattern, resource, covers) => expect(patternCovers(pattern, resource)).toBe(covers));
});

describe('resource-scoped least privilege', () => {
  it('scopes each used action to the resources seen, inside the grant, keeping its condition', async () => {
    const policy = await generate(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'dynamodb:*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
          { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        ],
      },
      {
        'dynamodb:Query': evidence([`${T}/orders`]),
        's3:GetObject': evidence(['arn:aws:s3:::data/in/*']),
        's3:ListAllMyBuckets': evidence([], { unresolved: 3 }),
      },
    );
    expect(policy.documents[0]!.Statement).toEqual([
      { Sid: 'UsedDynamodb', Effect: 'Allow', Action: ['dynamodb:Query'], Resource: [`${T}/orders`], Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
      { Sid: 'UsedS3', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::data/in/*'] },
      { Sid: 'UsedS32', Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: ['*'] },
    ]);
    expect(policy.scopedToObserved).toBe(2);
    expect(policy.onEveryResource).toBe(1);
    expect(policy.unscoped).toEqual(['s3:ListAllMyBuckets: no resource observable in its calls']);
  });

  it('keeps the grant scope when calls named no resource, the sample overflowed, or a resource lies outside the grant', async () => {
    const document: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: `${T}/app-*` }] };
    for (const [gaps, reason] of [
      [{ unresolved: 1 }, /named no observable resource/],
      [{ overflow: 4 }, /more distinct resources than the sample keeps/],
    ] as const) {
      const policy = await generate(document, { 'dynamodb:GetItem': evidence([`${T}/app-a`], gaps) });
      expect(asArray(policy.documents[0]!.Statement)[0]!.Resource).toEqual([`${T}/app-*`]);
      expect(policy.unscoped[0]).toMatch(reason);
    }
    const outside = await generate(document, { 'dynamodb:GetItem': evidence([`${T}/other`]) });
    expect(asArray(outside.documents[0]!.Statement)[0]!.Resource).toEqual([`${T}/app-*`]);
    expect(outside.unscoped[0]).toMatch(/outside its current identity-policy grant/);
  });

  it('collapses many resources to their parent within the grant, and says so in coarse', async () => {
    const tables = Array.from({ length: 12 }, (_, i) => `${T}/t${i}`);
    const wide = await generate({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: '*' }] }, { 'dynamodb:GetItem': evidence(tables) });
    expect(asArray(wide.documents[0]!.Statement)[0]!.Resource).toEqual([`${T}/*`]);
    expect(wide.coarse.join()).toMatch(/12 observed resources collapsed/);
    // A grant narrower than the parent: the resources stay listed one by one.
    const narrow = await generate({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:*', Resource: `${T}/t*` }] }, { 'dynamodb:GetItem': evidence(tables) });
    expect(asArray(narrow.documents[0]!.Statement)[0]!.Resource).toEqual([...tables].sort());
    expect(narrow.coarse).toEqual([]);
  });
});
