/**
 * Each GCP destructive entry through the real pipeline: both sides on a
 * production project is critical, one side is high, and the same role on a
 * development project is not flagged.
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GCP_DESTRUCTIVE_ENTRIES } from '../../src/catalog/gcp-destructive-actions.js';
import { openStore, type Store } from '../../src/store/index.js';
import { fixture } from '../helpers/fixtures.js';
import { auditScan, importOrg, member, oneProject, role, envLabelConfig } from '../helpers/gcp-audit.js';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

const CONFIG = envLabelConfig({ production: 'production', dev: 'development' });

async function destroyFindings(permissions: string[], env: 'production' | 'dev') {
  const spec = oneProject({ labels: { env }, bindings: [{ role: 'roles/test.store', members: [member] }], serviceAccounts: [{ id: 'app', lastAuthDaysAgo: 1 }] }, [role('roles/test.store', permissions)]);
  const report = await auditScan(store, importOrg(store, spec), CONFIG);
  return report.findings.filter((f) => f.ruleId === 'gcp.data-and-backup-destruction');
}

describe('GCP destructive catalog', () => {
  it('names only permissions that exist in the predefined roles', () => {
    const roles = JSON.parse(gunzipSync(readFileSync(fixture('gcp/predefined-roles.json.gz'))).toString()) as { includedPermissions?: string[] }[];
    const known = new Set(roles.flatMap((r) => r.includedPermissions ?? []));
    for (const e of GCP_DESTRUCTIVE_ENTRIES) for (const p of [...e.destroy, ...e.backups]) expect(known.has(p), `${e.id}: ${p}`).toBe(true);
  });

  it.each(GCP_DESTRUCTIVE_ENTRIES.map((e) => [e.id, e] as const))('%s: both sides critical, one side high, development not flagged', async (id, entry) => {
    const both = await destroyFindings([entry.destroy[0]!, entry.backups[0]!], 'production');
    expect(both.map((f) => [f.granular, f.severity])).toEqual([[`Destroy::${id}`, 'critical']]);
    const one = await destroyFindings([entry.destroy[0]!], 'production');
    expect(one.map((f) => [f.granular, f.severity])).toEqual([[`Destroy::${id}`, 'high']]);
    const backupsOnly = await destroyFindings([entry.backups.at(-1)!], 'production');
    expect(backupsOnly.map((f) => f.title)).toEqual([`Can destroy the backups of production ${entry.store}`]);
    expect(await destroyFindings([entry.destroy[0]!, entry.backups[0]!], 'dev')).toEqual([]);
  });
});
