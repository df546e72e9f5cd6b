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
];

export type { Rule, RuleContext, IdentityFacts, FindingDraft, RuleEvaluation } from './rule.js';
export { perIdentity } from './rule.js';
