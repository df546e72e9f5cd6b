/**
 * The sample organisation, end to end through the project's own evaluation:
 * import samples/acme, plan, then apply every least-privilege replacement
 * to the stored grants (the identity's policies swapped for the generated
 * ones, its permissions boundary kept) as a new scan, and run effective
 * grants and the rules again. The root-level-scope and unused-permissions
 * findings of those identities must be gone, and every action they were
 * seen using in the window must still be allowed.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanFacts, type ScanFacts } from '../../src/analyse/scan-facts.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { loadAwsActionCatalog, type AwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { importExportDir } from '../../src/collect/files/import-export-dir.js';
import { loadConfig, type KeywardenConfig } from '../../src/config/index.js';
import type { PolicyAttachment, Snapshot } from '../../src/model/domain.js';
import type { Finding } from '../../src/model/finding.js';
import { policyHash } from '../../src/model/policy-hash.js';
import { asArray, type PolicyDocument } from '../../src/model/policy.js';
import { runRules } from '../../src/rules/engine.js';
import { ALL_RULES } from '../../src/rules/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { suggestionsForScan, type SuggestionWithPlan } from '../../src/suggest/index.js';
import { MANAGED_POLICY_MAX_CHARS, policySize } from '../../src/suggest/aws/least-privilege-policy.js';
import { patternCovers } from '../../src/suggest/aws/resource-scope.js';
import { actionPatternMatches } from '../../src/catalog/action-pattern.js';
import { projectRoot } from '../helpers/fixtures.js';

const SAMPLE = path.join(projectRoot, 'samples', 'acme');
const CONFIG = path.join(projectRoot, 'examples', 'keywarden.example.yaml');
const WINDOW = windowEndingAt(new Date('2026-11-15T23:59:59Z'), 60);
const REPLACED_RULES = ['aws.root-level-scope', 'aws.unused-permissions'];

let store: Store;
let catalog: AwsActionCatalog;
let config: KeywardenConfig;
let before: ScanFacts;
let beforeFindings: Finding[];
let replacements: SuggestionWithPlan[];

function analyse(scanId: number) {
  const facts = scanFacts(store, catalog, config, { scanId, window: WINDOW });
  return { facts, findings: runRules(ALL_RULES, facts.context).findings };
}

const documentsOf = (entry: SuggestionWithPlan): PolicyDocument[] =>
  entry.plan.documents.filter((d) => d.name.startsWith('replacement-')).map((d) => d.document as PolicyDocument);

beforeAll(async () => {
  catalog = await loadAwsActionCatalog();
  config = loadConfig(CONFIG);
  store = openStore(':memory:');
  const { snapshot, extras } = await importExportDir(SAMPLE, { alreadyIngested: () => false });
  const scanId = store.writeScan(snapshot, extras);
  ({ facts: before, findings: beforeFindings } = analyse(scanId));
  replacements = suggestionsForScan(store, before, beforeFindings, config).filter((s) => s.suggestion.kind === 'replace-with-least-privilege');
});

describe('least-privilege replacements for samples/acme', () => {
  it('are proposed for the over-broad identities of the sample', () => {
    const names = replacements.map((r) => r.suggestion.identityArn.split('/').pop()).sort();
    expect(names).toEqual(expect.arrayContaining(['alice.admin', 'ops-ai-agent', 'staging-agent', 'claude-code-agent', 'ci-deployer']));
  });

  it('name only catalog actions, stay within the managed policy size, and list services sorted', () => {
    for (const entry of replacements) {
      for (const document of documentsOf(entry)) {
        expect(policySize(document)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
        for (const statement of asArray(document.Statement).filter((s) => s.Effect === 'Allow')) {
          const actions = asArray(statement.Action);
          expect([...actions].sort()).toEqual(actions);
          for (const action of actions) {
            if (action.endsWith(':*')) expect(catalog.service(action.slice(0, -2)), action).toBeDefined();
            else expect(catalog.indexOf(action), action).toBeDefined();
          }
        }
      }
    }
  });

  it('once applied, leave no root-level-scope or unused-permissions finding on those identities, and allow every action used in the window', () => {
    const contents = store.scanContents(before.scan.id);
    const replaced = new Set(replacements.map((r) => r.suggestion.identityArn));
    const policies = new Map([...contents.policies].map(([hash, document]) => [hash, { hash, document }]));
    const attachments: PolicyAttachment[] = contents.attachments.filter((a) => !replaced.has(a.identityArn) || a.kind === 'permissions-boundary');
    for (const entry of replacements) {
      documentsOf(entry).forEach((document, i) => {
        const hash = policyHash(document);
        policies.set(hash, { hash, document });
        const policyName = `keywarden-lp-${i + 1}`;
        attachments.push({ identityArn: entry.suggestion.identityArn, policyHash: hash, kind: 'managed', policyName, policyArn: `arn:aws:iam::${entry.suggestion.accountId}:policy/${policyName}` });
      });
    }
    const applied: Snapshot = {
      provider: 'aws',
      source: 'test:replacements-applied',
      collectedAt: new Date(Date.parse(before.scan.collectedAt) + 60_000).toISOString(),
      accounts: contents.accounts,
      identities: contents.identities,
      credentials: contents.credentials,
      policies: [...policies.values()],
      attachments,
      accessAdvisor: contents.accessAdvisor,
      usage: [],
      unmappedEvents: [],
      ingested: [],
      coverage: contents.coverage,
    };
    const after = analyse(store.writeScan(applied));

    for (const arn of replaced) {
      const was = beforeFindings.filter((f) => f.identityArn === arn && REPLACED_RULES.includes(f.ruleId));
      expect(was.length, arn).toBeGreaterThan(0);
      const still = after.findings.filter((f) => f.identityArn === arn && REPLACED_RULES.includes(f.ruleId));
      expect(still.map((f) => `${f.ruleId} ${f.granular}`), arn).toEqual([]);

      const used = before.context.identities.find((f) => f.identity.arn === arn)!.usage.used;
      const grant = after.facts.context.identities.find((f) => f.identity.arn === arn)!.grant;
      expect(used.isEmpty() && !before.context.identities.find((f) => f.identity.arn === arn)!.audit.services.some((s) => s.status === 'used')).toBe(false);
      expect(used.subtract(grant.actions).toArray().map((i) => catalog.keyAt(i)), arn).toEqual([]);
    }
  });

  it('scope used actions to the resources their calls named: every observed call stays allowed, and no statement is wider than today', () => {
    let narrowed = 0;
    for (const entry of replacements) {
      const facts = before.context.identities.find((f) => f.identity.arn === entry.suggestion.identityArn)!;
      const allows = documentsOf(entry).flatMap((d) => asArray(d.Statement)).filter((st) => st.Effect === 'Allow');
      const allowsOn = (action: string, resource: string) =>
        allows.some((st) => asArray(st.Action).some((p) => actionPatternMatches(p, action)) && asArray(st.Resource).some((p) => patternCovers(p, resource)));
      for (const [action, evidence] of facts.usage.resources ?? []) {
        if (!facts.usage.used.has(catalog.indexOf(action)!)) continue;
        for (const resource of evidence.resources) expect(allowsOn(action, resource), `${action} on ${resource}`).toBe(true);
      }
      for (const st of allows) {
        for (const action of asArray(st.Action).filter((a) => !a.endsWith(':*'))) {
          const granting = facts.grant.grantsFor(catalog.indexOf(action)!);
          for (const resource of asArray(st.Resource)) {
            const within = granting.some((g) => g.unrestricted || g.notResources !== undefined || (g.resources ?? []).some((p) => patternCovers(p, resource)));
            expect(within, `${action} on ${resource}`).toBe(true);
            if (resource !== '*' && granting.some((g) => g.unrestricted)) narrowed++;
          }
        }
      }
    }
    // Actions granted on every resource today are now on the resources seen: strictly narrower.
    expect(narrowed).toBeGreaterThan(0);
  });

  it('names each replacement policy and its saved rollback in the plan', () => {
    for (const { plan } of replacements) {
      const apply = plan.steps.flatMap((s) => s.commands.map((c) => c.argv.slice(0, 3).join(' ')));
      expect(apply).toContain('aws iam create-policy');
      const rollback = plan.rollback.flatMap((s) => s.commands.map((c) => c.argv.slice(0, 3).join(' ')));
      expect(rollback).toContain('aws iam delete-policy');
    }
  });
});
