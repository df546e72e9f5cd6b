/**
 * A local server speaking the IAM and STS Query protocols (form-encoded
 * POST, XML answers, Marker/IsTruncated pagination, AWS error XML) and the
 * Organizations JSON protocol, from a declarative FakeAwsWorld. The caller's
 * account is told from the access key in the SigV4 Authorization header, so
 * AssumeRole credentials really decide which account a request reads.
 * Every request is recorded, retries included.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import {
  HOME_ACCESS_KEY,
  type Doc,
  type FakeAccount,
  type FakeAwsWorld,
  type Fault,
  type FakeInlinePolicy,
} from './account-model.js';
import { queryError, queryResponse } from './xml.js';
import { listenLocally, stopListening } from '../local-listener.js';

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export interface RecordedRequest {
  service: 'iam' | 'sts' | 'organizations';
  action: string;
  account: string;
  status: number;
  params: Record<string, string>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const FAULTS: Record<Exclude<Fault['kind'], 'Hang' | 'Reset'>, { status: number; code: string; message: string }> = {
  Throttling: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
  InternalError: { status: 500, code: 'InternalFailure', message: 'We encountered an internal error. Please try again.' },
  ServiceUnavailable: { status: 503, code: 'ServiceUnavailable', message: 'Service is unavailable.' },
  AccessDenied: { status: 403, code: 'AccessDenied', message: 'User is not authorized to perform this operation' },
};

/** Thrown by a Hang or Reset fault: the handler writes no answer. */
export const NO_ANSWER = Symbol('no answer');

const encodeDoc = (doc: Doc) => encodeURIComponent(JSON.stringify(doc));
const tagList = (tags: Record<string, string> | undefined) => Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
const inlineList = (list: FakeInlinePolicy[] | undefined) => (list ?? []).map((p) => ({ PolicyName: p.name, PolicyDocument: encodeDoc(p.document) }));
const CREATED = '2025-06-01T12:00:00Z';

export class FakeAwsServer {
  readonly requests: RecordedRequest[] = [];
  private server: http.Server | undefined;
  private readonly keys = new Map<string, string>();
  /** Secrets handed out by AssumeRole, so tests can prove they never reach disk. */
  readonly issuedSecrets: string[] = [];
  private readonly faults: (Fault & { left: number })[];
  private readonly jobs = new Map<string, { account: string; arn: string; polls: number }>();
  private readonly reportPolls = new Map<string, number>();
  private nextId = 1;

  constructor(readonly world: FakeAwsWorld) {
    for (const key of [HOME_ACCESS_KEY, ...(world.homeAccessKeys ?? [])]) this.keys.set(key, world.homeAccountId);
    this.faults = (world.faults ?? []).map((f) => ({ ...f, left: f.times ?? Number.POSITIVE_INFINITY }));
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    return (await listenLocally(this.server)).endpoint;
  }

  stop(): Promise<void> {
    return stopListening(this.server);
  }

