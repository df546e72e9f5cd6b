/**
 * Pure mapping of the IAM credential report into credentials (access keys,
 * passwords, signing certificates) and the root identity. Offline reports
 * carry no key ids, so keys are named `<userArn>#access_key_N`.
 */
import type { CoverageEntry, Credential, CredentialKind, Identity } from '../../../model/domain.js';
import type { CredentialReportExport } from './account-export.js';
import { accountScope, identityScope } from './arn.js';
import { parseCsv } from './csv.js';
import { checkedTimestamp } from './timestamps.js';

const SOURCE = 'credential-report';
const ROOT_USER = '<root_account>';
/** Values the report uses for "nothing here". */
const ABSENT = new Set(['', 'N/A', 'no_information', 'not_supported']);

export type CredentialReportRow = Record<string, string>;

export interface CredentialReportParts {
  /** The root identity and users found only in the report. */
  identities: Identity[];
  credentials: Credential[];
  coverage: CoverageEntry[];
}

function present(value: string | undefined): string | undefined {
  return value === undefined || ABSENT.has(value.trim()) ? undefined : value.trim();
}

function flag(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/** Rows keyed by header name; a row whose width differs from the header is reported and skipped. */
export function parseCredentialReport(report: CredentialReportExport): { rows: CredentialReportRow[]; problems: string[] } {
  const records = parseCsv(report.csv);
  const header = records[0]?.fields.map((h) => h.trim());
  if (!header || !header.includes('user') || !header.includes('arn')) {
    throw new Error('has no header row with `user` and `arn` columns');
  }
  const rows: CredentialReportRow[] = [];
  const problems: string[] = [];
  for (const record of records.slice(1)) {
    if (record.fields.length !== header.length) {
      problems.push(`line ${record.line} has ${record.fields.length} fields, the header has ${header.length}; row skipped`);
      continue;
    }
    rows.push(Object.fromEntries(header.map((name, i) => [name, record.fields[i] ?? ''])));
  }
  return { rows, problems };
}

function optionalFields(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Access keys, password and signing certificates of one report row; `onBadDate` hears of dates it could not read. */
export function rowCredentials(
  row: CredentialReportRow,
  identityArn: string,
  accountId: string,
  onBadDate: (column: string, raw: string) => void = () => {},
): Credential[] {
  const date = (column: string) => checkedTimestamp(present(row[column]), (raw) => onBadDate(column, raw));
  const credentials: Credential[] = [];
  const base = { provider: 'aws' as const, identityArn, accountId };
  for (const n of [1, 2]) {
    const prefix = `access_key_${n}`;
    const active = flag(row[`${prefix}_active`]);
    const rotatedAt = date(`${prefix}_last_rotated`);
    // `false` with no rotation date is how the report says "there is no key N".
    if (active === undefined || (!active && !rotatedAt)) continue;
    credentials.push({
      ...base,
      id: `${identityArn}#${prefix}`,
      kind: 'access-key',
      active,
      ...optionalFields({
        rotatedAt,
        lastUsedAt: date(`${prefix}_last_used_date`),
        lastUsedService: present(row[`${prefix}_last_used_service`]),
        lastUsedRegion: present(row[`${prefix}_last_used_region`]),
      }),
    });
  }
  // The root row says `not_supported` for password_enabled (root always has a
  // password) but still records when it was last used: keep that sign-in.
  const passwordLastUsed = date('password_last_used');
  const rootPassword = row.password_enabled === 'not_supported' && passwordLastUsed !== undefined;
  if (flag(row.password_enabled) === true || rootPassword) {
    credentials.push({
      ...base,
      id: `${identityArn}#password`,
      kind: 'password',
      active: rootPassword ? null : true,
      ...optionalFields({
        rotatedAt: date('password_last_changed'),
        lastUsedAt: passwordLastUsed,
      }),
    });
  }
  for (const n of [1, 2]) {
    const active = flag(row[`cert_${n}_active`]);
    const rotatedAt = date(`cert_${n}_last_rotated`);
    if (active === undefined || (!active && !rotatedAt)) continue;
    const kind: CredentialKind = 'signing-certificate';
    credentials.push({ ...base, id: `${identityArn}#cert_${n}`, kind, active, ...optionalFields({ rotatedAt }) });
  }
  return credentials;
}

/**
 * Credentials for every row. Rows are tied to identities from authorization
 * details by ARN, else by user name (some exports print odd user ARNs);
 * users only the report knows become identities of their own, with a note.
 */
export function credentialReportToParts(
  report: CredentialReportExport,
  accountId: string,
  /** Identities from authorization details; undefined when the account has none (already a gap of its own). */
  known: Identity[] | undefined,
): CredentialReportParts {
  const identities: Identity[] = [];
  const credentials: Credential[] = [];
  const coverage: CoverageEntry[] = [];
  let parsed: ReturnType<typeof parseCredentialReport>;
  try {
    parsed = parseCredentialReport(report);
  } catch (err) {
    coverage.push({
      scope: accountScope(accountId),
      source: SOURCE,
      status: 'gap',
      reason: `${report.file}: ${(err as Error).message}`,
      detail: { file: report.file },
    });
    return { identities, credentials, coverage };
  }
  for (const problem of parsed.problems) {
    coverage.push({
      scope: accountScope(accountId),
      source: SOURCE,
      status: 'partial',
      reason: `${report.file}: ${problem}`,
      detail: { file: report.file },
    });
  }

  const users = (known ?? []).filter((i) => i.kind === 'user');
  const byArn = new Map(users.map((u) => [u.arn, u]));
  const byName = new Map(users.map((u) => [u.name, u]));
  const reported = new Set<string>();

  for (const row of parsed.rows) {
    const name = row.user ?? '';
    const onBadDate = (column: string, raw: string) =>
      coverage.push({
        scope: accountScope(accountId),
        source: SOURCE,
        status: 'partial',
        reason: `${report.file}: user ${name}: ${column} ${JSON.stringify(raw)} is not a date; left unknown`,
        detail: { file: report.file, user: name, column },
      });
    const createdAt = checkedTimestamp(present(row.user_creation_time), (raw) => onBadDate('user_creation_time', raw));
    if (name === ROOT_USER) {
      const arn = present(row.arn) ?? `arn:aws:iam::${accountId}:root`;
      identities.push({
        provider: 'aws',
        arn,
        accountId,
        kind: 'root',
        name: 'root',
        ...(createdAt ? { createdAt } : {}),
        tags: {},
      });
      credentials.push(...rowCredentials(row, arn, accountId, onBadDate));
      continue;
    }
    let identity = byArn.get(row.arn ?? '') ?? byName.get(name);
    if (!identity) {
      const arn = present(row.arn) ?? `arn:aws:iam::${accountId}:user/${name}`;
      identity = { provider: 'aws', arn, accountId, kind: 'user', name, ...(createdAt ? { createdAt } : {}), tags: {} };
      identities.push(identity);
      byArn.set(arn, identity);
      if (known) coverage.push({
        scope: identityScope(accountId, arn),
        source: 'authorization-details',
        status: 'gap',
        reason: `user ${name} is in ${report.file} but not in the authorization details: its policies are unknown`,
        detail: { file: report.file },
      });
    }
    reported.add(identity.arn);
    credentials.push(...rowCredentials(row, identity.arn, accountId, onBadDate));
  }

  const missing = users.filter((u) => !reported.has(u.arn)).map((u) => u.arn);
  const generated = report.generatedTime ? ` (generated ${report.generatedTime})` : '';
  coverage.unshift(
    missing.length > 0
      ? {
          scope: accountScope(accountId),
          source: SOURCE,
          status: 'partial',
          reason: `${missing.length} user(s) are not in ${report.file}${generated}: their access keys and passwords are unknown`,
          detail: { file: report.file, rows: parsed.rows.length, missing },
        }
      : {
          scope: accountScope(accountId),
          source: SOURCE,
          status: 'ok',
          detail: { file: report.file, rows: parsed.rows.length, ...(report.generatedTime ? { generatedTime: report.generatedTime } : {}) },
        },
  );
  return { identities, credentials, coverage };
}
