/** Starts the fake IAM/STS/Organizations server and builds real SDK clients pointed at it. */
import { awsClientFactory, type AwsClientFactory } from '../../../src/collect/aws/clients.js';
import type { PollOptions } from '../../../src/collect/aws/concurrency.js';
import type { LiveAwsOptions } from '../../../src/collect/aws/collect-aws.js';
import { HOME_ACCESS_KEY, HOME_SECRET, type FakeAwsWorld } from './account-model.js';
import { FakeAwsServer } from './query-server.js';

export interface FakeAws {
  server: FakeAwsServer;
  endpoint: string;
  factory: AwsClientFactory;
  stop(): Promise<void>;
}

export async function startFakeAws(world: FakeAwsWorld, extra: { s3Endpoint?: string; maxAttempts?: number; requestTimeoutMs?: number } = {}): Promise<FakeAws> {
  const server = new FakeAwsServer(world);
  const endpoint = await server.start();
  const factory = awsClientFactory({
    region: 'us-east-1',
    maxAttempts: extra.maxAttempts ?? 4,
    ...(extra.requestTimeoutMs !== undefined && { requestTimeoutMs: extra.requestTimeoutMs }),
    endpoints: { iam: endpoint, sts: endpoint, organizations: endpoint, ...(extra.s3Endpoint ? { s3: extra.s3Endpoint } : {}) },
    credentials: { accessKeyId: HOME_ACCESS_KEY, secretAccessKey: HOME_SECRET },
  });
  return { server, endpoint, factory, stop: () => server.stop() };
}

/** Short polls so a job that never completes times out in a test. */
export const fastPoll = (timeoutMs = 1500): PollOptions => ({ timeoutMs, initialDelayMs: 5, maxDelayMs: 40 });

export function liveOptions(overrides: Partial<LiveAwsOptions> = {}): LiveAwsOptions {
  return {
    accounts: [],
    organizations: false,
    auditRole: { name: 'keywarden-audit', sessionName: 'keywarden-test' },
    iam: { concurrency: 4, accessAdvisor: fastPoll(), credentialReport: fastPoll(2000) },
    accountConcurrency: 2,
    ...overrides,
  };
}

/** A client middleware that records `Service:Operation` per call sent (retries are below it, so one per call). */
export function recordOperations(ops: string[]): (client: { middlewareStack: unknown }) => void {
  return (client) =>
    (client.middlewareStack as { add: (mw: unknown, options: unknown) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => async (args: unknown) => {
        ops.push(`${String(context.clientName).replace(/Client$/, '')}:${String(context.commandName).replace(/Command$/, '')}`);
        return next(args);
      },
      { step: 'initialize', name: 'recordOperation' },
    );
}
