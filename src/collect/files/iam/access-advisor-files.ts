/**
 * Reads Access Advisor results and ties each to the principal it was
 * generated for. Two layouts are understood, in the account folder or in its
 * `access-advisor/` folder:
 *
 * - `access-advisor/<url-encoded principal ARN>.json`: the output of
 *   `aws iam get-service-last-accessed-details` for that principal;
 * - cloudmapper's `iam-generate-service-last-accessed-details/<url-encoded ARN>`
 *   (holding `{"JobId"}`) beside `iam-get-service-last-accessed-details/<JobId>`.
 *
 * The result itself does not name its principal (LastAuthenticatedEntity is
 * whoever used the service, which for a group is a member), so a result whose
 * file name does not give the principal is a problem, not a guess.
 */
import path from 'node:path';
import type { WireServiceLastAccessedDetails } from '../../../model/aws-wire.js';
import type { AccessAdvisorExport, FileProblem } from './account-export.js';
import { ExportFileError, parseWith, readJsonFile } from './export-file.js';
import { listDir, type DirEntry } from './list-dir.js';
import { accessAdvisorJobSchema, accessAdvisorResultSchema } from './wire-schemas.js';

const SOURCE = 'access-advisor';
export const ACCESS_ADVISOR_DIR = 'access-advisor';
export const GENERATE_DIR = 'iam-generate-service-last-accessed-details';
export const RESULT_DIR = 'iam-get-service-last-accessed-details';

/** The principal ARN a file is named after, or an ExportFileError saying why not. */
function principalFromFileName(file: string): string {
  const base = path.basename(file).replace(/\.json$/i, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(base);
  } catch {
    throw new ExportFileError(file, 'file name is not a URL-encoded ARN, so its principal cannot be determined');
  }
  if (!/^arn:aws[a-z-]*:iam::[^:]*:.+/.test(decoded)) {
    throw new ExportFileError(file, 'file name is not a URL-encoded IAM ARN, so its principal cannot be determined');
  }
  return decoded;
}

function readResult(file: string): WireServiceLastAccessedDetails {
  const value = readJsonFile(file);
  if (value && typeof value === 'object' && 'JobId' in value && !('JobStatus' in value)) {
    throw new ExportFileError(
      file,
      'holds only a JobId (generate-service-last-accessed-details output); the get-service-last-accessed-details result is missing',
    );
  }
  return parseWith(file, accessAdvisorResultSchema, value, 'get-service-last-accessed-details output') as WireServiceLastAccessedDetails;
}

function filesIn(dir: string, problems: FileProblem[]): DirEntry[] {
  const entries = listDir(dir);
  for (const entry of entries) {
    if (entry.kind === 'other') problems.push({ source: SOURCE, file: entry.path, problem: 'is not a readable file' });
  }
  return entries.filter((e) => e.kind === 'file');
}

function readDirectLayout(dir: string, problems: FileProblem[]): AccessAdvisorExport[] {
  const results: AccessAdvisorExport[] = [];
  for (const entry of filesIn(dir, problems)) {
    try {
      const principalArn = principalFromFileName(entry.path);
      results.push({ file: entry.path, principalArn, result: readResult(entry.path) });
    } catch (err) {
      if (!(err instanceof ExportFileError)) throw err;
      problems.push({ source: SOURCE, file: err.file, problem: err.problem });
    }
  }
  return results;
}

function readCloudmapperLayout(base: string, problems: FileProblem[]): AccessAdvisorExport[] {
  const generateDir = path.join(base, GENERATE_DIR);
  const resultDir = path.join(base, RESULT_DIR);
  const resultFiles = new Map<string, string>();
  const entries = listDir(base);
  if (entries.some((e) => e.name === RESULT_DIR && e.kind === 'dir')) {
    for (const entry of filesIn(resultDir, problems)) resultFiles.set(entry.name.replace(/\.json$/i, ''), entry.path);
  }
  const claimed = new Set<string>();
  const results: AccessAdvisorExport[] = [];
  if (entries.some((e) => e.name === GENERATE_DIR && e.kind === 'dir')) {
    for (const entry of filesIn(generateDir, problems)) {
      try {
        const principalArn = principalFromFileName(entry.path);
        const { JobId } = parseWith(entry.path, accessAdvisorJobSchema, readJsonFile(entry.path), 'generate-service-last-accessed-details output');
        const file = resultFiles.get(JobId);
        if (!file) {
          throw new ExportFileError(entry.path, `names job ${JobId}, but ${path.join(resultDir, JobId)} is not in the export`);
        }
        claimed.add(JobId);
        results.push({ file, jobFile: entry.path, principalArn, jobId: JobId, result: readResult(file) });
      } catch (err) {
        if (!(err instanceof ExportFileError)) throw err;
        problems.push({ source: SOURCE, file: err.file, problem: err.problem });
      }
    }
  }
  for (const [jobId, file] of resultFiles) {
    if (!claimed.has(jobId)) {
      problems.push({
        source: SOURCE,
        file,
        problem: `no ${GENERATE_DIR}/<principal ARN> file names job ${jobId}, so its principal cannot be determined`,
      });
    }
  }
  return results;
}

export interface AccessAdvisorRead {
  results: AccessAdvisorExport[];
  problems: FileProblem[];
}

/** All Access Advisor results of one account folder, in both layouts. */
export function readAccessAdvisor(accountDir: string): AccessAdvisorRead {
  const problems: FileProblem[] = [];
  const results: AccessAdvisorExport[] = [];
  const attempt = (read: () => AccessAdvisorExport[]) => {
    try {
      results.push(...read());
    } catch (err) {
      if (!(err instanceof ExportFileError)) throw err;
      problems.push({ source: SOURCE, file: err.file, problem: err.problem });
    }
  };
  attempt(() => readCloudmapperLayout(accountDir, problems));
  const advisorDir = path.join(accountDir, ACCESS_ADVISOR_DIR);
  attempt(() => {
    if (!listDir(accountDir).some((e) => e.name === ACCESS_ADVISOR_DIR && e.kind === 'dir')) return [];
    return [...readCloudmapperLayout(advisorDir, problems), ...readDirectLayout(advisorDir, problems)];
  });
  return { results, problems };
}
