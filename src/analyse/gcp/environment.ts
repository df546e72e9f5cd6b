/**
 * A GCP project's environment: the shared account rules first (project id
 * listed in `environments.accounts`, project name in `accountPatterns`,
 * labels in `accountTags`), then the folders above it (`gcp.folderEnvironments`,
 * nearest folder first). Unknown stays unknown and weighs as production.
 */
import type { AccountInfo } from '../../model/domain.js';
import type { KeywardenConfig } from '../../config/index.js';
import { globMatches, printable } from '../../config/patterns.js';
import { resolveAccountEnvironment, type EnvironmentResolution } from '../environment.js';
import { projectName, type GcpHierarchy } from './hierarchy.js';

export function resolveProjectEnvironment(project: AccountInfo, hierarchy: GcpHierarchy, config: KeywardenConfig): EnvironmentResolution {
  const byAccount = resolveAccountEnvironment(project, config);
  if (byAccount.environment !== 'unknown') return byAccount;
  const rules = config.gcp?.folderEnvironments ?? [];
  for (const folder of hierarchy.foldersAbove(projectName(project.accountId))) {
    const rule = rules.find((r) => globMatches(r.folder, folder.name) || (folder.displayName !== undefined && globMatches(r.folder, folder.displayName)));
    if (rule) {
      return { environment: rule.environment, how: `under folder ${printable(folder.displayName ?? folder.name)} (${folder.name}), matches ${rule.folder}` };
    }
  }
  return byAccount;
}
