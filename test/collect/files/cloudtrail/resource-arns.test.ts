import { beforeAll, describe, expect, it } from 'vitest';
import { loadCloudTrailActionMapper, type CloudTrailActionMapper } from '../../../../src/catalog/cloudtrail-actions.js';
import { CloudTrailAggregate, MAX_RESOURCES_PER_ACTION } from '../../../../src/collect/files/cloudtrail/aggregate.js';
import { ingestCloudTrailFiles } from '../../../../src/collect/files/cloudtrail/ingest.js';
import type { CloudTrailRecordFields } from '../../../../src/collect/files/cloudtrail/record-fields.js';
import { resourceArnsOf } from '../../../../src/collect/files/cloudtrail/resource-arns.js';
import { describeFixtures, fixture } from '../../../helpers/fixtures.js';

const ACCOUNT = '123456789012';
const USER = `arn:aws:iam::${ACCOUNT}:user/etl`;

function call(eventSource: string, eventName: string, requestParameters: CloudTrailRecordFields['requestParameters'], extra: Partial<CloudTrailRecordFields> = {}): CloudTrailRecordFields {
  return {
    eventTime: '2025-03-09T10:00:00Z',
    eventSource,
    eventName,
    awsRegion: 'eu-west-1',
    recipientAccountId: ACCOUNT,
    eventType: 'AwsApiCall',
    userIdentity: { type: 'IAMUser', arn: USER, accountId: ACCOUNT, accessKeyId: 'AKIAEXAMPLEKEY000001' },
    requestParameters,
    ...extra,
  };
}

