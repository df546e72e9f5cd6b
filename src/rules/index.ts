/** Every rule keywarden runs, in the order their docs are listed. */
import type { Rule } from './rule.js';
import { rootLevelScope } from './aws/root-level-scope.js';
import { rootAccountCredentials } from './aws/root-account-credentials.js';
import { productionReach } from './aws/production-reach.js';
import { unusedCredential } from './aws/unused-credential.js';
import { staleAccessKey } from './aws/stale-access-key.js';
import { unusedPermissions } from './aws/unused-permissions.js';
import { privilegeCreep } from './aws/privilege-creep.js';
import { privilegeEscalation } from './aws/privilege-escalation.js';
import { stagingReachesProduction } from './aws/staging-reaches-production.js';
import { dataAndBackupDestruction } from './aws/data-and-backup-destruction.js';
import { gcpBasicRole } from './gcp/basic-role.js';
import { gcpHierarchyBinding } from './gcp/hierarchy-binding.js';
import { gcpIamChanging } from './gcp/iam-changing.js';
import { gcpImpersonation } from './gcp/impersonation.js';
import { gcpProductionReach } from './gcp/production-reach.js';
import { gcpUserManagedKey } from './gcp/user-managed-key.js';
import { gcpKeyAge } from './gcp/key-age.js';
import { gcpKeyNeverExpires } from './gcp/key-never-expires.js';
import { gcpUnusedCredential } from './gcp/unused-credential.js';
import { gcpUnusedPermissions } from './gcp/unused-permissions.js';
import { gcpPrivilegeCreep } from './gcp/privilege-creep.js';
import { gcpPrivilegeEscalation } from './gcp/privilege-escalation.js';
import { gcpStagingReachesProduction } from './gcp/staging-reaches-production.js';
import { gcpDataAndBackupDestruction } from './gcp/data-and-backup-destruction.js';

export const ALL_RULES: readonly Rule[] = [
  rootLevelScope,
  rootAccountCredentials,
  productionReach,
  unusedCredential,
  staleAccessKey,
  unusedPermissions,
  privilegeCreep,
  privilegeEscalation,
  stagingReachesProduction,
  dataAndBackupDestruction,
  gcpBasicRole,
  gcpHierarchyBinding,
  gcpIamChanging,
  gcpImpersonation,
  gcpProductionReach,
  gcpUserManagedKey,
  gcpKeyAge,
  gcpKeyNeverExpires,
  gcpUnusedCredential,
  gcpUnusedPermissions,
  gcpPrivilegeCreep,
  gcpPrivilegeEscalation,
  gcpStagingReachesProduction,
  gcpDataAndBackupDestruction,
];

export type { Rule, RuleContext, IdentityFacts, FindingDraft, RuleEvaluation } from './rule.js';
export { perIdentity } from './rule.js';
