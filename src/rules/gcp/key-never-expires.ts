/** User-managed keys with no expiry (validBeforeTime 9999-12-31T23:59:59Z). */
import type { Rule } from '../rule.js';
import { keyEvidence, perServiceAccount, userManagedKeys } from './gcp-rule.js';

export const gcpKeyNeverExpires: Rule = {
  id: 'gcp.key-never-expires',
  title: 'User-managed key never expires',
  severity: 'medium',
  description: 'Flags enabled user-managed keys whose validBeforeTime is the "never" sentinel 9999-12-31T23:59:59Z.',
  risk: 'A key without expiry stays valid forever once copied; nothing forces the rotation that would retire a leaked copy.',
  remediation: 'Set the organisation policy iam.serviceAccountKeyExpiryHours so new keys expire, and replace existing non-expiring keys.',
  references: ['https://cloud.google.com/resource-manager/docs/organization-policy/restricting-service-accounts#limit_key_expiry'],
  evaluate: perServiceAccount((facts) => {
    const keys = userManagedKeys(facts);
    if (!keys.length) return { notApplicable: 'no active user-managed keys' };
    return keys
      .filter((k) => k.detail?.validBefore === undefined)
      .map((key) => ({
        severity: 'medium' as const,
        title: `key ${key.credential.id} never expires`,
        credentialId: key.credential.id,
        granular: `Key::${key.credential.id}`,
        evidence: [keyEvidence(key, 'no expiry')],
      }));
  }),
};
