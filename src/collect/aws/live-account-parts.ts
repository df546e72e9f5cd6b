/**
 * Pure: one live account read -> the same SnapshotParts the file importer
 * produces, via the file importer's own transform. The only differences are
 * better data the API gives: access keys carry their real ids (which
 * CloudTrail usage is keyed by) instead of `<userArn>#access_key_N`.
 */
import type { Credential } from '../../model/domain.js';
import { toSnapshotParts, type SnapshotParts } from '../files/iam/index.js';
import { accessKeysToCredentials } from './access-keys.js';
import type { LiveAccountRead } from './collect-account-iam.js';

const REPORT_KEY_ID = /#access_key_\d$/;

export function liveAccountToParts(read: LiveAccountRead): SnapshotParts {
  const parts = toSnapshotParts(read.export);
  const { accountId } = read.export;
  const credentials: Credential[] = parts.credentials.filter(
    (c) => !(c.kind === 'access-key' && REPORT_KEY_ID.test(c.id) && read.accessKeys.has(c.identityArn)),
  );
  for (const [userArn, keys] of read.accessKeys) credentials.push(...accessKeysToCredentials(keys, userArn, accountId));
  // The transform says "no usable <file>" for a source it did not get; the API error recorded earlier says why.
  const coverage = parts.coverage.filter(
    (c) => !(c.status === 'gap' && read.failedSources.has(c.source) && c.reason?.startsWith('no usable')),
  );
  return { ...parts, credentials, coverage };
}
