/**
 * Reads `aws iam get-account-authorization-details` output: one file, or the
 * pages `--max-items`/`--starting-token` (or the raw API's Marker) produce,
 * merged into one response. Bad pages and bad entries become problems naming
 * the file; the rest still imports.
 */
import type { z } from 'zod';
import type {
  WireAuthorizationDetails,
  WireGroupDetail,
  WireManagedPolicyDetail,
  WireRoleDetail,
  WireUserDetail,
} from '../../../model/aws-wire.js';
import type { AuthorizationDetailsExport, FileProblem } from './account-export.js';
import { ExportFileError, parseWith, readJsonFile } from './export-file.js';
import {
  authorizationPageSchema,
  groupDetailSchema,
  managedPolicySchema,
  roleDetailSchema,
  userDetailSchema,
} from './wire-schemas.js';

const SOURCE = 'authorization-details';

type ListKey = 'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies';

const LISTS: { key: ListKey; schema: z.ZodType; keyOf: (entry: Record<string, unknown>) => string }[] = [
  { key: 'UserDetailList', schema: userDetailSchema, keyOf: (e) => String(e.Arn) },
  // Group ARNs are sometimes odd (cloudmapper's `arn:aws:iam::aws:group/...`); users reference groups by name.
  { key: 'GroupDetailList', schema: groupDetailSchema, keyOf: (e) => String(e.GroupName) },
  { key: 'RoleDetailList', schema: roleDetailSchema, keyOf: (e) => String(e.Arn) },
  { key: 'Policies', schema: managedPolicySchema, keyOf: (e) => String(e.Arn) },
];

export interface AuthorizationDetailsRead {
  export?: AuthorizationDetailsExport;
  problems: FileProblem[];
}

/** Merge the pages in `files` (already in a stable order). Returns no export when no page was usable. */
export function readAuthorizationDetails(files: string[]): AuthorizationDetailsRead {
  const problems: FileProblem[] = [];
  const lists: Record<ListKey, unknown[]> = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
  const seen: Record<ListKey, Set<string>> = {
    UserDetailList: new Set(),
    GroupDetailList: new Set(),
    RoleDetailList: new Set(),
    Policies: new Set(),
  };
  const used: string[] = [];
  let continued = 0;

  for (const file of files) {
    let page: z.output<typeof authorizationPageSchema>;
    try {
      page = parseWith(file, authorizationPageSchema, readJsonFile(file), 'get-account-authorization-details output');
      if (!LISTS.some(({ key }) => key in page)) {
        throw new ExportFileError(file, 'has none of UserDetailList, GroupDetailList, RoleDetailList, Policies');
      }
    } catch (err) {
      if (!(err instanceof ExportFileError)) throw err;
      problems.push({ source: SOURCE, file, problem: err.problem });
      continue;
    }
    used.push(file);
    if (page.IsTruncated === true || (page.NextToken ?? '') !== '') continued++;

    for (const { key, schema, keyOf } of LISTS) {
      (page[key] ?? []).forEach((entry, index) => {
        const parsed = schema.safeParse(entry);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const field = issue?.path.length ? `.${issue.path.join('.')}` : '';
          problems.push({
            source: SOURCE,
            file,
            problem: `${key}[${index}]${field}: ${issue?.message ?? 'invalid'}; entry skipped`,
          });
          return;
        }
        const data = parsed.data as Record<string, unknown>;
        // The same entry in two pages (a full export beside its pages) is kept once.
        const id = keyOf(data);
        if (seen[key].has(id)) return;
        seen[key].add(id);
        lists[key].push(data);
      });
    }
  }

  if (used.length === 0) return { problems };
  const details: WireAuthorizationDetails = {
    UserDetailList: lists.UserDetailList as WireUserDetail[],
    GroupDetailList: lists.GroupDetailList as WireGroupDetail[],
    RoleDetailList: lists.RoleDetailList as WireRoleDetail[],
    Policies: lists.Policies as WireManagedPolicyDetail[],
  };
  // Page order is not knowable from file names, but a complete set has exactly one page without a continuation.
  const missingPages = continued >= used.length;
  return { export: { files: used, details, missingPages }, problems };
}
