/** Small ARN helpers for IAM principals and policies. */

const ACCOUNT_ID = /^\d{12}$/;

export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT_ID.test(value);
}

/** The account field of an ARN when it is a 12-digit id (`aws` for AWS-managed policies gives undefined). */
export function accountIdOfArn(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return isAccountId(account) ? account : undefined;
}

/** The resource part of an ARN: `role/service-role/level1` for a role ARN. */
export function resourceOfArn(arn: string): string {
  return arn.split(':').slice(5).join(':');
}

/** Coverage scope for an identity: `aws:<account>:<resource>`, as domain.ts suggests. */
export function identityScope(accountId: string, arn: string): string {
  return `aws:${accountId}:${resourceOfArn(arn) || arn}`;
}

export function accountScope(accountId: string): string {
  return `aws:${accountId}`;
}

/** The IAM resource type of an ARN: `user`, `role`, `group`, `policy`, `root`, or undefined. */
export function iamResourceType(arn: string): string | undefined {
  if (!arn.startsWith('arn:') || arn.split(':')[2] !== 'iam') return undefined;
  const resource = resourceOfArn(arn);
  return resource.split('/')[0] || undefined;
}

/**
 * The account id most ARNs agree on. Used when an export names neither its
 * account nor sits in a folder named after it; ties are broken by the
 * smaller id so the answer does not depend on file order.
 */
export function majorityAccountId(arns: Iterable<string>): string | undefined {
  const counts = new Map<string, number>();
  for (const arn of arns) {
    const account = accountIdOfArn(arn);
    if (account) counts.set(account, (counts.get(account) ?? 0) + 1);
  }
  let best: [string, number] | undefined;
  for (const entry of [...counts].sort(([a], [b]) => a.localeCompare(b))) {
    if (!best || entry[1] > best[1]) best = entry;
  }
  return best?.[0];
}
