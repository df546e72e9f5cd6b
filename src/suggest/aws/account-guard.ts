/**
 * Every AWS script first checks that the credentials it runs with belong to
 * the account the change is for: a plan for production run with staging
 * credentials (or the other way round) stops before changing anything.
 */
import type { PlannedCommand } from '../command.js';

export const ACCOUNT_CHECK: PlannedCommand = { argv: ['aws', 'sts', 'get-caller-identity', '--query', 'Account', '--output', 'text'] };
