/**
 * GCP chains through the real pipeline: a staging account that can
 * impersonate (directly or through another staging account) a production
 * account, conditions on a hop, the JSON report's reach edges and
 * `explain` showing each hop with its binding.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanFacts } from '../../../src/analyse/scan-facts.js';
import { windowEndingAt } from '../../../src/analyse/window.js';
import { loadAwsActionCatalog } from '../../../src/catalog/aws-actions.js';
import { explainGcp } from '../../../src/cli/explain-gcp.js';
import { openStore, type Store } from '../../../src/store/index.js';
import type { BindingSpec, OrgSpec } from '../../helpers/gcp-org.js';
import { AS_OF, auditScan, importOrg, role, envLabelConfig } from '../../helpers/gcp-audit.js';

const CONFIG = envLabelConfig({ production: 'production', staging: 'staging' });

const CI = 'ci@p-stg.iam.gserviceaccount.com';
const MID = 'mid@p-stg.iam.gserviceaccount.com';
const DEPLOYER = 'deployer@p-prod.iam.gserviceaccount.com';
const TOKEN_CREATOR = 'roles/iam.serviceAccountTokenCreator';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => store.close());

/** ci can act on `mid` (staging), which can mint tokens for `deployer` (production); or ci directly on deployer. */
function org(opts: { direct?: boolean; condition?: boolean; midToProd?: boolean } = {}): OrgSpec {
  const tc = (who: string): BindingSpec => ({
    role: TOKEN_CREATOR,
    members: [`serviceAccount:${who}`],
    ...(opts.condition && { condition: { title: "only 'ci'", expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' } }),
  });
  const deployerBindings = [...(opts.direct ? [tc(CI)] : []), ...(opts.midToProd === false ? [] : [tc(MID)])];
  return {
    organization: { id: '100', displayName: 'example.com', bindings: [] },
    folders: [{ id: '200', displayName: 'apps', parent: 'organizations/100', bindings: [] }],
    projects: [
      {
        id: 'p-stg', number: '301', name: 'S', parent: 'folders/200', labels: { env: 'staging' }, bindings: [],
        serviceAccounts: [{ id: 'ci', lastAuthDaysAgo: 1 }, { id: 'mid', lastAuthDaysAgo: 1, bindings: [tc(CI)] }],
      },
      {
        id: 'p-prod', number: '302', name: 'P', parent: 'folders/200', labels: { env: 'production' },
        bindings: [{ role: 'roles/storage.admin', members: [`serviceAccount:${DEPLOYER}`] }],
        serviceAccounts: [{ id: 'deployer', lastAuthDaysAgo: 1, bindings: deployerBindings }],
      },
    ],
    predefinedRoles: [
      role(TOKEN_CREATOR, ['iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.signBlob', 'iam.serviceAccounts.signJwt', 'iam.serviceAccounts.implicitDelegation', 'iam.serviceAccounts.getOpenIdToken']),
      role('roles/storage.admin', ['storage.buckets.delete', 'storage.buckets.update', 'storage.objects.delete']),
    ],
  };
}

async function audit(spec: OrgSpec) {
  const scanId = importOrg(store, spec);
  const report = await auditScan(store, scanId, CONFIG);
  return { report, scanId, chains: report.findings.filter((f) => f.ruleId === 'gcp.staging-reaches-production') };
}

describe('gcp.staging-reaches-production', () => {
  it('finds the two-hop chain with the binding behind each hop, and the report carries the edges', async () => {
    const { report, chains } = await audit(org());
    const ci = chains.filter((f) => f.identityArn === CI);
    expect(ci.map((f) => [f.granular, f.severity])).toEqual([[`Chain::${DEPLOYER}`, 'critical']]);
    const hops = ci[0]!.evidence.find((e) => e.kind === 'reach-path')!.detail!.hops as { from: string; to: string; edge: string; grantedBy: string[] }[];
    expect(hops.map((h) => [h.from, h.to, h.edge])).toEqual([
      [CI, MID, 'gcp-impersonation'],
      [MID, DEPLOYER, 'gcp-impersonation'],
    ]);
    expect(hops[1]!.grantedBy[0]).toContain(`${TOKEN_CREATOR} bound to serviceAccount:${MID} on serviceAccounts/${DEPLOYER} (service-account level)`);
    expect(report.reach!.edges.map((e) => [e.from, e.to])).toEqual(expect.arrayContaining([[CI, MID], [MID, DEPLOYER]]));
    // mid reaches production in one hop; the production account itself is not judged here.
    expect(chains.filter((f) => f.identityArn === MID).map((f) => f.granular)).toEqual([`Chain::${DEPLOYER}`]);
    expect(report.rules.find((r) => r.ruleId === 'gcp.staging-reaches-production')).toMatchObject({ notApplicable: 1 });
    // ci holds a method itself (Token Creator on mid): escalation is direct.
    expect(report.findings.filter((f) => f.ruleId === 'gcp.privilege-escalation' && f.identityArn === CI).map((f) => f.granular)).toContain('Escalation::gcp:iam.serviceAccounts.getAccessToken');
  });

  it('is high when a hop holds only under an IAM condition, and absent when the last hop is removed', async () => {
    const conditional = await audit(org({ direct: true, condition: true }));
    const ci = conditional.chains.filter((f) => f.identityArn === CI);
    expect(ci.map((f) => f.severity)).toEqual(['high']);
    expect(JSON.stringify(ci[0]!.evidence)).toContain('request.time');
    store.close();
    store = openStore(':memory:');
    const broken = await audit(org({ midToProd: false }));
    expect(broken.chains).toEqual([]);
    expect(broken.report.rules.find((r) => r.ruleId === 'gcp.staging-reaches-production')).toMatchObject({ fail: 0, pass: 2 });
  });

  it('explain shows the GCP chain with the binding for each hop', async () => {
    const { scanId } = await audit(org());
    const facts = scanFacts(store, await loadAwsActionCatalog(), CONFIG, { scanId, window: windowEndingAt(AS_OF, 90) });
    const text = explainGcp(facts.context.gcp!, CI).join('\n');
    expect(text).toContain(`gcp-impersonation → ${MID}`);
    expect(text).toContain(`gcp-impersonation → ${DEPLOYER} (service account, project p-prod production`);
    expect(text).toContain(`because ${TOKEN_CREATOR} bound to serviceAccount:${CI} on serviceAccounts/${MID}`);
    expect(text).toContain('reaches 2 node(s) in all');
  });
});
