/** IAM credential report: GenerateCredentialReport until COMPLETE (bounded), then GetCredentialReport. */
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  type GetCredentialReportCommandOutput,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { CredentialReportExport } from '../files/iam/account-export.js';
import { pollUntil, type PollOptions } from './concurrency.js';

export class CredentialReportTimeout extends Error {
  override name = 'CredentialReportTimeout';
}

export async function getCredentialReport(iam: IAMClient, poll: PollOptions): Promise<GetCredentialReportCommandOutput> {
  const generated = await pollUntil(
    () => iam.send(new GenerateCredentialReportCommand({})),
    (r) => r.State === 'COMPLETE',
    poll,
  );
  if (!generated.done) {
    throw new CredentialReportTimeout(
      `report still ${generated.last?.State ?? 'not started'} after ${Math.round(poll.timeoutMs / 1000)} s (${generated.polls} GenerateCredentialReport calls)`,
    );
  }
  return iam.send(new GetCredentialReportCommand({}));
}

/** The SDK already base64-decoded `Content` into bytes: the CSV is their UTF-8 text. */
export function credentialReportExport(report: GetCredentialReportCommandOutput, location: string): CredentialReportExport {
  return {
    file: location,
    ...(report.GeneratedTime ? { generatedTime: report.GeneratedTime.toISOString() } : {}),
    csv: report.Content ? Buffer.from(report.Content).toString('utf8') : '',
  };
}
