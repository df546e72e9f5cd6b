/**
 * Builds the SDK clients the live collectors are given. Nothing here runs
 * at import time: the CLI (or a test) creates one factory per run, with
 * endpoints that may point at local servers, and the retry settings every
 * client shares (the SDK's standard strategy: Throttling errors and 5xx
 * answers are retried with exponential backoff and jitter).
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../request-timeout.js';

/** Static credentials (from AssumeRole), held in memory only. */
export type AwsCredentials = Extract<NonNullable<IAMClientConfig['credentials']>, { accessKeyId: string }>;

export interface AwsEndpoints {
  iam?: string;
  sts?: string;
  s3?: string;
  organizations?: string;
  athena?: string;
}

export interface ClientSettings {
  region: string;
  /** Attempts per API call including the first (SDK `maxAttempts`). */
  maxAttempts: number;
  /** Per attempt: a connection or an answer slower than this fails the attempt (then retried), so a server that never answers cannot hang a run. */
  requestTimeoutMs?: number;
  endpoints?: AwsEndpoints;
  /** Home-account credentials; absent: the standard AWS chain (env, profile, SSO, instance role). */
  credentials?: AwsCredentials;
  /** Called with every client created, e.g. to add a recording middleware in tests. */
  instrument?: (client: IAMClient | STSClient | S3Client | OrganizationsClient | AthenaClient) => void;
}

export interface AwsClientFactory {
  readonly settings: ClientSettings;
  /** `credentials` undefined: the standard AWS credential chain (home account). */
  iam(credentials?: AwsCredentials): IAMClient;
  sts(credentials?: AwsCredentials): STSClient;
  s3(credentials?: AwsCredentials): S3Client;
  organizations(credentials?: AwsCredentials): OrganizationsClient;
  athena(credentials?: AwsCredentials): AthenaClient;
}


export function awsClientFactory(settings: ClientSettings): AwsClientFactory {
  const base = (endpoint: string | undefined, credentials: AwsCredentials | undefined) => ({
    region: settings.region,
    maxAttempts: settings.maxAttempts,
    retryMode: 'standard',
    // throwOnRequestTimeout: without it the handler only logs a warning and keeps waiting.
    requestHandler: { requestTimeout: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, connectionTimeout: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
    ...(endpoint ? { endpoint } : {}),
    ...((credentials ?? settings.credentials) ? { credentials: credentials ?? settings.credentials } : {}),
  });
  const made = <C extends IAMClient | STSClient | S3Client | OrganizationsClient | AthenaClient>(client: C): C => {
    settings.instrument?.(client);
    return client;
  };
  const e = settings.endpoints ?? {};
  return {
    settings,
    iam: (c) => made(new IAMClient(base(e.iam, c))),
    sts: (c) => made(new STSClient(base(e.sts, c))),
    organizations: (c) => made(new OrganizationsClient(base(e.organizations, c))),
    athena: (c) => made(new AthenaClient(base(e.athena, c))),
    // Path-style addressing whenever the endpoint is not AWS's own (local S3 servers, VPC endpoints).
    s3: (c) =>
      made(
        new S3Client({
          ...base(e.s3, c),
          ...(e.s3 ? { forcePathStyle: true } : {}),
          // Only send/verify checksums where S3 requires them: CloudTrail reads are plain GETs.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
      ),
  };
}
