/**
 * Every gcp.* rule both ways (fail and pass / not applicable), through the
 * real pipeline from gcloud files, on one-project organisations.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../src/report/json-schema.js';
import { openStore, type Store } from '../../../src/store/index.js';
import type { OrgSpec, ServiceAccountSpec } from '../../helpers/gcp-org.js';
import { AS_OF, SA, auditScan, importOrg, member, oneProject, role, envLabelConfig } from '../../helpers/gcp-audit.js';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:', { now: () => AS_OF });
});
afterEach(() => store.close());

const CONFIG = envLabelConfig({ production: 'production', dev: 'development' });

const ROLES = [
  role('roles/viewer', ['storage.buckets.get', 'storage.buckets.list']),
  role('roles/editor', ['storage.buckets.delete', 'storage.buckets.get', 'iam.serviceAccounts.actAs']),
  role('roles/owner', ['storage.buckets.delete', 'resourcemanager.projects.setIamPolicy']),
  role('roles/storage.objectAdmin', ['storage.objects.create', 'storage.objects.delete', 'storage.objects.get', 'storage.objects.list']),
];

const sa = (extra: Partial<ServiceAccountSpec> = {}): ServiceAccountSpec => ({ id: 'app', lastAuthDaysAgo: 1, ...extra });

async function run(spec: OrgSpec): Promise<AuditReport> {
  return auditScan(store, importOrg(store, spec), CONFIG);
}

async function outcome(ruleId: string, spec: OrgSpec) {
  const report = await run(spec);
  const tally = report.rules.find((r) => r.ruleId === ruleId)!;
  return { tally, findings: report.findings.filter((f) => f.ruleId === ruleId), report };
}

describe('gcp.basic-role', () => {
  it('fails for Editor on the project, passes for Viewer', async () => {
    const fail = await outcome('gcp.basic-role', oneProject({ bindings: [{ role: 'roles/editor', members: [member] }], serviceAccounts: [sa()] }, ROLES));
    expect(fail.findings.map((f) => [f.granular, f.severity])).toEqual([['Binding::roles/editor@projects/p-prod-1', 'critical']]);
    const pass = await outcome('gcp.basic-role', oneProject({ bindings: [{ role: 'roles/viewer', members: [member] }], serviceAccounts: [sa()] }, ROLES));
    expect(pass.tally).toMatchObject({ pass: 1, fail: 0 });
  });
});

describe('gcp.hierarchy-binding', () => {
  it('fails for a folder binding, passes for the same role on the project', async () => {
    const fail = await outcome('gcp.hierarchy-binding', oneProject({ serviceAccounts: [sa()] }, ROLES, {
      folders: [{ id: '200', displayName: 'apps', parent: 'organizations/100', bindings: [{ role: 'roles/viewer', members: [member] }] }],
    }));
    expect(fail.findings.map((f) => f.title)).toEqual(['roles/viewer bound on folder folders/200, inherited by 1 project(s)']);
    const pass = await outcome('gcp.hierarchy-binding', oneProject({ bindings: [{ role: 'roles/viewer', members: [member] }], serviceAccounts: [sa()] }, ROLES));
    expect(pass.tally).toMatchObject({ pass: 1, fail: 0 });
  });
});

describe('gcp.iam-changing-permission', () => {
  it('fails for Owner, passes once a deny policy removes setIamPolicy', async () => {
    const owner = { bindings: [{ role: 'roles/owner', members: [member] }], serviceAccounts: [sa()] };
    const fail = await outcome('gcp.iam-changing-permission', oneProject(owner, ROLES));
    expect(fail.findings).toHaveLength(1);
    const denied = await outcome('gcp.iam-changing-permission', oneProject({
      ...owner,
      deny: [{ id: 'no-iam', deniedPrincipals: ['principalSet://goog/public:all'], deniedPermissions: ['cloudresourcemanager.googleapis.com/projects.setIamPolicy'] }],
    }, ROLES));
    expect(denied.tally).toMatchObject({ pass: 1, fail: 0 });
  });

  it('errors rather than passes when a bound role is unknown', async () => {
    const r = await outcome('gcp.iam-changing-permission', oneProject({ bindings: [{ role: 'roles/unknown.role', members: [member] }], serviceAccounts: [sa()] }, ROLES));
    expect(r.tally).toMatchObject({ pass: 0, error: 1 });
    expect(r.report.coverage.entries).toContainEqual(expect.objectContaining({ scope: SA, source: 'gcp-roles', status: 'gap' }));
  });
});

describe('gcp.impersonation', () => {
  it('fails for actAs on the project, passes when granted on one service account only', async () => {
    const fail = await outcome('gcp.impersonation', oneProject({ bindings: [{ role: 'roles/editor', members: [member] }], serviceAccounts: [sa()] }, ROLES));
    expect(fail.findings.map((f) => f.severity)).toEqual(['critical']);
    const pass = await outcome('gcp.impersonation', oneProject({
      serviceAccounts: [sa(), { id: 'target', lastAuthDaysAgo: 1, bindings: [{ role: 'roles/editor', members: [member] }] }],
    }, ROLES));
    expect(pass.tally).toMatchObject({ pass: 2, fail: 0 });
  });
});

describe('gcp.production-reach', () => {
  it('fails for a dev account with write on production, not applicable for production accounts', async () => {
    const spec: OrgSpec = oneProject({ serviceAccounts: [sa({ id: 'prod-app' })] }, ROLES);
    spec.projects.push({
      id: 'p-dev-1', number: '301', name: 'D', parent: 'folders/200', labels: { env: 'dev' },
      bindings: [], serviceAccounts: [{ id: 'app', lastAuthDaysAgo: 1 }],
    });
    spec.projects[0]!.bindings.push({ role: 'roles/storage.objectAdmin', members: ['serviceAccount:app@p-dev-1.iam.gserviceaccount.com', 'serviceAccount:prod-app@p-prod-1.iam.gserviceaccount.com'] });
    const r = await outcome('gcp.production-reach', spec);
    expect(r.findings.map((f) => [f.identityArn, f.granular])).toEqual([['app@p-dev-1.iam.gserviceaccount.com', 'Project::p-prod-1']]);
    expect(r.tally).toMatchObject({ fail: 1, notApplicable: 1 });
    spec.projects[0]!.bindings = [{ role: 'roles/viewer', members: ['serviceAccount:app@p-dev-1.iam.gserviceaccount.com'] }];
    expect((await outcome('gcp.production-reach', spec)).tally).toMatchObject({ fail: 0, pass: 1 });
  });
});

describe('key rules', () => {
  const withKey = (key: Partial<NonNullable<ServiceAccountSpec['keys']>[number]>) =>
    oneProject({ serviceAccounts: [sa({ keys: [{ id: 'k1', createdDaysAgo: 10, lastAuthDaysAgo: 1, ...key }] })] }, ROLES);

  it('gcp.user-managed-key fails for a user-managed key, passes for system-managed or disabled ones', async () => {
    expect((await outcome('gcp.user-managed-key', withKey({}))).findings.map((f) => f.credentialId)).toEqual(['k1']);
    expect((await outcome('gcp.user-managed-key', withKey({ type: 'SYSTEM_MANAGED', expiresInDays: 10 }))).tally).toMatchObject({ pass: 1 });
    expect((await outcome('gcp.user-managed-key', withKey({ disabled: true }))).tally).toMatchObject({ pass: 1 });
  });

  it('gcp.key-age fails past keyMaxAgeDays, passes below, not applicable without keys', async () => {
    expect((await outcome('gcp.key-age', withKey({ createdDaysAgo: 120 }))).findings.map((f) => f.title)).toEqual(['key k1 is 120 days old (threshold 90)']);
    expect((await outcome('gcp.key-age', withKey({ createdDaysAgo: 30 }))).tally).toMatchObject({ pass: 1 });
    expect((await outcome('gcp.key-age', oneProject({ serviceAccounts: [sa()] }, ROLES))).tally).toMatchObject({ notApplicable: 1 });
  });

  it('gcp.key-never-expires fails for the 9999 sentinel, passes with an expiry', async () => {
    expect((await outcome('gcp.key-never-expires', withKey({}))).tally).toMatchObject({ fail: 1 });
    expect((await outcome('gcp.key-never-expires', withKey({ expiresInDays: 30 }))).tally).toMatchObject({ pass: 1 });
  });

  it('gcp.unused-credential fails for a key and account silent in the window, passes when used', async () => {
    const silent = oneProject({ serviceAccounts: [sa({ lastAuthDaysAgo: 120, keys: [{ id: 'k1', createdDaysAgo: 300, lastAuthDaysAgo: 120 }] })] }, ROLES);
    expect((await outcome('gcp.unused-credential', silent)).findings.map((f) => f.granular).sort()).toEqual(['Key::k1', 'ServiceAccount']);
    expect((await outcome('gcp.unused-credential', withKey({}))).tally).toMatchObject({ pass: 1 });
  });

  it('gcp.unused-credential is not applicable when Activity Analyzer was not exported', async () => {
    const spec = withKey({ lastAuthDaysAgo: undefined });
    spec.projects[0]!.omit = ['activity-service-account-last-authentication.json', 'activity-service-account-key-last-authentication.json'];
    const r = await outcome('gcp.unused-credential', spec);
    expect(r.tally).toMatchObject({ notApplicable: 1, fail: 0, pass: 0 });
    expect(r.report.coverage.complete).toBe(false);
  });
});

describe('gcp.unused-permissions', () => {
  const objectAdmin = (exercised: string[]) =>
    oneProject({
      bindings: [{ role: 'roles/storage.objectAdmin', members: [member] }],
      serviceAccounts: [sa()],
      insights: [{ sa: 'app', role: 'roles/storage.objectAdmin', exercised, total: 4 }],
    }, ROLES);

  it('fails when most observed permissions went unused, passes when they were used', async () => {
    const fail = await outcome('gcp.unused-permissions', objectAdmin(['storage.objects.get']));
    expect(fail.findings.map((f) => [f.title, f.severity])).toEqual([['3 of 4 permissions unused (75%), 0 unknown', 'medium']]);
    expect((await outcome('gcp.unused-permissions', objectAdmin(['storage.objects.get', 'storage.objects.list', 'storage.objects.create']))).tally).toMatchObject({ pass: 1 });
  });

  it('is not applicable when no source observes the permissions (unknown is not unused)', async () => {
    const spec = objectAdmin([]);
    spec.projects[0]!.insights = [];
    const r = await outcome('gcp.unused-permissions', spec);
    expect(r.tally).toMatchObject({ notApplicable: 1 });
    expect(r.report.identities[0]).toMatchObject({ unused: { actions: 0 }, unknown: { actions: 4 } });
  });

  it('counts audit-log use, and only ACTIVE insights', async () => {
    const spec = objectAdmin([]);
    spec.projects[0]!.insights![0]!.state = 'DISMISSED';
    spec.projects[0]!.logs = [{ sa: 'app', permissions: [{ permission: 'storage.objects.delete', granted: true }], daysAgo: 2 }];
    const r = await run(spec);
    expect(r.identities[0]).toMatchObject({ used: { actions: 1 }, unused: { actions: 0 }, unknown: { actions: 3 } });
  });
});

describe('gcp.privilege-creep', () => {
  it('fails when a later scan grants more, not applicable on the first scan, passes when unchanged', async () => {
    const before = oneProject({ bindings: [{ role: 'roles/viewer', members: [member] }], serviceAccounts: [sa()] }, ROLES);
    const first = await auditScan(store, importOrg(store, before, new Date('2026-10-01T00:00:00Z')), CONFIG);
    expect(first.rules.find((r) => r.ruleId === 'gcp.privilege-creep')).toMatchObject({ notApplicable: 1 });
    const same = await auditScan(store, importOrg(store, before, new Date('2026-10-15T00:00:00Z')), CONFIG);
    expect(same.rules.find((r) => r.ruleId === 'gcp.privilege-creep')).toMatchObject({ pass: 1 });
    const after = oneProject({ bindings: [{ role: 'roles/viewer', members: [member] }, { role: 'roles/editor', members: [member] }], serviceAccounts: [sa()] }, ROLES);
    const grown = await auditScan(store, importOrg(store, after), CONFIG);
    const f = grown.findings.filter((x) => x.ruleId === 'gcp.privilege-creep');
    expect(f.map((x) => [x.severity, x.title])).toEqual([['critical', '2 permission(s) added since 2026-10-01 (1 IAM-changing or impersonation)']]);
  });
});
