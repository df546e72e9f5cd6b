/**
 * The fetch half of the IAM file importer: finds the account folders of an
 * export directory and reads their files into CLI-shaped objects. Files that
 * cannot be used become coverage gaps naming the file; the rest still import.
 */
import path from 'node:path';
import type { CoverageEntry } from '../../../model/domain.js';
import type { AccountExport, AccountIdSource, CredentialReportExport, FileProblem } from './account-export.js';
import { readAccessAdvisor } from './access-advisor-files.js';
import { readAccountFile, type AccountFile } from './account-file.js';
import { findAccountFolders, type AccountFolderFiles } from './account-layout.js';
import { accountScope, iamResourceType, isAccountId, majorityAccountId } from './arn.js';
import { readAuthorizationDetails } from './authorization-details-files.js';
import { readCredentialReport } from './credential-report-file.js';
import { ExportFileError } from './export-file.js';

export interface AccountExportsRead {
  accounts: AccountExport[];
  /** Problems that belong to no account: unreadable folders, folders whose account cannot be told. */
  coverage: CoverageEntry[];
}

function problemOf(source: string, err: unknown): FileProblem {
  if (err instanceof ExportFileError) return { source, file: err.file, problem: err.problem };
  throw err;
}

function toCoverage(scope: string, problem: FileProblem): CoverageEntry {
  return {
    scope,
    source: problem.source,
    status: problem.status ?? 'gap',
    reason: `${problem.file}: ${problem.problem}`,
    detail: { file: problem.file },
  };
}

/** ARNs of the account's own principals and policies, for telling the account from its contents. */
function principalArns(read: Omit<AccountExport, 'accountId' | 'accountIdSource' | 'coverage'>): string[] {
  const details = read.authorizationDetails?.details;
  const arns = [
    ...(details?.UserDetailList ?? []).map((u) => u.Arn),
    ...(details?.RoleDetailList ?? []).map((r) => r.Arn),
    ...(details?.Policies ?? []).map((p) => p.Arn),
    ...read.accessAdvisor.map((a) => a.principalArn),
    ...(read.credentialReport?.csv.match(/arn:aws[a-z-]*:iam::\d{12}:[^,\s"]+/g) ?? []),
  ];
  return arns.filter((arn): arn is string => typeof arn === 'string' && iamResourceType(arn) !== undefined);
}

function resolveAccountId(
  folder: AccountFolderFiles,
  accountFile: AccountFile | undefined,
  arns: string[],
  problems: FileProblem[],
): { accountId: string; source: AccountIdSource } | undefined {
  const folderName = path.basename(folder.dir);
  const fromFolder = isAccountId(folderName) ? folderName : undefined;
  const fromArns = majorityAccountId(arns);
  const declared = accountFile?.accountId;
  const chosen: { accountId: string; source: AccountIdSource } | undefined = declared
    ? { accountId: declared, source: 'account.json' }
    : fromFolder
      ? { accountId: fromFolder, source: 'folder-name' }
      : fromArns
        ? { accountId: fromArns, source: 'arns' }
        : undefined;
  if (!chosen) return undefined;
  if (declared && fromFolder && declared !== fromFolder) {
    problems.push({
      source: 'export-layout',
      file: folder.accountFile ?? folder.dir,
      problem: `says account ${declared}, but its folder is named ${fromFolder}; using ${declared}`,
      status: 'partial',
    });
  }
  if (fromArns && fromArns !== chosen.accountId) {
    problems.push({
      source: 'export-layout',
      file: folder.dir,
      problem: `is account ${chosen.accountId} (from ${chosen.source}), but most ARNs in its files name account ${fromArns}`,
      status: 'partial',
    });
  }
  return chosen;
}

function readCredentialReports(files: string[], problems: FileProblem[]): CredentialReportExport | undefined {
  for (const file of files) {
    try {
      const report = readCredentialReport(file);
      const ignored = files.filter((f) => f !== file);
      if (ignored.length > 0) {
        problems.push({ source: 'credential-report', file: ignored.join(', '), problem: `not read: ${file} was used`, status: 'partial' });
      }
      return report;
    } catch (err) {
      problems.push(problemOf('credential-report', err));
    }
  }
  return undefined;
}

/** Read every account folder under `exportDir`. Throws ExportFileError only when `exportDir` itself cannot be read. */
export function readAccountExports(exportDir: string): AccountExportsRead {
  const { folders, unlisted } = findAccountFolders(exportDir);
  const coverage: CoverageEntry[] = unlisted.map((err) => toCoverage(err.file, problemOf('export-layout', err)));
  const accounts: AccountExport[] = [];
  const seen = new Map<string, string>();

  if (folders.length === 0) {
    coverage.push({
      scope: exportDir,
      source: 'export-layout',
      status: 'gap',
      reason: `${exportDir}: no account folder found (a folder holding iam-get-account-authorization-details.json, a credential report, access-advisor/ or account.json); see docs/export-layout.md`,
      detail: { dir: exportDir },
    });
  }

  for (const folder of folders) {
    const problems: FileProblem[] = folder.problems.map((err) => problemOf('export-layout', err));
    let accountFile: AccountFile | undefined;
    if (folder.accountFile) {
      try {
        accountFile = readAccountFile(folder.accountFile);
      } catch (err) {
        problems.push(problemOf('export-layout', err));
      }
    }
    const authz = readAuthorizationDetails(folder.authorizationDetails);
    problems.push(...authz.problems);
    const credentialReport = readCredentialReports(folder.credentialReports, problems);
    const advisor = readAccessAdvisor(folder.dir);
    problems.push(...advisor.problems);

    const read = {
      dir: folder.dir,
      ...(accountFile?.alias ? { alias: accountFile.alias } : {}),
      tags: accountFile?.tags ?? {},
      ...(authz.export ? { authorizationDetails: authz.export } : {}),
      ...(credentialReport ? { credentialReport } : {}),
      accessAdvisor: advisor.results,
    };
    const resolved = resolveAccountId(folder, accountFile, principalArns(read), problems);
    if (!resolved) {
      coverage.push(...problems.map((p) => toCoverage(folder.dir, p)));
      coverage.push({
        scope: folder.dir,
        source: 'export-layout',
        status: 'gap',
        reason: `${folder.dir}: cannot tell which account this is (no AccountId in account.json, the folder name is not a 12-digit id, no ARN in its files names one); add account.json`,
        detail: { dir: folder.dir },
      });
      continue;
    }
    const previous = seen.get(resolved.accountId);
    if (previous !== undefined) {
      coverage.push({
        scope: accountScope(resolved.accountId),
        source: 'export-layout',
        status: 'gap',
        reason: `${folder.dir}: also account ${resolved.accountId}, already imported from ${previous}; not imported`,
        detail: { dir: folder.dir, imported: previous },
      });
      continue;
    }
    seen.set(resolved.accountId, folder.dir);
    const scope = accountScope(resolved.accountId);
    accounts.push({
      ...read,
      accountId: resolved.accountId,
      accountIdSource: resolved.source,
      coverage: problems.map((p) => toCoverage(scope, p)),
    });
  }
  return { accounts, coverage };
}
