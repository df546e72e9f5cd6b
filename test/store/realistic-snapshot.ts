/**
 * A small AWS snapshot shaped like a real account: a CI deploy role trusted
 * through GitHub OIDC, a Terraform user with access keys, a group-granted
 * policy, Access Advisor at both granularities, and CloudTrail usage.
 */
import { createHash } from 'node:crypto';
import type { Snapshot, StoredPolicy } from '../../src/model/domain.js';
import type { PolicyDocument } from '../../src/model/policy.js';
import { canonicalJson } from '../../src/store/json.js';

export const ACCOUNT = '123456789012';
export const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/ci/deploy-from-github`;
export const TERRAFORM_USER = `arn:aws:iam::${ACCOUNT}:user/automation/terraform-bot`;
export const BACKUP_ROLE = `arn:aws:iam::${ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole`;
export const TERRAFORM_KEY = 'AKIAIOSFODNN7EXAMPLE';
export const TERRAFORM_OLD_KEY = 'AKIAI44QH8DHBEXAMPLE';

export function policy(document: PolicyDocument): StoredPolicy {
  return { hash: createHash('sha256').update(canonicalJson(document)).digest('hex'), document };
}

export const ADMIN = policy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
export const DEPLOY_INLINE = policy({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'PushArtifacts',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:GetObject', 's3:ListBucket'],
      Resource: ['arn:aws:s3:::acme-artifacts', 'arn:aws:s3:::acme-artifacts/*'],
    },
    {
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: `arn:aws:iam::${ACCOUNT}:role/ecs-task-*`,
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
  ],
});
export const READ_ONLY_GROUP = policy({
  Version: '2012-10-17',
  Statement: { Effect: 'Allow', Action: ['ec2:Describe*', 'cloudwatch:GetMetricData'], Resource: '*' },
});
/** Delivered by the scan but attached to nobody. */
export const UNATTACHED = policy({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', NotAction: ['iam:*'], Resource: '*' }],
});

export const GITHUB_TRUST: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': ['repo:acme/web:ref:refs/heads/main', 'repo:acme/api:*'] },
      },
    },
  ],
};

export function realisticSnapshot(): Snapshot {
  return {
    provider: 'aws',
    source: 'files:/exports/acme-prod',
    collectedAt: '2025-03-10T06:00:00.000Z',
    accounts: [{ provider: 'aws', accountId: ACCOUNT, alias: 'acme-prod', tags: { env: 'production' } }],
    identities: [
      {
        provider: 'aws',
        arn: DEPLOY_ROLE,
        accountId: ACCOUNT,
        kind: 'role',
        name: 'deploy-from-github',
        path: '/ci/',
        uniqueId: 'AROA3XFRBF535PLBIFPI4',
        createdAt: '2023-06-01T12:00:00.000Z',
        tags: { owner: 'platform', 'aws:cloudformation:stack-name': 'ci-roles' },
        trustPolicy: GITHUB_TRUST,
        lastUsed: { at: '2025-03-09T22:14:03.000Z', region: 'eu-west-1', source: 'role-last-used' },
        permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/ci-boundary`,
      },
      {
        provider: 'aws',
        arn: TERRAFORM_USER,
        accountId: ACCOUNT,
        kind: 'user',
        name: 'terraform-bot',
        path: '/automation/',
        uniqueId: 'AIDA3XFRBF53Z2EXAMPLE',
        createdAt: '2021-01-15T09:30:00.000Z',
        tags: {},
      },
      {
        provider: 'aws',
        arn: BACKUP_ROLE,
        accountId: ACCOUNT,
        kind: 'role',
        name: 'AWSBackupDefaultServiceRole',
        path: '/service-role/',
        tags: {},
      },
    ],
    credentials: [
      {
        provider: 'aws',
        id: TERRAFORM_KEY,
        identityArn: TERRAFORM_USER,
        accountId: ACCOUNT,
        kind: 'access-key',
        active: true,
        createdAt: '2021-01-15T09:31:00.000Z',
        rotatedAt: '2021-01-15T09:31:00.000Z',
        lastUsedAt: '2025-03-09T18:00:00.000Z',
        lastUsedService: 's3',
        lastUsedRegion: 'us-east-1',
      },
      {
        provider: 'aws',
        id: TERRAFORM_OLD_KEY,
        identityArn: TERRAFORM_USER,
        accountId: ACCOUNT,
        kind: 'access-key',
        active: false,
      },
      {
        provider: 'aws',
        id: `${TERRAFORM_USER}#password`,
        identityArn: TERRAFORM_USER,
        accountId: ACCOUNT,
        kind: 'password',
        active: null,
      },
    ],
    policies: [ADMIN, DEPLOY_INLINE, READ_ONLY_GROUP, UNATTACHED],
    attachments: [
      { identityArn: DEPLOY_ROLE, policyHash: DEPLOY_INLINE.hash, kind: 'inline', policyName: 'deploy-artifacts' },
      {
        identityArn: TERRAFORM_USER,
        policyHash: ADMIN.hash,
        kind: 'managed',
        policyName: 'AdministratorAccess',
        policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        policyVersion: 'v1',
      },
      {
        identityArn: TERRAFORM_USER,
        policyHash: READ_ONLY_GROUP.hash,
        kind: 'group-inline',
        policyName: 'observability-read',
        groupName: 'observers',
      },
    ],
    accessAdvisor: [
      {
        identityArn: TERRAFORM_USER,
        jobId: 'examplef-1305-c245-eba4-71fe298bcda7',
        granularity: 'ACTION_LEVEL',
        completedAt: '2025-03-10T05:58:12.000Z',
        services: [
          {
            namespace: 's3',
            name: 'Amazon S3',
            lastAuthenticated: '2025-03-09T18:00:00.000Z',
            lastAuthenticatedRegion: 'us-east-1',
            trackedActions: [
              { action: 'PutObject', lastAccessed: '2025-03-09T18:00:00.000Z', region: 'us-east-1' },
              { action: 'DeleteBucket' },
            ],
          },
          { namespace: 'iam', name: 'AWS Identity and Access Management', trackedActions: [] },
          { namespace: 'kms', name: 'AWS Key Management Service' },
        ],
      },
      {
        identityArn: DEPLOY_ROLE,
        granularity: 'SERVICE_LEVEL',
        services: [{ namespace: 'ecs', lastAuthenticated: '2025-03-09T22:14:03.000Z' }],
      },
    ],
    usage: [
      {
        identityArn: TERRAFORM_USER,
        credentialId: TERRAFORM_KEY,
        action: 's3:PutObject',
        day: '2025-03-09',
        count: 41,
        denied: 0,
        lastSeen: '2025-03-09T18:00:00.000Z',
      },
      {
        identityArn: TERRAFORM_USER,
        credentialId: TERRAFORM_KEY,
        action: 'iam:CreateUser',
        day: '2025-03-09',
        count: 0,
        denied: 2,
        lastSeen: '2025-03-09T17:42:10.000Z',
      },
      {
        identityArn: DEPLOY_ROLE,
        credentialId: 'ASIA3XFRBF53EXAMPLE01',
        action: 'ecs:UpdateService',
        day: '2025-03-08',
        count: 3,
        denied: 0,
        lastSeen: '2025-03-08T11:05:00.000Z',
      },
    ],
    unmappedEvents: [{ eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', count: 1 }],
    ingested: [
      {
        digest: 'a3f1c0b9d5e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2',
        location: `s3://acme-trail/AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2025/03/09/${ACCOUNT}_CloudTrail_us-east-1_20250309T1800Z_abc.json.gz`,
        events: 43,
      },
    ],
    coverage: [
      { scope: `aws:${ACCOUNT}`, source: 'authorization-details', status: 'ok', detail: { roles: 2, users: 1 } },
      {
        scope: `aws:${ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole`,
        source: 'access-advisor',
        status: 'gap',
        reason: 'iam:GenerateServiceLastAccessedDetails was denied; grant it to the audit role',
      },
    ],
  };
}

/** Deep copy, so a test can vary a snapshot without touching another's. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
