/**
 * The Google clients the GCP collectors call, created on demand (never at
 * import time) from one auth client. `endpoint` points every client at
 * another host (tests: a local server speaking the REST mapping).
 *
 * Every client sends its HTTP through that auth client (gax's REST fallback
 * through `auth.fetch`, googleapis and the REST-only calls through
 * `auth.request`), so one timeout on its transporter bounds each attempt of
 * every call. The libraries' own retries are off: retry.ts is the one
 * bounded retry loop, so the attempts per call are known.
 */
import { iam, type iam_v1 } from '@googleapis/iam';
import { PoliciesClient } from '@google-cloud/iam';
import { RecommenderClient } from '@google-cloud/recommender';
import { FoldersClient, OrganizationsClient, ProjectsClient, TagBindingsClient } from '@google-cloud/resource-manager';
import type { OAuth2Client } from 'google-auth-library';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../request-timeout.js';

export interface GcpClients {
  iam: iam_v1.Iam;
  projects: ProjectsClient;
  folders: FoldersClient;
  organizations: OrganizationsClient;
  tagBindings: TagBindingsClient;
  deny: PoliciesClient;
  recommender: RecommenderClient;
  /** For the REST-only APIs (Activity Analyzer, Logging `entries:list`). */
  http: OAuth2Client;
  /** Base URLs of the REST-only APIs. */
  policyAnalyzerUrl: string;
  loggingUrl: string;
}

export interface GcpClientOptions {
  authClient: OAuth2Client;
  /** e.g. `{ host: '127.0.0.1', port: 8080, protocol: 'http' }`; default: Google's public endpoints. */
  endpoint?: { host: string; port: number; protocol: 'http' | 'https' };
  /** One attempt of a call (connection to last byte) that takes longer fails, and is retried (config `gcp.live.requestTimeoutSeconds`). */
  requestTimeoutMs?: number;
}

export function createGcpClients(options: GcpClientOptions): GcpClients {
  const { authClient, endpoint } = options;
  // gax ignores its own deadlines in REST fallback mode, and gaxios waits for ever without a timeout.
  authClient.transporter.defaults = { ...authClient.transporter.defaults, timeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS };
  const gax = endpoint ? { apiEndpoint: endpoint.host, port: endpoint.port, protocol: endpoint.protocol, fallback: true as const, authClient } : { authClient, fallback: true as const };
  const base = (host: string) => (endpoint ? `${endpoint.protocol}://${endpoint.host}:${endpoint.port}` : `https://${host}`);
  return {
    iam: iam({ version: 'v1', auth: authClient, retry: false, ...(endpoint && { rootUrl: `${base('iam.googleapis.com')}/` }) }),
    projects: new ProjectsClient(gax),
    folders: new FoldersClient(gax),
    organizations: new OrganizationsClient(gax),
    tagBindings: new TagBindingsClient(gax),
    deny: new PoliciesClient(gax),
    recommender: new RecommenderClient(gax),
    http: authClient,
    policyAnalyzerUrl: base('policyanalyzer.googleapis.com'),
    loggingUrl: base('logging.googleapis.com'),
  };
}

export async function closeGcpClients(clients: GcpClients): Promise<void> {
  await Promise.all([clients.projects.close(), clients.folders.close(), clients.organizations.close(), clients.tagBindings.close(), clients.deny.close(), clients.recommender.close()]);
}
