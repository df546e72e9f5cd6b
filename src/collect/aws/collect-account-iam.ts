/**
 * Everything IAM knows about one account, read live: authorization details,
 * access keys, the credential report, Access Advisor per user and role, and
 * the account alias. Each API family that fails becomes a coverage gap
 * naming the API and the error; the others are still read.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { CoverageEntry } from '../../model/domain.js';
import type { AccessAdvisorExport, AccountExport, AuthorizationDetailsExport, CredentialReportExport } from '../files/iam/account-export.js';
import { accountScope, identityScope } from '../files/iam/arn.js';
import { accessAdvisorExport, getAccessAdvisor } from './access-advisor.js';
import { getAccessKeys, type AccessKeyRead } from './access-keys.js';
import { getAccountAlias } from './accounts.js';
import { authorizationDetailsExport, getAuthorizationDetails } from './authorization-details.js';
import { mapLimit, type PollOptions } from './concurrency.js';
import { credentialReportExport, getCredentialReport } from './credential-report.js';
import { describeAwsError, isAccessDenied } from './errors.js';
import type { ProgressSink } from './progress.js';

export interface IamCollectOptions {
  /** Calls in flight at once per account (Access Advisor jobs, access key reads). */
  concurrency: number;
  accessAdvisor: PollOptions;
  credentialReport: PollOptions;
  progress: ProgressSink;
}

export interface LiveAccountRead {
  /** The account in the file importer's shape (what `export aws` writes). */
  export: AccountExport;
  /** Access keys with their ids, per user ARN, for the users whose keys could be read. */
  accessKeys: Map<string, AccessKeyRead[]>;
  /** Sources that failed as a whole, so the transform's generic "missing" gap can give way to the API's own error. */
  failedSources: Set<string>;
}

/** Where live data came from, in the place the file importer names its files. */
export const liveLocation = (accountId: string, api: string) => `aws-api:${accountId}:${api}`;

export async function collectAccountIam(
  iam: IAMClient,
  accountId: string,
  tags: Record<string, string>,
  options: IamCollectOptions,
): Promise<LiveAccountRead> {
  const scope = accountScope(accountId);
  const coverage: CoverageEntry[] = [];
  const failedSources = new Set<string>();
  const progress = (phase: Parameters<ProgressSink>[0]['phase'], extra: Omit<Parameters<ProgressSink>[0], 'account' | 'phase'> = {}) =>
    options.progress({ account: accountId, phase, ...extra });
  const fail = (source: string, api: string, err: unknown, s = scope) => {
    coverage.push({ scope: s, source, status: 'gap', reason: `${api} failed: ${describeAwsError(err)}`, detail: { api } });
  };

  let alias: string | undefined;
  try {
    alias = await getAccountAlias(iam);
  } catch (err) {
    coverage.push({ scope, source: 'account-alias', status: 'partial', reason: `ListAccountAliases failed: ${describeAwsError(err)}; alias unknown` });
  }

  let authorizationDetails: AuthorizationDetailsExport | undefined;
  progress('authorization-details', { done: 0 });
  try {
    const pages = await getAuthorizationDetails(iam, (n) => progress('authorization-details', { done: n }));
    authorizationDetails = authorizationDetailsExport(pages, liveLocation(accountId, `GetAccountAuthorizationDetails (${pages.length} pages)`));
  } catch (err) {
    failedSources.add('authorization-details');
    fail('authorization-details', 'GetAccountAuthorizationDetails', err);
  }
  const details = authorizationDetails?.details;
  const users = (details?.UserDetailList ?? []).filter((u) => u.Arn && u.UserName);
  const principals = [...users.map((u) => u.Arn!), ...(details?.RoleDetailList ?? []).flatMap((r) => (r.Arn ? [r.Arn] : []))];

  const accessKeys = new Map<string, AccessKeyRead[]>();
  let keysDone = 0;
  await mapLimit(users, options.concurrency, async (user) => {
    try {
      accessKeys.set(user.Arn!, await getAccessKeys(iam, user.UserName!));
    } catch (err) {
      fail('access-keys', 'ListAccessKeys/GetAccessKeyLastUsed', err, identityScope(accountId, user.Arn!));
    }
    progress('access-keys', { done: ++keysDone, total: users.length });
  });

  let credentialReport: CredentialReportExport | undefined;
  progress('credential-report');
  try {
    credentialReport = credentialReportExport(await getCredentialReport(iam, options.credentialReport), liveLocation(accountId, 'GetCredentialReport'));
  } catch (err) {
    failedSources.add('credential-report');
    fail('credential-report', 'GenerateCredentialReport/GetCredentialReport', err);
  }

  const accessAdvisor = await collectAccessAdvisor(iam, accountId, principals, options, coverage, failedSources);

  return {
    export: {
      dir: liveLocation(accountId, 'IAM'),
      accountId,
      accountIdSource: 'account.json',
      ...(alias ? { alias } : {}),
      tags,
      ...(authorizationDetails ? { authorizationDetails } : {}),
      ...(credentialReport ? { credentialReport } : {}),
      accessAdvisor,
      coverage,
    },
    accessKeys,
    failedSources,
  };
}

async function collectAccessAdvisor(
  iam: IAMClient,
  accountId: string,
  principals: string[],
  options: IamCollectOptions,
  coverage: CoverageEntry[],
  failedSources: Set<string>,
): Promise<AccessAdvisorExport[]> {
  const results: AccessAdvisorExport[] = [];
  let done = 0;
  let running = 0;
  // After one AccessDenied the rest would be denied too: stop asking, say so once.
  let denied: unknown;
  const report = () =>
    options.progress({ account: accountId, phase: 'access-advisor', done, total: principals.length, pending: running });
  await mapLimit(principals, options.concurrency, async (arn) => {
    const scope = identityScope(accountId, arn);
    if (denied === undefined) {
      running++;
      report();
      try {
        const job = await getAccessAdvisor(iam, arn, options.accessAdvisor);
        if (job.completed) results.push(accessAdvisorExport(job, liveLocation(accountId, `GetServiceLastAccessedDetails?JobId=${job.jobId}`)));
        else {
          coverage.push({
            scope,
            source: 'access-advisor',
            status: 'gap',
            reason: `Access Advisor job ${job.jobId} for ${arn} still ${job.status} after ${Math.round(options.accessAdvisor.timeoutMs / 1000)} s (${job.polls} polls): usage unknown`,
            detail: { jobId: job.jobId, jobStatus: job.status, polls: job.polls },
          });
        }
      } catch (err) {
        if (isAccessDenied(err)) denied = err;
        coverage.push({
          scope,
          source: 'access-advisor',
          status: 'gap',
          reason: `Access Advisor for ${arn} failed: ${describeAwsError(err)}`,
          detail: { api: 'GenerateServiceLastAccessedDetails/GetServiceLastAccessedDetails' },
        });
      }
      running--;
    }
    done++;
    report();
  });
  if (denied !== undefined) {
    failedSources.add('access-advisor');
    const skipped = principals.length - results.length;
    coverage.push({
      scope: accountScope(accountId),
      source: 'access-advisor',
      status: 'gap',
      reason: `Access Advisor denied (${describeAwsError(denied)}); no job started for the remaining principals: usage of ${skipped} of ${principals.length} users and roles unknown`,
    });
  }
  return results;
}
