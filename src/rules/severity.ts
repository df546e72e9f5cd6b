/**
 * One severity scale for every rule, so "critical" means the same thing
 * everywhere: root-level scope or write/delete reach into production is
 * critical or high; unused-but-harmless is low. Unknown environments count
 * as production (DESIGN: unknown is not safe).
 */
import { riskEnvironment, type Environment } from '../analyse/environment.js';
import type { AccessLevel } from '../model/domain.js';
import { SEVERITIES, type Severity } from '../model/finding.js';

/** A step down the scale (e.g. for a grant that only applies under a Condition); never below info. */
export function lower(severity: Severity, steps = 1): Severity {
  return SEVERITIES[Math.min(SEVERITIES.indexOf(severity) + steps, SEVERITIES.length - 1)]!;
}

/** Whether an environment is treated as production for risk (production itself, or unknown). */
export function isProductionRisk(env: Environment): boolean {
  return riskEnvironment(env) === 'production';
}

const REACH_IN_PRODUCTION: Record<AccessLevel, Severity> = {
  'Permissions management': 'critical',
  Write: 'critical',
  Tagging: 'medium',
  Read: 'high',
  List: 'medium',
};

/**
 * Severity of holding an action at some access level against an environment.
 * Deleting or re-permissioning production is critical; reading production
 * data is high (exfiltration); outside production everything is two steps lower.
 */
export function reachSeverity(level: AccessLevel, env: Environment): Severity {
  const base = REACH_IN_PRODUCTION[level];
  return isProductionRisk(env) ? base : lower(base, 2);
}

/** Root-level scope: critical where production is at stake, high elsewhere; a Condition lowers it one step. */
export function rootScopeSeverity(env: Environment, conditioned: boolean): Severity {
  const base: Severity = isProductionRisk(env) ? 'critical' : 'high';
  return conditioned ? lower(base) : base;
}
