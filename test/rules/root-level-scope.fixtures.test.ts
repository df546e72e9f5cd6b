/**
 * aws.root-level-scope (and production-reach) on real
 * `get-account-authorization-details` exports, through the real importer,
 * store and facts. The expected admin principals are computed here by
 * reading the export's policies, independently of the grant engine.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { isReadOnlyName } from '../../src/catalog/root-level-scope.js';
import { parseConfig } from '../../src/config/index.js';
import type { WireAuthorizationDetails } from '../../src/model/aws-wire.js';
import { asArray, type PolicyDocument, type PolicyStatement } from '../../src/model/policy.js';
import { runRules } from '../../src/rules/engine.js';
import { productionReach } from '../../src/rules/aws/production-reach.js';
import { rootLevelScope } from '../../src/rules/aws/root-level-scope.js';
import type { RuleContext, RuleEvaluation } from '../../src/rules/rule.js';
import { describeFixtures, fixture } from '../helpers/fixtures.js';
import { exportDirWithAuthz, scenarioFromSnapshot, snapshotFromExportDir } from '../helpers/snapshot-scenario.js';

const FILES = {
  example: { file: 'aws/authz-cloudsplaining-example.json', account: '200611803367' },
  teaching: { file: 'aws/authz-cloudsplaining-teaching.json', account: '012345678901' },
  cloudmapper: { file: 'aws/cloudmapper-demo/iam-get-account-authorization-details.json', account: '123456789012' },
} as const;
type FixtureName = keyof typeof FILES;

/** No environment rules: every account is unknown, which counts as production. */
const NO_ENVIRONMENTS = parseConfig('{}', 'empty.yaml');

/** Each principal's policy documents as the export lists them: inline, attached managed, and its groups'. */
function principalDocuments(details: WireAuthorizationDetails): Map<string, { documents: PolicyDocument[]; boundary: boolean }> {
  const managed = new Map<string, PolicyDocument>();
  for (const p of details.Policies ?? []) {
    const version = p.PolicyVersionList?.find((v) => v.IsDefaultVersion);
    if (p.Arn && version) managed.set(p.Arn, version.Document as PolicyDocument);
  }
  const docsOf = (entry: { AttachedManagedPolicies?: { PolicyArn?: string }[] }, inline: { PolicyDocument?: unknown }[] | undefined) => [
    ...(inline ?? []).map((p) => p.PolicyDocument as PolicyDocument),
    ...(entry.AttachedManagedPolicies ?? []).map((a) => managed.get(a.PolicyArn!)!),
  ];
  const groups = new Map((details.GroupDetailList ?? []).map((g) => [g.GroupName!, docsOf(g, g.GroupPolicyList)]));
  const out = new Map<string, { documents: PolicyDocument[]; boundary: boolean }>();
  for (const u of details.UserDetailList ?? []) {
    out.set(u.Arn!, {
      documents: [...docsOf(u, u.UserPolicyList), ...(u.GroupList ?? []).flatMap((g) => groups.get(g) ?? [])],
      boundary: u.PermissionsBoundary !== undefined,
    });
  }
  for (const r of details.RoleDetailList ?? []) out.set(r.Arn!, { documents: docsOf(r, r.RolePolicyList), boundary: r.PermissionsBoundary !== undefined });
  return out;
}

const statements = (d: PolicyDocument): PolicyStatement[] => asArray(d.Statement);
const isStar = (v: string | string[] | undefined) => asArray(v).includes('*');

/** Allow Action * Resource * with no Condition, no unconditional Deny on *, no boundary: what "admin" means when read by hand. */
function readsAsAdmin(p: { documents: PolicyDocument[]; boundary: boolean }): boolean {
  const all = p.documents.flatMap(statements);
  const allowsAll = all.some((s) => s.Effect === 'Allow' && isStar(s.Action) && isStar(s.Resource) && !s.Condition);
  const deniesSome = all.some((s) => s.Effect === 'Deny' && isStar(s.Resource) && !s.Condition);
  return allowsAll && !deniesSome && !p.boundary;
}

let catalog: AwsActionCatalog;
const loaded = {} as Record<FixtureName, { details: WireAuthorizationDetails; context: RuleContext; root: RuleEvaluation[] }>;

