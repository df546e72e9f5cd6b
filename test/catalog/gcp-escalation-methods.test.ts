/**
 * Each GCP escalation method is found from a minimal role holding exactly
 * its permissions, bound on the project, and is not found from the same
 * role scoped to the account itself (held on its own service account only,
 * where it gains nothing), through the real gcloud-file pipeline.
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACT_AS, GCP_ESCALATION_METHODS, type GcpEscalationMethod } from '../../src/catalog/gcp-escalation-methods.js';
import { openStore, type Store } from '../../src/store/index.js';
import { fixture } from '../helpers/fixtures.js';
import type { BindingSpec } from '../helpers/gcp-org.js';
import { auditScan, importOrg, member, oneProject, role } from '../helpers/gcp-audit.js';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

const OTHER = 'other@p-prod-1.iam.gserviceaccount.com';

/** `project`: everything on the project. `self`: the targeting permission only on the account's own policy. */
async function escalations(method: GcpEscalationMethod, variant: 'project' | 'self', extra: { customRole?: boolean } = {}) {
  // A predefined-style name: a custom role here would itself be a custom role it holds (iam.roles.update on it escalates).
  const main = 'roles/test.method';
  const targeting = method.actAs ? ACT_AS : method.permissions[0]!;
  const rest = method.permissions.filter((p) => p !== targeting);
  const roles = [role(main, variant === 'project' ? [...method.permissions, ...(method.actAs ? [ACT_AS] : [])] : rest), role('projects/p-prod-1/roles/target', [targeting])];
  const projectBindings: BindingSpec[] = [{ role: main, members: [member] }];
  if (extra.customRole) roles.push(role('projects/p-prod-1/roles/held', ['storage.buckets.get'])), projectBindings.push({ role: 'projects/p-prod-1/roles/held', members: [member] });
  const selfBindings = variant === 'self' ? [{ role: 'projects/p-prod-1/roles/target', members: [member] }] : undefined;
  const spec = oneProject(
    { bindings: projectBindings, serviceAccounts: [{ id: 'app', lastAuthDaysAgo: 1, ...(selfBindings && { bindings: selfBindings }) }, { id: 'other', lastAuthDaysAgo: 1 }] },
    roles,
  );
  const report = await auditScan(store, importOrg(store, spec));
  return report.findings.filter((f) => f.ruleId === 'gcp.privilege-escalation' && f.identityArn.startsWith('app@'));
}

describe('GCP escalation catalog', () => {
  it('names only permissions that exist in the predefined roles', () => {
    const roles = JSON.parse(gunzipSync(readFileSync(fixture('gcp/predefined-roles.json.gz'))).toString()) as { includedPermissions?: string[] }[];
    const known = new Set(roles.flatMap((r) => r.includedPermissions ?? []));
    for (const m of GCP_ESCALATION_METHODS) for (const p of [...m.permissions, ...(m.actAs ? [ACT_AS] : [])]) expect(known.has(p), `${m.id}: ${p}`).toBe(true);
    expect(new Set(GCP_ESCALATION_METHODS.map((m) => m.id)).size).toBe(GCP_ESCALATION_METHODS.length);
  });

  const table = GCP_ESCALATION_METHODS.map((m) => [m.id, m] as const);

  it.each(table)('%s is found from a minimal project binding', async (id, method) => {
    const found = await escalations(method, 'project', { customRole: method.target === 'held-custom-role' });
    expect(found.map((f) => f.granular)).toContain(`Escalation::${id}`);
    const f = found.find((x) => x.granular === `Escalation::${id}`)!;
    expect(f.severity).toBe('critical');
    if (method.target === 'service-account') expect(f.evidence.map((e) => e.summary).join('\n')).toContain(OTHER);
  });

  it.each(table)('%s is not found when scoped to the account itself', async (id, method) => {
    const found = await escalations(method, method.target === 'held-custom-role' ? 'project' : 'self');
    expect(found.map((f) => f.granular)).not.toContain(`Escalation::${id}`);
  });
});
