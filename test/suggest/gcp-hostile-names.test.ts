/**
 * GCP plans executed by /bin/sh against a fake `gcloud` first on PATH that
 * records its argv (test/helpers/fake-cloud-cli.ts): hostile condition titles and expressions, descriptions
 * and display names must arrive as exactly the planned arguments, and the
 * project guard must stop a script run against another project.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanFacts } from '../../src/analyse/scan-facts.js';
import { windowEndingAt } from '../../src/analyse/window.js';
import { loadAwsActionCatalog } from '../../src/catalog/aws-actions.js';
import { parseConfig } from '../../src/config/index.js';
import type { Finding } from '../../src/model/finding.js';
import { openStore } from '../../src/store/index.js';
import { suggestionsForScan, writePlan, type SuggestionWithPlan } from '../../src/suggest/index.js';
import { scriptName, stagesOf } from '../../src/suggest/script.js';
import { installFakeCloudCli, runScript } from '../helpers/fake-cloud-cli.js';
import { AS_OF, auditScan, importOrg, role } from '../helpers/gcp-audit.js';

const HOSTILE = `evil'"$HOME\`touch pwned-bt\`;touch pwned-semi $(touch pwned-sub),x=y\nsecond line\\`;
const STG = 'ci@p-stg.iam.gserviceaccount.com';
const PROD_SA = 'deployer@p-prod.iam.gserviceaccount.com';
const APP = 'app@p-stg.iam.gserviceaccount.com';

let work: string;
let entries: SuggestionWithPlan[];

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'kw-gcp-hostile-'));
  const store = openStore(':memory:');
  const config = parseConfig('environments:\n  accountTags:\n    - { key: env, value: production, environment: production }\n    - { key: env, value: staging, environment: staging }\n', 'k.yaml');
  const tc = { role: 'roles/iam.serviceAccountTokenCreator', members: [`serviceAccount:${STG}`], condition: { title: HOSTILE, expression: `request.time < timestamp("2027-01-01T00:00:00Z") || resource.name == '${HOSTILE}'` } };
  const scanId = importOrg(store, {
    organization: { id: '100', displayName: 'example.com', bindings: [] },
    folders: [{ id: '200', displayName: HOSTILE, parent: 'organizations/100', bindings: [] }],
    projects: [
      {
        id: 'p-stg',
        number: '301',
        name: HOSTILE,
        parent: 'folders/200',
        labels: { env: 'staging' },
        // A basic role under a hostile condition, mostly unused: replaced by a custom role under the same condition.
        bindings: [{ role: 'roles/editor', members: [`serviceAccount:${APP}`], condition: { title: HOSTILE, expression: `resource.name != '${HOSTILE}'` } }],
        insights: [{ sa: 'app', role: 'roles/editor', exercised: ['storage.buckets.get'], total: 3 }],
        serviceAccounts: [
          { id: 'ci', displayName: HOSTILE, lastAuthDaysAgo: 1, keys: [{ id: 'e5c0ffee00000000000000000000000000000005', createdDaysAgo: 400, lastAuthDaysAgo: 300 }] },
          { id: 'app', displayName: HOSTILE, lastAuthDaysAgo: 1 },
        ],
      },
      { id: 'p-prod', number: '302', name: 'P', parent: 'folders/200', labels: { env: 'production' }, bindings: [], serviceAccounts: [{ id: 'deployer', lastAuthDaysAgo: 1, bindings: [tc] }] },
    ],
    predefinedRoles: [role('roles/iam.serviceAccountTokenCreator', ['iam.serviceAccounts.getAccessToken']), role('roles/editor', ['storage.buckets.delete', 'storage.buckets.get', 'storage.buckets.list'])],
  });
  const report = await auditScan(store, scanId, config);
  const facts = scanFacts(store, await loadAwsActionCatalog(), config, { scanId, window: windowEndingAt(AS_OF, 90) });
  // The parsed report's findings are the Finding shape with evidence kinds widened to strings.
  entries = suggestionsForScan(store, facts, report.findings as unknown as Finding[], config);
  store.close();
  writePlan(path.join(work, 'plan'), entries, 'test plan');
  installFakeCloudCli(work);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(file: string, project: string) {
  const { result, calls, cwd } = runScript(file, ['--yes'], { fakeDir: work, work, env: { FAKE_PROJECT: project, KEYWARDEN_SKIP_WAIT: '1' } });
  return { result, argv: calls.map((c) => c.argv), cwd };
}

describe('GCP plans with hostile names', () => {
  it('plans the edge removal, the role replacement and the key retirement', () => {
    expect(entries.map((e) => e.suggestion.kind).sort()).toEqual(['disable-unused-gcp-key', 'remove-gcp-impersonation-edge', 'replace-gcp-role']);
  });

  it('passes every argument exactly, including the hostile condition, and runs nothing else', () => {
    let checked = 0;
    for (const { suggestion, plan } of entries) {
      for (const direction of ['apply', 'rollback'] as const) {
        const steps = direction === 'apply' ? plan.steps : plan.rollback;
        for (const stage of stagesOf(steps)) {
          const { result, argv, cwd } = run(path.join(work, 'plan', suggestion.id, scriptName(direction, stage)), plan.guard!.expected);
          expect(result.stderr).toBe('');
          expect(result.status).toBe(0);
          const commands = steps.filter((s) => s.stage === stage).flatMap((s) => s.commands);
          expect(argv).toEqual([['config', 'get-value', 'project'], ...commands.map((c) => c.argv.slice(1))]);
          expect(readdirSync(cwd)).toEqual([]);
          checked += commands.length;
        }
      }
    }
    const edge = entries.find((e) => e.suggestion.kind === 'remove-gcp-impersonation-edge')!.plan;
    const remove = edge.steps[0]!.commands[0]!.argv;
    expect(remove.slice(0, 5)).toEqual(['gcloud', 'iam', 'service-accounts', PROD_SA, 'remove-iam-policy-binding']);
    expect(remove).toContain(`--member=serviceAccount:${STG}`);
    // The title holds a comma: gcloud's alternate delimiter keeps it one value.
    expect(String(remove.at(-1))).toMatch(/^--condition=\^~\^expression=.*~title=evil'/s);
    expect(edge.rollback[0]!.commands[0]!.argv[4]).toBe('add-iam-policy-binding');
    const replace = entries.find((e) => e.suggestion.kind === 'replace-gcp-role')!.plan;
    const [create, add, removeOld] = replace.steps[0]!.commands.map((c) => c.argv);
    expect(create).toContain('--permissions=storage.buckets.get');
    expect(add!.slice(0, 4)).toEqual(['gcloud', 'projects', 'p-stg', 'add-iam-policy-binding']);
    // Same member and exact (hostile) condition on the new binding as on the removed one.
    expect(add!.slice(4).filter((a) => !String(a).startsWith('--role='))).toEqual(removeOld!.slice(4).filter((a) => !String(a).startsWith('--role=')));
    expect(String(removeOld!.at(-1))).toContain(`title=${HOSTILE}`);
    expect(checked).toBeGreaterThanOrEqual(9);
  });

  it('refuses to run against another project', () => {
    const { suggestion } = entries[0]!;
    const { result, argv } = run(path.join(work, 'plan', suggestion.id, scriptName('apply', 1)), 'some-other-project');
    expect(result.status).toBe(3);
    expect(argv).toEqual([['config', 'get-value', 'project']]);
  });
});
