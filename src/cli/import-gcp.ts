/** `audit --from` / `import` for a gcloud export directory: one GCP scan. */
import { GcpRoleFileError } from '../catalog/gcp-roles.js';
import { importGcpExportDir } from '../collect/files/gcp/import-gcp-export.js';
import type { KeywardenConfig } from '../config/index.js';
import type { CoverageEntry, Snapshot } from '../model/domain.js';
import { StoreBusyError, type ScanExtras, type Store } from '../store/index.js';
import type { Io } from './commands.js';
import { EXIT, UserError } from './errors.js';
import { terminalText } from '../util/terminal-text.js';

export function importGcpInto(store: Store, dir: string, config: KeywardenConfig, io: Io): number {
  let imported;
  try {
    imported = importGcpExportDir(dir, {
      alreadyIngested: (d) => store.hasIngested(d),
      logCursor: (projectId) => store.gcpLogCursor(projectId),
      queryOwned: (scope, day) => store.isQueryOwned(scope, '', day),
      predefinedRolesFile: config.gcp?.predefinedRoles,
    });
  } catch (error) {
    if (error instanceof GcpRoleFileError) throw new UserError(`${error.message}; fix or remove gcp.predefinedRoles in the config`);
    throw error;
  }
  return writeGcpScan(store, imported, io);
}

/** Writes a GCP snapshot as one scan (collection is over: one transaction) and says what it holds. */
export function writeGcpScan(store: Store, { snapshot, extras }: { snapshot: Snapshot; extras: ScanExtras }, io: Io): number {
  printGcpGaps(snapshot.coverage, io);
  let scanId: number;
  try {
    scanId = store.writeScan(snapshot, extras);
  } catch (error) {
    // Another keywarden stored the same audit-log read meanwhile: nothing of this scan was written.
    if (error instanceof StoreBusyError) throw new UserError(error.message, EXIT.busy);
    throw error;
  }
  const gcp = snapshot.gcp!;
  io.err(
    `scan ${scanId} (gcp): ${snapshot.accounts.length} project(s), ${snapshot.identities.length} service accounts, ` +
      `${gcp.keys.filter((k) => k.keyType === 'USER_MANAGED').length} user-managed keys, ${gcp.bindings.length} binding members, ` +
      `${gcp.denyRules.length} deny rules, ${gcp.recommendations.length} role recommendations, ${snapshot.usage.length} usage rows from audit logs\n`,
  );
  return scanId;
}

/** Sources that could not be read, one warning line each (the export and import of a gcloud directory print the same). */
export function printGcpGaps(coverage: readonly CoverageEntry[], io: Io): void {
  for (const gap of coverage.filter((c) => c.status === 'gap')) io.err(`warning: ${terminalText(gap.scope)} [${terminalText(gap.source)}]: ${terminalText(gap.reason ?? 'could not be read')}\n`);
}
