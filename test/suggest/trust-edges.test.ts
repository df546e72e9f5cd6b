/**
 * remove-trust-edge from `reach-path` evidence: the assume-role hop from
 * staging into a production role becomes update-assume-role-policy with the
 * saved trust policy minus that principal; the rollback writes the saved
 * one back. (The rule producing such findings lives on another branch, so
 * the findings are built here as that rule's contract describes them.)
 */
import { describe, expect, it } from 'vitest';
import { scanFacts } from '../../src/analyse/scan-facts.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import type { Finding, ReachHop } from '../../src/model/finding.js';
import type { PolicyDocument } from '../../src/model/policy.js';
import { fingerprint, runRules } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { openStore } from '../../src/store/index.js';
import { suggestionsForScan } from '../../src/suggest/index.js';
import { withoutPrincipal } from '../../src/suggest/aws/trust-edges.js';
import { AS_OF, PROD, STAGING, snapshotOf, testConfig } from '../helpers/scenario.js';

const STAGING_AGENT = `arn:aws:iam::${STAGING}:role/agents/staging-agent`;
const PROD_DEPLOYER = `arn:aws:iam::${PROD}:role/prod-deployer`;
const PROD_CI = `arn:aws:iam::${PROD}:role/ci`;
const PROD_READER = `arn:aws:iam::${PROD}:role/reader`;

const EXACT_TRUST: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: [STAGING_AGENT, PROD_CI] }, Action: 'sts:AssumeRole' },
    { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};
const ACCOUNT_TRUST: PolicyDocument = {
  Version: '2012-10-17',
  Statement: { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${STAGING}:root` }, Action: 'sts:AssumeRole', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } },
};

function reachFinding(from: string, to: string): Finding {
  const hops: ReachHop[] = [{ from, to, edge: 'assume-role', grantedBy: [`trust policy of ${to}`] }];
  const base = { ruleId: 'aws.staging-reaches-production', identityArn: from, granular: `Path::${to}` };
  return {
    ...base,
    severity: 'critical',
    accountId: from.split(':')[4]!,
    title: `${from} can reach ${to}`,
    evidence: [{ kind: 'reach-path', summary: `${from} -> ${to}`, detail: { hops } }],
    fingerprint: fingerprint(base),
  };
}

async function plan(trust: Record<string, PolicyDocument>, extra: Finding[]) {
  const snapshot = snapshotOf({
    identities: [STAGING_AGENT, PROD_DEPLOYER, PROD_READER].map((arn) => ({
      arn,
      policies: [{ name: 'p', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }] } }],
    })),
  });
  snapshot.identities = snapshot.identities.map((i) => (trust[i.arn] ? { ...i, trustPolicy: trust[i.arn] } : i));
  const store = openStore(':memory:');
  const config = testConfig();
  const facts = scanFacts(store, await loadAwsActionCatalog(), config, { scanId: store.writeScan(snapshot), window: windowEndingAt(AS_OF, 90) });
  const findings = [...runRules(ALL_RULES, facts.context).findings, ...extra];
  return suggestionsForScan(store, facts, findings, config).filter((s) => s.suggestion.kind === 'remove-trust-edge');
}

describe('remove-trust-edge', () => {
  it('removes exactly the staging principal and restores the saved trust policy on rollback', async () => {
    const finding = reachFinding(STAGING_AGENT, PROD_DEPLOYER);
    const [entry, ...rest] = await plan({ [PROD_DEPLOYER]: EXACT_TRUST }, [finding]);
    expect(rest).toEqual([]);
    const { suggestion, plan: p } = entry!;
    expect(suggestion.identityArn).toBe(PROD_DEPLOYER);
    expect(suggestion.accountId).toBe(PROD);
    expect(suggestion.resolves).toEqual([finding.fingerprint]);
    expect(suggestion.steps[0]!.commands).toEqual(['aws iam update-assume-role-policy --role-name prod-deployer --policy-document file://documents/trust-without-edge.json']);
    expect(suggestion.rollback[0]!.commands).toEqual(['aws iam update-assume-role-policy --role-name prod-deployer --policy-document file://documents/saved-trust-policy.json']);
    const docs = new Map(p.documents.map((d) => [d.name, d.document]));
    expect(docs.get('saved-trust-policy.json')).toEqual(EXACT_TRUST);
    expect(docs.get('trust-without-edge.json')).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: PROD_CI }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    expect(suggestion.risk).toContain('Only');
    expect(p.guard?.expected).toBe(PROD);
  });

  it('says so when the trust names the whole staging account, and never leaves an empty trust policy', async () => {
    const [entry] = await plan({ [PROD_DEPLOYER]: ACCOUNT_TRUST }, [reachFinding(STAGING_AGENT, PROD_DEPLOYER)]);
    expect(entry!.suggestion.risk).toContain(`every principal of account ${STAGING}`);
    const edited = entry!.plan.documents.find((d) => d.name === 'trust-without-edge.json')!.document as PolicyDocument;
    expect(edited.Statement).toEqual([{ Sid: 'KeywardenNoTrust', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }]);
  });

  it('makes no suggestion for a hop inside production or a role whose trust does not name the principal', async () => {
    expect(await plan({ [PROD_DEPLOYER]: EXACT_TRUST }, [reachFinding(PROD_READER, PROD_DEPLOYER)])).toEqual([]);
    expect(withoutPrincipal(EXACT_TRUST, `arn:aws:iam::333333333333:role/x`)).toBeUndefined();
  });
});
