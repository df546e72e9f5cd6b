/**
 * IAM ListAccessKeys + GetAccessKeyLastUsed per user. Unlike the credential
 * report these carry the key ids, which is what CloudTrail usage is keyed by.
 */
import {
  GetAccessKeyLastUsedCommand,
  paginateListAccessKeys,
  type AccessKeyLastUsed,
  type AccessKeyMetadata,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { Credential } from '../../model/domain.js';

export interface AccessKeyRead {
  metadata: AccessKeyMetadata;
  lastUsed?: AccessKeyLastUsed;
}

/** The user's keys with their last use. Throws on failure (the caller records the user's gap). */
export async function getAccessKeys(iam: IAMClient, userName: string): Promise<AccessKeyRead[]> {
  const keys: AccessKeyRead[] = [];
  for await (const page of paginateListAccessKeys({ client: iam }, { UserName: userName })) {
    for (const metadata of page.AccessKeyMetadata ?? []) {
      if (!metadata.AccessKeyId) continue;
      const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: metadata.AccessKeyId }));
      keys.push({ metadata, ...(used.AccessKeyLastUsed ? { lastUsed: used.AccessKeyLastUsed } : {}) });
    }
  }
  return keys;
}

/** AWS says `N/A` for a key never used in a service or region. */
const known = (value: string | undefined) => (value && value !== 'N/A' ? value : undefined);

export function accessKeysToCredentials(keys: readonly AccessKeyRead[], identityArn: string, accountId: string): Credential[] {
  return keys.map(({ metadata, lastUsed }) => {
    const createdAt = metadata.CreateDate?.toISOString();
    const lastUsedAt = lastUsed?.LastUsedDate?.toISOString();
    const service = known(lastUsed?.ServiceName);
    const region = known(lastUsed?.Region);
    return {
      provider: 'aws' as const,
      id: metadata.AccessKeyId!,
      identityArn,
      accountId,
      kind: 'access-key' as const,
      active: metadata.Status === undefined ? null : metadata.Status === 'Active',
      // A key is never rotated in place: its creation is its last rotation (as the credential report says).
      ...(createdAt ? { createdAt, rotatedAt: createdAt } : {}),
      ...(lastUsedAt ? { lastUsedAt } : {}),
      ...(service ? { lastUsedService: service } : {}),
      ...(region ? { lastUsedRegion: region } : {}),
    };
  });
}
