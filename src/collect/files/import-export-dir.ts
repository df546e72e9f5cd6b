/**
 * Imports one export directory (docs/export-layout.md) into a Snapshot: the
 * IAM exports of every account folder, and every CloudTrail log under a
 * `cloudtrail/` or `AWSLogs/` folder. Files already folded into the store's
 * usage are skipped by digest, so re-importing never double-counts.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Snapshot } from '../../model/domain.js';
import type { ScanExtras } from '../../store/index.js';
import { cloudTrailPartitionOfPath } from '../../util/cloudtrail-partition.js';
import { discoverCloudTrailFiles, ingestCloudTrailFiles, type CloudTrailIngestStats } from './cloudtrail/index.js';
import { readAccountExports, toSnapshotParts } from './iam/index.js';
import { withNurseryHeld } from '../../util/nursery.js';

export interface ExportDirImport {
  snapshot: Snapshot;
  extras: ScanExtras;
  cloudTrail: CloudTrailIngestStats;
}

export interface ImportOptions {
  /** True when a CloudTrail file with this digest is already in the store. */
  alreadyIngested: (digest: string) => boolean;
  /** True when a warehouse query (Athena) loaded this partition: its files are not read (one source per partition). */
  queryOwned?: (partition: { accountId: string; region: string; day: string }) => boolean;
  now?: () => Date;
  onProgress?: (line: string) => void;
}

/** The export directory itself cannot be read: nothing was imported. */
export class ExportDirError extends Error {
  override name = 'ExportDirError';
}

const CLOUDTRAIL_FOLDER = /^(cloudtrail|awslogs)$/i;

/** Folders holding CloudTrail logs: any folder named `cloudtrail` or `AWSLogs` below the export directory. */
export function findCloudTrailRoots(dir: string): string[] {
  const roots: string[] = [];
  const walk = (current: string, depth: number) => {
    if (depth > 6) return;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(current, entry.name);
      if (CLOUDTRAIL_FOLDER.test(entry.name)) roots.push(full);
      else walk(full, depth + 1);
    }
  };
  walk(dir, 0);
  return roots;
}

export function importExportDir(dir: string, options: ImportOptions): Promise<ExportDirImport> {
  // This thread only coordinates the CloudTrail workers: its nursery need not grow (see util/nursery.ts).
  return withNurseryHeld(() => importExportDirNow(dir, options));
}

async function importExportDirNow(dir: string, options: ImportOptions): Promise<ExportDirImport> {
  const startedAt = (options.now?.() ?? new Date()).toISOString();
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ExportDirError(`export directory ${dir} does not exist or is not a directory`);
  }
  const exports = readAccountExports(dir);
  const parts = exports.accounts.map(toSnapshotParts);

  const found = [...new Set((await Promise.all(findCloudTrailRoots(dir).map(discoverCloudTrailFiles))).flat())];
  const ctFiles = found.filter((file) => {
    const partition = options.queryOwned && cloudTrailPartitionOfPath(file);
    return !partition || !options.queryOwned!(partition);
  });
  options.onProgress?.(`reading ${ctFiles.length} CloudTrail file(s) and ${parts.length} account(s) from ${dir}`);
  const ct = await ingestCloudTrailFiles(ctFiles, { alreadyIngested: options.alreadyIngested });
  const loadedByQuery = found.length - ctFiles.length;

  const collectedAt = (options.now?.() ?? new Date()).toISOString();
  const snapshot: Snapshot = {
    provider: 'aws',
    source: `files:${path.resolve(dir)}`,
    collectedAt,
    accounts: parts.map((p) => p.account),
    identities: parts.flatMap((p) => p.identities),
    credentials: parts.flatMap((p) => p.credentials),
    policies: dedupePolicies(parts.flatMap((p) => p.policies)),
    attachments: parts.flatMap((p) => p.attachments),
    accessAdvisor: parts.flatMap((p) => p.accessAdvisor),
    usage: ct.usage,
    unmappedEvents: ct.unmapped,
    ingested: ct.ingested,
    coverage: [
      ...exports.coverage,
      ...parts.flatMap((p) => p.coverage),
      // Every file belonged to Athena-loaded partitions: not "no CloudTrail files were given".
      ...(ctFiles.length === 0 && loadedByQuery > 0 ? [] : ct.coverage),
      ...(loadedByQuery > 0
        ? [{ scope: 'aws', source: 'cloudtrail', status: 'ok' as const, reason: `${loadedByQuery} CloudTrail file(s) not read: their account, region and day were loaded by Athena (keywarden collect athena)` }]
        : []),
    ],
  };
  const extras: ScanExtras = {
    startedAt,
    cloudTrailDays: ct.daysSeen.map(({ accountId, region, day }) => ({ accountId, region, day })),
    userAgents: ct.userAgents.flatMap((u) =>
      u.userAgents.map((a) => ({ identityArn: u.identityArn, userAgent: a.userAgent, count: a.count, lastSeen: a.lastSeen })),
    ),
    resourceUsage: ct.resourceUsage,
  };
  return { snapshot, extras, cloudTrail: ct.stats };
}

/** The same document can arrive from several accounts (AWS-managed policies): store it once. */
function dedupePolicies<T extends { hash: string }>(policies: T[]): T[] {
  return [...new Map(policies.map((p) => [p.hash, p])).values()];
}