  /** Recorded requests of one action (retries included). */
  calls(action: string, account?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.action === action && (account === undefined || r.account === account));
  }

  private account(id: string): FakeAccount {
    const a = this.world.accounts.find((x) => x.id === id);
    if (!a) throw new ApiError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    return a;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const keyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const account = this.keys.get(keyId) ?? '';
    const target = req.headers['x-amz-target'];
    const requestId = `req-${this.nextId++}`;
    if (typeof target === 'string') return this.handleJson(target, body, account, res);

    const params = Object.fromEntries(new URLSearchParams(body));
    const action = params.Action ?? '';
    const service = params.Version === '2011-06-15' ? 'sts' : 'iam';
    const record: RecordedRequest = { service, action, account, status: 200, params };
    this.requests.push(record);
    try {
      this.injectFault(action, account, res);
      if (!account) throw new ApiError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      const result = service === 'sts' ? this.sts(action, params, account) : this.iam(action, params, this.account(account));
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(queryResponse(action, service === 'sts' ? STS_NS : IAM_NS, result, requestId));
    } catch (err) {
      if (err === NO_ANSWER) return;
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalFailure', String(err));
      record.status = e.status;
      res.writeHead(e.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(queryError(e.status >= 500 ? 'Receiver' : 'Sender', e.code, e.message, requestId));
    }
  }

  private injectFault(action: string, account: string, res: http.ServerResponse): void {
    const fault = this.faults.find((f) => f.action === action && (f.account === undefined || f.account === account) && f.left > 0);
    if (!fault) return;
    fault.left--;
    if (fault.kind === 'Reset') res.socket?.destroy();
    if (fault.kind === 'Hang' || fault.kind === 'Reset') throw NO_ANSWER;
    const f = FAULTS[fault.kind];
    throw new ApiError(f.status, f.code, f.message);
  }

  private sts(action: string, params: Record<string, string>, caller: string): Record<string, unknown> {
    if (action === 'GetCallerIdentity') {
      const arn = caller === this.world.homeAccountId ? (this.world.callerArn ?? `arn:aws:iam::${caller}:user/keywarden`) : `arn:aws:sts::${caller}:assumed-role/audit/keywarden`;
      return { Arn: arn, UserId: 'AIDAKEYWARDEN', Account: caller };
    }
    if (action === 'AssumeRole') {
      const m = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(params.RoleArn ?? '');
      const target = m ? this.world.accounts.find((a) => a.id === m[1]) : undefined;
      const denied = new ApiError(403, 'AccessDenied', `User: arn:aws:iam::${caller}:user/keywarden is not authorized to perform: sts:AssumeRole on resource: ${params.RoleArn}`);
      if (!m || !target?.auditRole || target.auditRole.name !== m[2]) throw denied;
      if (target.auditRole.externalId !== undefined && target.auditRole.externalId !== params.ExternalId) throw denied;
      const accessKeyId = `ASIA${target.id}${String(this.nextId++).padStart(4, '0')}`;
      const secret = randomBytes(20).toString('base64');
      const token = randomBytes(40).toString('base64');
      this.issuedSecrets.push(secret, token);
      this.keys.set(accessKeyId, target.id);
      return {
        Credentials: { AccessKeyId: accessKeyId, SecretAccessKey: secret, SessionToken: token, Expiration: new Date(Date.now() + 3600_000) },
        AssumedRoleUser: { Arn: `arn:aws:sts::${target.id}:assumed-role/${m[2]}/${params.RoleSessionName}`, AssumedRoleId: `AROA:${params.RoleSessionName}` },
      };
    }
    throw new ApiError(400, 'InvalidAction', `Could not find operation ${action}`);
  }

  private iam(action: string, params: Record<string, string>, account: FakeAccount): Record<string, unknown> {
    switch (action) {
      case 'ListAccountAliases':
        return { AccountAliases: account.alias ? [account.alias] : [], IsTruncated: false };
      case 'GetAccountAuthorizationDetails':
        return this.authorizationDetails(account, params);
      case 'ListAccessKeys': {
        const user = (account.users ?? []).find((u) => u.name === params.UserName);
        if (!user) throw new ApiError(404, 'NoSuchEntity', `The user with name ${params.UserName} cannot be found.`);
        return {
          AccessKeyMetadata: (user.accessKeys ?? []).map((k) => ({ UserName: user.name, AccessKeyId: k.id, Status: k.status, CreateDate: k.created })),
          IsTruncated: false,
        };
      }
      case 'GetAccessKeyLastUsed': {
        for (const user of account.users ?? []) {
          const key = (user.accessKeys ?? []).find((k) => k.id === params.AccessKeyId);
          if (!key) continue;
          return {
            UserName: user.name,
            AccessKeyLastUsed: key.lastUsed
              ? { LastUsedDate: key.lastUsed.date, ServiceName: key.lastUsed.service, Region: key.lastUsed.region }
              : { ServiceName: 'N/A', Region: 'N/A' },
          };
        }
        throw new ApiError(404, 'NoSuchEntity', `The Access Key with id ${params.AccessKeyId} cannot be found.`);
      }
      case 'GenerateCredentialReport': {
        const polls = (this.reportPolls.get(account.id) ?? 0) + 1;
        this.reportPolls.set(account.id, polls);
        const needed = account.credentialReportPolls ?? 1;
        return polls > needed
          ? { State: 'COMPLETE' }
          : { State: polls === 1 ? 'STARTED' : 'INPROGRESS', Description: 'No report exists. Starting a new report generation task' };
      }
      case 'GetCredentialReport':
        if ((this.reportPolls.get(account.id) ?? 0) <= (account.credentialReportPolls ?? 1)) {
          throw new ApiError(410, 'ReportNotPresent', 'Credential report not present');
        }
        return { Content: Buffer.from(credentialReportCsv(account)).toString('base64'), ReportFormat: 'text/csv', GeneratedTime: CREATED };
      case 'GenerateServiceLastAccessedDetails': {
        const jobId = `job-${account.id}-${this.nextId++}`;
        this.jobs.set(jobId, { account: account.id, arn: params.Arn ?? '', polls: 0 });
        return { JobId: jobId };
      }
      case 'GetServiceLastAccessedDetails':
        return this.accessAdvisor(account, params);
      default:
        throw new ApiError(400, 'InvalidAction', `Could not find operation ${action} for version 2010-05-08`);
    }
  }

  private authorizationDetails(account: FakeAccount, params: Record<string, string>): Record<string, unknown> {
    const groupsOf = new Map((account.groups ?? []).map((g) => [g.name, g]));
    const policyName = (arn: string) => (account.policies ?? []).find((p) => p.arn === arn)?.name ?? arn.split('/').pop();
    const attached = (arns: string[] | undefined) => (arns ?? []).map((arn) => ({ PolicyArn: arn, PolicyName: policyName(arn) }));
    const entries: (readonly ['UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies', unknown])[] = [
      ...(account.users ?? []).map((u, i) => [
        'UserDetailList',
        {
          Path: '/',
          UserName: u.name,
          UserId: `AIDA${account.id}${i}`,
          Arn: `arn:aws:iam::${account.id}:user/${u.name}`,
          CreateDate: CREATED,
          UserPolicyList: inlineList(u.inline),
          GroupList: u.groups ?? [],
          AttachedManagedPolicies: attached(u.managed),
          Tags: tagList(u.tags),
        },
      ] as const),
      ...[...groupsOf.values()].map((g, i) => [
        'GroupDetailList',
        {
          Path: '/',
          GroupName: g.name,
          GroupId: `AGPA${account.id}${i}`,
          Arn: `arn:aws:iam::${account.id}:group/${g.name}`,
          CreateDate: CREATED,
          GroupPolicyList: inlineList(g.inline),
          AttachedManagedPolicies: attached(g.managed),
        },
      ] as const),
      ...(account.roles ?? []).map((r, i) => [
        'RoleDetailList',
        {
          Path: '/',
          RoleName: r.name,
          RoleId: `AROA${account.id}${i}`,
          Arn: `arn:aws:iam::${account.id}:role/${r.name}`,
          CreateDate: CREATED,
          AssumeRolePolicyDocument: r.trust ? encodeDoc(r.trust) : undefined,
          RolePolicyList: inlineList(r.inline),
          AttachedManagedPolicies: attached(r.managed),
          Tags: tagList(r.tags),
          RoleLastUsed: r.lastUsed ? { LastUsedDate: r.lastUsed.date, Region: r.lastUsed.region } : {},
        },
      ] as const),
      ...(account.policies ?? []).map((p) => [
        'Policies',
        {
          PolicyName: p.name,
          PolicyId: `ANPA${p.name}`,
          Arn: p.arn,
          Path: '/',
          DefaultVersionId: 'v1',
          AttachmentCount: 1,
          IsAttachable: true,
          CreateDate: CREATED,
          UpdateDate: CREATED,
          PolicyVersionList: [{ Document: encodeDoc(p.document), VersionId: 'v1', IsDefaultVersion: true, CreateDate: CREATED }],
        },
      ] as const),
    ];
    const start = params.Marker ? Number(Buffer.from(params.Marker, 'base64').toString('utf8')) : 0;
    if (!Number.isInteger(start) || start < 0 || start > entries.length) throw new ApiError(400, 'ValidationError', 'Invalid Marker');
    const size = Math.min(Number(params.MaxItems ?? 100), this.world.maxPageSize ?? 1000);
    const page = entries.slice(start, start + size);
    const lists: Record<string, unknown[]> = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
    for (const [list, entry] of page) lists[list]!.push(entry);
    const end = start + page.length;
    return { ...lists, IsTruncated: end < entries.length, ...(end < entries.length ? { Marker: Buffer.from(String(end)).toString('base64') } : {}) };
  }

  private accessAdvisor(account: FakeAccount, params: Record<string, string>): Record<string, unknown> {
    const job = this.jobs.get(params.JobId ?? '');
    if (!job || job.account !== account.id) throw new ApiError(404, 'NoSuchEntity', `Job ${params.JobId} not found`);
    job.polls++;
    const spec = account.accessAdvisor?.[job.arn] ?? { services: [] };
    const base = { JobType: 'ACTION_LEVEL', JobCreationDate: CREATED };
    if (spec.neverCompletes || job.polls <= (spec.pollsUntilComplete ?? 1)) return { ...base, JobStatus: 'IN_PROGRESS' };
    // One service per page, so a result with several services exercises Marker paging.
    const start = params.Marker ? Number(params.Marker) : 0;
    const services = spec.services.slice(start, start + 1).map((s) => ({
      ServiceName: s.name,
      ServiceNamespace: s.namespace,
      ...(s.lastAuthenticated ? { LastAuthenticated: s.lastAuthenticated, LastAuthenticatedEntity: job.arn, LastAuthenticatedRegion: s.region } : {}),
      TotalAuthenticatedEntities: s.lastAuthenticated ? 1 : 0,
      ...(s.actions
        ? { TrackedActionsLastAccessed: s.actions.map((a) => ({ ActionName: a.name, ...(a.at ? { LastAccessedTime: a.at, LastAccessedRegion: a.region, LastAccessedEntity: job.arn } : {}) })) }
        : {}),
    }));
    const more = start + 1 < spec.services.length;
    return {
      ...base,
      JobStatus: 'COMPLETED',
      JobCompletionDate: '2026-11-14T00:00:00Z',
      ServicesLastAccessed: services,
      IsTruncated: more,
      ...(more ? { Marker: String(start + 1) } : {}),
    };
  }

  private handleJson(target: string, body: string, account: string, res: http.ServerResponse): void {
    const action = target.split('.').pop() ?? '';
    const params = (body ? JSON.parse(body) : {}) as Record<string, string>;
    const record: RecordedRequest = { service: 'organizations', action, account, status: 200, params };
    this.requests.push(record);
    const send = (status: number, payload: unknown) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(payload));
    };
    try {
      this.injectFault(action, account, res);
      const org = this.world.organization;
      if (!org || account !== this.world.homeAccountId) throw new ApiError(400, 'AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
      if (action === 'ListAccounts') {
        const start = Number(params.NextToken ?? 0);
        const page = org.accounts.slice(start, start + 2);
        const next = start + 2 < org.accounts.length ? String(start + 2) : undefined;
        return send(200, {
          Accounts: page.map((a) => ({ Id: a.id, Arn: `arn:aws:organizations::${this.world.homeAccountId}:account/o-test/${a.id}`, Name: a.name, Email: `${a.name}@example.com`, Status: a.status ?? 'ACTIVE', JoinedMethod: 'CREATED', JoinedTimestamp: 1.7e9 })),
          ...(next ? { NextToken: next } : {}),
        });
      }
      if (action === 'ListTagsForResource') {
        const tags = this.world.accounts.find((a) => a.id === params.ResourceId)?.orgTags ?? {};
        return send(200, { Tags: tagList(tags) });
      }
      throw new ApiError(400, 'InvalidAction', `unknown operation ${action}`);
    } catch (err) {
      if (err === NO_ANSWER) return;
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalFailure', String(err));
      send(e.status, { __type: e.code === 'AccessDenied' ? 'AccessDeniedException' : e.code, Message: e.message });
    }
  }
}

