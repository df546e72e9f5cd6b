/**
 * Generates samples/acme: a small two-account AWS organisation written in
 * the exact formats of the IAM CLI exports and CloudTrail log files that
 * keywarden imports (docs/export-layout.md). Deterministic: fixed dates and a
 * seeded PRNG, so rerunning gives byte-identical files.
 *
 *   npx tsx scripts/make-sample.ts [outDir]
 *
 * Everything is driven by the data tables below: accounts (policies, groups,
 * users, roles) and activity profiles (who calls what, how often, from which
 * tool). IAM "last used" fields, the credential report and Access Advisor are
 * all derived from the same simulated activity, so the sources agree with
 * each other the way a real account's do.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { PolicyDocument, PolicyStatement } from '../src/model/policy.js';

// ---------------------------------------------------------------------------
// Time frame
// ---------------------------------------------------------------------------

/** The day the audit is run "as of"; exports were taken that morning. */
const AS_OF = '2026-11-15';
const EXPORTED_AT = `${AS_OF}T06:00:00Z`;
/** CloudTrail covers the 60 days before the audit: 2026-09-16 .. 2026-11-14. */
const TRAIL_FIRST_DAY = '2026-09-16';
const TRAIL_DAYS = 60;

const DAY_MS = 86_400_000;
const dayAt = (day: string, offsetDays = 0): Date => new Date(Date.parse(`${day}T00:00:00Z`) + offsetDays * DAY_MS);
/** `2026-11-15T06:00:00+00:00`, as the AWS CLI prints timestamps. */
const cliTime = (iso: string | Date): string => new Date(iso).toISOString().replace(/\.\d{3}Z$/, '+00:00');
/** `2026-11-15T06:00:00Z`, as CloudTrail writes eventTime. */
const trailTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

// ---------------------------------------------------------------------------
// Deterministic randomness and identifiers
// ---------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(20261115);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const randomChars = (n: number, alphabet: string) => Array.from({ length: n }, () => pick([...alphabet])).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const uuid = () =>
  [8, 4, 4, 4, 12].map((n, i) => (i === 2 ? '4' + randomChars(n - 1, HEX) : randomChars(n, HEX))).join('-');

/** IAM-style ids (AIDA…, AROA…, ANPA…, AKIA…) derived from a name, independent of generation order. */
function stableId(prefix: string, seed: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = createHash('sha256').update(seed).digest();
  let id = prefix;
  for (let i = 0; id.length < prefix.length + length; i++) id += alphabet[(bytes[i % bytes.length] as number) % 32];
  return id;
}

// ---------------------------------------------------------------------------
// Policy documents
// ---------------------------------------------------------------------------

const V = '2012-10-17';
const policy = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: V, Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Partial<PolicyStatement> = {}): PolicyStatement => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});
const trust = (principal: Record<string, string>, extra: Partial<PolicyStatement> = {}): PolicyDocument =>
  policy({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra });

const PROD = '111111111111';
const STAGING = '222222222222';

const DOCS = {
  administratorAccess: policy(allow('*', '*')),
  /** Abridged: the real ReadOnlyAccess lists hundreds of services. */
  readOnlyAccess: policy(
    allow([
      'cloudformation:Describe*', 'cloudformation:Get*', 'cloudformation:List*',
      'cloudwatch:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*',
      'dynamodb:Describe*', 'dynamodb:List*',
      'ec2:Describe*', 'ec2:Get*',
      'ecs:Describe*', 'ecs:List*',
      'iam:Get*', 'iam:List*',
      'lambda:Get*', 'lambda:List*',
      'logs:Describe*', 'logs:Get*', 'logs:FilterLogEvents',
      'rds:Describe*', 'rds:List*',
      'route53:Get*', 'route53:List*',
      's3:Get*', 's3:List*',
      'sts:GetCallerIdentity',
    ]),
  ),
  agentBroadV1: policy(allow(['s3:*', 'lambda:*', 'logs:*'])),
  agentBroadV2: policy(
    allow(['s3:*', 'lambda:*', 'logs:*', 'ec2:*', 'iam:*', 'dynamodb:*', 'cloudformation:*']),
    allow('sts:GetCallerIdentity'),
  ),
  /** Drafted after a review, never made the default. */
  agentBroadV3: policy(
    allow(['s3:ListAllMyBuckets', 'logs:FilterLogEvents', 'sts:GetCallerIdentity']),
    allow(['s3:GetObject', 's3:ListBucket'], ['arn:aws:s3:::acme-*-docs', 'arn:aws:s3:::acme-*-docs/*']),
    allow(['lambda:GetFunction', 'lambda:InvokeFunction'], 'arn:aws:lambda:*:*:function:acme-*'),
  ),
  deployCommon: (version: 1 | 2 | 3 | 4) =>
    policy(
      allow(['cloudformation:*']),
      allow(['ecs:DescribeServices', 'ecs:UpdateService', ...(version >= 2 ? ['ecs:RegisterTaskDefinition'] : [])]),
      ...(version >= 3
        ? [
            allow('iam:PassRole', `arn:aws:iam::${PROD}:role/app-*`, {
              Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
            }),
          ]
        : [allow('iam:PassRole', '*')]),
      ...(version >= 4 ? [allow('lambda:UpdateFunctionCode', `arn:aws:lambda:us-east-1:${PROD}:function:acme-*`)] : []),
    ),
  prodDeployer: (version: 1 | 2) =>
    policy(
      allow(['ecs:DescribeServices', 'ecs:UpdateService'], `arn:aws:ecs:us-east-1:${PROD}:service/acme-prod/*`),
      allow(['lambda:GetFunction', 'lambda:UpdateFunctionCode'], `arn:aws:lambda:us-east-1:${PROD}:function:acme-*`),
      ...(version >= 2 ? [allow(['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents'])] : []),
    ),
  dataBoundary: policy(
    allow(['s3:*', 'glue:*', 'athena:*', 'kms:Decrypt', 'logs:*']),
    { Effect: 'Deny', Action: ['iam:*', 'organizations:*', 'sts:AssumeRole'], Resource: '*' },
  ),
};

// ---------------------------------------------------------------------------
// The organisation
// ---------------------------------------------------------------------------

interface ManagedPolicySpec {
  name: string;
  /** AWS-managed policies live under `arn:aws:iam::aws:policy/`. */
  awsManaged?: true;
  path?: string;
  policyId?: string;
  created: string;
  description?: string;
  versions: { id: string; created: string; document: PolicyDocument }[];
  defaultVersion: string;
}

interface KeySpec {
  created: string;
  active: boolean;
  /** Use before the CloudTrail window (CloudTrail supplies anything later). */
  usedBefore?: { at: string; service: string; region: string };
}

interface PrincipalSpec {
  name: string;
  path?: string;
  created: string;
  tags?: Record<string, string>;
  inline?: Record<string, PolicyDocument>;
  managed?: string[];
  boundary?: string;
}

interface UserSpec extends PrincipalSpec {
  groups?: string[];
  keys: KeySpec[];
  password?: { changed: string; lastUsed?: string };
  mfa?: boolean;
}

interface RoleSpec extends PrincipalSpec {
  trust: PolicyDocument;
  description?: string;
}

interface GroupSpec {
  name: string;
  created: string;
  inline?: Record<string, PolicyDocument>;
  managed?: string[];
}

interface AccountSpec {
  key: 'prod' | 'staging';
  id: string;
  alias: string;
  folder: string;
  tags: Record<string, string>;
  /** account.json tags as `organizations list-tags-for-resource` prints them, or as a plain record. */
  tagShape: 'list' | 'record';
  root: { created: string; mfa: boolean; passwordLastUsed?: string };
  policies: ManagedPolicySpec[];
  groups: GroupSpec[];
  users: UserSpec[];
  roles: RoleSpec[];
  /** Split the authorization details into CLI pages (`--max-items`). */
  paged: boolean;
  /** Principals whose Access Advisor result is stored in cloudmapper's two-folder layout. */
  cloudmapperAdvisor: string[];
}

const AWS_POLICIES: Record<string, ManagedPolicySpec> = {
  AdministratorAccess: {
    name: 'AdministratorAccess',
    awsManaged: true,
    policyId: 'ANPAIWMBCKSKIEE64ZLYK',
    created: '2015-02-06T18:39:46Z',
    versions: [{ id: 'v1', created: '2015-02-06T18:39:46Z', document: DOCS.administratorAccess }],
    defaultVersion: 'v1',
  },
  ReadOnlyAccess: {
    name: 'ReadOnlyAccess',
    awsManaged: true,
    policyId: 'ANPAILL3HVNFSB6DCOWYQ',
    created: '2015-02-06T18:39:48Z',
    versions: [{ id: 'v118', created: '2026-08-27T17:02:11Z', document: DOCS.readOnlyAccess }],
    defaultVersion: 'v118',
  },
};

