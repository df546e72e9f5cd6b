/** Each risk catalog entry is detected from a minimal grant holding exactly it. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GCP_BASIC_ROLES, GCP_IAM_CHANGING, GCP_IMPERSONATION, GCP_READ_VERBS, isDefaultServiceAccount, isReadOnlyPermission, permissionMatches } from '../../src/catalog/gcp-risk.js';
import { openStore, type Store } from '../../src/store/index.js';
import { auditScan, importOrg, member, oneProject, role } from '../helpers/gcp-audit.js';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

/** An example permission for a pattern: each `*` becomes a plausible segment. */
const example = (pattern: string) => pattern.split('.').map((s, i) => (s === '*' ? ['storage', 'buckets', 'objects'][i] : s)).join('.');

async function findingsFor(ruleId: string, roleName: string, permissions: string[], level: 'project' | 'folder' = 'project') {
  const binding = [{ role: roleName, members: [member] }];
  const spec = oneProject({ bindings: level === 'project' ? binding : [], serviceAccounts: [{ id: 'app', lastAuthDaysAgo: 1 }] }, [role(roleName, permissions)]);
  if (level === 'folder') spec.folders[0]!.bindings = binding;
  const report = await auditScan(store, importOrg(store, spec));
  return report.findings.filter((f) => f.ruleId === ruleId);
}

describe('GCP risk catalog', () => {
  it.each(GCP_BASIC_ROLES.map((e) => [e.role]))('basic role %s is flagged', async (name) => {
    expect(await findingsFor('gcp.basic-role', name, ['storage.buckets.get'])).toHaveLength(1);
  });

  it.each(GCP_IAM_CHANGING.map((e) => [e.pattern]))('IAM-changing %s is flagged', async (pattern) => {
    expect(await findingsFor('gcp.iam-changing-permission', 'projects/p-prod-1/roles/one', [example(pattern)])).toHaveLength(1);
  });

  it.each(GCP_IMPERSONATION.map((e) => [e.permission]))('impersonation %s is flagged at folder level', async (permission) => {
    expect(await findingsFor('gcp.impersonation', 'projects/p-prod-1/roles/one', [permission], 'folder')).toHaveLength(1);
  });

  it('a read-only permission is neither IAM-changing nor impersonation', async () => {
    expect(await findingsFor('gcp.iam-changing-permission', 'roles/x', ['resourcemanager.projects.getIamPolicy'])).toEqual([]);
    expect(await findingsFor('gcp.impersonation', 'roles/x', ['iam.serviceAccounts.get'])).toEqual([]);
  });

  it('matches one dotted segment per *', () => {
    expect(permissionMatches('*.*.setIamPolicy', 'storage.buckets.setIamPolicy')).toBe(true);
    expect(permissionMatches('*.*.setIamPolicy', 'bigquery.datasets.tables.setIamPolicy')).toBe(false);
    expect(permissionMatches('*.*.*.setIamPolicy', 'bigquery.datasets.tables.setIamPolicy')).toBe(true);
  });

  it.each(GCP_READ_VERBS.map((v) => [v]))('verb %s is read-only', (verb) => {
    expect(isReadOnlyPermission(`storage.buckets.${verb}`)).toBe(true);
  });

  it('writes are not read-only; default service accounts are recognised', () => {
    expect(isReadOnlyPermission('storage.buckets.delete')).toBe(false);
    expect(isDefaultServiceAccount('123456789012-compute@developer.gserviceaccount.com')).toBe(true);
    expect(isDefaultServiceAccount('acme-prod@appspot.gserviceaccount.com')).toBe(true);
    expect(isDefaultServiceAccount('app@acme-prod.iam.gserviceaccount.com')).toBe(false);
  });
});
