/**
 * Which environment an account or a resource belongs to, from the config's
 * `environments` rules, with a one-line explanation of the rule that decided.
 *
 * Precedence for an account:
 *   1. `accounts`: an exact id is the most deliberate statement there is.
 *   2. `accountPatterns` (alias globs) and `accountTags` (tag globs): within
 *      each list the first matching rule wins, so put specific rules
 *      (`acme-prod-sandbox*`) before general ones (`acme-prod*`). When an
 *      alias rule and a tag rule both match and disagree, the riskier
 *      environment wins: a mislabel must not make production look safe.
 *   3. Otherwise `unknown`, which counts as production for risk.
 *
 * For a resource, a matching `resources` pattern wins over the account in
 * its ARN: the pattern names this resource (a production backup bucket kept
 * in the staging account), the account only says where it lives.
 */
import type { AccountInfo } from '../model/domain.js';
import type { ConfiguredEnvironment, EnvironmentsConfig } from '../config/schema.js';
import { globMatches, printable } from '../config/patterns.js';

export type Environment = ConfiguredEnvironment | 'unknown';

export interface EnvironmentResolution {
  environment: Environment;
  /** Which rule decided, in words (cloud-supplied text escaped and truncated). */
  how: string;
}

type EnvConfig = { environments: EnvironmentsConfig };

/** Riskiest first. */
const BY_RISK: readonly ConfiguredEnvironment[] = ['production', 'staging', 'development', 'sandbox'];

/** The environment to assume when weighing risk: unknown is not safe, so it weighs as production. */
export function riskEnvironment(env: Environment): ConfiguredEnvironment {
  return env === 'unknown' ? 'production' : env;
}

export function resolveAccountEnvironment(account: AccountInfo, config: EnvConfig): EnvironmentResolution {
  const rules = config.environments;
  const byId = rules.accounts.find((r) => r.id === account.accountId);
  if (byId) return { environment: byId.environment, how: `account id ${account.accountId} listed as ${byId.environment}` };

  const alias = account.alias;
  const aliasRule = alias === undefined ? undefined : rules.accountPatterns.find((r) => globMatches(r.alias, alias));
  const byAlias = aliasRule && {
    environment: aliasRule.environment,
    how: `alias ${printable(alias!)} matches ${aliasRule.alias}`,
  };

  let byTag: { environment: ConfiguredEnvironment; how: string } | undefined;
  for (const rule of rules.accountTags) {
    const tag = Object.entries(account.tags).find(([k, v]) => globMatches(rule.key, k) && globMatches(rule.value, v));
    if (tag) {
      byTag = { environment: rule.environment, how: `tag ${printable(tag[0])}=${printable(tag[1])} matches ${rule.key}=${rule.value}` };
      break;
    }
  }

  if (byAlias && byTag) {
    if (byAlias.environment === byTag.environment) return { environment: byAlias.environment, how: `${byAlias.how} and ${byTag.how}` };
    const [riskier, other] = riskRank(byAlias.environment) <= riskRank(byTag.environment) ? [byAlias, byTag] : [byTag, byAlias];
    return {
      environment: riskier.environment,
      how: `${riskier.how} (${riskier.environment}); ${other.how} says ${other.environment}; the riskier applies`,
    };
  }
  const decided = byAlias ?? byTag;
  if (decided) return decided;
  return { environment: 'unknown', how: 'no rule matched' };
}

const riskRank = (env: ConfiguredEnvironment): number => BY_RISK.indexOf(env);

/** Of two environments, the riskier (production before staging before development before sandbox). */
export const riskierEnvironment = (a: ConfiguredEnvironment, b: ConfiguredEnvironment): ConfiguredEnvironment => (riskRank(a) <= riskRank(b) ? a : b);

/** Resolves every account once, keyed by account id, for resolveResourceEnvironment. */
export function resolveAccounts(accounts: readonly AccountInfo[], config: EnvConfig): Map<string, EnvironmentResolution> {
  return new Map(accounts.map((a) => [a.accountId, resolveAccountEnvironment(a, config)]));
}

/**
 * The environment of a resource named by an ARN (`arn:aws:s3:::acme-prod-data`),
 * a GCP resource name (`projects/acme-prod/…`) or a bare name (a bucket).
 * Policy resources with wildcards are taken literally: `arn:aws:s3:::*`
 * matches no `*prod*` pattern and so resolves to unknown (never safe).
 */
export function resolveResourceEnvironment(
  resource: string,
  accounts: ReadonlyMap<string, EnvironmentResolution>,
  config: EnvConfig,
): EnvironmentResolution {
  const shown = printable(resource);
  const isArn = resource.startsWith('arn:');
  const name = isArn ? arnResourcePart(resource) : resource;
  for (const rule of config.environments.resources) {
    // `arn:` patterns are matched against whole ARNs; others against the resource's name.
    const matched = rule.pattern.toLowerCase().startsWith('arn:')
      ? isArn && globMatches(rule.pattern, resource)
      : globMatches(rule.pattern, name);
    if (matched) return { environment: rule.environment, how: `resource ${shown} matches ${rule.pattern}` };
  }

  const accountId = accountOf(resource);
  if (accountId !== undefined) {
    const known = accounts.get(accountId);
    if (known && known.environment !== 'unknown') {
      return { environment: known.environment, how: `in account ${accountId}: ${known.how}` };
    }
    // An account missing from the scan can still be listed by id in the config.
    const listed = config.environments.accounts.find((r) => r.id === accountId);
    if (listed) return { environment: listed.environment, how: `in account ${accountId}: account id listed as ${listed.environment}` };
    if (known) return { environment: 'unknown', how: `in account ${accountId}, whose environment is unknown (no rule matched)` };
    return { environment: 'unknown', how: `in account ${accountId}, which is not in the scan and matches no rule` };
  }
  return { environment: 'unknown', how: `no rule matched resource ${shown}` };
}

/** `arn:partition:service:region:account:resource` → `resource` (which may itself contain `:`). */
function arnResourcePart(arn: string): string {
  const parts = arn.split(':');
  return parts.length >= 6 ? parts.slice(5).join(':') : arn;
}

const GCP_PROJECT = /(?:^|\/)projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])(?:\/|$)/;

/** The AWS account id in an ARN, or the GCP project in a resource name; undefined when absent or a wildcard. */
function accountOf(resource: string): string | undefined {
  if (resource.startsWith('arn:')) {
    const account = resource.split(':')[4];
    return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
  }
  return GCP_PROJECT.exec(resource)?.[1];
}
