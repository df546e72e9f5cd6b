/**
 * Writes a live collection in the offline layout (docs/export-layout.md), so
 * an account can be audited elsewhere with `keywarden import` (e.g. in CI
 * without cloud credentials). Files are the AWS CLI's shapes, owner-only.
 */
import path from 'node:path';
import { writeReportFile } from '../../report/write.js';
import type { AccountExport } from '../files/iam/account-export.js';

const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n';

/** Writes `<dir>/accounts/<account>/…`; returns the files written. */
export function writeAccountExport(dir: string, account: AccountExport): string[] {
  const folder = path.join(dir, 'accounts', account.accountId);
  const files: [string, string][] = [
    ['account.json', json({ AccountId: account.accountId, AccountAliases: account.alias ? [account.alias] : [], Tags: account.tags })],
  ];
  if (account.authorizationDetails) {
    files.push(['iam-get-account-authorization-details.json', json(account.authorizationDetails.details)]);
  }
  if (account.credentialReport) {
    // As `aws iam get-credential-report` (CLI v2) prints it: Content base64-encoded.
    const report = account.credentialReport;
    files.push([
      'iam-get-credential-report.json',
      json({ Content: Buffer.from(report.csv, 'utf8').toString('base64'), ReportFormat: 'text/csv', ...(report.generatedTime ? { GeneratedTime: report.generatedTime } : {}) }),
    ]);
  }
  for (const advisor of account.accessAdvisor) {
    files.push([path.join('access-advisor', `${encodeURIComponent(advisor.principalArn)}.json`), json(advisor.result)]);
  }
  return files.map(([name, content]) => {
    const file = path.join(folder, name);
    writeReportFile(file, content);
    return file;
  });
}
