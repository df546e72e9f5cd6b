/**
 * Finds the account folders of an export directory and names the files in
 * each. See docs/export-layout.md for the layout and the commands that
 * produce it.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { ACCESS_ADVISOR_DIR, GENERATE_DIR, RESULT_DIR } from './access-advisor-files.js';
import { ExportFileError } from './export-file.js';
import { listDir, type DirEntry } from './list-dir.js';

export const ACCOUNT_FILE = 'account.json';
export const AUTHORIZATION_DETAILS_DIR = 'iam-get-account-authorization-details';
const AUTHORIZATION_DETAILS_FILE = /^iam-get-account-authorization-details.*\.json$/i;
export const CREDENTIAL_REPORT_FILES = ['iam-get-credential-report.json', 'credential-report.csv'];

export interface AccountFolderFiles {
  dir: string;
  accountFile?: string;
  /** Page files in merge order: top-level files first, then the pages folder. */
  authorizationDetails: string[];
  /** Credential report files present, preferred first. */
  credentialReports: string[];
  /** Export entries that could not be used (dangling links, unlistable page folders). */
  problems: ExportFileError[];
}

/** The export files of `dir`, or undefined when it is not an account folder. */
export function accountFolderFiles(entries: DirEntry[], dir: string): AccountFolderFiles | undefined {
  const files: AccountFolderFiles = { dir, authorizationDetails: [], credentialReports: [], problems: [] };
  let marked = false;
  for (const entry of entries) {
    const isExportFile =
      entry.name === ACCOUNT_FILE || AUTHORIZATION_DETAILS_FILE.test(entry.name) || CREDENTIAL_REPORT_FILES.includes(entry.name);
    const isExportDir = [AUTHORIZATION_DETAILS_DIR, ACCESS_ADVISOR_DIR, GENERATE_DIR, RESULT_DIR].includes(entry.name);
    if (!isExportFile && !isExportDir) continue;
    marked = true;
    if (isExportFile && entry.kind !== 'file') {
      files.problems.push(new ExportFileError(entry.path, 'is not a readable file'));
      continue;
    }
    if (entry.name === ACCOUNT_FILE) files.accountFile = entry.path;
    else if (AUTHORIZATION_DETAILS_FILE.test(entry.name)) files.authorizationDetails.push(entry.path);
    else if (CREDENTIAL_REPORT_FILES.includes(entry.name)) files.credentialReports.push(entry.path);
  }
  if (!marked) return undefined;
  files.credentialReports.sort((a, b) => CREDENTIAL_REPORT_FILES.indexOf(path.basename(a)) - CREDENTIAL_REPORT_FILES.indexOf(path.basename(b)));
  return files;
}

/**
 * Account folders under `exportDir` (which may itself be one). An account
 * folder is not searched further: its subfolders are its own export files.
 * Other folders (CloudTrail logs, notes) are walked but never taken for accounts.
 */
export function findAccountFolders(exportDir: string): { folders: AccountFolderFiles[]; unlisted: ExportFileError[] } {
  const folders: AccountFolderFiles[] = [];
  const unlisted: ExportFileError[] = [];
  const visited = new Set<string>();
  const pending = [exportDir];
  while (pending.length > 0) {
    const dir = pending.shift() as string;
    let real: string;
    let entries: DirEntry[];
    try {
      real = realpathSync(dir);
      if (visited.has(real)) continue; // symlink loop or the same folder linked twice
      visited.add(real);
      entries = listDir(dir);
    } catch (err) {
      const problem =
        err instanceof ExportFileError
          ? err
          : new ExportFileError(dir, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      if (dir === exportDir) throw problem;
      unlisted.push(problem);
      continue;
    }
    const account = accountFolderFiles(entries, dir);
    if (account) {
      const pagesDir = entries.find((e) => e.name === AUTHORIZATION_DETAILS_DIR && e.kind === 'dir');
      if (pagesDir) {
        try {
          for (const page of listDir(pagesDir.path)) {
            if (page.kind === 'file') account.authorizationDetails.push(page.path);
            else account.problems.push(new ExportFileError(page.path, 'is not a readable file'));
          }
        } catch (err) {
          if (!(err instanceof ExportFileError)) throw err;
          account.problems.push(err);
        }
      }
      folders.push(account);
      continue;
    }
    for (const entry of entries) if (entry.kind === 'dir') pending.push(entry.path);
  }
  return { folders, unlisted };
}
