/**
 * Rule scenarios from real exports: an export directory goes through the
 * real IAM importer (readAccountExports + toSnapshotParts), the snapshot
 * through the store, and the facts are built as production builds them.
 */
import { readAccountExports, toSnapshotParts } from '../../src/collect/files/iam/index.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { scanFacts, type ScanFacts } from '../../src/analyse/scan-facts.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import type { KeywardenConfig } from '../../src/config/index.js';
import type { Snapshot } from '../../src/model/domain.js';
import { openStore, type Store } from '../../src/store/index.js';
import { makeExportDir } from '../collect/files/iam/export-dir.js';
import { AS_OF, testConfig } from './scenario.js';

/** Every account folder of an export directory, imported into one snapshot. */
export function snapshotFromExportDir(root: string, collectedAt = AS_OF.toISOString()): Snapshot {
  const read = readAccountExports(root);
  const parts = read.accounts.map((a) => toSnapshotParts(a));
  const policies = new Map(parts.flatMap((p) => p.policies).map((p) => [p.hash, p]));
  return {
    provider: 'aws',
    source: `files:${root}`,
    collectedAt,
    accounts: parts.map((p) => p.account),
    identities: parts.flatMap((p) => p.identities),
    credentials: parts.flatMap((p) => p.credentials),
    policies: [...policies.values()],
    attachments: parts.flatMap((p) => p.attachments),
    accessAdvisor: parts.flatMap((p) => p.accessAdvisor),
    usage: [],
    unmappedEvents: [],
    ingested: [],
    coverage: [...read.coverage, ...parts.flatMap((p) => p.coverage)],
  };
}

/** A temp export dir holding one account's authorization details (symlinked, never copied). */
export function exportDirWithAuthz(authzFile: string, accountId: string): string {
  const dir = makeExportDir();
  dir.link(authzFile, `${accountId}/iam-get-account-authorization-details.json`);
  return dir.root;
}

/** Writes the snapshot to a fresh in-memory store and builds the facts of that scan. */
export async function scenarioFromSnapshot(
  snapshot: Snapshot,
  options: { config?: KeywardenConfig; windowDays?: number; asOf?: Date } = {},
): Promise<ScanFacts & { store: Store }> {
  const store = openStore(':memory:');
  const scanId = store.writeScan(snapshot);
  const catalog = await loadAwsActionCatalog();
  const facts = scanFacts(store, catalog, options.config ?? testConfig(), {
    scanId,
    window: windowEndingAt(options.asOf ?? AS_OF, options.windowDays ?? 90),
  });
  return { ...facts, store };
}