describe('resourceArnsOf', () => {
  it.each([
    ['s3.amazonaws.com', { bucketName: 'acme-data', key: 'exports/2025/03/users.csv' }, 'arn:aws:s3:::acme-data/exports/2025/03/*'],
    ['s3.amazonaws.com', { bucketName: 'acme-data' }, 'arn:aws:s3:::acme-data'],
    ['dynamodb.amazonaws.com', { tableName: 'orders' }, `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/orders`],
    ['lambda.amazonaws.com', { functionName: 'resize' }, `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:resize`],
    ['sqs.amazonaws.com', { queueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/jobs.fifo` }, `arn:aws:sqs:eu-west-1:${ACCOUNT}:jobs.fifo`],
    ['sns.amazonaws.com', { topicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:alerts` }, `arn:aws:sns:eu-west-1:${ACCOUNT}:alerts`],
    ['kms.amazonaws.com', { keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }, `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
    ['secretsmanager.amazonaws.com', { secretId: 'prod/db' }, undefined],
    ['secretsmanager.amazonaws.com', { secretId: 'db-password' }, `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:db-password-??????`],
    ['ec2.amazonaws.com', { instanceId: 'i-0abc1234def567890' }, `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0abc1234def567890`],
  ])('%s %j -> %s', (source, params, arn) => {
    expect(resourceArnsOf(call(source, 'X', params))).toEqual(arn === undefined ? [] : [arn]);
  });

  it('prefers the record resources, and refuses non-identifiers, secrets and oversize names', () => {
    expect(resourceArnsOf(call('s3.amazonaws.com', 'GetObject', { bucketName: 'b' }, { resources: [{ ARN: 'arn:aws:s3:::b/k' }, { ARN: 'arn:aws:s3:::b/d/k.csv' }] }))).toEqual(['arn:aws:s3:::b/*', 'arn:aws:s3:::b/d/*']);
    expect(resourceArnsOf(call('s3.amazonaws.com', 'PutObject', {}, { resources: [{ ARN: 'arn:aws:s3:::b' }, { ARN: 'arn:aws:s3:::b/x' }] }))).toEqual(['arn:aws:s3:::b/*']);
    expect(resourceArnsOf(call('kms.amazonaws.com', 'Decrypt', { keyId: 'alias/app' }))).toEqual([]);
    expect(resourceArnsOf(call('s3.amazonaws.com', 'GetObject', { bucketName: 'x'.repeat(600) }))).toEqual([]);
    expect(resourceArnsOf(call('sns.amazonaws.com', 'Publish', { topicArn: 'arn:aws:sns:eu-west-1:1:t?token=ghp_' + 'aB3'.repeat(14) }))).toEqual([]);
    expect(resourceArnsOf(call('dynamodb.amazonaws.com', 'GetItem', { tableName: 'a/../b' }))).toEqual([]);
  });

  it('judges an S3 object by the prefix it is kept as: the object name itself is never stored', () => {
    const token = 'ghp_' + 'aB3'.repeat(14);
    const named = (key: string) => call('s3.amazonaws.com', 'GetObject', {}, { resources: [{ ARN: `arn:aws:s3:::b/${key}` }] });
    expect(resourceArnsOf(named(`exports/${token}.csv`))).toEqual(['arn:aws:s3:::b/exports/*']);
    // A secret-shaped folder is part of what would be kept: refused.
    expect(resourceArnsOf(named(`${token}/a.csv`))).toEqual([]);
    expect(resourceArnsOf(named(`logs/${'x'.repeat(5_000)}`))).toEqual([]);
  });
});

describe('CloudTrailAggregate resource sample', () => {
  let mapper: CloudTrailActionMapper;
  beforeAll(async () => {
    mapper = await loadCloudTrailActionMapper();
  });

  it('keeps at most MAX_RESOURCES_PER_ACTION resources per (identity, action), counting the rest as overflow, in add and merge', () => {
    const a = new CloudTrailAggregate(mapper);
    const b = new CloudTrailAggregate(mapper);
    for (let i = 0; i < MAX_RESOURCES_PER_ACTION + 5; i++) a.add(call('dynamodb.amazonaws.com', 'GetItem', { tableName: `t${i}` }));
    for (let i = 0; i < 3; i++) b.add(call('dynamodb.amazonaws.com', 'GetItem', { tableName: `other${i}` }));
    b.add(call('dynamodb.amazonaws.com', 'GetItem', {})); // names no table
    b.add(call('dynamodb.amazonaws.com', 'GetItem', { tableName: 'denied' }, { errorCode: 'AccessDeniedException' }));
    const first = a.resourceUsage();
    expect(new Set(first.days.map((d) => d.resourceArn)).size).toBe(MAX_RESOURCES_PER_ACTION);
    expect(first.gaps).toEqual([{ identityArn: USER, action: 'dynamodb:GetItem', day: '2025-03-09', unresolved: 0, overflow: 5 }]);
    a.merge(b);
    const merged = a.resourceUsage();
    expect(new Set(merged.days.map((d) => d.resourceArn)).size).toBe(MAX_RESOURCES_PER_ACTION);
    expect(merged.days.some((d) => d.resourceArn.endsWith('denied'))).toBe(false);
    expect(merged.gaps).toEqual([{ identityArn: USER, action: 'dynamodb:GetItem', day: '2025-03-09', unresolved: 1, overflow: 8 }]);
  });
});

describeFixtures('resources from the stratus-red-team captures', () => {
  it('keeps resources[] ARNs and the secret ARNs requestParameters name, per identity and action', async () => {
    const result = await ingestCloudTrailFiles([
      fixture('aws/cloudtrail-stratus/aws.credential-access.secretsmanager-retrieve-secrets.json'),
      fixture('aws/cloudtrail-stratus/aws.credential-access.ssm-retrieve-securestring-parameters.json'),
    ]);
    const { days, gaps } = result.resourceUsage;
    const byAction = (action: string) => [...new Set(days.filter((d) => d.action === action).map((d) => d.resourceArn))];
    const secrets = byAction('secretsmanager:GetSecretValue');
    expect(secrets.length).toBe(20);
    expect(secrets.every((arn) => /^arn:aws:secretsmanager:[^:]+:903144391865:secret:stratus-red-team-retrieve-secret-\d+-\w{6}$/.test(arn))).toBe(true);
    const params = byAction('ssm:GetParameters');
    expect(params.length).toBeGreaterThan(0);
    expect(params.every((arn) => arn.startsWith('arn:aws:ssm:') && arn.includes(':parameter/'))).toBe(true);
    // ListSecrets names no resource: counted, not guessed.
    expect(gaps.find((g) => g.action === 'secretsmanager:ListSecrets')?.unresolved).toBeGreaterThan(0);
    const calls = days.filter((d) => d.action === 'secretsmanager:GetSecretValue').reduce((n, d) => n + d.calls, 0);
    expect(calls).toBe(result.usage.filter((u) => u.action === 'secretsmanager:GetSecretValue').reduce((n, u) => n + u.count, 0));
  });
});