const agentBroad: ManagedPolicySpec = {
  name: 'acme-agent-broad',
  path: '/agents/',
  created: '2025-03-01T10:12:00Z',
  description: 'Coding agents: broad access while we learn what they need',
  versions: [
    { id: 'v1', created: '2025-03-01T10:12:00Z', document: DOCS.agentBroadV1 },
    { id: 'v2', created: '2025-08-14T15:40:00Z', document: DOCS.agentBroadV2 },
    { id: 'v3', created: '2026-10-20T09:05:00Z', document: DOCS.agentBroadV3 },
  ],
  defaultVersion: 'v2',
};

const ACCOUNTS: AccountSpec[] = [
  {
    key: 'prod',
    id: PROD,
    alias: 'acme-prod',
    folder: 'acme-prod',
    tags: { env: 'production', owner: 'platform', 'cost-center': 'cc-1001' },
    tagShape: 'list',
    root: { created: '2019-03-04T09:00:00Z', mfa: true, passwordLastUsed: '2026-06-02T08:14:51Z' },
    paged: false,
    cloudmapperAdvisor: [],
    policies: [
      AWS_POLICIES.AdministratorAccess!,
      AWS_POLICIES.ReadOnlyAccess!,
      agentBroad,
      {
        name: 'acme-deploy-common',
        path: '/ci/',
        created: '2024-05-02T12:00:00Z',
        versions: [
          { id: 'v1', created: '2024-05-02T12:00:00Z', document: DOCS.deployCommon(1) },
          { id: 'v2', created: '2024-11-19T16:20:00Z', document: DOCS.deployCommon(2) },
          { id: 'v3', created: '2025-06-03T08:45:00Z', document: DOCS.deployCommon(3) },
          { id: 'v4', created: '2026-11-02T13:30:00Z', document: DOCS.deployCommon(4) },
        ],
        defaultVersion: 'v3',
      },
      {
        name: 'acme-prod-deployer',
        created: '2025-09-09T11:00:00Z',
        versions: [
          { id: 'v1', created: '2025-09-09T11:00:00Z', document: DOCS.prodDeployer(1) },
          { id: 'v2', created: '2026-02-17T14:25:00Z', document: DOCS.prodDeployer(2) },
        ],
        defaultVersion: 'v2',
      },
      {
        name: 'acme-boundary-data',
        path: '/boundaries/',
        created: '2025-01-21T10:00:00Z',
        description: 'Permissions boundary for data platform roles',
        versions: [{ id: 'v1', created: '2025-01-21T10:00:00Z', document: DOCS.dataBoundary }],
        defaultVersion: 'v1',
      },
    ],
    groups: [
      { name: 'admins', created: '2019-03-04T09:30:00Z', managed: ['AdministratorAccess'] },
      {
        name: 'deployers',
        created: '2024-05-02T12:05:00Z',
        managed: ['acme-deploy-common'],
        inline: { 'artifact-read': policy(allow('s3:GetObject', 'arn:aws:s3:::acme-prod-artifacts/*')) },
      },
    ],
    users: [
      {
        name: 'ci-deployer',
        path: '/automation/',
        created: '2024-05-02T12:10:00Z',
        tags: { owner: 'platform', purpose: 'ci' },
        groups: ['deployers'],
        inline: {
          'deploy-artifacts': policy(
            allow(['s3:PutObject', 's3:ListBucket'], ['arn:aws:s3:::acme-prod-artifacts', 'arn:aws:s3:::acme-prod-artifacts/*']),
            allow('sts:GetCallerIdentity'),
          ),
        },
        keys: [
          // 400 days old, still used weekly by a forgotten job until early October.
          { created: '2025-10-11T09:14:27Z', active: true },
          { created: '2026-09-01T07:55:02Z', active: true },
        ],
      },
      {
        name: 'claude-code-agent',
        path: '/agents/',
        created: '2026-03-02T10:00:00Z',
        tags: { agent: 'claude-code', owner: 'dev-tools', 'requested-by': 'j.doe' },
        managed: ['acme-agent-broad'],
        keys: [{ created: '2026-03-02T10:03:41Z', active: true }],
      },
      {
        name: 'dns-automation',
        path: '/automation/',
        created: '2025-06-10T14:00:00Z',
        tags: { owner: 'network' },
        inline: { 'route53-all': policy(allow('route53:*', '*')) },
        keys: [{ created: '2025-06-10T14:02:19Z', active: true }],
      },
      {
        name: 'alice.admin',
        created: '2019-03-04T09:35:00Z',
        tags: { owner: 'alice@acme.example', team: 'sre' },
        groups: ['admins'],
        keys: [{ created: '2024-01-09T11:21:00Z', active: false, usedBefore: { at: '2024-05-02T16:40:00Z', service: 'ec2', region: 'us-east-1' } }],
        password: { changed: '2026-04-11T08:02:00Z' },
        mfa: true,
      },
      {
        name: 'legacy-reporting',
        path: '/automation/',
        created: '2024-08-19T09:00:00Z',
        tags: { owner: 'finance' },
        managed: ['ReadOnlyAccess'],
        keys: [{ created: '2024-08-19T09:01:12Z', active: true }],
      },
    ],
    roles: [
      {
        name: 'ops-ai-agent',
        path: '/agents/',
        created: '2025-11-03T10:00:00Z',
        description: 'Operations assistant running on the ops EC2 fleet',
        tags: { agent: 'ops-ai', owner: 'sre' },
        trust: trust({ Service: 'ec2.amazonaws.com' }),
        managed: ['AdministratorAccess'],
      },
      {
        name: 'backup-admin',
        path: '/service/',
        created: '2024-09-30T10:00:00Z',
        tags: { owner: 'data-platform' },
        trust: trust({ Service: 'backup.amazonaws.com' }),
        inline: {
          'backup-operations': policy(
            allow(['rds:CreateDBSnapshot', 'rds:DescribeDBSnapshots', 'rds:DeleteDBSnapshot', 'rds:DeleteDBClusterSnapshot']),
            allow(['s3:ListBucket', 's3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:DeleteBucket'], [
              'arn:aws:s3:::acme-prod-*',
              'arn:aws:s3:::acme-prod-*/*',
            ]),
            allow(['backup:StartBackupJob', 'backup:DeleteRecoveryPoint', 'backup:ListRecoveryPointsByBackupVault']),
          ),
        },
      },
      {
        name: 'prod-deployer',
        created: '2025-09-09T11:05:00Z',
        tags: { owner: 'platform' },
        trust: trust({ AWS: `arn:aws:iam::${STAGING}:role/agents/staging-agent` }),
        managed: ['acme-prod-deployer'],
      },
      {
        name: 'data-pipeline',
        path: '/service/',
        created: '2025-01-21T10:30:00Z',
        tags: { owner: 'data-platform', pipeline: 'orders-daily' },
        trust: trust({ Service: 'glue.amazonaws.com' }),
        boundary: 'acme-boundary-data',
        inline: {
          'pipeline-s3': policy(
            allow(['s3:GetObject', 's3:ListBucket'], ['arn:aws:s3:::acme-prod-raw', 'arn:aws:s3:::acme-prod-raw/orders/*']),
            allow('s3:PutObject', 'arn:aws:s3:::acme-prod-curated/orders/*'),
            allow('kms:Decrypt', `arn:aws:kms:us-east-1:${PROD}:key/5f0c1f3e-2b7d-4c4a-9a43-0d3a1b8e7f21`, {
              Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
            }),
            allow(['glue:GetTable', 'glue:GetPartitions'], [
              `arn:aws:glue:us-east-1:${PROD}:catalog`,
              `arn:aws:glue:us-east-1:${PROD}:database/orders`,
              `arn:aws:glue:us-east-1:${PROD}:table/orders/*`,
            ]),
          ),
        },
      },
      {
        name: 'legacy-etl-unused',
        created: '2024-02-12T15:00:00Z',
        tags: { owner: 'data-platform', note: 'replaced by data-pipeline' },
        trust: trust({ Service: 'lambda.amazonaws.com' }),
        managed: ['ReadOnlyAccess'],
        inline: { 'etl-write': policy(allow(['s3:PutObject', 's3:DeleteObject'], 'arn:aws:s3:::acme-prod-legacy/*')) },
      },
    ],
  },
  {
    key: 'staging',
    id: STAGING,
    alias: 'acme-staging',
    folder: 'acme-staging',
    tags: { env: 'staging', owner: 'platform' },
    tagShape: 'record',
    root: { created: '2021-06-14T09:00:00Z', mfa: false },
    paged: true,
    cloudmapperAdvisor: ['role/staging-agent'],
    policies: [
      AWS_POLICIES.ReadOnlyAccess!,
      { ...agentBroad, versions: agentBroad.versions.slice(0, 2), created: '2025-03-04T09:00:00Z' },
    ],
    groups: [{ name: 'developers', created: '2021-06-14T10:00:00Z', managed: ['ReadOnlyAccess'] }],
    users: [
      {
        name: 'ci-deployer',
        path: '/automation/',
        created: '2024-05-03T09:00:00Z',
        tags: { owner: 'platform', purpose: 'ci' },
        inline: {
          'deploy-staging': policy(
            allow(['cloudformation:*']),
            allow('s3:PutObject', 'arn:aws:s3:::acme-staging-artifacts/*'),
          ),
        },
        keys: [{ created: '2026-05-20T08:30:00Z', active: true }],
      },
      {
        name: 'qa-bot',
        path: '/agents/',
        created: '2025-12-01T10:00:00Z',
        tags: { agent: 'qa-bot', owner: 'qa' },
        groups: ['developers'],
        keys: [{ created: '2025-12-01T10:01:00Z', active: true }],
      },
    ],
    roles: [
      {
        name: 'staging-agent',
        path: '/agents/',
        created: '2025-09-09T10:00:00Z',
        tags: { agent: 'staging-agent', owner: 'dev-tools' },
        // The QA bot may hand work to the agent: staging qa-bot -> staging-agent -> prod-deployer is a chain into production.
        trust: trust({ Service: 'ecs-tasks.amazonaws.com', AWS: `arn:aws:iam::${STAGING}:user/agents/qa-bot` }),
        managed: ['acme-agent-broad'],
        inline: { 'assume-prod-deployer': policy(allow('sts:AssumeRole', `arn:aws:iam::${PROD}:role/prod-deployer`)) },
      },
      {
        name: 'staging-ecs-task',
        path: '/service/',
        created: '2024-07-01T10:00:00Z',
        tags: { owner: 'platform', service: 'orders-api' },
        trust: trust({ Service: 'ecs-tasks.amazonaws.com' }),
        inline: {
          'orders-api': policy(
            allow(['s3:GetObject'], 'arn:aws:s3:::acme-staging-config/*'),
            allow(['dynamodb:Query', 'dynamodb:PutItem'], `arn:aws:dynamodb:us-east-1:${STAGING}:table/orders`),
          ),
        },
      },
    ],
  },
];

