/**
 * The acme GCP organisation end to end: gcloud files -> snapshot -> store ->
 * facts -> rules -> JSON report, with the real predefined roles.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuditReport } from '../../../../src/analyse/audit.js';
import { windowEndingAt } from '../../../../src/analyse/window.js';
import { loadAwsActionCatalog } from '../../../../src/catalog/aws-actions.js';
import { importGcpExportDir } from '../../../../src/collect/files/gcp/import-gcp-export.js';
import { parseServiceAccountResource } from '../../../../src/collect/files/gcp/to-snapshot.js';
import { parseConfig } from '../../../../src/config/index.js';
import { reportSchema, type AuditReport } from '../../../../src/report/json-schema.js';
import { ALL_RULES } from '../../../../src/rules/index.js';
import { openStore, type Store } from '../../../../src/store/index.js';
import { ACME_AS_OF, BILLING, CI, DEFAULT_COMPUTE, IAM_BOT, OLD_ETL, SANDBOX_AGENT, acmeGcp } from '../../../helpers/acme-gcp.js';
import { describeFixtures, fixture } from '../../../helpers/fixtures.js';
import { writeGcloudExport } from '../../../helpers/gcp-org.js';

const CONFIG = `
environments:
  accountTags:
    - { key: env, value: production, environment: production }
    - { key: env, value: staging, environment: staging }
gcp:
  folderEnvironments:
    - { folder: non-production, environment: development }
`;

describeFixtures('acme GCP organisation from gcloud exports', () => {
  let tmp: string;
  let store: Store;
  let report: AuditReport;
  const config = { ...parseConfig(CONFIG, 'keywarden.yaml') };

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-gcp-'));
    writeGcloudExport(tmp, acmeGcp, ACME_AS_OF);
    store = openStore(':memory:', { now: () => ACME_AS_OF });
    const { snapshot, extras } = importGcpExportDir(tmp, {
      alreadyIngested: (d) => store.hasIngested(d),
      predefinedRolesFile: fixture('gcp/predefined-roles.json.gz'),
      now: () => ACME_AS_OF,
    });
    const scanId = store.writeScan(snapshot, extras);
    const built = buildAuditReport(store, await loadAwsActionCatalog(), {
      scanId,
      window: windowEndingAt(ACME_AS_OF, 90),
      config,
      rules: ALL_RULES,
      toolVersion: 'test',
      now: ACME_AS_OF,
    });
    report = reportSchema.parse(built);
  });
  afterAll(() => {
    store.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  const findings = (ruleId: string, email?: string) => report.findings.filter((f) => f.ruleId === ruleId && (!email || f.identityArn === email));
  const tally = (ruleId: string) => report.rules.find((r) => r.ruleId === ruleId)!;

  it('lists every project and service account, with environments from labels and folders', () => {
    expect(report.accounts.map((a) => [a.provider, a.accountId, a.identities])).toEqual([
      ['gcp', 'acme-data-staging', 2],
      ['gcp', 'acme-payments-prod', 3],
      ['gcp', 'acme-sandbox-ml', 1],
    ]);
    const env = Object.fromEntries(report.identities.map((i) => [i.arn, i.environment?.environment]));
    expect(env[BILLING]).toBe('production');
    expect(env[CI]).toBe('staging');
    expect(env[SANDBOX_AGENT]).toBe('development');
    expect(report.identities.find((i) => i.arn === SANDBOX_AGENT)!.environment!.how).toMatch(/folder non-production/);
  });

  it('expands roles inherited from folders and subtracts deny policies', () => {
    const ci = report.identities.find((i) => i.arn === CI)!;
    expect(ci.policies).toContainEqual({ name: 'roles/iam.serviceAccountUser', kind: 'binding:folder', arn: 'folders/500000000001' });
    expect(ci.granted.actions).toBeGreaterThan(11_000);
    const bot = report.identities.find((i) => i.arn === IAM_BOT)!;
    // iamManager's five permissions plus securityReviewer's; setIamPolicy is denied on the project.
    const iam = findings('gcp.iam-changing-permission', IAM_BOT);
    expect(iam).toHaveLength(1);
    expect(iam[0]!.evidence[0]!.summary).toContain('iam.roles.update');
    expect(iam[0]!.evidence[0]!.summary).not.toContain('resourcemanager.projects.setIamPolicy');
    expect(bot.policies.map((p) => p.kind).sort()).toEqual(['binding:organization', 'binding:project']);
  });

  it('flags basic roles, calling out the default compute account', () => {
    const basic = findings('gcp.basic-role');
    expect(basic.map((f) => f.identityArn).sort()).toEqual([DEFAULT_COMPUTE, CI].sort());
    expect(findings('gcp.basic-role', DEFAULT_COMPUTE)[0]!.title).toMatch(/default service account holds roles\/editor/);
    expect(tally('gcp.basic-role')).toMatchObject({ fail: 2, pass: 4 });
  });

  it('flags the folder binding, project-wide impersonation and production reach from staging', () => {
    expect(findings('gcp.hierarchy-binding').map((f) => [f.identityArn, f.granular, f.severity]).sort()).toEqual([
      [CI, 'Binding::roles/iam.serviceAccountUser@folders/500000000001', 'medium'],
      [IAM_BOT, 'Binding::roles/iam.securityReviewer@organizations/400000000001', 'high'],
    ]);
    expect(findings('gcp.hierarchy-binding', BILLING)).toEqual([]);
    expect(findings('gcp.impersonation', CI).map((f) => f.granular).sort()).toEqual([
      'Binding::roles/editor@projects/acme-payments-prod',
      'Binding::roles/iam.serviceAccountUser@folders/500000000001',
    ]);
    const reach = findings('gcp.production-reach', CI);
    expect(reach.map((f) => [f.granular, f.severity])).toEqual([['Project::acme-payments-prod', 'critical']]);
    expect(tally('gcp.production-reach').notApplicable).toBe(3);
  });

  it('judges keys: user-managed, age, expiry, and use within the window', () => {
    expect(findings('gcp.user-managed-key').map((f) => f.identityArn).sort()).toEqual([BILLING, CI, OLD_ETL].sort());
    expect(findings('gcp.key-age').map((f) => f.identityArn).sort()).toEqual([CI, OLD_ETL].sort());
    expect(findings('gcp.key-never-expires').map((f) => f.identityArn).sort()).toEqual([CI, OLD_ETL].sort());
    expect(findings('gcp.unused-credential').map((f) => [f.identityArn, f.granular])).toEqual([
      [OLD_ETL, 'Key::d4c0ffee00000000000000000000000000000004'],
      [OLD_ETL, 'ServiceAccount'],
    ]);
    expect(tally('gcp.unused-credential').pass).toBe(5);
  });

  it('splits permissions into used, unused and unknown from insights and audit logs', () => {
    const billing = report.identities.find((i) => i.arn === BILLING)!;
    expect(billing.granted.actions).toBe(23);
    expect(billing.used.actions).toBe(2);
    expect(billing.unused.actions).toBe(21);
    expect(billing.usageSources).toEqual(['gcp-activity-analyzer', 'gcp-audit-logs', 'gcp-recommender']);
    expect(billing.credentials[0]).toMatchObject({ id: 'b2c0ffee00000000000000000000000000000002', calls: 1 });
    expect(findings('gcp.unused-permissions').map((f) => f.identityArn).sort()).toEqual([BILLING, OLD_ETL].sort());
    expect(findings('gcp.unused-permissions', OLD_ETL)[0]!.severity).toBe('high'); // storage *.setIamPolicy unused
    const agent = report.identities.find((i) => i.arn === SANDBOX_AGENT)!;
    expect(agent.unknown.actions).toBe(agent.granted.actions);
    expect(report.rules.find((r) => r.ruleId === 'gcp.unused-permissions')!.notApplicable).toBeGreaterThanOrEqual(1);
  });

  it('reports missing evidence as a coverage gap, never as unused', () => {
    expect(report.coverage.complete).toBe(false);
    expect(report.coverage.entries).toContainEqual(expect.objectContaining({ scope: 'gcp:acme-sandbox-ml', source: 'recommender', status: 'gap' }));
  });

  it('runs the AWS rules over nothing for a GCP scan', () => {
    expect(report.rules.filter((r) => r.ruleId.startsWith('aws.')).every((r) => r.pass + r.fail + r.error + r.notApplicable === 0)).toBe(true);
  });
});

describeFixtures('a damaged role in a gcloud export', () => {
  it('records a roles file with a nameless role as a gap naming the file and entry, and imports everything else', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'keywarden-gcp-'));
    try {
      const org = acmeGcp.organization!;
      const nameless = { title: 'Deleted by hand', includedPermissions: ['storage.buckets.delete'] };
      writeGcloudExport(tmp, { ...acmeGcp, organization: { ...org, customRoles: [...(org.customRoles ?? []), nameless] } }, ACME_AS_OF);
      const { snapshot } = importGcpExportDir(tmp, { alreadyIngested: () => false, predefinedRolesFile: fixture('gcp/predefined-roles.json.gz'), now: () => ACME_AS_OF });
      const gap = snapshot.coverage.find((c) => c.source === 'custom-roles');
      expect(gap?.reason).toBe(`${path.join(tmp, 'gcp/organization/roles.json')} could not be read: unexpected content at ${(org.customRoles ?? []).length}.name: expected string`);
      // The organisation's custom roles are unknown, not silently empty; the projects and their accounts still import.
      expect(snapshot.gcp!.roles.some((r) => r.source === 'custom')).toBe(false);
      expect(snapshot.identities.map((i) => i.arn)).toEqual(expect.arrayContaining([CI, BILLING, OLD_ETL]));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('service-account resource names', () => {
  it('reads the email and key id, and takes a malformed %-escape as no account instead of throwing', () => {
    expect(parseServiceAccountResource('//iam.googleapis.com/projects/p/serviceAccounts/CI%40p.iam.gserviceaccount.com/keys/k1')).toEqual({
      email: 'ci@p.iam.gserviceaccount.com',
      keyId: 'k1',
    });
    // Found by the hostile-files property test (seed 2107069833): decodeURIComponent threw URIError.
    expect(parseServiceAccountResource('//iam.googleapis.com/projects/p/serviceAccounts/ci%E0%A4%A@p')).toBeUndefined();
  });
});
