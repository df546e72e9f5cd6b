/**
 * Declarative description of AWS accounts served by the local IAM/STS/
 * Organizations test server: what exists, and which faults to inject.
 */
export type Doc = { Version?: string; Statement: unknown[] | Record<string, unknown> };

export interface FakeInlinePolicy {
  name: string;
  document: Doc;
}

export interface FakeAccessKey {
  id: string;
  status: 'Active' | 'Inactive';
  created: string;
  lastUsed?: { date: string; service: string; region: string };
}

export interface FakeUser {
  name: string;
  inline?: FakeInlinePolicy[];
  managed?: string[];
  groups?: string[];
  tags?: Record<string, string>;
  accessKeys?: FakeAccessKey[];
  passwordEnabled?: boolean;
}

export interface FakeRole {
  name: string;
  trust?: Doc;
  inline?: FakeInlinePolicy[];
  managed?: string[];
  tags?: Record<string, string>;
  lastUsed?: { date: string; region: string };
}

export interface FakeGroup {
  name: string;
  inline?: FakeInlinePolicy[];
  managed?: string[];
}

export interface FakeManagedPolicy {
  arn: string;
  name: string;
  document: Doc;
}

export interface FakeAccessAdvisor {
  services: {
    namespace: string;
    name: string;
    lastAuthenticated?: string;
    region?: string;
    actions?: { name: string; at?: string; region?: string }[];
  }[];
  /** GetServiceLastAccessedDetails calls answered IN_PROGRESS before COMPLETED (default 1). */
  pollsUntilComplete?: number;
  /** The job stays IN_PROGRESS for ever. */
  neverCompletes?: boolean;
}

export interface FakeAccount {
  id: string;
  alias?: string;
  users?: FakeUser[];
  roles?: FakeRole[];
  groups?: FakeGroup[];
  policies?: FakeManagedPolicy[];
  /** Per principal ARN; principals not listed complete with no services used. */
  accessAdvisor?: Record<string, FakeAccessAdvisor>;
  /** The role keywarden assumes here; absent: AssumeRole is denied. */
  auditRole?: { name: string; externalId?: string };
  /** GenerateCredentialReport calls answered STARTED/INPROGRESS before COMPLETE (default 1). */
  credentialReportPolls?: number;
  orgTags?: Record<string, string>;
}

/** `Hang`: the request is read and never answered; `Reset`: the connection is dropped without an answer. */
export type FaultKind = 'Throttling' | 'InternalError' | 'ServiceUnavailable' | 'AccessDenied' | 'Hang' | 'Reset';

export interface Fault {
  /** Operation name, e.g. `GetAccountAuthorizationDetails`. */
  action: string;
  /** Only requests made into this account (by the credentials used). */
  account?: string;
  kind: FaultKind;
  /** How many matching requests fail (default: all). */
  times?: number;
}

export interface FakeAwsWorld {
  homeAccountId: string;
  /** The caller in the home account. */
  callerArn?: string;
  accounts: FakeAccount[];
  /** Present: Organizations answers ListAccounts from the home (management) account. */
  organization?: { accounts: { id: string; name: string; status?: 'ACTIVE' | 'SUSPENDED' }[] };
  faults?: Fault[];
  /** More access keys that act as the home caller (e.g. s3rver's, so one identity can use both servers). */
  homeAccessKeys?: string[];
  /** Largest page the server returns whatever MaxItems says (forces pagination in tests). */
  maxPageSize?: number;
}

export const HOME_ACCESS_KEY = 'AKIAKEYWARDENTEST001';
export const HOME_SECRET = 'home-secret-never-stored';

const allowAll: Doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

/** A plain account with `roles` roles and `users` users, for pagination tests and benchmarks. */
export function generatedAccount(id: string, roles: number, users: number): FakeAccount {
  const policies: FakeManagedPolicy[] = [
    { arn: `arn:aws:iam::${id}:policy/read-objects`, name: 'read-objects', document: allowAll },
    {
      arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      name: 'ReadOnlyAccess',
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 'iam:List*'], Resource: '*' }] },
    },
  ];
  return {
    id,
    alias: `acct-${id}`,
    policies,
    roles: Array.from({ length: roles }, (_, i) => ({
      name: `role-${i}`,
      trust: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      managed: [policies[i % 2]!.arn],
      inline: i % 3 === 0 ? [{ name: `inline-${i}`, document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] } }] : [],
      tags: { team: `t${i % 7}` },
    })),
    users: Array.from({ length: users }, (_, i) => ({
      name: `user-${i}`,
      managed: [policies[0]!.arn],
      accessKeys: [{ id: `AKIA${id}U${String(i).padStart(3, '0')}K1`.slice(0, 20), status: 'Active', created: '2026-01-01T00:00:00Z' }],
    })),
  };
}