describeFixtures('aws.root-level-scope on real exports', () => {
  beforeAll(async () => {
    catalog = await loadAwsActionCatalog();
    for (const [name, { file, account }] of Object.entries(FILES) as [FixtureName, (typeof FILES)[FixtureName]][]) {
      const path = fixture(file);
      const details = JSON.parse(readFileSync(path, 'utf8')) as WireAuthorizationDetails;
      const { context } = await scenarioFromSnapshot(snapshotFromExportDir(exportDirWithAuthz(path, account)), { config: NO_ENVIRONMENTS });
      loaded[name] = { details, context, root: rootLevelScope.evaluate(context) };
    }
  });

  const flagged = (name: FixtureName, granular: string) =>
    loaded[name].root.filter((e) => e.findings.some((f) => f.granular === granular)).map((e) => e.identityArn).sort();

  it.each(['example', 'teaching'] as const)('%s: Action::* flags exactly the principals whose policies read as Allow * on *', (name) => {
    const expected = [...principalDocuments(loaded[name].details)].filter(([, p]) => readsAsAdmin(p)).map(([arn]) => arn).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(flagged(name, 'Action::*')).toEqual(expected);
    for (const e of loaded[name].root.filter((x) => expected.includes(x.identityArn))) {
      expect(e.findings).toHaveLength(1);
      expect(e.findings[0]!.severity).toBe('critical'); // unknown environment counts as production
    }
  });

  it('example: the allow-all + deny-all principals are not admins', () => {
    const fp2 = loaded.example.root.filter((e) => e.identityArn.includes('fp2-allow-and-deny'));
    expect(fp2).toHaveLength(2);
    for (const e of fp2) expect(e.outcome).toBe('not-applicable');
  });

  it('example: the exploitable NotAction principals hold all but a few actions, one finding each', () => {
    const fn4 = loaded.example.root.filter((e) => e.identityArn.includes('fn4-exploitableNotAction'));
    expect(fn4).toHaveLength(2);
    for (const e of fn4) expect(e.findings.map((f) => f.granular)).toEqual(['Action::*-except']);
  });

  it('cloudmapper demo: findings match what its policies say', () => {
    const byArn = new Map(loaded.cloudmapper.root.map((e) => [e.identityArn, e]));
    const docs = principalDocuments(loaded.cloudmapper.details);
    const pm = catalog.withAccessLevel('Permissions management');
    for (const [arn, p] of docs) {
      const e = byArn.get(arn)!;
      const got = e.findings.map((f) => f.granular!).sort();
      if (readsAsAdmin(p)) {
        expect(got, arn).toEqual(['Action::*']);
        continue;
      }
      // Permissions management actions listed in an unconditioned Allow on Resource *.
      const expected = new Set<string>();
      for (const s of p.documents.flatMap(statements)) {
        if (s.Effect !== 'Allow' || !isStar(s.Resource) || s.Condition || s.NotAction) continue;
        for (const pattern of asArray(s.Action)) {
          for (const i of catalog.expand(pattern).indices) {
            if (pm.has(i) && !isReadOnlyName(catalog.actionAt(i).name)) expected.add(`Action::${catalog.keyAt(i)}`);
          }
        }
      }
      expect(got, arn).toEqual([...expected].sort());
    }
    expect(byArn.get('arn:aws:iam::123456789012:role/bad_role')!.findings[0]!.evidence[0]!.detail).toMatchObject({ policyName: 'dostuff', policyKind: 'inline', resources: ['*'] });
    expect(flagged('cloudmapper', 'Action::s3:PutBucketPolicy')).toEqual(['arn:aws:iam::123456789012:role/exfiller']);
  });

  it.each(Object.keys(FILES) as FixtureName[])('%s: neither rule throws, every identity has an outcome', (name) => {
    const { context } = loaded[name];
    const run = runRules([rootLevelScope, productionReach], context);
    expect(run.findings.filter((f) => f.granular === 'RuleError')).toEqual([]);
    for (const tally of run.tallies) {
      expect(tally.pass + tally.fail + tally.notApplicable + tally.error).toBe(context.identities.length);
      expect(tally.error).toBe(0);
    }
  });
});
