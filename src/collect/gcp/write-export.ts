/**
 * Writes collected GCP data in the gcloud export layout (docs/export-layout.md),
 * so a live collection can be archived, diffed, or audited offline later.
 * Key listings never carry private key material (fetch.ts drops it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { GcpExportFiles, GcpNodeFiles } from '../files/gcp/read-gcp-export.js';

function put(root: string, rel: string, value: unknown): void {
  if (value === undefined) return;
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
}

function putNode(root: string, dir: string, node: GcpNodeFiles): void {
  put(root, `${dir}/iam-policy.json`, node.iamPolicy);
  put(root, `${dir}/deny-policies.json`, node.denyPolicies);
  put(root, `${dir}/roles.json`, node.customRoles);
}

/** A file name for an email (they are safe already, but never trust a name from the cloud with a path). */
const fileName = (email: string) => encodeURIComponent(email);

/** Writes under `<dir>/gcp/`. */
export function writeGcpExport(dir: string, files: GcpExportFiles): void {
  const root = path.join(dir, 'gcp');
  if (files.organization) {
    const { iamPolicy: _p, denyPolicies: _d, customRoles: _r, ...organization } = files.organization;
    put(root, 'organization/organization.json', organization);
    putNode(root, 'organization', files.organization);
  }
  for (const f of files.folders) {
    const { iamPolicy: _p, denyPolicies: _d, customRoles: _r, folder: id, ...folder } = f;
    put(root, `folders/${fileName(id)}/folder.json`, folder);
    putNode(root, `folders/${fileName(id)}`, f);
  }
  for (const p of files.projects) {
    const dir = `projects/${fileName(p.folder)}`;
    // Written even when nothing in it could be read: an importer then reports the project's gaps, not its absence.
    mkdirSync(path.join(root, dir), { recursive: true });
    put(root, `${dir}/project.json`, p.project);
    putNode(root, dir, p);
    put(root, `${dir}/service-accounts.json`, p.serviceAccounts);
    for (const [email, keys] of p.keys) put(root, `${dir}/service-account-keys/${fileName(email)}.json`, keys);
    for (const [email, policy] of p.serviceAccountPolicies) put(root, `${dir}/service-account-iam-policies/${fileName(email)}.json`, policy);
    put(root, `${dir}/activity-service-account-last-authentication.json`, p.saLastAuthentication);
    put(root, `${dir}/activity-service-account-key-last-authentication.json`, p.keyLastAuthentication);
    put(root, `${dir}/recommender-insights.json`, p.insights);
    put(root, `${dir}/recommender-recommendations.json`, p.recommendations);
    put(root, `${dir}/effective-tags.json`, p.effectiveTags);
    put(root, `${dir}/logging-read.json`, p.logEntries?.entries);
  }
  put(root, 'predefined-roles.json', files.predefinedRoles);
  // Why something is missing, in the collector's words (permission denied, malformed response, retries exhausted).
  put(root, 'collection-gaps.json', files.coverage);
}
