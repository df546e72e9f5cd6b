/**
 * split-credential: an identity whose CloudTrail calls named both staging
 * and production resources is split in two, each side's policy generated
 * from that side's actions and resources; an identity that stayed on one
 * side is left alone.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { asArray, type PolicyDocument } from '../../src/model/policy.js';
import type { SuggestionWithPlan } from '../../src/suggest/index.js';
import { PROD, STAGING, testConfig, type IdentitySpec } from '../helpers/scenario.js';
import { suggestionsOf } from './pipeline.js';

const ROLE = `arn:aws:iam::${PROD}:role/deploy/ci-deployer`;
const ONE_SIDE = `arn:aws:iam::${PROD}:role/reporting`;
/** A staging role whose only production use is assuming a production role: the trust edge's matter, not a split. */
const ASSUMER = `arn:aws:iam::${STAGING}:role/staging-agent`;
const PROD_ROLE = `arn:aws:iam::${PROD}:role/prod-deployer`;
const PROD_BUCKET = 'arn:aws:s3:::acme-prod-artifacts/app.zip';
const STAGING_TABLE = `arn:aws:dynamodb:us-east-1:${STAGING}:table/orders`;
const STAGING_BUCKET = `arn:aws:s3:::acme-staging-artifacts/app.zip`;
const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Principal: { Service: 'codebuild.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const broad = { name: 'deploy', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: ['s3:*', 'dynamodb:*', 'sts:GetCallerIdentity'], Resource: '*' }] } };
const CONFIG = `
environments:
  accounts:
    - { id: "${PROD}", environment: production }
    - { id: "${STAGING}", environment: staging }
  resources:
    - { pattern: "arn:aws:s3:::*prod*", environment: production }
    - { pattern: "arn:aws:s3:::*staging*", environment: staging }
`;

const day = '2026-11-12';
const used = (identityArn: string, action: string) => ({ identityArn, credentialId: '', action, day, count: 3, denied: 0, lastSeen: `${day}T10:00:00Z` });
const named = (identityArn: string, action: string, resourceArn: string) => ({ identityArn, action, resourceArn, day, calls: 3 });
const cloudTrailDays = Array.from({ length: 90 }, (_, i) => ({ accountId: PROD, region: 'us-east-1', day: new Date(Date.parse('2026-08-18T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10) }));

let splits: SuggestionWithPlan[];

/** The split-credential suggestions when ROLE holds `rolePolicies` (the other identities as always). */
async function splitsWith(rolePolicies: NonNullable<IdentitySpec['policies']>): Promise<SuggestionWithPlan[]> {
  const { suggestions } = await suggestionsOf(
    {
      identities: [
        { arn: ROLE, trustPolicy: trust, policies: rolePolicies },
        { arn: ONE_SIDE, trustPolicy: trust, policies: [broad] },
        { arn: ASSUMER, trustPolicy: trust, policies: [{ name: 'agent', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, Action: ['s3:*', 'sts:AssumeRole'], Resource: '*' }] } }] },
      ],
      usage: [
        used(ROLE, 's3:PutObject'),
        used(ROLE, 's3:GetObject'),
        used(ROLE, 'dynamodb:PutItem'),
        used(ROLE, 'sts:GetCallerIdentity'),
        used(ONE_SIDE, 's3:GetObject'),
        used(ASSUMER, 's3:GetObject'),
        used(ASSUMER, 'sts:AssumeRole'),
      ],
      extras: {
        cloudTrailDays,
        resourceUsage: {
          days: [
            named(ROLE, 's3:PutObject', PROD_BUCKET),
            named(ROLE, 's3:PutObject', STAGING_BUCKET),
            named(ROLE, 's3:GetObject', PROD_BUCKET),
            named(ROLE, 'dynamodb:PutItem', STAGING_TABLE),
            named(ONE_SIDE, 's3:GetObject', PROD_BUCKET),
            named(ASSUMER, 's3:GetObject', STAGING_BUCKET),
            named(ASSUMER, 'sts:AssumeRole', PROD_ROLE),
          ],
          gaps: [],
        },
      },
    },
    { config: testConfig(CONFIG) },
  );
  return suggestions.filter((s) => s.suggestion.kind === 'split-credential');
}

beforeAll(async () => {
  splits = await splitsWith([broad]);
});

/** Action -> resources, over every Allow statement of the documents. */
function grants(documents: PolicyDocument[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const d of documents) for (const s of asArray(d.Statement)) if (s.Effect === 'Allow') for (const a of asArray(s.Action)) out[a] = [...(out[a] ?? []), ...asArray(s.Resource)].sort();
  return out;
}

describe('split-credential', () => {
  it('splits only the identity that touched both sides (assuming a production role alone does not count)', () => {
    expect(splits.map((s) => s.suggestion.identityArn)).toEqual([ROLE]);
  });

  it('creates a staging role with the trust policy and only the staging actions and resources, moves callers by hand, then restricts the original to production', () => {
    const { plan, suggestion: s } = splits[0]!;
    expect(s.title).toContain('staging moves to ci-deployer-staging');
    const [create, move, restrict] = plan.steps;
    expect(create!.commands[0]!.argv).toEqual(['aws', 'iam', 'create-role', '--role-name', 'ci-deployer-staging', '--path', '/deploy/', '--assume-role-policy-document', { document: 'trust-policy.json' }]);
    expect(plan.documents.find((d) => d.name === 'trust-policy.json')!.document).toEqual(trust);
    expect(move!.commands).toEqual([]);
    expect(move!.description).toContain(`change the role they assume from ${ROLE} to arn:aws:iam::${PROD}:role/deploy/ci-deployer-staging`);
    expect(restrict!.waitDays).toBeGreaterThan(0);
    expect(restrict!.commands.map((c) => c.argv.slice(0, 3).join(' '))).toEqual([
      'aws iam create-policy',
      'aws iam attach-role-policy',
      'aws iam delete-role-policy',
    ]);

    const doc = (prefix: string) => plan.documents.filter((d) => d.name.startsWith(prefix)).map((d) => d.document as PolicyDocument);
    expect(grants(doc('split-staging'))).toEqual({
      'dynamodb:PutItem': [STAGING_TABLE],
      's3:PutObject': [STAGING_BUCKET],
      // No resource in its calls: it stays on both sides at today's scope.
      'sts:GetCallerIdentity': ['*'],
    });
    expect(grants(doc('restricted-production'))).toEqual({
      's3:GetObject': [PROD_BUCKET],
      's3:PutObject': [PROD_BUCKET],
      'sts:GetCallerIdentity': ['*'],
    });
  });

  it('rolls back each stage: the original policies restored, the new role and its policies deleted', () => {
    const { plan } = splits[0]!;
    const [r1, r2, r3] = plan.rollback;
    expect(r1!.commands.map((c) => c.argv.slice(0, 3).join(' '))).toEqual(['aws iam detach-role-policy', 'aws iam delete-policy', 'aws iam delete-role']);
    expect(r1!.commands.at(-1)!.argv).toEqual(['aws', 'iam', 'delete-role', '--role-name', 'ci-deployer-staging']);
    expect(r2!.commands).toEqual([]);
    const put = r3!.commands[0]!.argv;
    expect(put.slice(0, 7)).toEqual(['aws', 'iam', 'put-role-policy', '--role-name', 'ci-deployer', '--policy-name', 'deploy']);
    const saved = plan.documents.find((d) => d.name === (put[8] as { document: string }).document)!;
    expect(saved.document).toEqual(broad.document);
    expect(r3!.commands.slice(1).map((c) => c.argv.slice(0, 3).join(' '))).toEqual(['aws iam detach-role-policy', 'aws iam delete-policy']);
  });

  it('splits an identity holding a managed policy by detaching it, and not at all when no command could (its ARN unknown)', async () => {
    const managed = { ...broad, kind: 'managed' as const, arn: `arn:aws:iam::${PROD}:policy/deploy` };
    const [split] = await splitsWith([managed]);
    const restrict = split!.plan.steps[2]!;
    expect(restrict.commands.at(-1)!.argv).toEqual(['aws', 'iam', 'detach-role-policy', '--role-name', 'ci-deployer', '--policy-arn', managed.arn]);
    // Stage 3 must remove every held policy, or the original would keep both sides' access.
    const { arn: _unknown, ...withoutArn } = managed;
    expect(await splitsWith([withoutArn])).toEqual([]);
  });
});