// ---------------------------------------------------------------------------
// Activity: who calls what, how often, with which tool
// ---------------------------------------------------------------------------

const UA = {
  cliCi: (command: string) =>
    `aws-cli/2.15.0 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-1025-azure md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython exe/x86_64.ubuntu.22 prompt/off command/${command}`,
  boto: 'Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10.223-211.872.amzn2.x86_64 md/arch#x86_64 lang/python#3.9.19 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.144',
  opsAgent: 'Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.1.109-118.189.amzn2023.x86_64 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#adaptive Botocore/1.35.36 ops-ai-agent/0.9.2',
  claudeCode: 'claude-code/1.0.43 aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard prompt/off',
  stagingAgent: 'claude-code/1.0.51 aws-sdk-js/3.654.0 ua/2.1 os/linux#5.10.226-214.879.amzn2.x86_64 lang/js md/nodejs#20.17.0 api/multiple',
  sdkJs: 'aws-sdk-js/3.637.0 ua/2.1 os/linux#5.10.225-213.878.amzn2.x86_64 lang/js md/nodejs#20.16.0 api/multiple',
  glue: 'aws-sdk-java/2.25.31 Linux/5.10.225-213.878.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.12+7-LTS Java/17.0.12 vendor/Amazon.com_Inc. md/internal exec-env/AWS_Glue',
  console: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
};

interface Call {
  /** The IAM action this call is authorised by. */
  action: string;
  /** Mean calls on an active day. */
  perDay: number;
  /** Chance the call happens at all on an active day (default 1). */
  chance?: number;
  /** CloudTrail's eventName where it differs from the action name. */
  eventName?: string;
  /** S3 object / Lambda invoke / DynamoDB item calls are data events. */
  data?: true;
  /** Refused: AccessDenied (most services) or Client.UnauthorizedOperation (EC2). */
  denied?: true;
  region?: string;
}

interface Activity {
  account: 'prod' | 'staging';
  principal: string;
  /** Index of the user's access key used (users only). */
  key?: number;
  userAgent: string;
  sourceIp: string;
  schedule: 'daily' | 'weekdays' | 'mondays';
  /** Chance the principal is active on a scheduled day (default 1). */
  dayChance?: number;
  until?: string;
  /** Role sessions: assumed by an AWS service, or by another account's role. */
  assumedBy?: string;
  assumedFrom?: { account: 'prod' | 'staging'; role: string };
  /** Calls made by an AWS service on the role's behalf (backup, glue). */
  invokedBy?: string;
  /** Console session of a user (password sign-in). */
  console?: true;
  calls: Call[];
}

const ACTIVITY: Activity[] = [
  {
    account: 'prod', principal: 'user/ci-deployer', key: 1, userAgent: UA.cliCi('cloudformation.deploy'),
    sourceIp: '20.42.11.19', schedule: 'weekdays',
    calls: [
      { action: 'cloudformation:DescribeStacks', perDay: 3 },
      { action: 'cloudformation:UpdateStack', perDay: 1, chance: 0.5 },
      { action: 's3:PutObject', perDay: 2, data: true },
      { action: 'ecs:DescribeServices', perDay: 1 },
      { action: 'ecs:UpdateService', perDay: 1, chance: 0.5 },
      { action: 'sts:GetCallerIdentity', perDay: 1 },
    ],
  },
  {
    account: 'prod', principal: 'user/ci-deployer', key: 0, userAgent: UA.boto, sourceIp: '52.23.180.77',
    schedule: 'mondays', until: '2026-10-05',
    calls: [{ action: 'cloudformation:DescribeStacks', perDay: 2 }],
  },
  {
    account: 'prod', principal: 'user/claude-code-agent', key: 0, userAgent: UA.claudeCode, sourceIp: '198.51.100.23',
    schedule: 'weekdays', dayChance: 0.85,
    calls: [
      { action: 's3:ListAllMyBuckets', eventName: 'ListBuckets', perDay: 1 },
      { action: 's3:ListBucket', eventName: 'ListObjects', perDay: 2, data: true },
      { action: 's3:GetObject', perDay: 3, data: true },
      { action: 'lambda:GetFunction', eventName: 'GetFunction20150331v2', perDay: 1 },
      { action: 'lambda:InvokeFunction', eventName: 'Invoke', perDay: 1, data: true },
      { action: 'logs:FilterLogEvents', perDay: 2 },
      { action: 'sts:GetCallerIdentity', perDay: 1 },
      { action: 'ec2:DescribeInstances', perDay: 1, chance: 0.15 },
      { action: 'secretsmanager:GetSecretValue', perDay: 1, chance: 0.1, denied: true },
    ],
  },
  {
    account: 'prod', principal: 'user/dns-automation', key: 0, userAgent: UA.boto, sourceIp: '52.23.180.77', schedule: 'daily',
    calls: [
      { action: 'route53:ListResourceRecordSets', perDay: 1 },
      { action: 'route53:ChangeResourceRecordSets', perDay: 1, chance: 0.4 },
      { action: 'route53:GetChange', perDay: 1, chance: 0.4 },
    ],
  },
  {
    account: 'prod', principal: 'user/alice.admin', userAgent: UA.console, sourceIp: '203.0.113.40', schedule: 'weekdays',
    dayChance: 0.15, console: true,
    calls: [
      { action: 'iam:ListUsers', perDay: 1 },
      { action: 'iam:ListRoles', perDay: 1 },
      { action: 'ec2:DescribeInstances', perDay: 2 },
    ],
  },
  {
    account: 'prod', principal: 'role/ops-ai-agent', userAgent: UA.opsAgent, sourceIp: '10.20.4.17', schedule: 'daily',
    assumedBy: 'ec2.amazonaws.com',
    calls: [
      { action: 'ec2:DescribeInstances', perDay: 2 },
      { action: 'ec2:DescribeInstances', perDay: 1, region: 'eu-west-1' },
      { action: 'cloudwatch:GetMetricData', perDay: 2 },
      { action: 'logs:FilterLogEvents', perDay: 1 },
      { action: 'ecs:DescribeServices', perDay: 1 },
      { action: 'ssm:GetParameter', perDay: 1, chance: 0.5 },
      { action: 'ec2:RebootInstances', perDay: 1, chance: 0.05 },
      { action: 'iam:ListRoles', perDay: 1, chance: 0.1 },
    ],
  },
  {
    account: 'prod', principal: 'role/backup-admin', userAgent: 'backup.amazonaws.com', sourceIp: 'backup.amazonaws.com',
    schedule: 'daily', assumedBy: 'backup.amazonaws.com', invokedBy: 'backup.amazonaws.com',
    calls: [
      { action: 'rds:CreateDBSnapshot', perDay: 1 },
      { action: 'rds:DescribeDBSnapshots', perDay: 1 },
      { action: 'rds:DeleteDBSnapshot', perDay: 1, chance: 0.3 },
    ],
  },
  {
    account: 'prod', principal: 'role/prod-deployer', userAgent: UA.stagingAgent, sourceIp: '3.91.40.112',
    schedule: 'weekdays', dayChance: 0.3, assumedFrom: { account: 'staging', role: 'staging-agent' },
    calls: [
      { action: 'ecs:DescribeServices', perDay: 2 },
      { action: 'ecs:UpdateService', perDay: 1 },
      { action: 'lambda:UpdateFunctionCode', eventName: 'UpdateFunctionCode20150331v2', perDay: 1, chance: 0.5 },
    ],
  },
  {
    account: 'prod', principal: 'role/data-pipeline', userAgent: UA.glue, sourceIp: '10.20.9.61', schedule: 'daily',
    assumedBy: 'glue.amazonaws.com',
    calls: [
      { action: 'glue:GetTable', perDay: 1 },
      { action: 's3:GetObject', perDay: 3, data: true },
      { action: 's3:PutObject', perDay: 2, data: true },
      { action: 'kms:Decrypt', perDay: 2 },
      { action: 's3:GetObject', perDay: 1, chance: 0.1, data: true, denied: true },
    ],
  },
  {
    account: 'staging', principal: 'user/ci-deployer', key: 0, userAgent: UA.cliCi('cloudformation.deploy'),
    sourceIp: '20.42.11.19', schedule: 'weekdays', dayChance: 0.8,
    calls: [
      { action: 'cloudformation:DescribeStacks', perDay: 2 },
      { action: 's3:PutObject', perDay: 1, data: true },
    ],
  },
  {
    account: 'staging', principal: 'user/qa-bot', key: 0, userAgent: UA.sdkJs, sourceIp: '34.201.18.250', schedule: 'weekdays',
    calls: [
      { action: 'ec2:DescribeInstances', perDay: 2 },
      { action: 's3:ListAllMyBuckets', eventName: 'ListBuckets', perDay: 1 },
      { action: 'ec2:TerminateInstances', perDay: 1, chance: 0.05, denied: true },
    ],
  },
  {
    account: 'staging', principal: 'role/staging-agent', userAgent: UA.stagingAgent, sourceIp: '3.91.40.112', schedule: 'weekdays',
    assumedBy: 'ecs-tasks.amazonaws.com',
    calls: [
      { action: 'lambda:GetFunction', eventName: 'GetFunction20150331v2', perDay: 1 },
      { action: 's3:GetObject', perDay: 2, data: true },
      { action: 'dynamodb:Query', perDay: 2, data: true },
      { action: 'logs:FilterLogEvents', perDay: 1 },
      { action: 'secretsmanager:GetSecretValue', perDay: 1, chance: 0.1, denied: true },
    ],
  },
  {
    account: 'staging', principal: 'role/staging-ecs-task', userAgent: UA.sdkJs, sourceIp: '10.40.2.88', schedule: 'daily',
    assumedBy: 'ecs-tasks.amazonaws.com',
    calls: [
      { action: 's3:GetObject', perDay: 1, data: true },
      { action: 'dynamodb:Query', perDay: 2, data: true },
    ],
  },
];

