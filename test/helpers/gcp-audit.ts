/**
 * Audits a declarative GCP organisation through the real pipeline: gcloud
 * files on disk -> importer -> store -> facts -> rules -> report.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildAuditReport } from '../../src/analyse/audit.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { importGcpExportDir } from '../../src/collect/files/gcp/import-gcp-export.js';
import { DEFAULT_CONFIG, parseConfig, type KeywardenConfig } from '../../src/config/index.js';
import type { GcpRoleWire } from '../../src/model/gcp-wire.js';
import { reportSchema, type AuditReport } from '../../src/report/json-schema.js';
import { ALL_RULES } from '../../src/rules/index.js';
import type { Store } from '../../src/store/index.js';
import { writeGcloudExport, type OrgSpec, type ProjectSpec } from './gcp-org.js';

export const AS_OF = new Date('2026-11-15T12:00:00Z');

/** Imports the organisation as one new scan of `store`; returns the scan id. */
export function importOrg(store: Store, spec: OrgSpec, asOf = AS_OF, predefinedRolesFile?: string): number {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-gcp-org-'));
  try {
    writeGcloudExport(tmp, spec, asOf);
    const { snapshot, extras } = importGcpExportDir(tmp, { alreadyIngested: (d) => store.hasIngested(d), logCursor: (p) => store.gcpLogCursor(p), predefinedRolesFile, now: () => asOf });
    return store.writeScan(snapshot, extras);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function auditScan(store: Store, scanId: number, config: KeywardenConfig = DEFAULT_CONFIG, asOf = AS_OF, days = 90): Promise<AuditReport> {
  const built = buildAuditReport(store, await loadAwsActionCatalog(), {
    scanId,
    window: windowEndingAt(asOf, days),
    config,
    rules: ALL_RULES,
    toolVersion: 'test',
    now: asOf,
  });
  return reportSchema.parse(built);
}

export const role = (name: string, includedPermissions: string[]): GcpRoleWire => ({ name, title: name, etag: 'BwX=', stage: 'GA', includedPermissions });

/** A one-project organisation: the project `p-prod-1` under folder 1 under the organisation. */
export function oneProject(project: Partial<ProjectSpec>, roles: GcpRoleWire[], extra: Partial<OrgSpec> = {}): OrgSpec {
  return {
    organization: { id: '100', displayName: 'example.com', bindings: [] },
    folders: [{ id: '200', displayName: 'apps', parent: 'organizations/100', bindings: [] }],
    projects: [
      { id: 'p-prod-1', number: '300', name: 'P', parent: 'folders/200', labels: { env: 'production' }, bindings: [], serviceAccounts: [], ...project },
    ],
    predefinedRoles: roles,
    ...extra,
  };
}

export const SA = 'app@p-prod-1.iam.gserviceaccount.com';
export const member = `serviceAccount:${SA}`;

/** A config that resolves project environments from an `env` label: `{ production: 'production', dev: 'development' }`. */
export function envLabelConfig(values: Record<string, string>): KeywardenConfig {
  const lines = Object.entries(values).map(([value, environment]) => `    - { key: env, value: ${value}, environment: ${environment} }`);
  return parseConfig(`environments:\n  accountTags:\n${lines.join('\n')}\n`, 'k.yaml');
}
