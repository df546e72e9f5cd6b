/**
 * Reads the IAM credential report: `aws iam get-credential-report` JSON
 * (Content base64-encoded as CLI v2 prints it, or plain CSV as some exports
 * store it) or the CSV itself.
 */
import path from 'node:path';
import type { CredentialReportExport } from './account-export.js';
import { ExportFileError, parseWith, readJsonFile, readTextFile } from './export-file.js';
import { credentialReportSchema } from './wire-schemas.js';
import { toIsoTimestamp } from './timestamps.js';

const CSV_START = /^\s*"?user"?,/;

/** The CSV text inside a report's Content, decoding base64 when needed. */
export function credentialReportCsv(content: string, file: string): string {
  if (CSV_START.test(content)) return content;
  const compact = content.replace(/\s+/g, '');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('utf8');
    if (CSV_START.test(decoded)) return decoded;
  }
  throw new ExportFileError(file, 'Content is neither a credential report CSV nor base64 of one');
}

export function readCredentialReport(file: string): CredentialReportExport {
  if (path.extname(file).toLowerCase() === '.csv') {
    const text = readTextFile(file);
    if (!CSV_START.test(text)) throw new ExportFileError(file, 'is not a credential report CSV (no `user,` header)');
    return { file, csv: text };
  }
  const report = parseWith(file, credentialReportSchema, readJsonFile(file), 'get-credential-report output');
  if (report.ReportFormat !== undefined && report.ReportFormat !== 'text/csv') {
    throw new ExportFileError(file, `has ReportFormat ${report.ReportFormat}; only text/csv is understood`);
  }
  const generatedTime = toIsoTimestamp(report.GeneratedTime);
  return { file, csv: credentialReportCsv(report.Content, file), ...(generatedTime ? { generatedTime } : {}) };
}
