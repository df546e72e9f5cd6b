/**
 * Access Advisor: GenerateServiceLastAccessedDetails (ACTION_LEVEL) per
 * principal, then GetServiceLastAccessedDetails polled with backoff until
 * the job leaves IN_PROGRESS or the time runs out. A job that never
 * completes is reported as such (a coverage gap), never as "no usage".
 */
import {
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  type GetServiceLastAccessedDetailsCommandOutput,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { WireServiceLastAccessedDetails } from '../../model/aws-wire.js';
import type { AccessAdvisorExport } from '../files/iam/account-export.js';
import { pollUntil, type PollOptions } from './concurrency.js';
import { toWire } from './sdk-boundary.js';

export type AccessAdvisorJob =
  | { principalArn: string; jobId: string; completed: true; result: GetServiceLastAccessedDetailsCommandOutput; polls: number }
  | { principalArn: string; jobId: string; completed: false; status: string; polls: number };

/** Starts the job and waits for it. Throws when an API call fails; a timeout is a result. */
export async function getAccessAdvisor(iam: IAMClient, principalArn: string, poll: PollOptions): Promise<AccessAdvisorJob> {
  const started = await iam.send(new GenerateServiceLastAccessedDetailsCommand({ Arn: principalArn, Granularity: 'ACTION_LEVEL' }));
  const jobId = started.JobId;
  if (!jobId) throw new Error(`GenerateServiceLastAccessedDetails for ${principalArn} returned no JobId`);
  const first = await pollUntil(
    () => iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: jobId })),
    (r) => r.JobStatus !== 'IN_PROGRESS',
    poll,
  );
  if (!first.done) return { principalArn, jobId, completed: false, status: first.last?.JobStatus ?? 'IN_PROGRESS', polls: first.polls };
  const result = first.value;
  // A long result comes in pages: follow Marker so no service is silently dropped.
  const services = [...(result.ServicesLastAccessed ?? [])];
  let page = result;
  while (page.IsTruncated && page.Marker) {
    page = await iam.send(new GetServiceLastAccessedDetailsCommand({ JobId: jobId, Marker: page.Marker }));
    services.push(...(page.ServicesLastAccessed ?? []));
  }
  return {
    principalArn,
    jobId,
    completed: true,
    result: { ...result, ServicesLastAccessed: services, IsTruncated: false, Marker: undefined },
    polls: first.polls,
  };
}

/** A completed (or FAILED) job as the file importer reads it; `location` stands in for the file name. */
export function accessAdvisorExport(job: Extract<AccessAdvisorJob, { completed: true }>, location: string): AccessAdvisorExport {
  return {
    file: location,
    principalArn: job.principalArn,
    jobId: job.jobId,
    result: toWire(job.result) as WireServiceLastAccessedDetails,
  };
}