/** Use of a principal before the CloudTrail window, known to IAM's own last-used records. */
const EARLIER_USE: { account: 'prod' | 'staging'; principal: string; action: string; at: string; region: string }[] = [
  { account: 'prod', principal: 'role/ops-ai-agent', action: 'iam:CreateRole', at: '2026-07-04T13:22:05Z', region: 'us-east-1' },
  { account: 'prod', principal: 'role/ops-ai-agent', action: 'iam:AttachRolePolicy', at: '2026-07-04T13:22:41Z', region: 'us-east-1' },
  { account: 'prod', principal: 'user/claude-code-agent', action: 'ec2:RunInstances', at: '2026-05-19T10:04:00Z', region: 'us-east-1' },
];

// ---------------------------------------------------------------------------
// Catalog bits: service names, Access Advisor tracked actions, global services
// ---------------------------------------------------------------------------

const SERVICE_NAMES: Record<string, string> = {
  athena: 'Amazon Athena', backup: 'AWS Backup', cloudformation: 'AWS CloudFormation', cloudwatch: 'Amazon CloudWatch',
  dynamodb: 'Amazon DynamoDB', ec2: 'Amazon EC2', ecs: 'Amazon Elastic Container Service', glue: 'AWS Glue',
  iam: 'AWS Identity and Access Management', kms: 'AWS Key Management Service', lambda: 'AWS Lambda',
  logs: 'Amazon CloudWatch Logs', rds: 'Amazon RDS', route53: 'Amazon Route 53', s3: 'Amazon S3',
  secretsmanager: 'AWS Secrets Manager', ssm: 'AWS Systems Manager', sts: 'AWS Security Token Service',
};
/** What Access Advisor lists for `*`: every service; abridged to the ones this sample knows. */
const ALL_SERVICES = Object.keys(SERVICE_NAMES);
/** Access Advisor reports action-level data for management actions of these services only (abridged lists). */
const TRACKED_ACTIONS: Record<string, string[]> = {
  s3: ['CreateBucket', 'DeleteBucket', 'GetBucketPolicy', 'PutBucketPolicy', 'ListAllMyBuckets', 'PutBucketPublicAccessBlock', 'PutEncryptionConfiguration'],
  iam: ['AttachRolePolicy', 'CreateAccessKey', 'CreateRole', 'CreateUser', 'DeleteRole', 'ListRoles', 'ListUsers', 'PutRolePolicy', 'UpdateAssumeRolePolicy'],
  ec2: ['AuthorizeSecurityGroupIngress', 'CreateSnapshot', 'DescribeInstances', 'RebootInstances', 'RunInstances', 'StopInstances', 'TerminateInstances'],
  lambda: ['CreateFunction', 'DeleteFunction', 'GetFunction', 'ListFunctions', 'UpdateFunctionCode', 'UpdateFunctionConfiguration'],
};
const GLOBAL_SERVICES = new Set(['iam', 'route53', 'sts']);
const EVENT_SOURCES: Record<string, string> = { cloudwatch: 'monitoring.amazonaws.com' };
const READ_ONLY = /^(Get|List|Describe|Filter|Query|Head|Lookup)/;

// ---------------------------------------------------------------------------
// Derived lookups
// ---------------------------------------------------------------------------

const accountOf = (key: 'prod' | 'staging') => ACCOUNTS.find((a) => a.key === key) as AccountSpec;
const policyArn = (account: AccountSpec, spec: ManagedPolicySpec) =>
  spec.awsManaged ? `arn:aws:iam::aws:policy${spec.path ?? '/'}${spec.name}` : `arn:aws:iam::${account.id}:policy${spec.path ?? '/'}${spec.name}`;
const principalArn = (account: AccountSpec, principal: string) => {
  const [kind, name] = principal.split('/') as [string, string];
  const spec = kind === 'user' ? account.users.find((u) => u.name === name) : account.roles.find((r) => r.name === name);
  if (!spec) throw new Error(`activity names unknown principal ${principal} in ${account.alias}`);
  return `arn:aws:iam::${account.id}:${kind}${spec.path ?? '/'}${name}`;
};
const uniqueIdOf = (account: AccountSpec, principal: string) =>
  stableId(principal.startsWith('role/') ? 'AROA' : 'AIDA', `${account.id}:${principal}`, 17);
const accessKeyId = (account: AccountSpec, user: string, index: number) => stableId('AKIA', `${account.id}:${user}:key${index}`, 16);
const policyIdOf = (account: AccountSpec, spec: ManagedPolicySpec) => spec.policyId ?? stableId('ANPA', `${account.id}:${spec.name}`, 17);

/** Documents of every identity policy in effect for a principal (boundaries limit, they do not grant). */
function grantedDocuments(account: AccountSpec, principal: string): PolicyDocument[] {
  const [kind, name] = principal.split('/') as [string, string];
  const spec: UserSpec | RoleSpec | undefined =
    kind === 'user' ? account.users.find((u) => u.name === name) : account.roles.find((r) => r.name === name);
  if (!spec) return [];
  const managedDoc = (policyName: string) => {
    const p = account.policies.find((x) => x.name === policyName);
    if (!p) throw new Error(`${account.alias}: ${principal} attaches ${policyName}, which is not defined`);
    return (p.versions.find((v) => v.id === p.defaultVersion) as ManagedPolicySpec['versions'][number]).document;
  };
  const docs = [...Object.values(spec.inline ?? {}), ...(spec.managed ?? []).map(managedDoc)];
  for (const groupName of (spec as UserSpec).groups ?? []) {
    const group = account.groups.find((g) => g.name === groupName);
    if (group) docs.push(...Object.values(group.inline ?? {}), ...(group.managed ?? []).map(managedDoc));
  }
  return docs;
}

