/**
 * Imports the GCP part of an export directory (docs/export-layout.md) as one
 * GCP snapshot. Predefined role definitions come from the export's
 * predefined-roles.json, or the file the config names; otherwise the
 * store's role cache is used at analysis time.
 */
import path from 'node:path';
import { readRolesFile } from '../../../catalog/gcp-roles.js';
import type { Snapshot } from '../../../model/domain.js';
import type { GcpLogCursor } from '../../../model/gcp.js';
import type { ScanExtras } from '../../../store/index.js';
import { gcpExportRoot, readGcpExport } from './read-gcp-export.js';
import { gcpExportToSnapshot } from './to-snapshot.js';

export interface GcpImportOptions {
  alreadyIngested: (digest: string) => boolean;
  /** The store's audit-log cursor per project. */
  logCursor?: (projectId: string) => GcpLogCursor | undefined;
  /** Log scopes and days a BigQuery load owns (see GcpSnapshotOptions). */
  queryOwned?: (scope: string, day: string) => boolean;
  /** Config `gcp.predefinedRoles`. */
  predefinedRolesFile?: string;
  now?: () => Date;
}

export function importGcpExportDir(dir: string, options: GcpImportOptions): { snapshot: Snapshot; extras: ScanExtras } {
  const root = gcpExportRoot(dir) ?? dir;
  const files = readGcpExport(root);
  const { snapshot, extras } = gcpExportToSnapshot(files, {
    source: `files:${path.resolve(dir)}`,
    collectedAt: (options.now?.() ?? new Date()).toISOString(),
    alreadyIngested: options.alreadyIngested,
    logCursor: options.logCursor,
    queryOwned: options.queryOwned,
  });
  if (options.predefinedRolesFile && !files.predefinedRoles) {
    const fromConfig = readRolesFile(options.predefinedRolesFile, 'predefined');
    const own = new Set(snapshot.gcp!.roles.map((r) => r.name));
    snapshot.gcp!.roles.push(...fromConfig.filter((r) => !own.has(r.name)));
  }
  return { snapshot, extras };
}
