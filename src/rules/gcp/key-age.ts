/** User-managed keys older than thresholds.keyMaxAgeDays, and keys that never expire. */
import type { Rule } from '../rule.js';
import { keyEvidence, perServiceAccount, userManagedKeys } from './gcp-rule.js';

const DAY_MS = 86_400_000;

export const gcpKeyAge: Rule = {
  id: 'gcp.key-age',
  title: 'User-managed key older than the rotation threshold',
  severity: 'medium',
  description: 'Flags enabled user-managed keys whose validAfterTime is more than thresholds.keyMaxAgeDays (default 90) before the end of the window.',
  risk: 'The older a key, the more places it has been copied to and the longer a leaked copy has worked.',
  remediation: 'Create a new key (or better, move to keyless authentication), switch the workload over, disable the old key, then delete it.',
  references: ['https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys#rotate-keys'],
  evaluate: perServiceAccount((facts, _gcp, ctx) => {
    const keys = userManagedKeys(facts);
    if (!keys.length) return { notApplicable: 'no active user-managed keys' };
    const maxAge = ctx.config.thresholds.keyMaxAgeDays;
    return keys.flatMap((key) => {
      const created = key.credential.createdAt ? Date.parse(key.credential.createdAt) : NaN;
      if (Number.isNaN(created)) return [];
      const age = Math.floor((Date.parse(ctx.window.asOf) - created) / DAY_MS);
      if (age <= maxAge) return [];
      return [
        {
          severity: age > 4 * maxAge ? 'high' : 'medium',
          title: `key ${key.credential.id} is ${age} days old (threshold ${maxAge})`,
          credentialId: key.credential.id,
          granular: `Key::${key.credential.id}`,
          evidence: [keyEvidence(key, `${age} days old`)],
        },
      ];
    });
  }),
};
