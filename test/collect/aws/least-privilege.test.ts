/**
 * The shipped policies are exactly what keywarden needs: every collector
 * runs against the local servers (IAM/STS/Organizations and s3rver), every
 * operation the SDK clients sent is recorded, mapped to its IAM action, and
 * checked against policies/keywarden-readonly-policy.json with the
 * project's own effective-grant evaluation and action catalog. The policy
 * may grant nothing the collectors did not use.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EffectiveGrantCalculator } from '../../../src/analyse/aws/effective-grant.js';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../../../src/catalog/aws-actions.js';
import { awsClientFactory } from '../../../src/collect/aws/clients.js';
import { collectAwsLive } from '../../../src/collect/aws/collect-aws.js';
import { decodePolicyDocument } from '../../../src/collect/files/iam/policy-document.js';
import { openStore } from '../../../src/store/index.js';
import { storeCloudTrailCursor } from '../../../src/collect/aws/cloudtrail-s3.js';
import { projectRoot } from '../../helpers/fixtures.js';
import { fastPoll, liveOptions, recordOperations } from '../../servers/aws/harness.js';
import { FakeAwsServer } from '../../servers/aws/query-server.js';
import { S3RVER_CREDENTIALS, startLocalS3, TRAIL_BUCKET, trailKey, trailObject, type LocalS3 } from '../../servers/aws/s3-harness.js';
import { EXTERNAL_ID, HOME, testWorld } from './world.js';

const SERVICE: Record<string, string> = { IAM: 'iam', STS: 'sts', Organizations: 'organizations', S3: 's3' };
/** Operations whose IAM action is not named after them. */
const ACTION_OF_OPERATION: Record<string, string> = { 's3:ListObjects': 's3:ListBucket', 's3:ListObjectsV2': 's3:ListBucket' };

export function iamActionOf(operation: string): string {
  const [client, op] = operation.split(':') as [string, string];
  const service = SERVICE[client];
  if (!service) throw new Error(`no IAM service prefix known for client ${client}`);
  const action = `${service}:${op}`;
  return ACTION_OF_OPERATION[action] ?? action;
}

const policyFile = (name: string) => JSON.parse(readFileSync(path.join(projectRoot, 'policies', name), 'utf8'));

describe('least privilege for keywarden itself', () => {
  let iam: FakeAwsServer;
  let s3: LocalS3;
  let catalog: AwsActionCatalog;
  const ops: string[] = [];
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    catalog = await loadAwsActionCatalog();
    iam = new FakeAwsServer(testWorld({ homeAccessKeys: [S3RVER_CREDENTIALS.accessKeyId], faults: [] }));
    const endpoint = await iam.start();
    s3 = await startLocalS3();
    await s3.put(trailKey({ account: HOME, region: 'us-east-1', day, id: 'p1' }), trailObject([{ roleArn: `arn:aws:iam::${HOME}:role/reader`, accessKeyId: 'ASIAX', eventSource: 's3.amazonaws.com', eventName: 'GetObject', eventTime: `${day}T01:00:00Z`, region: 'us-east-1' }]));
    const factory = awsClientFactory({
      region: 'us-east-1',
      maxAttempts: 2,
      endpoints: { iam: endpoint, sts: endpoint, organizations: endpoint, s3: s3.endpoint },
      credentials: S3RVER_CREDENTIALS,
      instrument: recordOperations(ops),
    });
    const store = openStore(':memory:');
    await collectAwsLive(
      factory,
      liveOptions({
        organizations: true,
        auditRole: { name: 'keywarden-audit', externalId: EXTERNAL_ID, sessionName: 'kw' },
        iam: { concurrency: 4, accessAdvisor: fastPoll(200), credentialReport: fastPoll(2000) },
        cloudTrail: { bucket: TRAIL_BUCKET, prefix: '', lookbackDays: 5, concurrency: 2, cursor: storeCloudTrailCursor(store) },
      }),
    );
    store.close();
  }, 30_000);
  afterAll(async () => {
    await iam.stop();
    await s3.stop();
  });

  it('records every API family the collectors use', () => {
    const used = new Set(ops);
    for (const op of ['STS:GetCallerIdentity', 'STS:AssumeRole', 'Organizations:ListAccounts', 'IAM:GetAccountAuthorizationDetails', 'IAM:GetServiceLastAccessedDetails', 'S3:ListObjects', 'S3:GetObject']) {
      expect(used).toContain(op);
    }
    // The middleware and the server agree on what IAM was asked.
    const serverIam = new Set(iam.requests.filter((r) => r.service === 'iam').map((r) => `IAM:${r.action}`));
    expect(new Set(ops.filter((o) => o.startsWith('IAM:')))).toEqual(serverIam);
  });

  it('the shipped policy allows every operation sent, and grants nothing else', () => {
    const document = decodePolicyDocument(policyFile('keywarden-readonly-policy.json'));
    const hash = 'keywarden-readonly';
    const grant = new EffectiveGrantCalculator(catalog).compute(
      'arn:aws:iam::111111111111:user/keywarden',
      [{ identityArn: 'arn:aws:iam::111111111111:user/keywarden', policyHash: hash, kind: 'managed', policyName: 'keywarden-readonly' }],
      new Map([[hash, { hash, document }]]),
    );
    expect(grant.errors).toEqual([]);
    const needed = new Set([...new Set(ops)].map(iamActionOf));
    for (const action of needed) {
      const index = catalog.indexOf(action);
      expect(index, `${action} is not in the action catalog`).toBeDefined();
      expect(grant.has(index!), `${action} is not allowed by keywarden-readonly-policy.json`).toBe(true);
    }
    // Nothing more: the grant has exactly as many actions as were used.
    expect(grant.actions.size).toBe(needed.size);
    // Nothing that writes, except starting report jobs and assuming the audit role.
    const levels = [...needed].map((a) => `${a} ${catalog.accessLevelAt(catalog.indexOf(a)!)}`);
    expect(levels.filter((l) => !/ (Read|List)$/.test(l))).toEqual(['sts:AssumeRole Write']);
  });

  it('scopes the S3 reads to the trail bucket and AssumeRole to the audit role', () => {
    const statements = policyFile('keywarden-readonly-policy.json').Statement as { Action: string | string[]; Resource: string }[];
    const resourceOf = (action: string) => statements.filter((s) => [s.Action].flat().includes(action)).map((s) => s.Resource);
    expect(resourceOf('s3:GetObject')).toEqual(['arn:aws:s3:::CLOUDTRAIL_BUCKET/*']);
    expect(resourceOf('s3:ListBucket')).toEqual(['arn:aws:s3:::CLOUDTRAIL_BUCKET']);
    expect(resourceOf('sts:AssumeRole')).toEqual(['arn:aws:iam::*:role/keywarden-audit']);
  });

  it('the audit role trust policy lets only the home account in, and only with the external id', () => {
    const trust = decodePolicyDocument(policyFile('keywarden-audit-role-trust.json'));
    const [statement, ...rest] = [trust.Statement].flat() as unknown as Record<string, unknown>[];
    expect(rest).toEqual([]);
    expect(statement).toMatchObject({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::HOME_ACCOUNT_ID:root' } });
    expect(statement!.Condition).toEqual({ StringEquals: { 'sts:ExternalId': 'EXTERNAL_ID' } });
  });
});
