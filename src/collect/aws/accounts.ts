/**
 * Which accounts to audit and how to reach them: STS GetCallerIdentity for
 * the home account, AssumeRole (with ExternalId) into the audit role of
 * every other account, Organizations ListAccounts to enumerate them, and
 * the account's alias and tags.
 */
import { paginateListAccountAliases, type IAMClient } from '@aws-sdk/client-iam';
import {
  paginateListAccounts,
  paginateListTagsForResource,
  type Account,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentials } from './clients.js';

export async function getCallerAccount(sts: STSClient): Promise<{ accountId: string; arn: string }> {
  const who = await sts.send(new GetCallerIdentityCommand({}));
  if (!who.Account) throw new Error('GetCallerIdentity returned no Account');
  return { accountId: who.Account, arn: who.Arn ?? '' };
}

/** The audit role's ARN in `accountId`: a full ARN template (`{account}`) or a role name. */
export function auditRoleArn(accountId: string, role: { name?: string; arn?: string }, partition = 'aws'): string {
  if (role.arn) return role.arn.replaceAll('{account}', accountId);
  return `arn:${partition}:iam::${accountId}:role/${role.name ?? 'keywarden-audit'}`;
}

/** Temporary credentials for the audit role; kept in memory only, never logged. */
export async function assumeAuditRole(
  sts: STSClient,
  roleArn: string,
  options: { externalId?: string; sessionName: string; durationSeconds?: number },
): Promise<AwsCredentials> {
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: options.sessionName,
      DurationSeconds: options.durationSeconds ?? 3600,
      ...(options.externalId ? { ExternalId: options.externalId } : {}),
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
    ...(c.Expiration ? { expiration: c.Expiration } : {}),
  };
}

/** Every account of the organisation (from the management or a delegated administrator account). */
export async function getOrganizationAccounts(org: OrganizationsClient): Promise<Account[]> {
  const accounts: Account[] = [];
  for await (const page of paginateListAccounts({ client: org }, {})) accounts.push(...(page.Accounts ?? []));
  return accounts;
}

export async function getOrganizationAccountTags(org: OrganizationsClient, accountId: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for await (const page of paginateListTagsForResource({ client: org }, { ResourceId: accountId })) {
    for (const t of page.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  }
  return tags;
}

export async function getAccountAlias(iam: IAMClient): Promise<string | undefined> {
  for await (const page of paginateListAccountAliases({ client: iam }, {})) {
    const alias = page.AccountAliases?.[0];
    if (alias) return alias;
  }
  return undefined;
}