const REPORT_HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,' +
  'access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,' +
  'access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,' +
  'cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/** The credential report CSV exactly as IAM writes it (N/A, not_supported, <root_account>). */
export function credentialReportCsv(account: FakeAccount): string {
  const keyColumns = (k: { status: string; created: string; lastUsed?: { date: string; region: string; service: string } } | undefined) =>
    k
      ? [k.status === 'Active' ? 'true' : 'false', k.created, k.lastUsed?.date ?? 'N/A', k.lastUsed?.region ?? 'N/A', k.lastUsed?.service ?? 'N/A']
      : ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const rows = [
    [`<root_account>`, `arn:aws:iam::${account.id}:root`, CREATED, 'not_supported', 'no_information', 'not_supported', 'not_supported', 'true', ...keyColumns(undefined), ...keyColumns(undefined), 'false', 'N/A', 'false', 'N/A'],
    ...(account.users ?? []).map((u) => [
      u.name,
      `arn:aws:iam::${account.id}:user/${u.name}`,
      CREATED,
      u.passwordEnabled ? 'true' : 'false',
      'N/A',
      'N/A',
      'N/A',
      'false',
      ...keyColumns(u.accessKeys?.[0]),
      ...keyColumns(u.accessKeys?.[1]),
      'false',
      'N/A',
      'false',
      'N/A',
    ]),
  ];
  return [REPORT_HEADER, ...rows.map((r) => r.join(','))].join('\n') + '\n';
}
