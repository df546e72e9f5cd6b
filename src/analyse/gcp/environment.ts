/**
 * A GCP project's environment: the shared account rules first (project id
 * listed in `environments.accounts`, project name in `accountPatterns`,
 * labels in `accountTags`), then its Resource Manager tags
 * (`gcp.tagEnvironments`, effective tags: bound to the project or inherited),
 * then the folders above it (`gcp.folderEnvironments`, nearest folder first).
 * When the name or labels and the tags disagree, the riskier applies (a
 * mislabel must not make production look safe); an explicit id still wins.
 * Unknown stays unknown and weighs as production.
 */
import type { AccountInfo } from '../../model/domain.js';
import type { KeywardenConfig } from '../../config/index.js';
import { globMatches, printable } from '../../config/patterns.js';
import { resolveAccountEnvironment, riskierEnvironment, type EnvironmentResolution } from '../environment.js';
import { projectName, type GcpHierarchy } from './hierarchy.js';

function byTags(tags: Record<string, string> | undefined, config: KeywardenConfig): EnvironmentResolution | undefined {
  for (const rule of config.gcp?.tagEnvironments ?? []) {
    const tag = Object.entries(tags ?? {}).find(([k, v]) => globMatches(rule.key, k) && globMatches(rule.value, v));
    if (tag) return { environment: rule.environment, how: `tag ${printable(tag[0])}/${printable(tag[1])} matches ${rule.key}=${rule.value}` };
  }
  return undefined;
}

export function resolveProjectEnvironment(project: AccountInfo, hierarchy: GcpHierarchy, config: KeywardenConfig): EnvironmentResolution {
  const byAccount = resolveAccountEnvironment(project, config);
  const explicit = config.environments.accounts.some((r) => r.id === project.accountId);
  const tagged = explicit ? undefined : byTags(hierarchy.get(projectName(project.accountId))?.tags, config);
  const accountEnv = byAccount.environment;
  if (tagged && accountEnv !== 'unknown' && tagged.environment !== 'unknown' && accountEnv !== tagged.environment) {
    const riskier = riskierEnvironment(accountEnv, tagged.environment);
    const [win, other] = riskier === tagged.environment ? [tagged, byAccount] : [byAccount, tagged];
    return { environment: riskier, how: `${win.how} (${win.environment}); ${other.how} says ${other.environment}; the riskier applies` };
  }
  if (byAccount.environment !== 'unknown') return byAccount;
  if (tagged) return tagged;
  const rules = config.gcp?.folderEnvironments ?? [];
  for (const folder of hierarchy.foldersAbove(projectName(project.accountId))) {
    const rule = rules.find((r) => globMatches(r.folder, folder.name) || (folder.displayName !== undefined && globMatches(r.folder, folder.displayName)));
    if (rule) {
      return { environment: rule.environment, how: `under folder ${printable(folder.displayName ?? folder.name)} (${folder.name}), matches ${rule.folder}` };
    }
  }
  return byAccount;
}
