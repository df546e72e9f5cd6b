/** The organisation the live-collector tests audit: three accounts, one unreachable, with injected faults. */
import type { FakeAwsWorld } from '../../servers/aws/account-model.js';

export const HOME = '111111111111';
export const MEMBER = '222222222222';
export const NO_ROLE = '333333333333';
export const EXTERNAL_ID = 'kw-ext-7f3a';

const doc = (Action: string | string[], Resource: string | string[] = '*') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource }],
});

export function testWorld(overrides: Partial<FakeAwsWorld> = {}): FakeAwsWorld {
  return {
    homeAccountId: HOME,
    maxPageSize: 3,
    organization: {
      accounts: [
        { id: HOME, name: 'management' },
        { id: MEMBER, name: 'prod' },
        { id: NO_ROLE, name: 'legacy' },
        { id: '444444444444', name: 'closed', status: 'SUSPENDED' },
      ],
    },
    accounts: [
      {
        id: HOME,
        alias: 'acme-mgmt',
        policies: [{ arn: 'arn:aws:iam::aws:policy/AdministratorAccess', name: 'AdministratorAccess', document: doc('*') }],
        groups: [{ name: 'deployers', inline: [{ name: 'deploy', document: doc(['lambda:UpdateFunctionCode', 'iam:PassRole']) }] }],
        users: [
          {
            name: 'ci-bot',
            groups: ['deployers'],
            tags: { owner: 'platform' },
            accessKeys: [
              { id: 'AKIAHOMECIBOT0000001', status: 'Active', created: '2024-01-02T03:04:05Z', lastUsed: { date: '2026-11-01T10:00:00Z', service: 's3', region: 'eu-west-1' } },
              { id: 'AKIAHOMECIBOT0000002', status: 'Inactive', created: '2023-05-06T00:00:00Z' },
            ],
          },
          { name: 'alice', passwordEnabled: true, managed: ['arn:aws:iam::aws:policy/AdministratorAccess'] },
        ],
        roles: [
          { name: 'agent-runner', managed: ['arn:aws:iam::aws:policy/AdministratorAccess'], tags: { agent: 'true' }, lastUsed: { date: '2026-11-10T08:00:00Z', region: 'us-east-1' } },
          { name: 'stuck-job-role', inline: [{ name: 'q', document: doc('sqs:SendMessage') }] },
          { name: 'reader', inline: [{ name: 'r', document: doc(['s3:GetObject', 's3:ListBucket'], 'arn:aws:s3:::acme-data/*') }] },
        ],
        accessAdvisor: {
          [`arn:aws:iam::${HOME}:role/agent-runner`]: {
            pollsUntilComplete: 2,
            services: [
              { namespace: 's3', name: 'Amazon S3', lastAuthenticated: '2026-11-09T00:00:00Z', region: 'us-east-1', actions: [{ name: 'GetObject', at: '2026-11-09T00:00:00Z', region: 'us-east-1' }, { name: 'PutObject' }] },
              { namespace: 'iam', name: 'AWS Identity and Access Management', lastAuthenticated: '2026-10-01T00:00:00Z' },
              { namespace: 'ec2', name: 'Amazon EC2' },
            ],
          },
          [`arn:aws:iam::${HOME}:role/stuck-job-role`]: { services: [], neverCompletes: true },
        },
        credentialReportPolls: 2,
      },
      {
        id: MEMBER,
        alias: 'acme-prod',
        orgTags: { env: 'production' },
        auditRole: { name: 'keywarden-audit', externalId: EXTERNAL_ID },
        roles: [
          { name: 'deploy', inline: [{ name: 'd', document: doc('cloudformation:*') }] },
          { name: 'keywarden-audit', inline: [{ name: 'ro', document: doc(['iam:Get*', 'iam:List*']) }] },
        ],
        users: [{ name: 'legacy-key', accessKeys: [{ id: 'AKIAMEMBERLEGACY0001', status: 'Active', created: '2020-01-01T00:00:00Z' }] }],
      },
      { id: NO_ROLE, alias: 'acme-legacy', roles: [{ name: 'old' }] },
    ],
    faults: [
      // Retried by the SDK: two throttles on the first page, one 500 on a key listing.
      { action: 'GetAccountAuthorizationDetails', account: HOME, kind: 'Throttling', times: 2 },
      { action: 'ListAccessKeys', account: HOME, kind: 'InternalError', times: 1 },
      { action: 'GetServiceLastAccessedDetails', account: HOME, kind: 'ServiceUnavailable', times: 1 },
      // Not retried: denied in one account only.
      { action: 'GenerateCredentialReport', account: MEMBER, kind: 'AccessDenied' },
    ],
    ...overrides,
  };
}
