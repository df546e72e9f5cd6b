/** User-managed service account keys: long-lived secrets outside Google's control. */
import type { Rule } from '../rule.js';
import { isProductionRisk } from '../severity.js';
import { keyEvidence, perServiceAccount, projectEnvironmentEvidence, userManagedKeys } from './gcp-rule.js';

export const gcpUserManagedKey: Rule = {
  id: 'gcp.user-managed-key',
  title: 'Service account has an active user-managed key',
  severity: 'high',
  description:
    'Flags every enabled USER_MANAGED key (created or uploaded by a person or tool). System-managed keys, which Google holds and rotates, are not flagged. An account without keys passes.',
  risk:
    'A key file is a bearer credential that works from anywhere until it is deleted or expires; it gets copied into CI variables, laptops and repositories, and is the most common way GCP service accounts leak.',
  remediation:
    'Use attached service accounts, Workload Identity Federation (CI, other clouds) or short-lived impersonation instead. Disable the key, watch for failures, then delete it; enforce iam.disableServiceAccountKeyCreation.',
  references: ['https://cloud.google.com/iam/docs/best-practices-for-managing-service-account-keys'],
  evaluate: perServiceAccount((facts) =>
    userManagedKeys(facts).map((key) => ({
      severity: isProductionRisk(facts.environment.environment) ? 'high' : 'medium',
      title: `active user-managed key ${key.credential.id}${key.detail?.keyOrigin === 'USER_PROVIDED' ? ' (uploaded public key)' : ''}`,
      credentialId: key.credential.id,
      granular: `Key::${key.credential.id}`,
      evidence: [keyEvidence(key, 'a long-lived bearer credential'), projectEnvironmentEvidence(facts)],
    })),
  ),
};
