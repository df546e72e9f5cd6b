/** account.json: the account id, alias and tags, which IAM exports do not carry themselves. */
import { ExportFileError, parseWith, readJsonFile } from './export-file.js';
import { isAccountId } from './arn.js';
import { tagsToRecord } from './tags.js';
import { accountFileSchema } from './wire-schemas.js';

export interface AccountFile {
  accountId?: string;
  alias?: string;
  tags: Record<string, string>;
}

export function readAccountFile(file: string): AccountFile {
  const parsed = parseWith(file, accountFileSchema, readJsonFile(file), 'an account.json object');
  let accountId: string | undefined;
  if (parsed.AccountId !== undefined) {
    // A number loses leading zeros; account ids are 12 digits.
    const text = typeof parsed.AccountId === 'number' ? String(parsed.AccountId).padStart(12, '0') : parsed.AccountId.trim();
    if (!isAccountId(text)) throw new ExportFileError(file, `AccountId ${JSON.stringify(parsed.AccountId)} is not a 12-digit AWS account id`);
    accountId = text;
  }
  const alias = parsed.AccountAliases?.[0];
  return { ...(accountId ? { accountId } : {}), ...(alias ? { alias } : {}), tags: tagsToRecord(parsed.Tags) };
}
