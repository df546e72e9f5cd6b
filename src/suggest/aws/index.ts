/** The AWS suggestion kinds, in the order they are listed. */
import type { SuggestionBuilder } from '../context.js';
import { staleAccessKeys, unusedAccessKeys } from './access-keys.js';
import { leastPrivilegeReplacements } from './least-privilege.js';
import { splitCredentials } from './split-credential.js';
import { stagingTrustEdges } from './trust-edges.js';
import { unusedPolicies } from './unused-policies.js';
import { unusedIdentities } from './unused-identities.js';

export const AWS_SUGGESTIONS: readonly SuggestionBuilder[] = [
  stagingTrustEdges,
  leastPrivilegeReplacements,
  splitCredentials,
  unusedPolicies,
  unusedIdentities,
  unusedAccessKeys,
  staleAccessKeys,
];
