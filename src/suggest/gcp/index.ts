/** The GCP suggestion kinds, in the order they are listed. */
import type { SuggestionBuilder } from '../context.js';
import { gcpProductionEdges } from './impersonation-edges.js';
import { gcpRoleReplacements } from './replace-role.js';
import { gcpRetireAccounts, gcpRetireKeys } from './retire.js';

export const GCP_SUGGESTIONS: readonly SuggestionBuilder[] = [gcpProductionEdges, gcpRoleReplacements, gcpRetireAccounts, gcpRetireKeys];