const toList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const wildcard = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');

/** Allowed action patterns of a principal, e.g. `s3:*`, `ec2:Describe*`, `*`. */
function grantedPatterns(account: AccountSpec, principal: string): string[] {
  return grantedDocuments(account, principal).flatMap((doc) =>
    toList(doc.Statement).filter((s) => s.Effect === 'Allow').flatMap((s) => toList(s.Action)),
  );
}

// ---------------------------------------------------------------------------
// Simulated activity -> events
// ---------------------------------------------------------------------------

interface SimEvent {
  account: AccountSpec;
  principal: string;
  activity: Activity;
  call: Call;
  time: Date;
  session: Session;
}

interface Session {
  accessKeyId: string;
  name?: string;
  startedAt: Date;
}

interface Use {
  action: string;
  at: string;
  region: string;
  key?: number;
}

/** Successful use per `<accountId>:<principal>`, feeding IAM last-used fields and Access Advisor. */
const uses = new Map<string, Use[]>();
const recordUse = (account: AccountSpec, principal: string, use: Use) => {
  const key = `${account.id}:${principal}`;
  uses.set(key, [...(uses.get(key) ?? []), use]);
};

/** Global services (IAM, Route 53, STS's global endpoint) record their events in us-east-1. */
const regionOf = (action: string, call?: Call) =>
  GLOBAL_SERVICES.has(action.split(':')[0] as string) ? 'us-east-1' : (call?.region ?? 'us-east-1');

function simulate(): SimEvent[] {
  const events: SimEvent[] = [];
  for (let d = 0; d < TRAIL_DAYS; d++) {
    const day = dayAt(TRAIL_FIRST_DAY, d);
    const weekday = day.getUTCDay();
    for (const activity of ACTIVITY) {
      const account = accountOf(activity.account);
      if (activity.until && day.getTime() > Date.parse(`${activity.until}T23:59:59Z`)) continue;
      if (activity.schedule === 'weekdays' && (weekday === 0 || weekday === 6)) continue;
      if (activity.schedule === 'mondays' && weekday !== 1) continue;
      if (random() >= (activity.dayChance ?? 1)) continue;
      // Work happens in a block of hours: CI in office hours, agents whenever.
      const startHour = activity.schedule === 'daily' ? Math.floor(random() * 19) : 7 + Math.floor(random() * 9);
      const startedAt = new Date(day.getTime() + startHour * 3_600_000 + Math.floor(random() * 3_600_000));
      const session: Session = {
        accessKeyId:
          activity.key !== undefined
            ? accessKeyId(account, activity.principal.split('/')[1] as string, activity.key)
            : 'ASIA' + randomChars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'),
        startedAt,
        ...(activity.principal.startsWith('role/') || activity.console
          ? { name: sessionName(activity, startedAt) }
          : {}),
      };
      for (const call of activity.calls) {
        if (random() >= (call.chance ?? 1)) continue;
        const count = Math.max(1, Math.round(call.perDay * (0.5 + random())));
        for (let i = 0; i < count; i++) {
          const time = new Date(startedAt.getTime() + 60_000 + Math.floor(random() * 3 * 3_600_000));
          events.push({ account, principal: activity.principal, activity, call, time, session });
          if (!call.denied) {
            recordUse(account, activity.principal, {
              action: call.action,
              at: time.toISOString(),
              region: regionOf(call.action, call),
              ...(activity.key !== undefined ? { key: activity.key } : {}),
            });
          }
        }
      }
    }
  }
  for (const use of EARLIER_USE) {
    recordUse(accountOf(use.account), use.principal, { action: use.action, at: new Date(use.at).toISOString(), region: use.region, key: 0 });
  }
  return events.sort((a, b) => a.time.getTime() - b.time.getTime());
}

function sessionName(activity: Activity, startedAt: Date): string {
  if (activity.console) return activity.principal.split('/')[1] as string;
  if (activity.assumedBy === 'ec2.amazonaws.com') return `i-0${randomChars(16, HEX)}`;
  if (activity.assumedBy === 'ecs-tasks.amazonaws.com') return randomChars(32, HEX);
  if (activity.assumedFrom) return `${activity.assumedFrom.role}-${Math.floor(startedAt.getTime() / 1000)}`;
  if (activity.assumedBy === 'glue.amazonaws.com') return `GlueJobRunnerSession`;
  return `AWSBackup-${randomChars(10, HEX)}`;
}

// ---------------------------------------------------------------------------
// CloudTrail records
// ---------------------------------------------------------------------------

type TrailRecord = Record<string, unknown>;

const BUCKETS: Record<string, string[]> = {
  'user/ci-deployer': ['acme-prod-artifacts'],
  'user/claude-code-agent': ['acme-prod-docs', 'acme-prod-artifacts'],
  'role/data-pipeline': ['acme-prod-raw'],
  'role/staging-agent': ['acme-staging-docs'],
  'role/staging-ecs-task': ['acme-staging-config'],
};

