/**
 * Granted vs used by resource environment, per identity: values on the
 * bundled sample (a production-scoped statement, `*` in a staging account),
 * agreement with aws.production-reach, and GCP's project environment.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import type { AuditReport, IdentityAudit } from '../../src/report/json-schema.js';
import { openStore, type Store } from '../../src/store/index.js';
import { auditScan, importOrg, member, oneProject, role } from '../helpers/gcp-audit.js';
import { sampleReport } from '../report/report-fixtures.js';

let sample: AuditReport;
beforeAll(async () => {
  sample = await sampleReport();
}, 60_000);

const identity = (name: string, accountId: string): IdentityAudit => sample.identities.find((i) => i.name === name && i.accountId === accountId)!;
const byEnv = (i: IdentityAudit) => Object.fromEntries((i.grantedByEnvironment ?? []).map((e) => [e.environment, e]));

describe('granted vs used by environment (AWS sample)', () => {
  it('a staging identity: `*` is its own staging account, and one statement names a production role', () => {
    const agent = identity('staging-agent', '222222222222');
    const envs = byEnv(agent);
    expect(Object.keys(envs)).toEqual(['production', 'staging']);
    // sts:AssumeRole on arn:aws:iam::111111111111:role/prod-deployer: production by the account in the ARN.
    expect(envs.production).toMatchObject({ productionRisk: true, granted: 1, everyResource: 0, used: 1, unused: 0, unknown: 0 });
    expect(envs.production!.resources).toEqual(['arn:aws:iam::111111111111:role/prod-deployer']);
    // Everything on `*` lands in staging (the account's environment), none of it in production.
    expect(envs.staging).toMatchObject({ productionRisk: false, granted: 1630, everyResource: 1630, used: 4, unused: 1572, unknown: 54 });
    expect(envs.staging!.resources).toEqual(['*']);
  });

  it('production-scoped statements only: nothing through `*`, counts add up to granted', () => {
    const pipeline = identity('data-pipeline', '111111111111');
    const [only, ...rest] = pipeline.grantedByEnvironment!;
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ environment: 'production', granted: 6, everyResource: 0, used: 4, unused: 1, unknown: 1 });
    expect(only!.resources).toContain('arn:aws:s3:::acme-prod-raw/orders/*');
    expect(only!.resources).toHaveLength(5);
    expect(only!.resourcesOmitted).toBeGreaterThan(0);
  });

  it('every entry splits its granted actions into used, unused and unknown, none beyond the grant', () => {
    for (const i of sample.identities) {
      for (const e of i.grantedByEnvironment ?? []) {
        expect(e.used + e.unused + e.unknown, `${i.arn} ${e.environment}`).toBe(e.granted);
        expect(e.granted).toBeLessThanOrEqual(i.granted.actions);
        expect(e.everyResource).toBeLessThanOrEqual(e.granted);
        expect(e.used).toBeLessThanOrEqual(i.used.actions);
      }
    }
  });

  it('production agrees with aws.production-reach: same actions, counted per access level by the rule', () => {
    const checked = sample.identities.filter((i) => i.provider === 'aws' && i.kind !== 'root' && !byEnv(i).unknown);
    expect(checked.length).toBeGreaterThan(5);
    for (const i of checked) {
      const reach = sample.findings
        .filter((f) => f.ruleId === 'aws.production-reach' && f.identityArn === i.arn)
        .reduce((n, f) => n + ((f.evidence[0]!.detail as { count: number }).count ?? 0), 0);
      expect(byEnv(i).production?.granted ?? 0, i.arn).toBe(reach);
    }
  });
});

describe('granted vs used by environment (GCP)', () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(':memory:');
  });
  afterEach(() => store.close());

  it('counts every permission in the project environment', async () => {
    const config = parseConfig(`environments:\n  accountTags:\n    - { key: env, value: staging, environment: staging }\n`, 'k.yaml');
    const spec = oneProject(
      { labels: { env: 'staging' }, bindings: [{ role: 'roles/test.reader', members: [member] }], serviceAccounts: [{ id: 'app', lastAuthDaysAgo: 1 }] },
      [role('roles/test.reader', ['storage.objects.get', 'storage.objects.list', 'storage.buckets.delete'])],
    );
    const report = await auditScan(store, importOrg(store, spec), config);
    const sa = report.identities.find((i) => i.provider === 'gcp' && i.granted.actions > 0)!;
    expect(sa.grantedByEnvironment).toEqual([
      {
        environment: 'staging',
        productionRisk: false,
        granted: 3,
        everyResource: 3,
        used: sa.used.actions,
        unused: sa.unused.actions,
        unknown: sa.unknown.actions,
        resources: ['projects/p-prod-1'],
      },
    ]);
  });
});
