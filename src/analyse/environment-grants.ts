/**
 * Granted vs used by resource environment, per identity, for the report:
 * how many granted actions reach resources of production, staging,
 * development, sandbox or an unknown environment (unknown counts as
 * production for risk), and how many of those were used, unused or unknown
 * in the window.
 *
 * AWS places each statement resource the way aws.production-reach does
 * (its `environmentReach`, sharing its per-statement cache): `*` and
 * NotResource are every resource of the identity's own account, in that
 * account's environment. Usage is known per action, not per resource, so
 * "used" means the action was used in the window on some resource.
 *
 * GCP: every permission counts in the project's environment (bindings are
 * not split by resource here).
 */
import type { ActionSet } from '../catalog/action-set.js';
import { REPORT_RESOURCES_PER_ENVIRONMENT, type EnvironmentGrant, type IdentityAudit } from '../report/json-schema.js';
import { EnvironmentBuffers, environmentReach } from '../rules/aws/production-reach.js';
import type { IdentityFacts, RuleContext } from '../rules/rule.js';
import { isProductionRisk } from '../rules/severity.js';
import type { Environment, EnvironmentResolution } from './environment.js';

function entry(
  environment: Environment,
  counts: { granted: number; everyResource: number; used: number; unused: number },
  resources: readonly string[],
): EnvironmentGrant {
  const listed = resources.slice(0, REPORT_RESOURCES_PER_ENVIRONMENT);
  return {
    environment,
    productionRisk: isProductionRisk(environment),
    ...counts,
    unknown: counts.granted - counts.used - counts.unused,
    resources: listed,
    ...(resources.length > listed.length ? { resourcesOmitted: resources.length - listed.length } : {}),
  };
}

const countIn = (set: ActionSet, of: ActionSet, size: number) => set.countRangeAnd(of, 0, size);

/** The report only counts the sets: they are made in buffers reused for every identity of a catalog. */
const buffersByCatalog = new WeakMap<RuleContext['catalog'], EnvironmentBuffers>();

export function awsEnvironmentGrants(facts: IdentityFacts, ctx: RuleContext): EnvironmentGrant[] {
  const size = ctx.catalog.size;
  const { used, unused } = facts.usage;
  let buffers = buffersByCatalog.get(ctx.catalog);
  if (!buffers) buffersByCatalog.set(ctx.catalog, (buffers = new EnvironmentBuffers(size)));
  return environmentReach(facts, ctx, buffers).map((r) =>
    entry(
      r.environment,
      { granted: r.actions.size, everyResource: r.everyResource.size, used: countIn(r.actions, used, size), unused: countIn(r.actions, unused, size) },
      r.resources,
    ),
  );
}

export function gcpEnvironmentGrants(audit: IdentityAudit, environment: EnvironmentResolution): EnvironmentGrant[] {
  if (audit.granted.actions === 0) return [];
  const granted = audit.granted.actions;
  return [
    entry(environment.environment, { granted, everyResource: granted, used: audit.used.actions, unused: audit.unused.actions }, [
      `projects/${audit.accountId}`,
    ]),
  ];
}