/** Request parameters and resources per action: enough to look like the real thing. */
function requestDetails(event: SimEvent): { params: unknown; resources?: unknown[] } {
  const { call, account, principal } = event;
  const region = regionOf(call.action, call);
  const n = () => Math.floor(random() * 9000 + 1000);
  const s3 = (bucket: string, key?: string) => {
    const host = `${bucket}.s3.${region}.amazonaws.com`;
    return {
      params: { bucketName: bucket, ...(key ? { key } : { 'list-type': '2', prefix: 'reports/' }), Host: host },
      resources: [
        ...(key ? [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` }] : []),
        { accountId: account.id, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
      ],
    };
  };
  switch (call.action) {
    case 's3:GetObject':
      if (principal === 'role/data-pipeline' && call.denied) return s3('acme-prod-finance', `ledger/2026/${n()}.parquet`);
      if (principal === 'role/data-pipeline') return s3('acme-prod-raw', `orders/dt=${event.time.toISOString().slice(0, 10)}/part-${n()}.json.gz`);
      return s3(pick(BUCKETS[principal] ?? ['acme-misc']), `docs/${pick(['runbook', 'readme', 'config', 'report'])}-${n()}.md`);
    case 's3:PutObject':
      if (principal === 'role/data-pipeline') return s3('acme-prod-curated', `orders/dt=${event.time.toISOString().slice(0, 10)}/part-${n()}.parquet`);
      return s3(account.key === 'prod' ? 'acme-prod-artifacts' : 'acme-staging-artifacts', `builds/${n()}/bundle.zip`);
    case 's3:ListBucket':
      return s3(pick(BUCKETS[principal] ?? ['acme-misc']));
    case 's3:ListAllMyBuckets':
      return { params: { Host: 's3.us-east-1.amazonaws.com' } };
    case 'cloudformation:DescribeStacks':
      return { params: { stackName: `acme-api-${account.key}` } };
    case 'cloudformation:UpdateStack':
      return {
        params: { stackName: `acme-api-${account.key}`, templateURL: `https://acme-prod-artifacts.s3.amazonaws.com/builds/${n()}/template.yaml`, capabilities: ['CAPABILITY_NAMED_IAM'] },
      };
    case 'ecs:DescribeServices':
      return { params: { cluster: `acme-${account.key}`, services: ['orders-api'] } };
    case 'ecs:UpdateService':
      return { params: { cluster: `acme-${account.key}`, service: 'orders-api', forceNewDeployment: true } };
    case 'lambda:GetFunction':
    case 'lambda:UpdateFunctionCode':
      return { params: { functionName: `acme-${pick(['thumbnailer', 'orders-webhook', 'nightly-report'])}` } };
    case 'lambda:InvokeFunction': {
      const fn = `arn:aws:lambda:${region}:${account.id}:function:acme-nightly-report`;
      return { params: { functionName: fn, invocationType: 'RequestResponse' }, resources: [{ accountId: account.id, type: 'AWS::Lambda::Function', ARN: fn }] };
    }
    case 'logs:FilterLogEvents':
      return { params: { logGroupName: `/aws/lambda/acme-${pick(['thumbnailer', 'orders-webhook'])}`, limit: 100 } };
    case 'route53:ListResourceRecordSets':
      return { params: { hostedZoneId: 'Z0123456789ACMEPROD' } };
    case 'route53:ChangeResourceRecordSets':
      return {
        params: {
          hostedZoneId: 'Z0123456789ACMEPROD',
          changeBatch: { changes: [{ action: 'UPSERT', resourceRecordSet: { name: `api-${pick(['blue', 'green'])}.acme.example.`, type: 'A', tTL: 60 } }] },
        },
      };
    case 'route53:GetChange':
      return { params: { id: `C${randomChars(20, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}` } };
    case 'ec2:DescribeInstances':
      return { params: { instancesSet: {}, filterSet: {} } };
    case 'ec2:RebootInstances':
    case 'ec2:TerminateInstances':
      return { params: { instancesSet: { items: [{ instanceId: `i-0${randomChars(16, HEX)}` }] } } };
    case 'cloudwatch:GetMetricData':
      return { params: { maxDatapoints: 1440, scanBy: 'TimestampDescending' } };
    case 'ssm:GetParameter':
      return { params: { name: '/ops-ai-agent/config', withDecryption: false } };
    case 'rds:CreateDBSnapshot':
      return { params: { dBSnapshotIdentifier: `awsbackup-job-${randomChars(8, HEX)}`, dBInstanceIdentifier: 'acme-orders-prod' } };
    case 'rds:DeleteDBSnapshot':
      return { params: { dBSnapshotIdentifier: `awsbackup-job-${randomChars(8, HEX)}` } };
    case 'rds:DescribeDBSnapshots':
      return { params: { dBInstanceIdentifier: 'acme-orders-prod', snapshotType: 'manual' } };
    case 'kms:Decrypt':
      return {
        params: { encryptionAlgorithm: 'SYMMETRIC_DEFAULT', encryptionContext: { 'aws:s3:arn': 'arn:aws:s3:::acme-prod-raw' } },
        resources: [{ accountId: account.id, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:us-east-1:${account.id}:key/5f0c1f3e-2b7d-4c4a-9a43-0d3a1b8e7f21` }],
      };
    case 'glue:GetTable':
      return { params: { databaseName: 'orders', name: 'orders_raw' } };
    case 'dynamodb:Query': {
      const table = `arn:aws:dynamodb:us-east-1:${account.id}:table/orders`;
      return { params: { tableName: 'orders', keyConditionExpression: 'pk = :pk' }, resources: [{ accountId: account.id, type: 'AWS::DynamoDB::Table', ARN: table }] };
    }
    case 'secretsmanager:GetSecretValue':
      return { params: { secretId: `${account.key}/orders-db` } };
    default:
      return { params: null };
  }
}

function userIdentity(event: SimEvent): TrailRecord {
  const { account, principal, activity, session } = event;
  const arn = principalArn(account, principal);
  const name = principal.split('/')[1] as string;
  if (principal.startsWith('user/')) {
    return {
      type: 'IAMUser',
      principalId: uniqueIdOf(account, principal),
      arn,
      accountId: account.id,
      accessKeyId: session.accessKeyId,
      userName: name,
      ...(activity.console
        ? { sessionContext: { attributes: { creationDate: trailTime(session.startedAt), mfaAuthenticated: 'true' } } }
        : {}),
    };
  }
  return {
    type: 'AssumedRole',
    principalId: `${uniqueIdOf(account, principal)}:${session.name}`,
    arn: `arn:aws:sts::${account.id}:assumed-role/${name}/${session.name}`,
    accountId: account.id,
    accessKeyId: session.accessKeyId,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: uniqueIdOf(account, principal), arn, accountId: account.id, userName: name },
      attributes: { creationDate: trailTime(session.startedAt), mfaAuthenticated: 'false' },
      ...(activity.assumedBy === 'ec2.amazonaws.com' ? { ec2RoleDelivery: '2.0' } : {}),
    },
    ...(activity.invokedBy ? { invokedBy: activity.invokedBy } : {}),
  };
}

const tls = (host: string) => ({ tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: host });

function apiRecord(event: SimEvent): TrailRecord {
  const { call, account, activity } = event;
  const [service, actionName] = call.action.split(':') as [string, string];
  const region = regionOf(call.action, call);
  const eventSource = EVENT_SOURCES[service] ?? `${service}.amazonaws.com`;
  const eventName = call.eventName ?? actionName;
  const { params, resources } = requestDetails(event);
  const denied = call.denied
    ? service === 'ec2'
      ? { errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized to perform this operation. User: ' + callerArn(event) + ` is not authorized to perform: ${call.action} because no identity-based policy allows the ${call.action} action. Encoded authorization failure message: ${randomChars(48, ALNUM)}` }
      : { errorCode: 'AccessDenied', errorMessage: `User: ${callerArn(event)} is not authorized to perform: ${call.action} because no identity-based policy allows the ${call.action} action` }
    : {};
  const viaService = activity.invokedBy;
  return {
    eventVersion: call.data ? '1.10' : '1.09',
    userIdentity: userIdentity(event),
    eventTime: trailTime(event.time),
    eventSource,
    eventName,
    awsRegion: region,
    sourceIPAddress: activity.sourceIp,
    userAgent: activity.userAgent,
    ...denied,
    requestParameters: params,
    responseElements: null,
    ...(call.data ? { additionalEventData: { bytesTransferredIn: 0, bytesTransferredOut: Math.floor(random() * 90000) } } : {}),
    requestID: service === 's3' ? randomChars(16, 'ABCDEF0123456789') : uuid(),
    eventID: uuid(),
    readOnly: READ_ONLY.test(actionName),
    ...(resources ? { resources } : {}),
    eventType: 'AwsApiCall',
    managementEvent: !call.data,
    recipientAccountId: account.id,
    eventCategory: call.data ? 'Data' : 'Management',
    ...(viaService ? {} : { tlsDetails: tls(service === 's3' ? `s3.${region}.amazonaws.com` : eventSource.replace('.amazonaws.com', `.${region}.amazonaws.com`)) }),
    ...(activity.console ? { sessionCredentialFromConsole: 'true' } : {}),
  };
}

function callerArn(event: SimEvent): string {
  const name = event.principal.split('/')[1] as string;
  return event.principal.startsWith('user/')
    ? principalArn(event.account, event.principal)
    : `arn:aws:sts::${event.account.id}:assumed-role/${name}/${event.session.name}`;
}

/** CloudTrail's odd expiration format: `Nov 14, 2026, 9:46:15 PM`. */
function expirationText(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const h = date.getUTCHours();
  const pad = (v: number) => String(v).padStart(2, '0');
  return `${months[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()}, ${h % 12 || 12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

/** AssumeRole records opening each role session: in the role's account, and for cross-account calls in the caller's too. */
function assumeRoleRecords(event: SimEvent): { account: AccountSpec; record: TrailRecord }[] {
  const { account, principal, activity, session } = event;
  const roleArn = principalArn(account, principal);
  const name = principal.split('/')[1] as string;
  const at = new Date(session.startedAt.getTime() - 2_000);
  const base = {
    eventVersion: '1.08',
    eventTime: trailTime(at),
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'us-east-1',
    requestParameters: { roleArn, roleSessionName: session.name, durationSeconds: 3600 },
    responseElements: {
      credentials: { accessKeyId: session.accessKeyId, expiration: expirationText(new Date(at.getTime() + 3_600_000)) },
      assumedRoleUser: { assumedRoleId: `${uniqueIdOf(account, principal)}:${session.name}`, arn: `arn:aws:sts::${account.id}:assumed-role/${name}/${session.name}` },
    },
    readOnly: true,
    resources: [{ accountId: account.id, type: 'AWS::IAM::Role', ARN: roleArn }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    eventCategory: 'Management',
  };
  if (activity.assumedBy) {
    const record = {
      ...base,
      userIdentity: { type: 'AWSService', invokedBy: activity.assumedBy },
      sourceIPAddress: activity.assumedBy,
      userAgent: activity.assumedBy,
      requestID: uuid(),
      eventID: uuid(),
      recipientAccountId: account.id,
      sharedEventID: uuid(),
    };
    return [{ account, record }];
  }
  if (!activity.assumedFrom) return [];
  const caller = accountOf(activity.assumedFrom.account);
  const callerRole = `role/${activity.assumedFrom.role}`;
  const callerSession = `${randomChars(32, HEX)}`;
  const callerArnValue = `arn:aws:sts::${caller.id}:assumed-role/${activity.assumedFrom.role}/${callerSession}`;
  const requestID = uuid();
  const shared = uuid();
  recordUse(caller, callerRole, { action: 'sts:AssumeRole', at: at.toISOString(), region: 'us-east-1' });
  const inCaller = {
    ...base,
    userIdentity: {
      type: 'AssumedRole',
      principalId: `${uniqueIdOf(caller, callerRole)}:${callerSession}`,
      arn: callerArnValue,
      accountId: caller.id,
      accessKeyId: 'ASIA' + randomChars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'),
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: uniqueIdOf(caller, callerRole), arn: principalArn(caller, callerRole), accountId: caller.id, userName: activity.assumedFrom.role },
        attributes: { creationDate: trailTime(new Date(at.getTime() - 600_000)), mfaAuthenticated: 'false' },
      },
    },
    sourceIPAddress: activity.sourceIp,
    userAgent: activity.userAgent,
    requestID,
    eventID: uuid(),
    recipientAccountId: caller.id,
    tlsDetails: tls('sts.us-east-1.amazonaws.com'),
  };
  const inRoleAccount = {
    ...base,
    userIdentity: { type: 'AWSAccount', principalId: `${uniqueIdOf(caller, callerRole)}:${callerSession}`, accountId: caller.id },
    sourceIPAddress: activity.sourceIp,
    userAgent: activity.userAgent,
    requestID,
    eventID: uuid(),
    recipientAccountId: account.id,
    sharedEventID: shared,
    tlsDetails: tls('sts.us-east-1.amazonaws.com'),
  };
  return [
    { account: caller, record: inCaller },
    { account, record: inRoleAccount },
  ];
}

/** All records, with their account and region, oldest first. */
function trailRecords(events: SimEvent[]): { account: AccountSpec; region: string; time: string; record: TrailRecord }[] {
  const out: { account: AccountSpec; region: string; time: string; record: TrailRecord }[] = [];
  const opened = new Set<Session>();
  for (const event of events) {
    if (!opened.has(event.session)) {
      opened.add(event.session);
      for (const { account, record } of assumeRoleRecords(event)) {
        out.push({ account, region: 'us-east-1', time: record.eventTime as string, record });
      }
    }
    const record = apiRecord(event);
    out.push({ account: event.account, region: record.awsRegion as string, time: record.eventTime as string, record });
  }
  return out.sort((a, b) => a.time.localeCompare(b.time));
}

/**
 * CloudTrail log files: `AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/
 * <account>_CloudTrail_<region>_<yyyymmddThhmmZ>_<16 chars>.json.gz`, one file
 * per delivery (here: up to 25 records), gzip of `{"Records":[...]}`.
 */
function writeTrail(outDir: string, records: ReturnType<typeof trailRecords>): { files: number; events: number; bytes: number } {
  const groups = new Map<string, typeof records>();
  for (const r of records) {
    const key = `${r.account.id}|${r.region}|${r.time.slice(0, 10)}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  let files = 0;
  let bytes = 0;
  for (const [key, group] of groups) {
    const [accountId, region, day] = key.split('|') as [string, string, string];
    for (let i = 0; i < group.length; i += 25) {
      const chunk = group.slice(i, i + 25);
      const last = new Date((chunk[chunk.length - 1] as (typeof records)[number]).time);
      // Delivered within ~5 minutes of the last event.
      const delivered = new Date(Math.ceil((last.getTime() + 60_000) / 300_000) * 300_000);
      const stamp = delivered.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
      const [y, m, d] = day.split('-') as [string, string, string];
      const dir = path.join(outDir, 'cloudtrail', 'AWSLogs', accountId, 'CloudTrail', region, y, m, d);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${accountId}_CloudTrail_${region}_${stamp}_${randomChars(16, ALNUM)}.json.gz`);
      const body = gzipSync(JSON.stringify({ Records: chunk.map((c) => c.record) }), { level: 9 });
      writeFileSync(file, body);
      files++;
      bytes += body.length;
    }
  }
  return { files, events: records.length, bytes };
}

// ---------------------------------------------------------------------------
// IAM exports
// ---------------------------------------------------------------------------

const json = (value: unknown) => JSON.stringify(value, null, 4) + '\n';
const tagList = (tags: Record<string, string> | undefined) => Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
const latest = (list: Use[]) => list.reduce<Use | undefined>((a, b) => (!a || b.at > a.at ? b : a), undefined);
const usesOf = (account: AccountSpec, principal: string) => uses.get(`${account.id}:${principal}`) ?? [];

function authorizationDetails(account: AccountSpec) {
  const attached = (names: string[] | undefined) =>
    (names ?? []).map((name) => {
      const spec = account.policies.find((p) => p.name === name) as ManagedPolicySpec;
      return { PolicyName: name, PolicyArn: policyArn(account, spec) };
    });
  const inline = (policies: Record<string, PolicyDocument> | undefined) =>
    Object.entries(policies ?? {}).map(([PolicyName, PolicyDocument]) => ({ PolicyName, PolicyDocument }));
  const boundary = (name: string | undefined) => {
    const spec = name ? account.policies.find((p) => p.name === name) : undefined;
    return spec ? { PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: policyArn(account, spec) } } : {};
  };
  const attachmentCount = (spec: ManagedPolicySpec) =>
    [...account.users, ...account.roles, ...account.groups].filter((p) => p.managed?.includes(spec.name)).length;
  const boundaryCount = (spec: ManagedPolicySpec) => [...account.users, ...account.roles].filter((p) => p.boundary === spec.name).length;

  return {
    UserDetailList: account.users.map((u) => ({
      Path: u.path ?? '/',
      UserName: u.name,
      UserId: uniqueIdOf(account, `user/${u.name}`),
      Arn: principalArn(account, `user/${u.name}`),
      CreateDate: cliTime(u.created),
      ...(u.inline ? { UserPolicyList: inline(u.inline) } : {}),
      GroupList: u.groups ?? [],
      AttachedManagedPolicies: attached(u.managed),
      ...boundary(u.boundary),
      Tags: tagList(u.tags),
    })),
    GroupDetailList: account.groups.map((g) => ({
      Path: '/',
      GroupName: g.name,
      GroupId: stableId('AGPA', `${account.id}:group/${g.name}`, 17),
      Arn: `arn:aws:iam::${account.id}:group/${g.name}`,
      CreateDate: cliTime(g.created),
      GroupPolicyList: inline(g.inline),
      AttachedManagedPolicies: attached(g.managed),
    })),
    RoleDetailList: account.roles.map((r) => {
      const last = latest(usesOf(account, `role/${r.name}`));
      return {
        Path: r.path ?? '/',
        RoleName: r.name,
        RoleId: uniqueIdOf(account, `role/${r.name}`),
        Arn: principalArn(account, `role/${r.name}`),
        CreateDate: cliTime(r.created),
        AssumeRolePolicyDocument: r.trust,
        InstanceProfileList: [],
        RolePolicyList: inline(r.inline),
        AttachedManagedPolicies: attached(r.managed),
        ...boundary(r.boundary),
        Tags: tagList(r.tags),
        RoleLastUsed: last ? { LastUsedDate: cliTime(new Date(last.at)), Region: last.region } : {},
      };
    }),
    Policies: account.policies.map((p) => ({
      PolicyName: p.name,
      PolicyId: policyIdOf(account, p),
      Arn: policyArn(account, p),
      Path: p.path ?? '/',
      DefaultVersionId: p.defaultVersion,
      AttachmentCount: attachmentCount(p),
      PermissionsBoundaryUsageCount: boundaryCount(p),
      IsAttachable: true,
      ...(p.description ? { Description: p.description } : {}),
      CreateDate: cliTime(p.created),
      UpdateDate: cliTime((p.versions.find((v) => v.id === p.defaultVersion) as { created: string }).created),
      PolicyVersionList: [...p.versions].reverse().map((v) => ({
        Document: v.document,
        VersionId: v.id,
        IsDefaultVersion: v.id === p.defaultVersion,
        CreateDate: cliTime(v.created),
      })),
    })),
  };
}

const REPORT_COLUMNS = [
  'user', 'arn', 'user_creation_time', 'password_enabled', 'password_last_used', 'password_last_changed',
  'password_next_rotation', 'mfa_active',
  'access_key_1_active', 'access_key_1_last_rotated', 'access_key_1_last_used_date', 'access_key_1_last_used_region', 'access_key_1_last_used_service',
  'access_key_2_active', 'access_key_2_last_rotated', 'access_key_2_last_used_date', 'access_key_2_last_used_region', 'access_key_2_last_used_service',
  'cert_1_active', 'cert_1_last_rotated', 'cert_2_active', 'cert_2_last_rotated',
];

/** `aws iam get-credential-report` output: Content is the base64 of the CSV, as CLI v2 prints it. */
function credentialReport(account: AccountSpec) {
  const keyColumns = (keys: KeySpec[], principal: string) =>
    [0, 1].flatMap((i) => {
      const key = keys[i];
      if (!key) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
      const used = latest(usesOf(account, principal).filter((u) => u.key === i && u.action !== 'sts:AssumeRole'));
      const last = used
        ? { at: used.at, region: used.region, service: used.action.split(':')[0] as string }
        : key.usedBefore;
      return [String(key.active), cliTime(key.created), last ? cliTime(last.at) : 'N/A', last?.region ?? 'N/A', last?.service ?? 'N/A'];
    });
  const consoleUse = (principal: string) =>
    latest(usesOf(account, principal).filter((u) => u.key === undefined));
  const rows = [
    [
      '<root_account>', `arn:aws:iam::${account.id}:root`, cliTime(account.root.created), 'not_supported',
      account.root.passwordLastUsed ? cliTime(account.root.passwordLastUsed) : 'no_information', 'not_supported', 'not_supported',
      String(account.root.mfa), ...keyColumns([], 'root'), 'false', 'N/A', 'false', 'N/A',
    ],
    ...account.users.map((u) => {
      const login = consoleUse(`user/${u.name}`);
      return [
        u.name, principalArn(account, `user/${u.name}`), cliTime(u.created),
        String(Boolean(u.password)),
        u.password ? (login ? cliTime(login.at) : u.password.lastUsed ? cliTime(u.password.lastUsed) : 'no_information') : 'N/A',
        u.password ? cliTime(u.password.changed) : 'N/A',
        'N/A',
        String(Boolean(u.mfa)),
        ...keyColumns(u.keys, `user/${u.name}`),
        'false', 'N/A', 'false', 'N/A',
      ];
    }),
  ];
  const csv = [REPORT_COLUMNS, ...rows].map((r) => r.join(',')).join('\n');
  return { Content: Buffer.from(csv, 'utf8').toString('base64'), ReportFormat: 'text/csv', GeneratedTime: cliTime(EXPORTED_AT) };
}

/** `aws iam get-service-last-accessed-details --job-id …` output for one principal (ACTION_LEVEL job). */
function accessAdvisor(account: AccountSpec, principal: string) {
  const arn = principalArn(account, principal);
  const patterns = grantedPatterns(account, principal).map(wildcard);
  const allows = (action: string) => patterns.some((p) => p.test(action));
  const namespaces = ALL_SERVICES.filter((ns) => patterns.some((p) => p.test(`${ns}:Anything`) || p.source.startsWith(`^${ns}:`)));
  const principalUses = usesOf(account, principal);
  const created = new Date(Date.parse(EXPORTED_AT) + 60_000);
  const completed = new Date(created.getTime() + 4_210);
  return {
    JobStatus: 'COMPLETED',
    JobType: 'ACTION_LEVEL',
    JobCreationDate: cliTime(created).replace('+00:00', '.000000+00:00'),
    ServicesLastAccessed: namespaces.map((ns) => {
      const used = latest(principalUses.filter((u) => u.action.startsWith(`${ns}:`)));
      const tracked = TRACKED_ACTIONS[ns];
      return {
        ServiceName: SERVICE_NAMES[ns],
        ...(used
          ? { LastAuthenticated: cliTime(new Date(used.at)), LastAuthenticatedEntity: arn, LastAuthenticatedRegion: used.region }
          : {}),
        ServiceNamespace: ns,
        TotalAuthenticatedEntities: used ? 1 : 0,
        ...(tracked
          ? {
              TrackedActionsLastAccessed: tracked
                .filter((name) => allows(`${ns}:${name}`))
                .map((name) => {
                  const last = latest(principalUses.filter((u) => u.action === `${ns}:${name}`));
                  return last
                    ? { ActionName: name, LastAccessedEntity: arn, LastAccessedRegion: last.region, LastAccessedTime: cliTime(new Date(last.at)) }
                    : { ActionName: name };
                }),
            }
          : {}),
      };
    }),
    JobCompletionDate: cliTime(completed).replace('+00:00', '.210000+00:00'),
    IsTruncated: false,
  };
}

function writeAccount(outDir: string, account: AccountSpec): void {
  const dir = path.join(outDir, 'accounts', account.folder);
  mkdirSync(dir, { recursive: true });
  const tags = account.tagShape === 'list' ? tagList(account.tags) : account.tags;
  writeFileSync(path.join(dir, 'account.json'), json({ AccountId: account.id, AccountAliases: [account.alias], Tags: tags }));

  const details = authorizationDetails(account);
  if (account.paged) {
    // `--max-items 4`: the CLI stops after four items and prints a NextToken to resume from.
    const pages = [
      { UserDetailList: details.UserDetailList, GroupDetailList: details.GroupDetailList, RoleDetailList: [], Policies: [], NextToken: 'eyJNYXJrZXIiOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiA0fQ==' },
      { UserDetailList: [], GroupDetailList: [], RoleDetailList: details.RoleDetailList, Policies: details.Policies },
    ];
    const pagesDir = path.join(dir, 'iam-get-account-authorization-details');
    mkdirSync(pagesDir, { recursive: true });
    pages.forEach((page, i) => writeFileSync(path.join(pagesDir, `page-${i + 1}.json`), json(page)));
  } else {
    writeFileSync(path.join(dir, 'iam-get-account-authorization-details.json'), json(details));
  }
  writeFileSync(path.join(dir, 'iam-get-credential-report.json'), json(credentialReport(account)));

  const advisorDir = path.join(dir, 'access-advisor');
  mkdirSync(advisorDir, { recursive: true });
  const principals = [...account.users.map((u) => `user/${u.name}`), ...account.roles.map((r) => `role/${r.name}`)];
  for (const principal of principals) {
    const encoded = encodeURIComponent(principalArn(account, principal));
    const result = accessAdvisor(account, principal);
    if (account.cloudmapperAdvisor.includes(principal)) {
      const jobId = uuid();
      mkdirSync(path.join(advisorDir, 'iam-generate-service-last-accessed-details'), { recursive: true });
      mkdirSync(path.join(advisorDir, 'iam-get-service-last-accessed-details'), { recursive: true });
      writeFileSync(path.join(advisorDir, 'iam-generate-service-last-accessed-details', encoded), json({ JobId: jobId }));
      writeFileSync(path.join(advisorDir, 'iam-get-service-last-accessed-details', jobId), json(result));
    } else {
      writeFileSync(path.join(advisorDir, `${encoded}.json`), json(result));
    }
  }
}

const README = `# acme: sample AWS organisation

Generated by \`npx tsx scripts/make-sample.ts\`; do not edit by hand. Layout
and formats: docs/export-layout.md. Audit "as of" ${AS_OF}; IAM exports taken
${EXPORTED_AT}; CloudTrail covers ${TRAIL_FIRST_DAY} to ${trailTime(dayAt(TRAIL_FIRST_DAY, TRAIL_DAYS - 1)).slice(0, 10)}.

- accounts/acme-prod (${PROD}, env=production)
  - user ci-deployer: two access keys; key 1 is 400 days old and was last used ${'2026-10-05'} by a forgotten weekly job
  - user claude-code-agent (agent=claude-code): acme-agent-broad v2 (s3/lambda/logs/ec2/iam/dynamodb/cloudformation \`*\`),
    uses a handful of read actions; a tightened v3 exists but is not the default
  - user dns-automation: \`route53:*\` on \`*\`
  - user alice.admin: human admin through group admins (AdministratorAccess), console + MFA, one old inactive key
  - user legacy-reporting: ReadOnlyAccess, active key never used
  - role ops-ai-agent (agent=ops-ai): AdministratorAccess, on EC2
  - role backup-admin: can delete RDS snapshots, S3 objects and buckets, and backup recovery points
  - role prod-deployer: assumed from staging by staging-agent
  - role data-pipeline: resource-scoped S3, a kms:Decrypt conditioned on kms:ViaService, permissions boundary acme-boundary-data
  - role legacy-etl-unused: never used
- accounts/acme-staging (${STAGING}, env=staging; authorization details in two CLI pages; root without MFA)
  - role staging-agent: acme-agent-broad plus sts:AssumeRole into prod-deployer in production
    (its Access Advisor result is in cloudmapper's two-folder layout)
  - users ci-deployer, qa-bot (agent=qa-bot); role staging-ecs-task
- cloudtrail/AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/…: gzip \`{"Records":[…]}\` files
`;

function main(): void {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const outDir = path.resolve(process.argv[2] ?? path.join(here, '..', 'samples', 'acme'));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const events = simulate();
  // Records first: cross-account AssumeRole calls add to the caller's recorded use.
  const records = trailRecords(events);
  for (const account of ACCOUNTS) writeAccount(outDir, account);
  const trail = writeTrail(outDir, records);
  writeFileSync(path.join(outDir, 'README.md'), README);
  console.log(`wrote ${outDir}: ${ACCOUNTS.length} accounts, ${trail.events} CloudTrail records in ${trail.files} files (${Math.round(trail.bytes / 1024)} KiB gzip)`);
}

main();
