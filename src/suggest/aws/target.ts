/**
 * Pieces every AWS suggestion kind shares: the account guard, the access
 * key id argument, names for saved documents, and usage in words.
 */
import { printable } from '../../config/patterns.js';
import type { Credential, Identity } from '../../model/domain.js';
import type { CredentialAudit } from '../../report/json-schema.js';
import type { PlanArgument } from '../command.js';
import { shellQuote } from '../shell-quote.js';
import { sha256Hex } from '../../util/sha256.js';
import type { PlannedSuggestion, RequiredInput } from '../types.js';
import { ACCOUNT_CHECK } from './account-guard.js';

export function accountGuard(identity: Identity): NonNullable<PlannedSuggestion['guard']> {
  return {
    command: ACCOUNT_CHECK,
    expected: identity.accountId,
    description: `run with credentials for AWS account ${identity.accountId}`,
  };
}

/** Real access key ids; offline credential reports name keys `<userArn>#access_key_N` instead. */
const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{12,124}$/;

/**
 * The key id argument: the id itself when the scan knows it, else a value
 * the person running the script supplies (ACCESS_KEY_ID), checked before
 * anything runs, with how to find it.
 */
export function accessKeyArgument(
  identity: Identity,
  credential: Credential,
  env = 'ACCESS_KEY_ID',
): { arg: PlanArgument; inputs: RequiredInput[] } {
  if (ACCESS_KEY_ID.test(credential.id)) return { arg: credential.id, inputs: [] };
  const slot = credential.id.split('#').pop() ?? credential.id;
  const born = credential.rotatedAt ?? credential.createdAt;
  return {
    arg: { env },
    inputs: [
      {
        env,
        pattern: '^AKIA[A-Z0-9]{16}$',
        description:
          `the id of ${printable(identity.name)}'s ${printable(slot)} (the export has no key ids)` +
          `${born ? `, created ${born.slice(0, 10)}` : ''}; find it with: aws iam list-access-keys --user-name ${shellQuote(identity.name)}`,
      },
    ],
  };
}

/** A document file name unique within a suggestion, from readable parts plus a hash of the exact ones. */
export function documentName(prefix: string, ...parts: string[]): string {
  const hash = sha256Hex(parts.join('\u0000')).slice(0, 8);
  const readable = parts.join('-').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return `${prefix}-${readable ? `${readable}-` : ''}${hash}.json`;
}

/** "used 3 days before the as-of date (2026-11-12), 41 calls in the window, last via s3 in eu-west-1". */
export function credentialUseText(audit: CredentialAudit | undefined, asOf: string): string {
  if (!audit) return 'no usage record for this credential';
  const parts: string[] = [];
  if (audit.lastUsedAt) {
    const days = Math.max(0, Math.floor((Date.parse(asOf) - Date.parse(audit.lastUsedAt)) / 86_400_000));
    const where = [audit.lastUsedService && `via ${printable(audit.lastUsedService)}`, audit.lastUsedRegion && `in ${printable(audit.lastUsedRegion)}`]
      .filter(Boolean)
      .join(' ');
    parts.push(`last used ${audit.lastUsedAt.slice(0, 10)} (${days} days before the as-of date)${where ? ` ${where}` : ''}`);
  } else parts.push('never used according to the credential report');
  parts.push(`${audit.calls} CloudTrail calls in the window carry its key id`);
  return parts.join('; ');
}
