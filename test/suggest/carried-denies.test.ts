/**
 * A least-privilege replacement carries over the Deny statements of every
 * policy it removes, verbatim and in attachment order, and reads from the
 * store only the documents that hold one (the effective grant lists each
 * document's Deny statements; every statement of a document is expanded or
 * the whole document is an error, and then nothing is replaced).
 */
import { expect, it } from 'vitest';
import type { PolicyDocument, PolicyStatement } from '../../src/model/policy.js';
import { asArray } from '../../src/model/policy.js';
import { replacementFor } from '../../src/suggest/aws/least-privilege.js';
import { PROD, scenario } from '../helpers/scenario.js';

const ARN = `arn:aws:iam::${PROD}:role/agents/deploy-bot`;
const doc = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
const work = doc({ Effect: 'Allow', Action: ['s3:*', 'dynamodb:*'], Resource: '*' });
const guard = doc(
  { Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::acme-prod-*/*' },
  { Sid: 'KeepBackups', Effect: 'Deny', Action: ['s3:DeleteBucket', 'dynamodb:DeleteBackup'], Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'platform' } } },
);
const onlyData = doc({ Sid: 'OnlyData', Effect: 'Deny', NotAction: ['s3:*', 'dynamodb:*', 'sts:GetCallerIdentity'], Resource: '*' });
const boundary = doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Sid: 'NoIam', Effect: 'Deny', Action: 'iam:*', Resource: '*' });

it('carries every removed Deny in attachment order, never the boundary, and reads only the documents holding one', async () => {
  const facts = await scenario({
    identities: [
      {
        arn: ARN,
        policies: [
          { name: 'work', document: work },
          { name: 'guard', document: guard, kind: 'managed', arn: `arn:aws:iam::${PROD}:policy/guard` },
          { name: 'only-data', document: onlyData },
          { name: 'boundary', document: boundary, kind: 'permissions-boundary', arn: `arn:aws:iam::${PROD}:policy/boundary` },
        ],
      },
    ],
  });
  const identity = facts.context.identities.find((i) => i.identity.arn === ARN)!;
  const documents = new Map(identity.attachments.map((a) => [a.policyHash, facts.store.policyDocuments([a.policyHash]).get(a.policyHash)!]));
  const read: string[] = [];
  const policy = replacementFor(identity, {
    rules: facts.context,
    findings: [],
    observeDays: 14,
    policyDocuments: { get: (hash) => (read.push(hash), documents.get(hash)) },
  });

  const denies = policy.documents.flatMap((d) => asArray(d.Statement)).filter((s) => s.Effect === 'Deny');
  expect(denies).toEqual([asArray(guard.Statement)[1], asArray(onlyData.Statement)[0]]);
  const hashOf = (name: string) => identity.attachments.find((a) => a.policyName === name)!.policyHash;
  expect(read).toEqual([hashOf('guard'), hashOf('only-data')]);
});
